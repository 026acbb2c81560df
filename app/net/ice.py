"""STUN over UDP with per-transaction retransmission (RFC 8489 §6.2.1), STUN over TCP/TLS, safe parsing; aioice's
public STUN codec only (TURN sessions: `app.net.turnclient`)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import os
import ssl
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aioice import stun

from app.engine.urls import ProxyUrl
from app.net import connect, dnsquery

# RFC 8489 §6.2.1 with an initial RTO of 250 ms (the RFC's 500 ms suits unknown paths; a run has seconds, not a
# minute): sends at 0, 0.25, 0.75, 1.75 and 3.75 s, give up at 4 s. A dead server costs 4 s; a path losing 15 % of
# packets each way still answers one of five tries with 99.8 % odds. aioice's module globals are left alone.
RETRY_RTO_S = 0.25
UDP_GIVE_UP_S = 4.0
STREAM_ANSWER_S = 3.0
MAX_STUN_FRAME = 20 + 0xFFFF
REQUESTED_UDP = 17 << 24  # REQUESTED-TRANSPORT: protocol 17 (UDP) and three RFFU bytes (RFC 8656 §18.8)
T = TypeVar("T")


def retransmit_times(rto_s: float = RETRY_RTO_S, give_up_s: float = UDP_GIVE_UP_S) -> list[float]:
    """When each try of a UDP transaction is sent: 0, then the RTO doubling, while a try still has an RTO to be
    answered before `give_up_s` (RFC 8489 §6.2.1; the same schedule as DNS resends)."""
    return dnsquery.send_times(give_up_s, rto_s)


# ---------------------------------------------------------------- pure parsing


@dataclass(frozen=True)
class StunReply:
    """The facts CallReady reads from a STUN message (RFC 8489 §14, RFC 8656 §18)."""

    method: str
    klass: str
    transaction_id: bytes
    mapped_address: tuple[str, int] | None = None
    error_code: int | None = None
    error_reason: str = ""
    realm: str | None = None
    has_nonce: bool = False
    software: str = ""
    other_address: tuple[str, int] | None = None
    relayed_address: tuple[str, int] | None = None
    magic_cookie: bool = True
    tries: int = 1  # requests sent before this answer came (UDP retransmissions, RFC 8489 §6.2.1)


def looks_like_stun(data: bytes) -> bool:
    """First two bits zero and at least a header: a STUN message or classic RFC 3489 one (RFC 8489 §5)."""
    return len(data) >= 20 and data[0] & 0xC0 == 0


def parse_reply(data: bytes) -> StunReply | None:
    """Parse a STUN message into StunReply; any malformed input gives None, never an exception."""
    if not looks_like_stun(data):
        return None
    try:
        message = stun.parse_message(data)
    except (ValueError, struct.error, IndexError, KeyError, TypeError):
        return None
    a = message.attributes
    mapped = a.get("XOR-MAPPED-ADDRESS") or a.get("MAPPED-ADDRESS")
    error = a.get("ERROR-CODE")
    return StunReply(
        method=message.message_method.name,
        klass=message.message_class.name,
        transaction_id=message.transaction_id,
        mapped_address=_address(mapped),
        error_code=int(error[0]) if error else None,
        error_reason=str(error[1])[:200] if error else "",
        realm=str(a["REALM"])[:200] if "REALM" in a else None,
        has_nonce="NONCE" in a,
        software=str(a.get("SOFTWARE", "")).rstrip("\x00")[:200],
        other_address=_address(a.get("OTHER-ADDRESS") or a.get("CHANGED-ADDRESS")),
        relayed_address=_address(a.get("XOR-RELAYED-ADDRESS")),
        magic_cookie=data[4:8] == struct.pack("!I", stun.COOKIE),
    )


def _address(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) == 2:
        return (str(value[0]), int(value[1]))
    return None


def frame_length(header: bytes) -> int | None:
    """Total length of a STUN message from its first 4 bytes over a stream (RFC 8489 §6.2.2), or None if not STUN."""
    if len(header) < 4 or header[0] & 0xC0:
        return None
    (length,) = struct.unpack("!H", header[2:4])
    return 20 + length


def binding_request() -> stun.Message:
    """A Binding request with the magic cookie (RFC 8489 §6)."""
    return stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)


def allocate_request() -> stun.Message:
    """An unauthenticated Allocate for a UDP relay (RFC 8656 §7.1): answered 401 + REALM + NONCE by a live relay."""
    request = stun.Message(message_method=stun.Method.ALLOCATE, message_class=stun.Class.REQUEST)
    request.attributes["REQUESTED-TRANSPORT"] = REQUESTED_UDP
    request.attributes["LIFETIME"] = 60
    return request


def classic_binding(key: bytes) -> bytes:
    """An RFC 3489 Binding request: no magic cookie, 128-bit transaction id (`key`), which DPI rules miss."""
    return struct.pack("!HH", 0x0001, 0) + key


def new_classic_key() -> bytes:
    """A random RFC 3489 transaction id whose first word is not the magic cookie."""
    while True:
        key = os.urandom(16)
        if key[:4] != struct.pack("!I", stun.COOKIE):
            return key


def rest_credentials(
    secret: str, user: str = "callready", ttl_s: int = 3600, now: float | None = None
) -> tuple[str, str]:
    """TURN REST API time-limited credentials: `<expiry>:<user>`, base64(HMAC-SHA1(secret, username))."""
    username = f"{int((now if now is not None else time.time()) + ttl_s)}:{user}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def printable_start(data: bytes, limit: int = 32) -> str:
    """The first bytes of an unexpected answer, printable ASCII kept, others as '.'."""
    return "".join(chr(b) if 32 <= b < 127 else "." for b in data[:limit])


# ---------------------------------------------------------------- UDP


class WrongProtocol(Exception):
    """The server answered, but not with STUN."""

    def __init__(self, data: bytes) -> None:
        super().__init__(f"answered with something that is not STUN ({printable_start(data)!r})")
        self.data = data


class WrongTransaction(WrongProtocol):
    """The server answered STUN, but never to the transaction asked (RFC 8489 §6.3: such answers are discarded)."""

    def __init__(self, data: bytes) -> None:
        Exception.__init__(self, "answered STUN with a transaction id that was never sent")
        self.data = data


class NoAnswer(TimeoutError):
    """Every try of a UDP transaction went unanswered."""

    def __init__(self, tries: int) -> None:
        super().__init__(f"no answer to {tries} tries")
        self.tries = tries


async def resend_until(
    waiter: asyncio.Future[T], send: Callable[[], None], give_up_s: float = UDP_GIVE_UP_S, rto_s: float = RETRY_RTO_S
) -> tuple[T, int]:
    """Call `send` on `retransmit_times` until `waiter` is done: (its result, tries sent); raise its exception, or
    NoAnswer when the last try's RTO passes (RFC 8489 §6.2.1)."""
    loop = asyncio.get_running_loop()
    times = retransmit_times(rto_s, give_up_s)
    start = loop.time()
    for i, _ in enumerate(times):
        send()
        until = times[i + 1] if i + 1 < len(times) else give_up_s
        done, _ = await asyncio.wait({waiter}, timeout=max(0.0, start + until - loop.time()))
        if done:
            return waiter.result(), i + 1
    raise NoAnswer(len(times))


