"""One lost packet is not a broken network (issue 21), and hostile UDP answers are not successes (issue 14):
DNS, STUN and TURN transactions against deliberately lossy or misbehaving servers on loopback."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from app.engine.model import Category, Outcome, Status
from app.engine.urls import parse_ice_url
from app.net import dnsquery, ice
from app.net.resolver import HostResolver
from app.probes import dns as dns_probe
from app.probes import media_paths, turn
from app.probes import stun as stun_probe
from tests.unit import udp_hostile as h
from tests.unit.test_probes_dns_https import by_target, write_profile


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_send_times_double_within_the_deadline() -> None:
    assert dnsquery.send_times(6.0) == [0.0, 0.5, 1.5, 3.5]
    assert dnsquery.send_times(3.0) == [0.0, 0.5, 1.5]
    assert dnsquery.send_times(0.4) == [0.0]
    assert ice.retransmit_times() == [0.0, 0.25, 0.75, 1.75, 3.75]
    assert ice.retransmit_times(0.25, 2.5) == [0.0, 0.25, 0.75, 1.75]


# ---------------------------------------------------------------- DNS


@pytest.mark.parametrize("lose", [1, 2, 3])
def test_dns_query_lost_then_answered_is_found_and_not_slow(lose: int) -> None:
    server = h.UdpServer(h.LosesFirst(lose, h.dns_answer, h.dns_question))
    try:
        answer = asyncio.run(dnsquery.exchange("lossy.test", "A", server.address, 6.0))
    finally:
        server.stop()
    assert answer.rcode == "NOERROR" and answer.addresses == ("127.0.0.1",)
    assert answer.tries == answer.answered_try == lose + 1
    assert answer.rtt_ms < 200  # the answered try's round trip, not the time since the first try
    status, summary, codes, extra = dns_probe.classify([answer], [], None, loopback_is_real=True)
    assert status is Status.PASS and codes == () and f"try {lose + 1}" in summary and "resent" in extra


def test_dns_all_tries_lost_is_a_timeout_with_the_tries_counted() -> None:
    server = h.UdpServer(lambda data: [])
    try:
        answer = asyncio.run(dnsquery.exchange("lost.test", "A", server.address, 2.0))
    finally:
        server.stop()
    assert answer.rcode == "timeout" and answer.tries == server.received == 3 and answer.answered_try == 0
    assert 1900 <= answer.elapsed_ms <= 2600
    status, summary, codes, _ = dns_probe.classify([answer], [], None)
    assert status is Status.FAIL and codes == ("dns_failure",) and "3 tries" in summary


def test_dns_slow_answer_to_the_first_try_is_slow_even_after_resends() -> None:
    """A server that answers each query 1.3 s late: the first try's answer arrives first, so the round trip is
    1.3 s (slow), although a resend went out meanwhile."""
    server = h.UdpServer(lambda data: [h.dns_answer(data)], delay=1.3)
    try:
        answer = asyncio.run(dnsquery.exchange("late.test", "A", server.address, 6.0))
    finally:
        server.stop()
    assert answer.answered_try == 1 and answer.tries == 2 and 1250 <= answer.rtt_ms <= 1800
    status, _, codes, _ = dns_probe.classify([answer], [], None, loopback_is_real=True)
    assert status is Status.WARN and codes == ("dns_slow",)


def test_dns_garbage_over_udp_is_malformed_not_a_crash() -> None:
    server = h.UdpServer(lambda data: [data[:2] + b"\x81\x80garbage", b"\xff" * 5])
    try:
        answer = asyncio.run(dnsquery.exchange("junk.test", "A", server.address, 1.2))
    finally:
        server.stop()
    assert answer.rcode == "malformed" and answer.answered_try == 0
    status, summary, codes, extra = dns_probe.classify([answer], [], None)
    assert status is Status.FAIL and codes == ("dns_failure",) and "could not be read" in summary
    assert "offline" not in extra


def test_dns_truncated_then_garbage_over_tcp_is_a_dns_result(tmp_path: Path) -> None:
    """Issue 14: TC over UDP, then a TCP answer that stops mid-message, was "internal error: EOFError"."""
    udp = h.UdpServer(lambda data: [h.dns_answer(data, truncated=True)])
    tcp = h.TcpAnswerer(lambda data: b"\x00\x40" + b"not-dns", port=udp.port)
    try:
        answer = asyncio.run(dnsquery.exchange("tc.test", "A", udp.address, 3.0))
        prof = write_profile(tmp_path / "p.toml", [], ["tc.test"])
        result, _ = _session(prof, udp.address)
    finally:
        udp.stop()
        tcp.stop()
    assert answer.rcode == "malformed" and answer.transport == "tcp" and "EOFError" in answer.note
    check = by_target(result, Category.DNS)["tc.test"]
    assert check.status is Status.FAIL and check.findings == ("dns_failure",), check.summary
    assert "could not be read" in check.summary and "internal error" not in check.summary


def test_dns_ipv6_nameserver() -> None:
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    server = h.UdpServer(h.LosesFirst(1, h.dns_answer, h.dns_question), host="::1")
    try:
        answer = asyncio.run(dnsquery.exchange("v6.test", "A", server.address, 3.0))
    finally:
        server.stop()
    assert answer.addresses == ("127.0.0.1",) and answer.answered_try == 2


def test_shared_resolver_survives_a_lost_query() -> None:
    server = h.UdpServer(h.LosesFirst(2, h.dns_answer, h.dns_question))
    try:
        res = asyncio.run(HostResolver(6.0, nameservers=(server.address,)).resolve("lossy.test"))
    finally:
        server.stop()
    assert res.addresses == ("127.0.0.1",) and res.error is None and res.elapsed_ms < 2500


def _session(profile_path: Path, nameserver: str):
    from app.engine.options import RunOptions
    from app.engine.profile import load_profile
    from app.engine.session import Session

    options = RunOptions(timeout_s=20.0, nameservers=(nameserver,), loopback_is_real=True,
                         skip_categories=frozenset({"wss"}))  # fmt: skip
    events: list[object] = []
    return asyncio.run(Session(load_profile(str(profile_path)), options, events.append).run()), events


# ---------------------------------------------------------------- STUN and TURN over UDP


def _stun(url: str) -> Outcome:
    """The STUN probe's UDP step (Binding plus the classic one) against `url`'s address."""
    parsed = parse_ice_url(url)
    details = {"url": url, "transport": parsed.transport}
    return asyncio.run(stun_probe._udp(parsed.host, parsed.port, parsed.host, details))


@pytest.mark.parametrize("lose", [1, 3])
def test_stun_binding_resent_until_answered(lose: int) -> None:
    server = h.UdpServer(h.LosesFirst(lose, h.stun_response, h.stun_transaction))
    try:
        outcome = _stun(f"stun:127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.details["tries"] == lose + 1 and outcome.details["mapped_address"] == "198.18.0.9:40000"


@pytest.mark.parametrize("klass", [0x0100, 0x0110])
def test_stun_success_with_random_attributes_is_not_a_success(klass: int) -> None:
    """Issue 14: the right transaction id and random attributes passed as "sees this computer as ."; an error-class
    answer without an ERROR-CODE is no better."""
    server = h.UdpServer(lambda data: [h.random_attributes(data, klass)] if data[4:8] == b"\x21\x12\xa4\x42" else [])
    try:
        outcome = _stun(f"stun:127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert outcome.status is Status.FAIL and outcome.findings == ("stun_blocked",), outcome.summary
    assert "sees this computer" not in outcome.summary


def test_stun_and_turn_answers_to_unknown_transactions_are_not_silence() -> None:
    server = h.UdpServer(lambda data: [h.wrong_transaction(data)])
    try:
        outcome = _stun(f"stun:127.0.0.1:{server.port}")
        r = asyncio.run(turn.reach("127.0.0.1", parse_ice_url(f"turn:127.0.0.1:{server.port}")))
    finally:
        server.stop()
    assert outcome.status is Status.FAIL and "transaction id" in outcome.summary, outcome.summary
    assert not r.ok and "transaction id" in r.summary and "firewall" not in r.summary, r.summary


def test_turn_allocate_success_without_relayed_address_is_not_reachable() -> None:
    server = h.UdpServer(lambda data: [h.random_attributes(data)])
    try:
        r = asyncio.run(turn.reach("127.0.0.1", parse_ice_url(f"turn:127.0.0.1:{server.port}?transport=udp")))
    finally:
        server.stop()
    assert not r.ok and "not as a TURN relay" in r.summary, r.summary


def test_turn_allocate_resent_until_challenged() -> None:
    server = h.UdpServer(h.LosesFirst(2, h.stun_challenge, h.stun_transaction))
    try:
        r = asyncio.run(turn.reach("127.0.0.1", parse_ice_url(f"turn:127.0.0.1:{server.port}?transport=udp")))
    finally:
        server.stop()
    assert r.ok and r.details["tries"] == 3 and r.details["realm"] == "hostile.test", r.summary


def test_ipv6_stun_and_turn_over_udp() -> None:
    """Issue 14: `stun:[::1]:port` and `turn:[::1]:3478` raised ValueError (a connected socket's IPv6 peer)."""
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    stun_server = h.UdpServer(lambda data: [h.stun_response(data)], host="::1")
    turn_server = h.UdpServer(lambda data: [h.stun_challenge(data)], host="::1")
    try:
        outcome = _stun(f"stun:[::1]:{stun_server.port}")
        r = asyncio.run(turn.reach("::1", parse_ice_url(f"turn:[::1]:{turn_server.port}?transport=udp")))
    finally:
        stun_server.stop()
        turn_server.stop()
    assert outcome.status is Status.PASS and outcome.details["tries"] == 1, outcome.summary
    assert r.ok and r.details["answer"].startswith("401"), r.summary


def test_turn_over_tcp_answered_with_another_transaction_id_is_not_a_firewall() -> None:
    """Issue 14: a wrong transaction id over TCP waited out the timeout and said "a firewall drops it"."""
    server = h.TcpAnswerer(h.wrong_transaction, keep_open=True)
    try:
        r = asyncio.run(turn.reach("127.0.0.1", parse_ice_url(f"turn:127.0.0.1:{server.port}?transport=tcp")))
    finally:
        server.stop()
    assert not r.ok and r.details["error_kind"] == "protocol", r.summary
    assert "transaction id" in r.summary and "firewall" not in r.summary, r.summary


def test_ipv6_turn_over_udp_with_credentials_against_coturn(tmp_path: Path) -> None:
    """`turn:[::1]:port` with credentials: two allocations and the relay loop over IPv6 (aioice's client)."""
    import subprocess
    import time

    from tests.unit import coturn_servers as cs

    if not cs.available() or not ipv6_loopback():
        pytest.skip("coturn or IPv6 loopback missing")
    port = cs.free_port()
    conf = tmp_path / "turn.conf"
    conf.write_text("\n".join([
        "listening-ip=::1", "relay-ip=::1", "relay-ip=127.0.0.1", f"listening-port={port}", "realm=v6.test",
        "lt-cred-mech", "user=alice:pw", "no-cli", "no-dtls", "no-tls", "allow-loopback-peers", "simple-log",
        f"log-file={tmp_path / 'turn.log'}", "no-stdout-log", f"pidfile={tmp_path / 'turn.pid'}",
    ]) + "\n")  # fmt: skip
    proc = subprocess.Popen(["turnserver", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        url = parse_ice_url(f"turn:[::1]:{port}?transport=udp")
        outcome = asyncio.run(turn.probe_with_credentials(media_paths.TurnTarget(url, "alice", "pw"), "::1", {}))
    finally:
        proc.terminate()
        proc.wait(5)
    assert outcome.status is Status.PASS and outcome.details["relay_loop"], outcome.summary


def test_mail_lookups_resend_lost_queries() -> None:
    """The email checks' dnspython resolver asks through ResendingNameserver: two lost queries, still an answer in
    well under the 2.5 s attempt (dnspython alone waited the whole attempt on one packet)."""
    import time

    from app.net.records import DnsLookup

    server = h.UdpServer(h.LosesFirst(2, h.dns_answer, h.dns_question))
    try:
        start = time.perf_counter()
        found = asyncio.run(DnsLookup((server.address,))("lossy.test", "A"))
        elapsed = time.perf_counter() - start
    finally:
        server.stop()
    assert found == ["127.0.0.1"] and server.received == 3 and elapsed < 2.0


def test_ipv6_literal_stun_and_turn_in_a_profile_run(tmp_path: Path) -> None:
    """Issue 14 end to end: `stun:[::1]:port` and `turn:[::1]:port` in a profile, with a DNS server given (an IP
    literal is never looked up): STUN and TURN over UDP pass, no internal error."""
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    from app.engine.options import RunOptions
    from app.engine.profile import load_profile
    from app.engine.session import Session
    from tests.unit.coturn_servers import write_ice_profile

    stun_server = h.UdpServer(lambda data: [h.stun_response(data)], host="::1")
    turn_server = h.UdpServer(lambda data: [h.stun_challenge(data)], host="::1")
    dead_dns = h.UdpServer(lambda data: [])
    prof = write_ice_profile(
        tmp_path / "p.toml", [f"stun:[::1]:{stun_server.port}"], [f"turn:[::1]:{turn_server.port}?transport=udp"]
    )
    options = RunOptions(timeout_s=20.0, nameservers=(dead_dns.address,), loopback_is_real=True, media_duration_s=1.0)
    try:
        result = asyncio.run(Session(load_profile(str(prof)), options, lambda e: None).run())
    finally:
        for s in (stun_server, turn_server, dead_dns):
            s.stop()
    rows = {c.category: c for c in result.checks if c.category in (Category.STUN, Category.TURN_UDP)}
    assert rows[Category.STUN].status is Status.PASS, rows[Category.STUN].summary
    assert rows[Category.TURN_UDP].status is Status.PASS, rows[Category.TURN_UDP].summary
    assert not any("internal error" in c.summary for c in result.checks)
