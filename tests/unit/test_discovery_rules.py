"""Issue 13's pure parts: reading Daily's discovery answer and ICE servers, and the verdict rules that keep a working
network from being called broken (another server of the same kind works; a name that does not exist)."""

from __future__ import annotations

from app.engine.model import Category, CheckResult, Status, Verdict
from app.engine.profile import load_profile
from app.engine.urls import parse_ice_url
from app.engine.verdict import assess
from app.probes.ice_document import credentials_for, from_answer, parse_ice_servers
from app.probes.platform_api import JsonAnswer, field_at
from app.probes.signalling import read_discovery

FLO = load_profile("flo-recruit")
KUDO = load_profile("kudo")
C = Category
SPEC = FLO.signalling
assert SPEC is not None


def r(cat: Category, target: str, status: Status, codes: tuple[str, ...] = (), id_: str = "") -> CheckResult:
    return CheckResult(id_ or f"{cat.value}:{target}", cat, target, "t", status, "s", 1, {}, codes)


def answer(data: object, ok: bool = True, problem: str = "") -> JsonAnswer:
    return JsonAnswer("https://gs.daily.co/rooms/check/test-rooms/us-east-1", ok, data, 200 if ok else 0, problem)


def test_discovery_reads_the_worker_uri_and_checks_its_host() -> None:
    good = read_discovery(answer({"worker": {"wssUri": "wss://ip-10-75-10-62-eu-central-1.wss.daily.co:443"}}), SPEC)
    assert good.url is not None and good.url.host == "ip-10-75-10-62-eu-central-1.wss.daily.co" and good.url.port == 443
    for data, why in (
        ({"worker": {}}, "no worker.wssUri"),
        ({"worker": {"wssUri": "https://x.wss.daily.co/"}}, "not a usable WebSocket URL"),
        ({"worker": {"wssUri": "wss://evil.example.com/"}}, "outside *.wss.daily.co"),
        ({"worker": {"wssUri": "wss://wss.daily.co.evil.example/"}}, "outside"),
        ([1, 2], "no worker.wssUri"),
    ):
        found = read_discovery(answer(data), SPEC)
        assert found.url is None and why in found.problem, (data, found)
    assert read_discovery(answer(None, ok=False, problem="HTTP 403"), SPEC).problem == "HTTP 403"
    assert field_at({"a": {"b": 3}}, "a.b") == 3 and field_at({"a": 1}, "a.b") is None


TWILIO = [
    {"url": "stun:global.stun.twilio.com:3478", "urls": "stun:global.stun.twilio.com:3478"},
    {"url": "turn:global.turn.twilio.com:3478?transport=udp", "username": "u1", "credential": "c1",
     "urls": "turn:global.turn.twilio.com:3478?transport=udp"},
    {"urls": ["turn:global.turn.twilio.com:443?transport=tcp", "bogus:x"], "username": "u1", "credential": "c1"},
    "not an object",
]  # fmt: skip


def test_ice_servers_in_twilio_format() -> None:
    entries, ignored = parse_ice_servers(TWILIO)
    assert [str(e.url) for e in entries] == [
        "stun:global.stun.twilio.com:3478",
        "turn:global.turn.twilio.com:3478?transport=udp",
        "turn:global.turn.twilio.com:443?transport=tcp",
    ]
    assert ignored == 2 and entries[0].username is None
    assert "c1" not in repr(entries)  # credentials never in a repr (logs, tracebacks)
    ice = from_answer(JsonAnswer("https://prod-ks.pluot.blue/tt-150331.json", True, TWILIO, 200), "array")
    assert "c1" not in str(ice.evidence()) and ice.evidence()["ice_servers_listed"][1].startswith("turn:")
    # a TURN URL the document lists exactly, or another URL on the same host (one token for all its relays)
    assert credentials_for(ice, parse_ice_url("turn:global.turn.twilio.com:3478?transport=tcp")) == ("u1", "c1")
    assert credentials_for(ice, parse_ice_url("turn:turn.cloudflare.com:3478?transport=udp")) is None
    object_form = from_answer(JsonAnswer("u", True, {"iceServers": TWILIO}, 200), "object")
    assert object_form.ok and len(object_form.entries) == 3
    assert not from_answer(JsonAnswer("u", True, {"iceServers": TWILIO}, 200), "array").ok
    assert not from_answer(JsonAnswer("u", True, [], 200), "array").ok


