"""System facts: pure parsers for browser versions, proxy credentials and the public address; collect() shape."""

from __future__ import annotations

import plistlib
from pathlib import Path

from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.probes import browsers
from app.report import system
from tests.unit.report_fakes import run_result


def test_versions_from_browser_output_plist_and_folders(tmp_path: Path) -> None:
    assert browsers.parse_version("Chromium 120.0.6099.224 built on Debian 12.4") == "120.0.6099.224"
    assert browsers.parse_version("Mozilla Firefox 115.6.0esr") == "115.6.0"
    assert browsers.parse_version("garbage") is None
    assert (
        browsers.mac_bundle_version(plistlib.dumps({"CFBundleShortVersionString": "124.0.6367.91"})) == "124.0.6367.91"
    )
    assert browsers.mac_bundle_version(b"not a plist") is None
    assert browsers.newest_version(["Locales", "119.0.6045.200", "120.0.6099.110", "SetupMetrics"]) == "120.0.6099.110"
    (tmp_path / "120.0.6099.110").mkdir()
    (tmp_path / "9.1.0.0").mkdir()
    assert browsers.windows_version(tmp_path) == "120.0.6099.110"
    (tmp_path / "application.ini").write_text("[App]\nVendor=Mozilla\nVersion=121.0.1\n")
    assert browsers.windows_version(tmp_path) == "121.0.1"


def test_proxy_credentials_never_survive() -> None:
    assert system.strip_credentials("http://bob:pa55@proxy.corp:3128") == "http://***@proxy.corp:3128"
    assert system.strip_credentials("proxy.corp:8080") == "proxy.corp:8080"
    env = {"HTTPS_PROXY": "http://u:topsecret@p:1", "no_proxy": "localhost,.corp", "PATH": "/bin"}
    got = system.proxies(env)["environment"]
    assert got == {"HTTPS_PROXY": "http://***@p:1", "no_proxy": "localhost,.corp"}


def test_public_address_prefers_stun_then_turn() -> None:
    rows = [
        (Category.TURN_UDP, "t:3478", Status.PASS, "ok", {"mapped_address": "198.51.100.9:1000"}, ()),
        (Category.STUN, "s:3478", Status.PASS, "ok", {"mapped_address": "[2001:db8::5]:4242"}, ()),
    ]
    assert system.public_address(run_result(rows)) == "2001:db8::5"
    assert system.public_address(run_result(rows[:1])) == "198.51.100.9"
    assert system.public_address(run_result([(Category.DNS, "a", Status.PASS, "ok", {}, ())])) is None


def test_collect_has_every_fact_and_uses_the_run_resolvers() -> None:
    options = RunOptions(nameservers=("127.0.0.1:5353",))
    facts = system.collect(run_result(), load_profile("flo-recruit"), options)
    assert facts["dns_resolvers"] == ["127.0.0.1:5353"]
    assert facts["os"]["system"] and facts["callready"]["version"]
    assert any(i["name"] for i in facts["interfaces"])
    assert all({"name", "version", "path"} <= set(b) for b in facts["browsers"])