class StunDatagram(asyncio.DatagramProtocol):
    """A UDP socket for STUN: routes answers by transaction id, remembers any UDP answer at all."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.connected = False  # a connected socket sends without an address (an IPv6 peer is a 4-tuple)
        self.waiters: dict[bytes, asyncio.Future[StunReply]] = {}
        self.finished: set[bytes] = set()  # keys answered already: their duplicate answers are not strays
        self.on_reply: Callable[[StunReply, float], None] | None = None
        self.udp_answered = False
        self.icmp_error: OSError | None = None
        self.foreign: bytes | None = None
        self.stray: bytes | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.udp_answered = True
        now = time.perf_counter()
        reply = parse_reply(data)
        if reply is None:
            self.foreign = self.foreign or data[:64]
            self._fail_all(WrongProtocol(data))
            return
        if self.on_reply is not None:
            self.on_reply(reply, now)
        key = data[4:20]
        waiter = self.waiters.get(key)
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)
            self.finished.add(key)
        elif key not in self.finished and self.on_reply is None:
            self.stray = self.stray or data[:64]

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, OSError):
            self.icmp_error = exc
        self._fail_all(exc)

    def _fail_all(self, exc: Exception) -> None:
        for waiter in self.waiters.values():
            if not waiter.done():
                waiter.set_exception(exc)

    def send_raw(self, data: bytes, addr: tuple[str, int] | None = None) -> None:
        """Send bytes as they are (a request, a classic request, a train packet); `addr` on unconnected sockets."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, None if self.connected else addr)

    def close(self) -> None:
        """Close the socket now."""
        if self.transport is not None:
            self.transport.close()

    async def exchange(
        self, data: bytes, address: tuple[str, int] | None, give_up_s: float = UDP_GIVE_UP_S, rto_s: float = RETRY_RTO_S
    ) -> StunReply:
        """Send a request and resend it on `retransmit_times` until the answer with its transaction id (bytes 4-20)
        comes; raise NoAnswer (tries exhausted), WrongTransaction, WrongProtocol or OSError (ICMP)."""
        key = data[4:20]
        waiter: asyncio.Future[StunReply] = asyncio.get_running_loop().create_future()
        self.waiters[key] = waiter
        try:
            reply, tries = await resend_until(waiter, lambda: self.send_raw(data, address), give_up_s, rto_s)
            return dataclasses.replace(reply, tries=tries)
        except NoAnswer:
            if self.stray is not None:
                raise WrongTransaction(self.stray) from None
            raise
        finally:
            self.waiters.pop(key, None)

    async def transact(self, message: stun.Message, address: tuple[str, int]) -> StunReply:
        """A STUN request with RFC 8489 §6.2.1 retransmissions; raise TimeoutError, OSError or WrongProtocol."""
        return await self.exchange(bytes(message), address)

    async def classic(self, timeout_s: float = UDP_GIVE_UP_S) -> StunReply | None:
        """A classic RFC 3489 Binding (no cookie), resent like any request; None when nothing came back."""
        try:
            return await self.exchange(classic_binding(new_classic_key()), None, timeout_s)
        except (TimeoutError, OSError, WrongProtocol):
            return None