def test_a_working_server_of_the_same_kind_makes_the_failure_information() -> None:
    base = [r(C.DNS, "c.daily.co", Status.PASS), r(C.HTTPS, "https://c.daily.co/", Status.PASS),
            r(C.STUN, "stun:global.stun.twilio.com:3478", Status.PASS)]  # fmt: skip
    one_of_two = [
        *base,
        r(C.WSS, "w1", Status.PASS, id_="wss:us-east-1"),
        r(C.WSS, "w2", Status.FAIL, ("websocket_blocked",), id_="wss:us-west-2"),
        r(C.TURN_TCP, "turn:global.turn.twilio.com:3478?transport=tcp", Status.FAIL, ("turn_tcp_blocked",)),
        r(C.TURN_TCP, "turn:global.turn.twilio.com:443?transport=tcp", Status.PASS),
    ]
    a = assess(one_of_two, FLO)
    found = {f.code for f in a.findings}
    assert a.verdict is Verdict.READY, a.reason
    assert "alternate_server_unreachable" in found and not {"websocket_blocked", "turn_tcp_blocked"} & found
    # none of the kind works: still blocked; a WebSocket through --proxy is not judged by the direct ones
    all_fail = [*base, r(C.WSS, "w1", Status.FAIL, ("websocket_blocked",), id_="wss:us-east-1"),
                r(C.WSS, "w2", Status.PASS, id_="wss:us-west-2+proxy")]  # fmt: skip
    assert assess(all_fail, FLO).verdict is Verdict.BLOCKED
    # a WebSocket that is cut is not a working one
    cut = [*base, r(C.WSS, "w1", Status.WARN, ("websocket_cut",)), r(C.WSS, "w2", Status.FAIL, ("websocket_blocked",))]
    assert "websocket_blocked" in {f.code for f in assess(cut, FLO).findings}


def test_a_name_that_does_not_exist_beside_names_that_do_is_a_profile_problem() -> None:
    results = [
        r(C.DNS, "gs.daily.co", Status.PASS),
        r(C.DNS, "b.daily.co", Status.FAIL, ("dns_nxdomain",)),
        r(C.HTTPS, "https://gs.daily.co/x", Status.PASS),
        r(C.HTTPS, "https://b.daily.co/", Status.SKIP),
        r(C.WSS, "w", Status.PASS),
        r(C.STUN, "stun:global.stun.twilio.com:3478", Status.PASS),
    ]
    a = assess(results, FLO)
    assert a.verdict is Verdict.READY and "profile_name_missing" in {f.code for f in a.findings}
    # every name of the domain missing: the network hides the platform (a DNS filter)
    hidden = [
        r(C.DNS, "gs.daily.co", Status.FAIL, ("dns_nxdomain",)),
        r(C.DNS, "c.daily.co", Status.FAIL, ("dns_nxdomain",)),
    ]
    assert "dns_nxdomain" in {f.code for f in assess(hidden, FLO).findings}


def test_signalling_never_tried_is_unknown_not_ready() -> None:
    results = [
        r(C.DNS, "c.daily.co", Status.PASS), r(C.HTTPS, "https://c.daily.co/", Status.PASS),
        r(C.WSS, "us-east-1", Status.SKIP), r(C.STUN, "stun:global.stun.twilio.com:3478", Status.PASS),
    ]  # fmt: skip
    assert assess(results, FLO).verdict is Verdict.INCOMPLETE
    no_signalling = [r(C.DNS, "live.kudoway.com", Status.PASS), r(C.HTTPS, "https://live.kudoway.com/", Status.PASS),
                     r(C.STUN, "stun:stun.cloudflare.com:3478", Status.PASS)]  # fmt: skip
    assert assess(no_signalling, KUDO).verdict is Verdict.READY


def test_stand_in_media_failing_is_unconfirmed_not_blocked() -> None:
    base = [r(C.DNS, "live.kudoway.com", Status.PASS), r(C.HTTPS, "https://live.kudoway.com/", Status.PASS)]
    failing = [
        *base,
        r(C.STUN, "stun:stun.cloudflare.com:3478", Status.FAIL, ("stun_blocked",)),
        r(C.TURN_TLS, "turns:turn.cloudflare.com:443?transport=tcp", Status.FAIL, ("turn_tls_blocked",)),
    ]
    a = assess(failing, KUDO)
    found = {f.code for f in a.findings}
    assert a.verdict is Verdict.DEGRADED and {"media_ports_unconfirmed", "media_stand_in"} <= found
    assert "media_blocked" not in found
    working = [*base, r(C.STUN, "stun:stun.cloudflare.com:3478", Status.PASS)]
    assert assess(working, KUDO).verdict is Verdict.READY
    assert "media_stand_in" in {f.code for f in assess(working, KUDO).findings}
