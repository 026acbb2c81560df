"""HTTPS and WSS through a real squid on loopback: system proxy from the environment, --proxy, 407 handling,
and proxy passwords never reaching a result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.model import Category, Status, Verdict
from app.engine.urls import parse_proxy_url
from tests.unit.loopback_servers import HttpsServer
from tests.unit.test_wss_probe import PROXY_VARS, checks, run, write_profile
from tests.unit.wss_server import Squid, WssServer, have_squid

pytestmark = pytest.mark.skipif(not have_squid(), reason="squid and htpasswd (apache2-utils) are needed")
SECRET = "s3cret-Pass!"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    from tests.unit.loopback_servers import DnsServer, make_ca

    ca = make_ca(tmp_path_factory.mktemp("pca"), ["web.test", "ok.test"])
    dns_server = DnsServer().start()
    web = HttpsServer(ca).start()
    ws = WssServer(ca.cert_pem, ca.key_pem)
    hosts = {"web.test": "127.0.0.1", "ok.test": "127.0.0.1"}
    open_squid = Squid(hosts)
    auth_squid = Squid(hosts, "alice", SECRET)
    yield {"ca": ca, "dns": dns_server, "web": web, "wss": ws, "squid": open_squid, "auth": auth_squid}
    for s in (open_squid, auth_squid, ws, web, dns_server):
        s.stop()


@pytest.fixture()
def env(lab, monkeypatch: pytest.MonkeyPatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(lab["ca"].ca_pem))
    return monkeypatch


def urls(lab) -> tuple[str, str]:
    return f"https://web.test:{lab['web'].port}/", f"wss://ok.test:{lab['wss'].port}/"


def test_system_proxy_from_environment_carries_https_and_wss(lab, env, tmp_path: Path) -> None:
    env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{lab['squid'].port}")
    web, ws = urls(lab)
    result = run(write_profile(tmp_path / "p.toml", [web], [ws]), lab["dns"].port, lab["ca"].ca_pem)
    h, w = checks(result, Category.HTTPS)[web], checks(result, Category.WSS)[ws]
    assert h.status is Status.PASS and h.details["route"] == f"PROXY http://127.0.0.1:{lab['squid'].port}", h.details
    assert "proxy_tunnel" in h.details["timings_ms"] and "through the proxy" in h.summary
    assert w.status is Status.PASS and w.details["pongs"] >= 3, w.summary
    log = lab["squid"].access_log()
    assert f"CONNECT web.test:{lab['web'].port}" in log and f"CONNECT ok.test:{lab['wss'].port}" in log
    p = checks(result, Category.PROXY)["system proxy settings"]
    assert p.findings == ("proxy_detected",) and p.details["applies"] == "environment"
    assert p.details["routes"][web]["route"].startswith("PROXY")
    finding = next(f for f in result.findings if f.code == "proxy_detected")
    assert f"127.0.0.1:{lab['squid'].port}" in finding.it_action
    assert not [f.code for f in result.findings if f.severity != "info"], result.it_message


def test_no_proxy_bypass_goes_direct(lab, env, tmp_path: Path) -> None:
    env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{lab['squid'].port}")
    env.setenv("NO_PROXY", ".test")
    web, _ = urls(lab)
    before = lab["squid"].access_log().count("CONNECT")
    result = run(write_profile(tmp_path / "p.toml", [web]), lab["dns"].port, lab["ca"].ca_pem)
    h = checks(result, Category.HTTPS)[web]
    assert h.status is Status.PASS and h.details["route"] == "DIRECT"
    assert lab["squid"].access_log().count("CONNECT") == before


def test_proxy_asking_for_login_is_reported_and_kudo_says_it_is_unsupported(lab, env, tmp_path: Path) -> None:
    env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{lab['auth'].port}")
    web, ws = urls(lab)
    result = run(write_profile(tmp_path / "p.toml", [web], [ws]), lab["dns"].port)
    h = checks(result, Category.HTTPS)[web]
    assert h.status is Status.FAIL and h.findings == ("proxy_auth_required",)
    assert h.details["proxy_status"] == 407 and "Basic" in h.details["proxy_auth_schemes"]
    assert checks(result, Category.WSS)[ws].findings == ("proxy_auth_required",)
    assert result.verdict is Verdict.BLOCKED

    kudo = run(write_profile(tmp_path / "k.toml", [web], auth_proxy_ok=False, name="KUDO"), lab["dns"].port)
    k = checks(kudo, Category.HTTPS)[web]
    assert k.status is Status.FAIL and k.summary == "KUDO does not support proxies requiring authentication."
    finding = next(f for f in kudo.findings if f.code == "proxy_auth_required")
    assert "KUDO does not support proxies requiring authentication" in finding.advice


def test_credentials_in_proxy_url_are_used_and_never_shown(lab, env, tmp_path: Path) -> None:
    web, ws = urls(lab)
    good = parse_proxy_url(f"http://alice:{SECRET}@127.0.0.1:{lab['auth'].port}")
    result = run(write_profile(tmp_path / "p.toml", [web], [ws]), lab["dns"].port, lab["ca"].ca_pem, proxy=good)
    via = {c.id: c for c in result.checks if c.id.endswith("+proxy")}
    assert len(via) == 2 and all(c.status is Status.PASS for c in via.values()), [c.summary for c in via.values()]
    assert "alice" in lab["auth"].access_log()  # squid saw the login
    bad = parse_proxy_url(f"http://alice:wrong-{SECRET}@127.0.0.1:{lab['auth'].port}")
    refused = run(write_profile(tmp_path / "p.toml", [web]), lab["dns"].port, proxy=bad)
    r = next(c for c in refused.checks if c.id.endswith("+proxy"))
    assert r.findings == ("proxy_auth_required",) and "rejected the login" in r.summary
    for res in (result, refused):
        text = json.dumps(res.to_json())
        assert SECRET not in text and "***@127.0.0.1" in text


def test_unreachable_proxy_is_proxy_failed(lab, env, tmp_path: Path) -> None:
    from tests.unit.wss_server import free_port

    env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{free_port()}")
    web, _ = urls(lab)
    result = run(write_profile(tmp_path / "p.toml", [web]), lab["dns"].port)
    h = checks(result, Category.HTTPS)[web]
    assert h.findings == ("proxy_failed",) and h.details["failed_phase"] == "proxy_connect"
    assert h.details["error_kind"] == "refused"
