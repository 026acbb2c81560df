"""Issue 14, probes: hostile HTTPS/WSS servers on loopback end cleanly within deadlines, and two targets that differ
only by port get two checks."""

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
from app.probes import https, wss
from tests.unit.hostile_servers import HostileServer
from tests.unit.loopback_servers import DnsServer, make_ca
from tests.unit.test_wss_probe import PROXY_VARS, write_profile

PLANNERS = [https.plan, wss.plan]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    ca = make_ca(tmp_path_factory.mktemp("hostileca"), ["web.test", "ok.test"])
    dns_server = DnsServer().start()
    server = HostileServer(ca.cert_pem, ca.key_pem)
    yield {"ca": ca, "dns": dns_server, "server": server}
    server.stop()
    dns_server.stop()


@pytest.fixture()
def clean_env(hostile, monkeypatch: pytest.MonkeyPatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(hostile["ca"].ca_pem))


def _run(profile: Path, hostile: dict, timeout: float = 20.0):
    options = RunOptions(timeout_s=timeout, nameservers=(f"127.0.0.1:{hostile['dns'].port}",),
                         public_roots=hostile["ca"].ca_pem, loopback_is_real=True)  # fmt: skip
    return asyncio.run(Session(load_profile(str(profile)), options, planners=PLANNERS).run())


def _with_json_expectation(path: Path) -> Path:
    path.write_text(path.read_text().replace('purpose = "test"', 'expect = "json"\npurpose = "test"', 1))
    return path


def test_deeply_nested_json_answer_is_a_warning_not_an_internal_error(hostile, clean_env, tmp_path: Path) -> None:
    url = f"https://web.test:{hostile['server'].port}/deep-json"
    result = _run(_with_json_expectation(write_profile(tmp_path / "p.toml", web=[url])), hostile)
    (check,) = [c for c in result.checks if c.category is Category.HTTPS]
    assert check.status is Status.WARN, check.summary
    assert "not the expected JSON" in check.summary and "internal" not in check.summary.lower()


def test_a_server_that_does_not_speak_http_is_not_called_a_proxy(hostile, clean_env, tmp_path: Path) -> None:
    url = f"https://web.test:{hostile['server'].port}/not-http"
    result = _run(write_profile(tmp_path / "p.toml", web=[url]), hostile)
    (check,) = [c for c in result.checks if c.category is Category.HTTPS]
    assert check.status is Status.FAIL
    assert "proxy" not in check.summary.lower(), check.summary
    assert "not valid HTTP" in check.summary


def test_websocket_that_pings_and_never_reads_ends_at_its_hold_time(hostile, clean_env, tmp_path: Path) -> None:
    url = f"wss://web.test:{hostile['server'].port}/flood"
    start = time.monotonic()
    result = _run(write_profile(tmp_path / "p.toml", wss_urls=[url]), hostile, timeout=30.0)
    took = time.monotonic() - start
    (check,) = [c for c in result.checks if c.category is Category.WSS]
    assert hostile["server"].flooded > 0
    # Whether our unsent pongs pile past MAX_UNSENT within the hold ("stopped reading") depends on how fast the
    # server floods, i.e. on the machine's load; either way the peer never answered, and the check ends on time.
    assert check.status is Status.WARN, check.summary
    assert "stopped reading" in check.summary or "no ping was answered" in check.summary, check.summary
    assert took < websocket.HOLD_S + 8, took  # it died at the 20 s check deadline before the fix


def test_targets_differing_only_by_port_get_their_own_checks(tmp_path: Path) -> None:
    profile = load_profile(str(write_profile(
        tmp_path / "p.toml",
        web=["https://web.test/", "https://web.test:8443/"],
        wss_urls=["wss://web.test/ws", "wss://web.test:8443/ws"],
    )))  # fmt: skip
    ids = [c.id for plan in PLANNERS for c in plan(profile, RunOptions())]
    assert len(ids) == len(set(ids)) == 4, ids
    assert "https:web.test/" in ids and "https:web.test:8443/" in ids  # ids of port 443 are unchanged
    assert "wss:web.test:8443/ws" in ids
