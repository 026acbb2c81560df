"""TURN over TCP/TLS through an HTTP proxy's CONNECT tunnel, as Chromium sends it: real squid and real coturn on
loopback. The direct path is made to fail by the test DNS (relay.test -> 127.0.0.2, where coturn does not listen)
while squid resolves relay.test to 127.0.0.1 from its own hosts file."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from app.engine.model import Category, Status, Verdict
from app.engine.options import RunOptions, TurnCredentials
from app.engine.profile import load_profile
from app.engine.session import Session
from app.engine.urls import parse_ice_url, parse_proxy_url
from app.probes import turn
from tests.unit import coturn_servers as cs
from tests.unit import loopback_servers
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca
from tests.unit.test_wss_probe import PROXY_VARS
from tests.unit.wss_server import Squid, have_squid

pytestmark = pytest.mark.skipif(
    not (cs.available() and have_squid()), reason="coturn (turnserver), squid and htpasswd are needed"
)
SECRET = "pr0xy-Secret!"
# the client's DNS: relay.test points where no relay listens (the direct path fails at once); hidden.test is
# unknown to it (NXDOMAIN, as external names on many proxy-only networks); squid knows both as 127.0.0.1
CLIENT_ZONE = {"relay.test.": "127.0.0.2"}
SQUID_HOSTS = {"relay.test": "127.0.0.1", "hidden.test": "127.0.0.1", "web.test": "127.0.0.1"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("turnproxy")
    ca = make_ca(folder / "ca", ["relay.test", "hidden.test", "web.test"])
    coturn = cs.start_coturn(folder / "coturn", ca)
    dns = DnsServer().start()
    https = HttpsServer(ca).start()
    open_squid = Squid(SQUID_HOSTS)
    auth_squid = Squid(SQUID_HOSTS, "alice", SECRET)
    not_turn = cs.ResetAfterTls(ca, answer=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    yield {"ca": ca, "coturn": coturn, "dns": dns, "https": https, "squid": open_squid, "auth": auth_squid,
           "not_turn": not_turn, "folder": folder}  # fmt: skip
    for s in (not_turn, auth_squid, open_squid, https, dns, coturn):
        s.stop()


@pytest.fixture(autouse=True)
def env(lab, monkeypatch: pytest.MonkeyPatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(lab["ca"].ca_pem))
    for name, address in CLIENT_ZONE.items():
        monkeypatch.setitem(loopback_servers.ZONE, name, address)
    return monkeypatch


def proxy_url(lab) -> str:
    return f"http://127.0.0.1:{lab['squid'].port}"


def logged(squid: Squid, text: str, wait_s: float = 3.0) -> bool:
    """squid writes a CONNECT to its access log when the tunnel ends, a moment after we closed it."""
    deadline = time.monotonic() + wait_s
    while text not in squid.access_log():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def reach(url: str, proxy: str) -> turn.Reach:
    return asyncio.run(turn.reach("", parse_ice_url(url), parse_proxy_url(proxy)))


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_allocate_through_connect_gets_the_401_challenge(lab, transport):
    c = lab["coturn"]
    url = f"turns:relay.test:{c.tls_port}" if transport == "tls" else f"turn:relay.test:{c.port}?transport=tcp"
    r = reach(url, proxy_url(lab))
    assert r.ok, r.summary
    assert r.details["answer"].startswith("401") and r.details["realm"] == cs.REALM
    assert r.details["proxy"] == proxy_url(lab) and "proxy_tunnel" in r.details["timings_ms"]
    assert f"through the proxy {proxy_url(lab)}" in r.summary
    port = c.tls_port if transport == "tls" else c.port
    assert logged(lab["squid"], f"CONNECT relay.test:{port}")
    if transport == "tls":
        assert r.details["tls_version"].startswith("TLS")


def test_407_is_recorded_and_a_login_in_the_proxy_url_opens_the_tunnel(lab):
    url = f"turns:relay.test:{lab['coturn'].tls_port}"
    refused = reach(url, f"http://127.0.0.1:{lab['auth'].port}")
    assert not refused.ok
    assert refused.details["proxy_status"] == 407 and refused.details["error_kind"] == "proxy_auth"
    assert "Basic" in refused.details["proxy_auth_schemes"] and "407" in refused.summary
    good = reach(url, f"http://alice:{SECRET}@127.0.0.1:{lab['auth'].port}")
    assert good.ok and good.details["answer"].startswith("401"), good.summary
    assert SECRET not in json.dumps(good.details) + good.summary and "***@127.0.0.1" in good.summary


def test_proxy_that_cannot_reach_the_relay_is_not_a_pass(lab):
    r = reach(f"turns:relay.test:{cs.free_port()}", proxy_url(lab))
    assert not r.ok and r.details["failed_phase"] == "proxy" and r.details["proxy_status"] in (502, 503)
    assert "refused a tunnel to relay.test:" in r.summary and f"(HTTP {r.details['proxy_status']} " in r.summary


def test_tunnel_that_opens_but_carries_no_turn_says_so_and_names_the_certificate_issuer(lab):
    r = reach(f"turns:relay.test:{lab['not_turn'].port}", proxy_url(lab))
    assert not r.ok and r.details["failed_phase"] == "allocate" and r.details["error_kind"] == "protocol"
    assert r.details["certificate_issuer"] == "CallReady Test Root CA"
    assert r.summary.startswith(f"The proxy {proxy_url(lab)} opened a tunnel to relay.test:"), r.summary
    assert "'CallReady Test Root CA'" in r.summary


def run(lab, name: str, relays: list[str], **kw):
    web = [f"https://web.test:{lab['https'].port}/"]
    path = cs.write_ice_profile(lab["folder"] / f"{name}.toml", [f"stun:relay.test:{lab['coturn'].port}"], relays, web)
    options = RunOptions(
        timeout_s=20.0, nameservers=(f"127.0.0.1:{lab['dns'].port}",), loopback_is_real=True,
        media_duration_s=1.0, public_roots=lab["ca"].ca_pem, **kw,
    )  # fmt: skip
    return asyncio.run(Session(load_profile(str(path)), options).run())


def by_id(result):
    return {c.id: c for c in result.checks}


def test_system_proxy_carries_turn_tls_and_media_is_measured_through_it(lab, env):
    env.setenv("HTTPS_PROXY", proxy_url(lab))
    c = lab["coturn"]
    relays = [f"turn:relay.test:{c.port}?transport=udp", f"turns:relay.test:{c.tls_port}?transport=tcp"]
    result = run(lab, "sys", relays)
    checks = by_id(result)
    tls = checks[f"turn_tls:relay.test:{c.tls_port}"]
    assert tls.status is Status.PASS and tls.details["path"] == "proxy", tls.summary
    assert tls.details["direct"]["ok"] is False and tls.details["direct"]["error_kind"] == "refused"
    assert tls.details["via_proxy"][0]["ok"] is True and tls.details["via_proxy"][0]["answer"].startswith("401")
    assert tls.summary.startswith(f"Relay reachable over TLS {c.tls_port} through the proxy {proxy_url(lab)}")
    # UDP never goes through an HTTP proxy
    udp = checks[f"turn_udp:relay.test:{c.port}"]
    assert udp.status is Status.FAIL and "via_proxy" not in udp.details
    media = checks["media:quality"]
    assert media.status is Status.PASS, media.summary
    assert "through the proxy" in media.details["path"] and media.details["transport"] == "tls"
    assert media.details["received"] > 0 and media.details["via"] == proxy_url(lab)
    codes = {f.code for f in result.findings}
    assert "relay_only" in codes and "media_blocked" not in codes and "turn_tls_blocked" not in codes
    assert result.verdict is Verdict.DEGRADED, [(f.code, f.severity) for f in result.findings]


def test_a_relay_name_only_the_proxy_can_resolve_is_tried_through_it(lab, env):
    env.setenv("HTTPS_PROXY", proxy_url(lab))
    port = lab["coturn"].tls_port
    hidden = by_id(run(lab, "hidden", [f"turns:hidden.test:{port}?transport=tcp"]))[f"turn_tls:hidden.test:{port}"]
    assert hidden.status is Status.PASS and hidden.details["path"] == "proxy", hidden.summary
    assert "direct" not in hidden.details and hidden.details["dns_error"]
    assert logged(lab["squid"], f"CONNECT hidden.test:{port}")


def test_given_proxy_with_login_carries_a_credentialed_relay_loop_and_the_password_stays_hidden(lab):
    c = lab["coturn"]
    given = TurnCredentials(parse_ice_url(f"turns:relay.test:{c.tls_port}?transport=tcp"), cs.TURN_USER, cs.TURN_PASS)
    proxy = parse_proxy_url(f"http://alice:{SECRET}@127.0.0.1:{lab['auth'].port}")
    result = run(lab, "given", [], turn=(given,), proxy=proxy)
    tls = by_id(result)[f"turn_tls:relay.test:{c.tls_port}"]
    assert tls.status is Status.PASS and tls.details["relay_loop"] is True, tls.summary
    assert tls.details["loop_echoed"] > 0 and "through the proxy" in tls.summary
    media = by_id(result)["media:quality"]
    assert media.details["method"] == "relay_loop" and "through the proxy" in media.details["path"], media.summary
    assert media.details["received"] > 0
    assert logged(lab["auth"], "alice")
    text = json.dumps(result.to_json())
    assert SECRET not in text and cs.TURN_PASS not in text


def test_turn_through_a_proxy_demanding_a_login_fails_with_the_407_recorded(lab, env):
    env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{lab['auth'].port}")
    c = lab["coturn"]
    result = run(lab, "auth", [f"turns:relay.test:{c.tls_port}?transport=tcp"])
    tls = by_id(result)[f"turn_tls:relay.test:{c.tls_port}"]
    assert tls.status is Status.FAIL and tls.findings == ("turn_tls_blocked",)
    assert tls.details["via_proxy"][0]["proxy_status"] == 407
    https = [r for r in result.checks if r.category is Category.HTTPS]
    assert https and all("proxy_auth_required" in r.findings for r in https)
    assert result.verdict is Verdict.BLOCKED
