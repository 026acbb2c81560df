"""WSS probe against a real TLS WebSocket server on loopback: held echo, refused upgrade, web page, cut, TLS failure."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.net import websocket
from app.probes import captive, https, proxy, tls_inspection, wss, wss_check
from tests.unit.loopback_servers import DnsServer, make_ca
from tests.unit.wss_server import WssServer

PROXY_VARS = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)
PLANNERS = [https.plan, proxy.plan, wss.plan, tls_inspection.plan, captive.plan]


def write_profile(path: Path, web: list[str] = (), wss_urls: list[str] = (), auth_proxy_ok: bool = True,
                  name: str = "Loopback") -> Path:  # fmt: skip
    """A minimal valid profile naming the loopback servers."""
    lines = [
        "schema_version = 1", 'id = "loop"', f'name = "{name}"', 'version = "1"', 'video_provider = "Test"',
        'window_title = "Loopback check"', 'support_email = "help@example.org"', 'recommended_browser = "Any"',
        'browser_advice = "Any browser."', f"authenticating_proxy_supported = {str(auth_proxy_ok).lower()}",
        "[sources.t]", 'title = "test"',
    ]  # fmt: skip
    for url in web:
        lines += ["[[web]]", f'url = "{url}"', 'purpose = "test"', 'source = "t"']
    for url in wss_urls:
        lines += ["[[wss]]", f'url = "{url}"', 'purpose = "test"', 'source = "t"']
    path.write_text("\n".join(lines) + "\n")
    return path


def run(profile_path: Path, dns_port: int, public_roots: Path | None = None, timeout: float = 20.0, **kw):
    options = RunOptions(timeout_s=timeout, nameservers=(f"127.0.0.1:{dns_port}",), public_roots=public_roots,
                         loopback_is_real=True, **kw)  # fmt: skip
    return asyncio.run(Session(load_profile(str(profile_path)), options, planners=PLANNERS).run())


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    ca = make_ca(tmp_path_factory.mktemp("wssca"), ["web.test", "ok.test"])
    dns_server = DnsServer().start()
    server = WssServer(ca.cert_pem, ca.key_pem)
    yield {"ca": ca, "dns": dns_server, "wss": server}
    server.stop()
    dns_server.stop()


@pytest.fixture()
def clean_env(servers, monkeypatch: pytest.MonkeyPatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(servers["ca"].ca_pem))


def checks(result, category: Category) -> dict[str, object]:
    return {c.target: c for c in result.checks if c.category is category}


def test_echo_server_is_opened_pinged_and_held(servers, clean_env, tmp_path: Path) -> None:
    url = f"wss://web.test:{servers['wss'].port}/"
    result = run(write_profile(tmp_path / "p.toml", wss_urls=[url]), servers["dns"].port, servers["ca"].ca_pem)
    check = checks(result, Category.WSS)[url]
    assert check.status is Status.PASS, check.summary
    assert check.details["upgrade"] == "accepted" and check.details["route"] == "DIRECT"
    assert check.details["held_s"] >= websocket.HOLD_S - 0.05
    assert check.details["pings"] >= 3 and check.details["pongs"] == check.details["pings"]
    assert check.details["publicly_trusted"] is True
    assert check.details["certificate"]["issuer"] == "CallReady Test Root CA"
    assert checks(result, Category.TLS_INSPECTION)["web.test"].status is Status.PASS


def test_refused_page_cut_and_deaf_are_told_apart(servers, clean_env, tmp_path: Path) -> None:
    port = servers["wss"].port
    urls = {k: f"wss://web.test:{port}/{k}" for k in ("refuse", "page", "cut", "deaf")}
    start = time.perf_counter()
    result = run(write_profile(tmp_path / "p.toml", wss_urls=list(urls.values())), servers["dns"].port)
    elapsed = time.perf_counter() - start
    got = checks(result, Category.WSS)
    refused = got[urls["refuse"]]
    assert refused.status is Status.FAIL and refused.findings == ("websocket_blocked",)
    assert refused.details["upgrade"] == "refused" and refused.details["http_status"] == 403
    assert "403" in refused.summary and "TestGate" in refused.summary
    page = got[urls["page"]]
    assert page.details["upgrade"] == "web_page" and page.findings == ("websocket_blocked",)
    assert "Guest Wi-Fi login" in page.summary
    cut = got[urls["cut"]]
    assert cut.status is Status.WARN and cut.findings == ("websocket_cut",)
    assert 0.8 <= cut.details["cut_after_s"] <= 2.0, cut.details
    deaf = got[urls["deaf"]]
    assert deaf.status is Status.WARN and deaf.details["pongs"] == 0 and deaf.details["pings"] >= 3
    assert {"websocket_blocked", "websocket_cut"} <= {f.code for f in result.findings}
    assert elapsed < 10, elapsed  # the four run concurrently within one hold period


def test_untrusted_certificate_is_a_tls_failure(servers, clean_env, tmp_path: Path, monkeypatch) -> None:
    other = make_ca(tmp_path / "other", ["unrelated.test"], "Some Other Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_pem))
    url = f"wss://web.test:{servers['wss'].port}/"
    result = run(write_profile(tmp_path / "p.toml", wss_urls=[url]), servers["dns"].port)
    check = checks(result, Category.WSS)[url]
    assert check.status is Status.FAIL and check.findings == ("tls_error",)
    assert check.details["certificate"]["issuer"] == "CallReady Test Root CA"


def test_pure_rejection_classification() -> None:
    page = websocket.classify_rejection(200, {"content-type": "text/html"}, b"<html><title>Sign in</title></html>")
    assert (page.kind, page.title) == ("web_page", "Sign in")
    assert websocket.classify_rejection(302, {"location": "http://portal/"}, b"").kind == "web_page"
    refused = websocket.classify_rejection(
        403, {"server": "squid/5.7", "content-type": "text/html"}, b"<html>denied</html>"
    )
    assert (refused.kind, refused.server) == ("refused", "squid/5.7")
    assert websocket.classify_rejection(426, {}, b"").kind == "refused"


def test_a_page_through_a_proxy_names_the_proxy() -> None:
    stripped = websocket.classify_rejection(
        200, {"content-type": "text/html", "server": "nginx", "via": "1.1 gw.corp (squid/5.7)"}, b"<html></html>"
    )
    status, summary = wss_check.judge_upgrade(stripped, "prod-ks.pluot.blue")
    assert (
        status is Status.FAIL and "the proxy in between (1.1 gw.corp (squid/5.7)) did not pass the upgrade" in summary
    )
    direct = websocket.classify_rejection(200, {"content-type": "text/html"}, b"<html></html>")
    assert "removed the upgrade request" in wss_check.judge_upgrade(direct, "x")[1]
