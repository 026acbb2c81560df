"""Captive-portal check against real HTTP servers on loopback: normal answers, a login page, a redirect, no DNS."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.model import Category, Status
from app.net.http import HttpResponse
from app.probes import captive
from tests.unit.loopback_servers import DnsServer
from tests.unit.test_wss_probe import PROXY_VARS, run, write_profile
from tests.unit.wss_server import LOGIN_PAGE, CaptiveServer


@pytest.fixture(scope="module")
def servers():
    dns_server = DnsServer().start()
    found = {mode: CaptiveServer(mode) for mode in ("open", "portal", "redirect")}
    yield dns_server, found
    for s in (*found.values(), dns_server):
        s.stop()


def probes_for(port: int, a: str = "web.test", b: str = "ok.test") -> tuple[captive.CaptiveProbe, ...]:
    return (
        captive.CaptiveProbe(f"http://{a}:{port}/generate_204", 204),
        captive.CaptiveProbe(f"http://{b}:{port}/hotspot-detect.html", 200, b"Success"),
    )


def captive_check(servers, tmp_path: Path, monkeypatch, probes):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(captive, "CAPTIVE_PROBES", probes)
    dns_server, _ = servers
    result = run(write_profile(tmp_path / "p.toml", ["https://web.test/"]), dns_server.port, timeout=15)
    return result, next(c for c in result.checks if c.category is Category.CAPTIVE_PORTAL)


def test_open_network_passes(servers, tmp_path: Path, monkeypatch) -> None:
    _, check = captive_check(servers, tmp_path, monkeypatch, probes_for(servers[1]["open"].port))
    assert check.status is Status.PASS, check.details
    assert [p["result"] for p in check.details["probes"]] == ["open", "open"]


def test_login_page_everywhere_is_a_captive_portal(servers, tmp_path: Path, monkeypatch) -> None:
    result, check = captive_check(servers, tmp_path, monkeypatch, probes_for(servers[1]["portal"].port))
    assert check.status is Status.FAIL and check.findings == ("captive_portal",)
    assert "Guest Wi-Fi login" in check.summary
    finding = next(f for f in result.findings if f.code == "captive_portal")
    assert "sign in" in finding.advice and "run the check again" in finding.advice


def test_redirect_is_a_captive_portal_with_its_address(servers, tmp_path: Path, monkeypatch) -> None:
    _, check = captive_check(servers, tmp_path, monkeypatch, probes_for(servers[1]["redirect"].port))
    assert check.findings == ("captive_portal",) and check.details["portal_url"] == "http://portal.test/login"


def test_names_that_do_not_resolve_leave_it_unknown(servers, tmp_path: Path, monkeypatch) -> None:
    _, check = captive_check(servers, tmp_path, monkeypatch, probes_for(servers[1]["open"].port, "nx.test", "nx.test"))
    assert check.status is Status.SKIP and check.findings == ()


def test_judge_table() -> None:
    p204, papple = (
        captive.CaptiveProbe("http://x/generate_204", 204),
        captive.CaptiveProbe("http://y/", 200, b"Success"),
    )
    assert captive.judge(p204, HttpResponse(204, "No Content", {}, b""))[0] == captive.OPEN
    assert captive.judge(p204, HttpResponse(200, "OK", {"content-type": "text/html"}, LOGIN_PAGE))[0] == captive.PORTAL
    assert captive.judge(papple, HttpResponse(200, "OK", {}, b"<HTML>Success</HTML>"))[0] == captive.OPEN
    assert captive.judge(papple, HttpResponse(302, "Found", {"location": "http://login/"}, b""))[0] == captive.PORTAL
    assert captive.judge(papple, HttpResponse(511, "Network Authentication Required", {}, b""))[0] == captive.PORTAL
    assert captive.judge(papple, HttpResponse(407, "Proxy Authentication Required", {}, b""))[0] == captive.UNKNOWN
    assert captive.judge(papple, HttpResponse(503, "Unavailable", {}, b""))[0] == captive.UNKNOWN