async def open_udp(address: str, port: int) -> StunDatagram:
    """A connected UDP socket to (address, port) speaking STUN."""
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(StunDatagram, remote_addr=(address, port))
    protocol.connected = True
    return protocol


async def open_udp_unconnected(ipv6: bool = False) -> StunDatagram:
    """An unconnected UDP socket, to ask several STUN servers from one local port (RFC 5780 §4.3)."""
    loop = asyncio.get_running_loop()
    local = ("::", 0) if ipv6 else ("0.0.0.0", 0)
    _, protocol = await loop.create_datagram_endpoint(StunDatagram, local_addr=local)
    return protocol


# ---------------------------------------------------------------- TCP / TLS


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """Read one STUN message from a stream; raise WrongProtocol for other bytes, IncompleteReadError on a bare close."""
    try:
        header = await reader.readexactly(20)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise WrongProtocol(exc.partial) from None
        raise
    total = frame_length(header)
    if total is None or header[4:8] != struct.pack("!I", stun.COOKIE):
        try:
            more = await asyncio.wait_for(reader.read(40), 0.2)
        except (TimeoutError, OSError):
            more = b""
        raise WrongProtocol(header + more)
    rest = await reader.readexactly(total - 20)
    return header + rest


async def stream_transact(
    conn: connect.Connection, message: stun.Message, timeout_s: float = STREAM_ANSWER_S
) -> StunReply:
    """Send one STUN request over TCP/TLS and read the answer with the same transaction id (RFC 8489 §6.2.2)."""
    conn.writer.write(bytes(message))
    async with asyncio.timeout(timeout_s):
        await conn.writer.drain()
        while True:
            frame = await read_frame(conn.reader)
            reply = parse_reply(frame)
            if reply is None:
                raise WrongProtocol(frame)
            if reply.transaction_id == message.transaction_id:
                return reply
            if reply.klass in ("RESPONSE", "ERROR"):  # no retransmission over a stream: nothing else can come
                raise WrongTransaction(frame)


async def open_stream(
    address: str, port: int, tls: ssl.SSLContext | None, server_hostname: str, timeout_s: float
) -> connect.Connection:
    """TCP connect and optionally TLS, each phase timed and classified (raises connect.PhaseError)."""
    conn = await connect.open_tcp(address, port, timeout_s)
    if tls is not None:
        await connect.start_tls(conn, tls, server_hostname, timeout_s)
    return conn


async def open_stream_via_proxy(
    proxy: ProxyUrl, host: str, port: int, tls: ssl.SSLContext | None, timeout_s: float
) -> connect.Connection:
    """A CONNECT tunnel to host:port through an HTTP proxy (RFC 9110 §9.3.6; the proxy resolves the name, as for
    Chromium's TURN over a proxy), then optionally TLS to `host` inside it; raises connect.PhaseError."""
    conn = await connect.open_tunnel(proxy, host, port, timeout_s)
    if tls is not None:
        await connect.start_tls(conn, tls, host, timeout_s)
    return conn


def close_now(transport: asyncio.BaseTransport) -> None:
    """Close a transport at once (abort streams so a dead TLS peer cannot hold the socket)."""
    abort = getattr(transport, "abort", None)
    if callable(abort):
        abort()
    else:
        transport.close()


# ---------------------------------------------------------------- NAT behaviour


def format_address(addr: tuple[str, int]) -> str:
    """`198.51.100.7:3478`, or `[2001:db8::7]:3478` for IPv6."""
    return f"[{addr[0]}]:{addr[1]}" if ":" in addr[0] else f"{addr[0]}:{addr[1]}"


def nat_hint(mapped: list[tuple[str, int]]) -> str:
    """From the mapped addresses two servers saw: same -> endpoint-independent mapping, else dependent (RFC 4787)."""
    distinct = set(mapped)
    if len(mapped) < 2:
        return "unknown"
    if len(distinct) == 1:
        return "endpoint-independent mapping (same public address for both servers: good for direct media)"
    return "address-dependent mapping (a different public address per server: direct media may need a relay)"


async def nat_test(servers: list[tuple[str, int]]) -> tuple[str, list[str]]:
    """One local socket, a Binding to each of two servers: compare the mapped addresses (RFC 5780 §4.3)."""
    servers = list(dict.fromkeys(servers))[:2]
    if len(servers) < 2 or len({":" in a for a, _ in servers}) > 1:
        return "unknown", []
    sock = await open_udp_unconnected(ipv6=":" in servers[0][0])
    try:
        replies = await asyncio.gather(*(sock.transact(binding_request(), s) for s in servers), return_exceptions=True)
    finally:
        sock.close()
    mapped = [r.mapped_address for r in replies if isinstance(r, StunReply) and r.mapped_address]
    return nat_hint(mapped), [format_address(m) for m in mapped]
