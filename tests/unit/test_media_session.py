"""Whole runs on loopback with real coturn: path ranking, DPI vs UDP block, credentials, loss, and no leaked sockets."""

from __future__ import annotations

import asyncio
import os

import pytest

from app.engine.model import Category, Status, Verdict
from app.engine.options import RunOptions, TurnCredentials
from app.engine.profile import load_profile
from app.engine.session import Session
from app.engine.urls import parse_ice_url
from tests.unit import coturn_servers as cs
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca

pytestmark = pytest.mark.skipif(not cs.available(), reason="coturn (turnserver) not installed")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("media")
    ca = make_ca(folder / "ca", ["ok.test", "web.test"])
    dns = DnsServer().start()
    https = HttpsServer(ca).start()
    static = cs.start_coturn(folder / "static", ca)
    rest = cs.start_coturn(folder / "rest", ca, rest_secret=True)
    dpi = cs.UdpForwarder(static.port, drop_cookie=True).start()
    silent = cs.SilentUdp()
    yield {"ca": ca, "dns": dns, "https": https, "static": static, "rest": rest, "dpi": dpi, "silent": silent,
           "folder": folder}  # fmt: skip
    for s in (dns, https, static, rest, dpi, silent):
        s.stop()


@pytest.fixture(autouse=True)
def trusted(lab, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(lab["ca"].ca_pem))


def run(lab, name: str, stun: list[str], relays: list[str], **kw):
    web = [f"https://web.test:{lab['https'].port}/"]
    path = cs.write_ice_profile(lab["folder"] / f"{name}.toml", stun, relays, web)
    options = RunOptions(
        timeout_s=kw.pop("timeout_s", 20.0), nameservers=(f"127.0.0.1:{lab['dns'].port}",), loopback_is_real=True,
        media_duration_s=kw.pop("media_duration_s", 1.0), public_roots=lab["ca"].ca_pem, **kw,
    )  # fmt: skip
    return asyncio.run(Session(load_profile(str(path)), options).run())


def by_id(result):
    return {c.id: c for c in result.checks}


def codes(result):
    return {f.code for f in result.findings}


def test_open_network_measures_direct_udp_and_is_ready(lab):
    s, r = lab["static"], lab["rest"]
    result = run(lab, "open", [f"stun:ok.test:{s.port}", f"stun:web.test:{r.port}"],
                 [f"turn:ok.test:{s.port}?transport=udp", f"turn:ok.test:{s.port}?transport=tcp",
                  f"turns:ok.test:{s.tls_port}?transport=tcp"])  # fmt: skip
    checks = by_id(result)
    assert result.verdict is Verdict.READY, (result.reason, [f.code for f in result.findings])
    stun = checks[f"stun:ok.test:{s.port}"]
    assert stun.status is Status.PASS and stun.details["udp_answered"] is True
    assert stun.details["mapped_address"].startswith("127.0.0.1:")
    for cat in ("turn_udp", "turn_tcp", "turn_tls"):
        assert checks[f"{cat}:ok.test:{s.tls_port if cat == 'turn_tls' else s.port}"].status is Status.PASS
    media = checks["media:quality"]
    assert media.status is Status.PASS, media.summary
    assert media.details["path_kind"] == "direct" and media.details["transport"] == "udp"
    assert media.details["loss_pct"] == 0 and media.details["received"] == media.details["sent"] >= 90
    assert 0 <= media.details["rtt_ms"] < 50 and media.details["mos"] > 4
    assert media.details["nat_hint"].startswith("endpoint-independent")


def test_dpi_stun_block_is_relay_only_not_udp_blocked(lab):
    s, dpi = lab["static"], lab["dpi"]
    result = run(lab, "dpi", [f"stun:ok.test:{dpi.port}"],
                 [f"turn:ok.test:{dpi.port}?transport=udp", f"turn:ok.test:{s.port}?transport=tcp"])  # fmt: skip
    checks = by_id(result)
    stun = checks[f"stun:ok.test:{dpi.port}"]
    assert stun.status is Status.FAIL and stun.details["udp_answered"] is True and stun.details["classic_answered"]
    found = codes(result)
    assert {"stun_blocked", "relay_only", "turn_udp_blocked"} <= found and "udp_blocked" not in found
    assert result.verdict is Verdict.DEGRADED
    media = checks["media:quality"]
    assert media.details["path_kind"] == "relay" and media.details["transport"] == "tcp", media.summary


