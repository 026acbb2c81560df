"""Verdict rules are pure: results in, findings and verdict out. Tables of results exercise the cross-check rules."""

from __future__ import annotations

from app.engine.model import Category, Signals, Status, Verdict
from app.engine.profile import load_profile
from app.engine.verdict import assess, host_of
from tests.unit.check_fakes import result

PROFILE = load_profile("flo-recruit")
C = Category

r = result


VIA_PROXY = Signals(via_proxy=True)


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def test_host_of_reads_urls_ice_uris_and_plain_hosts() -> None:
    assert host_of(r(C.HTTPS, "https://gs.daily.co/_ks_/x-swsl/:", Status.PASS)) == "gs.daily.co"
    assert host_of(r(C.WSS, "wss://prod-ks.pluot.blue/ via http://***@p:3128", Status.PASS)) == "prod-ks.pluot.blue"
    assert (
        host_of(r(C.TURN_TLS, "turns:global.turn.twilio.com:443?transport=tcp", Status.PASS))
        == "global.turn.twilio.com"
    )
    assert host_of(r(C.DNS, "c.daily.co", Status.PASS)) == "c.daily.co"


def test_proxy_only_network_without_outside_dns_is_not_blocked() -> None:
    results = [
        r(C.DNS, "gs.daily.co", Status.FAIL, ("dns_nxdomain",)),
        r(C.DNS, "prod-ks.pluot.blue", Status.FAIL, ("dns_nxdomain",)),
        r(C.DNS, "global.turn.twilio.com", Status.FAIL, ("dns_nxdomain",)),
        r(C.DNS, "global.stun.twilio.com", Status.FAIL, ("dns_nxdomain",)),
        r(C.HTTPS, "https://gs.daily.co/_ks_/x-swsl/:", Status.PASS, signals=VIA_PROXY, proxy="http://198.18.3.2:3128"),
        r(C.WSS, "wss://prod-ks.pluot.blue/", Status.PASS, signals=VIA_PROXY, proxy="http://198.18.3.2:3128"),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.FAIL, ("stun_blocked",)),
        r(C.TURN_TLS, "turns:global.turn.twilio.com:443?transport=tcp", Status.PASS, signals=VIA_PROXY, path="proxy"),
    ]
    a = assess(results, PROFILE)
    assert a.verdict is Verdict.DEGRADED, a.reason
    assert "dns_nxdomain" not in codes(a)
    assert {"dns_resolved_by_proxy", "dns_media_host_unresolved", "relay_only"} <= codes(a)
    by_code = {f.code: f for f in a.findings}
    assert "gs.daily.co" in by_code["dns_resolved_by_proxy"].it_action
    assert "global.stun.twilio.com" in by_code["dns_media_host_unresolved"].it_action


def test_web_host_dns_failure_still_blocks_without_a_proxy() -> None:
    results = [
        r(C.DNS, "gs.daily.co", Status.FAIL, ("dns_nxdomain",)),
        r(C.HTTPS, "https://gs.daily.co/_ks_/x-swsl/:", Status.SKIP),
        r(C.HTTPS, "https://c.daily.co/", Status.PASS),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.PASS),
    ]
    a = assess(results, PROFILE)
    assert a.verdict is Verdict.BLOCKED and "dns_nxdomain" in codes(a)


def test_media_host_dns_failure_blocks_when_no_media_path_works() -> None:
    results = [
        r(C.DNS, "global.stun.twilio.com", Status.FAIL, ("dns_nxdomain",)),
        r(C.HTTPS, "https://c.daily.co/", Status.PASS),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.SKIP),
        r(C.TURN_UDP, "turn:global.turn.twilio.com:3478?transport=udp", Status.FAIL, ("turn_udp_blocked",)),
    ]
    a = assess(results, PROFILE)
    assert a.verdict is Verdict.BLOCKED and "dns_nxdomain" in codes(a)


def test_offline_supersedes_individual_failures_and_relay_only_needs_a_relay() -> None:
    offline = [
        r(C.DNS, "gs.daily.co", Status.FAIL, ("dns_failure",), Signals(offline=True), offline=True),
        r(C.HTTPS, "https://gs.daily.co/", Status.SKIP),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.FAIL, ("stun_blocked",)),
    ]
    a = assess(offline, PROFILE)
    assert a.verdict is Verdict.BLOCKED and "offline" in codes(a) and "dns_failure" not in codes(a)
    dpi = [
        r(C.DNS, "c.daily.co", Status.PASS),
        r(C.HTTPS, "https://c.daily.co/", Status.PASS),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.FAIL, ("stun_blocked",), Signals(udp_answered=True)),
        r(C.TURN_TCP, "turn:global.turn.twilio.com:3478?transport=tcp", Status.PASS),
    ]
    a = assess(dpi, PROFILE)
    assert (
        a.verdict is Verdict.DEGRADED and {"relay_only", "stun_blocked"} <= codes(a) and "udp_blocked" not in codes(a)
    )
