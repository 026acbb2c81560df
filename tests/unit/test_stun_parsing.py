"""STUN parsing CallReady relies on (RFC 8489 / RFC 3489 / RFC 8656 attributes) and fuzzing of it and of TURN URLs."""

from __future__ import annotations

import struct

from aioice import stun
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.model import Category, CheckResult, Status
from app.engine.urls import IceServerUrl, UrlError, parse_ice_url
from app.net import ice
from app.probes import media_paths


def test_parse_binding_success_with_xor_mapped_address():
    m = stun.Message(stun.Method.BINDING, stun.Class.RESPONSE)
    m.attributes["XOR-MAPPED-ADDRESS"] = ("203.0.113.7", 40000)
    m.attributes["SOFTWARE"] = "test"
    r = ice.parse_reply(bytes(m))
    assert r is not None and r.mapped_address == ("203.0.113.7", 40000) and r.klass == "RESPONSE"
    assert r.software == "test" and r.magic_cookie


def test_parse_401_challenge():
    m = stun.Message(stun.Method.ALLOCATE, stun.Class.ERROR)
    m.attributes["ERROR-CODE"] = (401, "Unauthorized")
    m.attributes["REALM"] = "example.org"
    m.attributes["NONCE"] = b"abc"
    r = ice.parse_reply(bytes(m))
    assert r is not None and (r.error_code, r.realm, r.has_nonce) == (401, "example.org", True)


def test_classic_request_has_no_cookie_and_16_byte_id():
    key = ice.new_classic_key()
    data = ice.classic_binding(key)
    assert len(data) == 20 and data[4:8] != struct.pack("!I", stun.COOKIE) and data[4:] == key


def test_not_stun_is_none_and_frame_length():
    assert ice.parse_reply(b"HTTP/1.1 400 Bad Request\r\n\r\n") is None
    assert ice.frame_length(b"\x01\x01\x00\x08") == 28
    assert ice.frame_length(b"HTTP") is None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes_never_raise(data):
    r = ice.parse_reply(data)
    assert r is None or isinstance(r, ice.StunReply)


_ATTR_TYPES = [0x0001, 0x0006, 0x0009, 0x000D, 0x0014, 0x0015, 0x0016, 0x0020, 0x8022, 0x8028, 0x802C, 0x7777]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([0x0101, 0x0111, 0x0103, 0x0113, 0x0001, 0x3FFF]),
    st.lists(st.tuples(st.sampled_from(_ATTR_TYPES), st.binary(max_size=24)), max_size=6),
    st.booleans(),
)
def test_fuzz_well_framed_messages_with_garbage_attributes(msg_type, attrs, cookie):
    body = b"".join(struct.pack("!HH", t, len(v)) + v + bytes(-len(v) % 4) for t, v in attrs)
    head = struct.pack("!HHI12s", msg_type, len(body), stun.COOKIE if cookie else 0x01020304, b"x" * 12)
    r = ice.parse_reply(head + body)
    assert r is None or isinstance(r, ice.StunReply)


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.text(max_size=60),
    st.builds(lambda s, h, p, q: f"{s}:{h}{p}{q}", st.sampled_from(["stun", "stuns", "turn", "turns", "TURN", "http"]),
              st.text(alphabet="ab.-:[]1%", max_size=15), st.sampled_from(["", ":3478", ":0", ":99999", ":x", ":"]),
              st.sampled_from(["", "?transport=udp", "?transport=tcp", "?transport=tls", "?x=y", "?transport"])),
))  # fmt: skip
def test_fuzz_ice_urls_give_a_url_or_a_clean_error(text):
    try:
        url = parse_ice_url(text)
    except UrlError:
        return
    assert isinstance(url, IceServerUrl) and 0 < url.port < 65536 and url.transport in ("udp", "tcp", "tls")
    assert parse_ice_url(str(url)) == url  # str() round-trips (RFC 7065 form)


def test_turn_urls_rfc7065_examples():
    assert parse_ice_url("turn:example.org") == IceServerUrl("turn", "example.org", 3478, "udp")
    assert parse_ice_url("turns:example.org").port == 5349
    assert parse_ice_url("turn:example.org?transport=tcp").transport == "tcp"
    assert parse_ice_url("turns:example.org:443?transport=tcp").transport == "tls"


def _res(id_: str, cat: Category, status: Status, **d) -> CheckResult:
    return CheckResult(id_, cat, id_, id_, status, "", 1, d)


def test_path_ranking_direct_udp_then_turn_udp_tcp_tls_and_relay_loop_first():
    stun_ok = _res("stun:s.test:3478", Category.STUN, Status.PASS, transport="udp", address="1.2.3.4", port=3478)
    tls = _res("turn_tls:t.test:443", Category.TURN_TLS, Status.PASS, transport="tls", address="1.2.3.5", port=443)
    tcp = _res("turn_tcp:t.test:3478", Category.TURN_TCP, Status.PASS, transport="tcp", address="1.2.3.5", port=3478)
    udp_fail = _res(
        "turn_udp:t.test:3478", Category.TURN_UDP, Status.FAIL, transport="udp", address="1.2.3.5", port=3478
    )
    assert media_paths.choose_path([tls, tcp, stun_ok]).check_id == "stun:s.test:3478"
    choice = media_paths.choose_path([tls, udp_fail, tcp])
    assert (choice.kind, choice.transport, choice.host) == ("relay", "tcp", "t.test")
    assert media_paths.choose_path([tls]).transport == "tls"
    looped = _res("turn_tls:r.test:443", Category.TURN_TLS, Status.PASS, transport="tls", address="9.9.9.9", port=443,
                  relay_loop=True)  # fmt: skip
    assert media_paths.choose_path([stun_ok, tcp, looped]).method == "relay_loop"
    assert media_paths.choose_path([udp_fail]) is None