def test_udp_block_is_udp_blocked_and_tls_relay_still_carries_media(lab):
    s, silent = lab["static"], lab["silent"]
    result = run(lab, "udp", [f"stun:ok.test:{silent.port}"],
                 [f"turn:ok.test:{silent.port}?transport=udp", f"turns:ok.test:{s.tls_port}?transport=tcp"])  # fmt: skip
    found = codes(result)
    assert {"stun_blocked", "udp_blocked", "relay_only", "turn_udp_blocked"} <= found
    assert result.verdict is Verdict.DEGRADED
    media = by_id(result)["media:quality"]
    assert media.details["transport"] == "tls" and media.details["received"] > 0


def test_nothing_works_is_blocked_and_media_unknown(lab):
    silent = lab["silent"]
    result = run(lab, "none", [f"stun:ok.test:{silent.port}"], [f"turn:ok.test:{silent.port}?transport=udp"])
    assert "media_blocked" in codes(result) and result.verdict is Verdict.BLOCKED
    assert by_id(result)["media:quality"].status is Status.SKIP


def test_cli_rest_secret_proves_relay_loop_and_measures_through_it(lab):
    r = lab["rest"]
    given = TurnCredentials(parse_ice_url(f"turn:ok.test:{r.port}?transport=udp"), secret=cs.TURN_SECRET)
    result = run(lab, "creds", [f"stun:ok.test:{r.port}"], [], turn=(given,))
    checks = by_id(result)
    relay = checks[f"turn_udp:ok.test:{r.port}"]
    assert relay.status is Status.PASS and relay.details["relay_loop"] is True and relay.details["origin"] == "given"
    media = checks["media:quality"]
    assert media.details["method"] == "relay_loop" and media.details["throughput_kbps"] > 100
    assert cs.TURN_SECRET not in str(result.to_json())


def test_cli_wrong_password_blocks_with_turn_auth_failed(lab):
    s = lab["static"]
    given = TurnCredentials(parse_ice_url(f"turn:ok.test:{s.port}"), username=cs.TURN_USER, password="wrong")
    result = run(lab, "badcreds", [], [], turn=(given,))
    assert "turn_auth_failed" in codes(result) and result.verdict is Verdict.BLOCKED
    assert "wrong" not in str(result.to_json())


def test_measured_loss_matches_induced_loss(lab):
    lossy = cs.UdpForwarder(lab["static"].port, loss=0.10, seed=3).start()
    try:
        result = run(lab, "lossy", [f"stun:ok.test:{lossy.port}"], [], media_duration_s=5.0)
    finally:
        lossy.stop()
    media = by_id(result)["media:quality"]
    assert media.details["path_kind"] == "direct"
    assert abs(media.details["loss_pct"] - 10.0) <= 3.0, media.details
    assert 14 <= media.details["round_trip_loss_pct"] <= 24
    assert "high_packet_loss" in media.findings or media.details["loss_pct"] < 10


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("how", ["normal", "deadline", "cancelled"])
def test_no_socket_left_open(lab, how):
    s, r, silent = lab["static"], lab["rest"], lab["silent"]
    given = TurnCredentials(parse_ice_url(f"turns:ok.test:{r.tls_port}?transport=tcp"), secret=cs.TURN_SECRET)
    stun = [f"stun:ok.test:{s.port}", f"stun:web.test:{silent.port}"]
    turn = [f"turn:ok.test:{s.port}?transport=udp", f"turn:ok.test:{silent.port}?transport=udp",
            f"turn:ok.test:{s.port}?transport=tcp"]  # fmt: skip
    path = cs.write_ice_profile(
        lab["folder"] / f"fd-{how}.toml", stun, turn, [f"https://web.test:{lab['https'].port}/"]
    )
    options = RunOptions(
        timeout_s=1.5 if how == "deadline" else 20.0, nameservers=(f"127.0.0.1:{lab['dns'].port}",),
        loopback_is_real=True, media_duration_s=1.0, turn=(given,),
    )  # fmt: skip

    async def main() -> object:
        task = asyncio.ensure_future(Session(load_profile(str(path)), options).run())
        if how == "cancelled":
            await asyncio.sleep(1.0)
            task.cancel()
        return await asyncio.gather(task, return_exceptions=True)

    before = open_fds()
    out = asyncio.run(main())[0]
    assert open_fds() == before
    if how == "cancelled":
        assert isinstance(out, asyncio.CancelledError)
    elif how == "deadline":
        assert out.ended_by == "deadline"
    else:
        assert {c.category for c in out.checks if c.status is Status.PASS} >= {Category.STUN, Category.TURN_TLS}
