"""A small TURN client (RFC 8656) over CallReady's own transports: UDP with RFC 8489 §6.2.1 resends, TCP/TLS streams
(direct or inside a proxy tunnel) framed as RFC 8656 §12.5 says; aioice is used only for its public STUN codec."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
import struct
from collections.abc import Callable
from typing import Any

from aioice import stun

from app.engine.urls import ProxyUrl
from app.net import connect, ice

LIFETIME_S = 120  # asked for each allocation (RFC 8656 §7.2); a check holds one for seconds, so none is refreshed
CLOSE_S = 0.5  # the polite Refresh with LIFETIME 0 on close (RFC 8656 §7.3), bounded: the relay frees it anyway
CHANNEL_FIRST, CHANNEL_LAST = 0x4000, 0x4FFF  # channel numbers a client may bind (RFC 8656 §12)
MAX_STREAM_FRAME = 8192  # a STUN message or ChannelData from the relay; anything larger is a broken peer
Address = tuple[str, int]
log = logging.getLogger(__name__)


class ErrorResponse(Exception):
    """The relay answered a request with an error response (RFC 8489 §14.8), e.g. 401, 403, 437, 486."""

    def __init__(self, method: str, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}".strip())
        self.method, self.code, self.reason = method, code, reason


class BadFrame(ConnectionError):
    """The relay sent bytes that are neither a STUN message nor ChannelData (RFC 8656 §12.5), or a success
    response that fails MESSAGE-INTEGRITY (RFC 8489 §9.2.5); the connection is dropped."""


class Closed(ConnectionResetError):
    """The connection to the relay closed; every pending transaction fails at once with it."""


def integrity_key(username: str, realm: str, password: str) -> bytes:
    """The long-term credential key MD5(username ":" realm ":" password) (RFC 8489 §9.2.2)."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).digest()


def channel_data(channel: int, data: bytes, padded: bool) -> bytes:
    """A ChannelData message; over streams padded to a multiple of 4 bytes (RFC 8656 §12.4, §12.5)."""
    frame = struct.pack("!HH", channel, len(data)) + data
    return frame + bytes(-len(frame) % 4) if padded else frame


async def read_stream_frame(reader: asyncio.StreamReader, limit: int = MAX_STREAM_FRAME) -> bytes:
    """One STUN message or ChannelData (its padding dropped) from a stream (RFC 8656 §12.5); raise BadFrame at once
    for other bytes, a reserved channel, a STUN message without the magic cookie or a frame over `limit`, and
    IncompleteReadError when the stream ends."""
    header = await reader.readexactly(4)
    kind, length = header[0] >> 6, struct.unpack("!H", header[2:4])[0]
    if kind == 0:
        if length % 4 or 20 + length > limit:
            raise BadFrame(f"a STUN frame of {20 + length} bytes (the limit is {limit})")
        rest = await reader.readexactly(16 + length)
        if rest[:4] != struct.pack("!I", stun.COOKIE):
            raise BadFrame("a STUN frame without the magic cookie")
        return header + rest
    if kind == 1:
        channel = struct.unpack("!H", header[:2])[0]
        if channel > CHANNEL_LAST:
            raise BadFrame(f"ChannelData on reserved channel 0x{channel:04x}")
        if 4 + length > limit:
            raise BadFrame(f"ChannelData of {4 + length} bytes (the limit is {limit})")
        body = await reader.readexactly(length + (-length % 4))
        return header + body[:length]
    raise BadFrame(f"bytes that are neither STUN nor ChannelData ({ice.printable_start(header)!r})")


class Wire:
    """How frames reach the relay: `send` one frame, `exchange` one request; the session is told of frames
    (`deliver`) and of a lost connection (`lost`)."""

    padded = False

    def __init__(self) -> None:
        self.deliver: Callable[[bytes], None] = lambda frame: None
        self.lost: Callable[[Exception], None] = lambda exc: None

    def send(self, frame: bytes) -> None:
        raise NotImplementedError

    async def exchange(self, request: bytes, waiter: asyncio.Future[stun.Message]) -> stun.Message:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class UdpWire(Wire, asyncio.DatagramProtocol):
    """A connected UDP socket; each request resent on `ice.retransmit_times` (RFC 8489 §6.2.1)."""

    def __init__(self) -> None:
        super().__init__()
        self.transport: asyncio.DatagramTransport | None = None
        self.icmp_error: OSError | None = None
        self.on_icmp: Callable[[OSError], None] = lambda exc: None

    @classmethod
    async def open(cls, address: str, port: int) -> UdpWire:
        """A UDP socket connected to the relay."""
        _, wire = await asyncio.get_running_loop().create_datagram_endpoint(cls, remote_addr=(address, port))
        return wire

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.deliver(data)

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, OSError):  # ICMP (port unreachable, ...): the pending requests fail, the socket stays
            self.icmp_error = exc
            self.on_icmp(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost(Closed("the UDP socket closed"))

    def send(self, frame: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(frame)

    async def exchange(self, request: bytes, waiter: asyncio.Future[stun.Message]) -> stun.Message:
        """Send and resend until answered; raise ice.NoAnswer after the last try's RTO."""
        message, _tries = await ice.resend_until(waiter, lambda: self.send(request))
        return message

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class StreamWire(Wire):
    """A TCP or TLS stream (direct or in a proxy tunnel): one send per request, answered within `answer_s`
    (RFC 8489 §6.2.2), frames read by one bounded reader task."""

    padded = True

    def __init__(self, conn: connect.Connection, answer_s: float = ice.STREAM_ANSWER_S) -> None:
        super().__init__()
        self.conn, self.answer_s = conn, answer_s
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start reading frames."""
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            while True:
                self.deliver(await read_stream_frame(self.conn.reader))
        except BadFrame as exc:
            ice.close_now(self.conn.writer.transport)
            self.lost(exc)
        except (asyncio.IncompleteReadError, OSError, ssl.SSLError) as exc:
            self.lost(Closed(f"the relay closed the connection ({connect.describe_error(exc)})"))

    def send(self, frame: bytes) -> None:
        if not self.conn.writer.transport.is_closing():
            self.conn.writer.write(frame)

    async def exchange(self, request: bytes, waiter: asyncio.Future[stun.Message]) -> stun.Message:
        """Send once (a stream is reliable) and wait; raise TimeoutError after `answer_s`."""
        self.send(request)
        async with asyncio.timeout(self.answer_s):
            return await waiter

    def close(self) -> None:
        ice.close_now(self.conn.writer.transport)
        if self.task is not None:
            self.task.cancel()


class TurnSession:
    """One TURN allocation (RFC 8656): long-term credentials, channels to peers, relayed data to `on_data`."""

    def __init__(self, wire: Wire, username: str, password: str) -> None:
        self.wire, self.username, self._password = wire, username, password
        self.relayed: Address | None = None
        self.mapped: Address | None = None
        self.lifetime_s: int | None = None
        self.on_data: list[Callable[[bytes, Address], None]] = []
        self.deleted = False  # the relay confirmed the allocation's deletion on close
        self._realm: str | None = None
        self._nonce: bytes | None = None
        self._key: bytes | None = None
        self._waiters: dict[bytes, asyncio.Future[stun.Message]] = {}
        self._failure: Exception | None = None
        self._channels: dict[Address, int] = {}
        self._peers: dict[int, Address] = {}
        self._binding: dict[Address, asyncio.Future[None]] = {}
        wire.deliver, wire.lost = self._received, self._lost
        if isinstance(wire, UdpWire):
            wire.on_icmp = self._fail_pending

    def __repr__(self) -> str:
        return f"TurnSession(relayed={self.relayed}, mapped={self.mapped})"

    # -------------------------------------------------------- incoming

    def _received(self, frame: bytes) -> None:
        if len(frame) >= 4 and frame[0] >> 6 == 1:
            channel, length = struct.unpack("!HH", frame[:4])
            peer = self._peers.get(channel)
            if peer is not None and len(frame) >= 4 + length:
                self._dispatch(frame[4 : 4 + length], peer)
            return
        try:
            message = stun.parse_message(frame)
        except (ValueError, struct.error, IndexError, KeyError, TypeError):
            return  # over UDP a stray datagram is dropped (RFC 8489 §6.3)
        if message.message_class in (stun.Class.RESPONSE, stun.Class.ERROR):
            waiter = self._waiters.get(message.transaction_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(message)
        elif message.message_class == stun.Class.INDICATION and message.message_method == stun.Method.DATA:
            peer, data = message.attributes.get("XOR-PEER-ADDRESS"), message.attributes.get("DATA")
            if isinstance(peer, tuple) and isinstance(data, bytes):  # RFC 8656 §11.6
                self._dispatch(data, (str(peer[0]), int(peer[1])))

    def _dispatch(self, data: bytes, peer: Address) -> None:
        for callback in list(self.on_data):
            try:
                callback(data, peer)
            except Exception:  # a listener's bug must not stop the reader (and with it every pending request)
                log.exception("TURN data listener failed")

    def _lost(self, exc: Exception) -> None:
        self._failure = self._failure or exc
        self._fail_pending(exc)

    def _fail_pending(self, exc: Exception) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(exc)

    # -------------------------------------------------------- requests

    async def _transact(self, request: stun.Message) -> stun.Message:
        if self._failure is not None:
            raise self._failure
        waiter: asyncio.Future[stun.Message] = asyncio.get_running_loop().create_future()
        self._waiters[request.transaction_id] = waiter
        try:
            return await self.wire.exchange(bytes(request), waiter)
        finally:
            self._waiters.pop(request.transaction_id, None)

    async def request(self, method: stun.Method, attributes: dict[str, Any]) -> stun.Message:
        """An authenticated request; a 401 challenge or a 438 stale nonce is answered once with the new REALM/NONCE
        (RFC 8489 §9.2.3, §9.2.4); raise ErrorResponse, BadFrame, Closed, TimeoutError or OSError."""
        for attempt in range(2):
            message = stun.Message(message_method=method, message_class=stun.Class.REQUEST)
            message.attributes.update(attributes)
            if self._key is not None and self._realm is not None and self._nonce is not None:
                message.attributes.update({"USERNAME": self.username, "REALM": self._realm, "NONCE": self._nonce})
                message.add_message_integrity(self._key)
            answer = await self._transact(message)
            if answer.message_class == stun.Class.RESPONSE:
                if self._key is not None and not answer.check_message_integrity(self._key):
                    self.close_now()
                    raise BadFrame(f"a {method.name} success response failing MESSAGE-INTEGRITY")
                return answer
            code, reason = answer.attributes.get("ERROR-CODE", (0, "error without ERROR-CODE"))
            realm, nonce = answer.attributes.get("REALM"), answer.attributes.get("NONCE")
            retry = (code == 401 and self._key is None) or code == 438
            if attempt == 0 and retry and isinstance(nonce, bytes) and (isinstance(realm, str) or self._realm):
                self._realm = realm if isinstance(realm, str) else self._realm
                self._nonce = nonce
                assert self._realm is not None
                self._key = integrity_key(self.username, self._realm, self._password)
                continue
            raise ErrorResponse(method.name, int(code), str(reason)[:200])
        raise AssertionError("unreachable")

    async def allocate(self, lifetime_s: int = LIFETIME_S) -> Address:
        """Allocate a UDP relay (RFC 8656 §7.1), authenticating after the 401 challenge; the relayed address."""
        answer = await self.request(
            stun.Method.ALLOCATE, {"REQUESTED-TRANSPORT": ice.REQUESTED_UDP, "LIFETIME": lifetime_s}
        )
        relayed, mapped = answer.attributes.get("XOR-RELAYED-ADDRESS"), answer.attributes.get("XOR-MAPPED-ADDRESS")
        if not isinstance(relayed, tuple):
            raise BadFrame("an Allocate success without XOR-RELAYED-ADDRESS")
        self.relayed = (str(relayed[0]), int(relayed[1]))
        self.mapped = (str(mapped[0]), int(mapped[1])) if isinstance(mapped, tuple) else None
        self.lifetime_s = int(answer.attributes.get("LIFETIME", lifetime_s))
        return self.relayed

    async def create_permission(self, peer: Address) -> None:
        """Let `peer`'s IP send to the relayed address (RFC 8656 §9)."""
        await self.request(stun.Method.CREATE_PERMISSION, {"XOR-PEER-ADDRESS": peer})

    async def bind(self, peer: Address) -> int:
        """Bind a channel to `peer` (RFC 8656 §12.1; it installs the permission too), once per peer."""
        if peer in self._channels:
            return self._channels[peer]
        pending = self._binding.get(peer)
        if pending is None:
            pending = asyncio.ensure_future(self._bind(peer))
            pending.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved even if no one waits
            self._binding[peer] = pending
        try:
            await asyncio.shield(pending)
        finally:
            if pending.done():
                self._binding.pop(peer, None)
        return self._channels[peer]

    async def _bind(self, peer: Address) -> None:
        channel = CHANNEL_FIRST + len(self._peers)
        if channel > CHANNEL_LAST:
            raise OSError("no channel number left")
        self._peers[channel] = peer  # data may follow the success response at once
        try:
            await self.request(stun.Method.CHANNEL_BIND, {"CHANNEL-NUMBER": channel, "XOR-PEER-ADDRESS": peer})
        except BaseException:
            self._peers.pop(channel, None)
            raise
        self._channels[peer] = channel

    async def send(self, data: bytes, peer: Address) -> None:
        """Send through a channel to `peer`, binding it on first use (RFC 8656 §12)."""
        await self.bind(peer)
        self.send_now(data, peer)

    def send_now(self, data: bytes, peer: Address) -> bool:
        """ChannelData to `peer` on an already bound channel, without waiting (RFC 8656 §12.4); False if unbound."""
        channel = self._channels.get(peer)
        if channel is None or self._failure is not None:
            return False
        self.wire.send(channel_data(channel, data, self.wire.padded))
        return True

    def send_indication(self, data: bytes, peer: Address) -> None:
        """A Send indication to a permitted `peer` (RFC 8656 §11.2), for data without a channel."""
        message = stun.Message(message_method=stun.Method.SEND, message_class=stun.Class.INDICATION)
        message.attributes.update({"XOR-PEER-ADDRESS": peer, "DATA": data})
        self.wire.send(bytes(message))

    # -------------------------------------------------------- closing

    async def aclose(self) -> None:
        """Delete the allocation (Refresh with LIFETIME 0, RFC 8656 §7.3) within CLOSE_S, and always close."""
        try:
            if self.relayed is not None and self._failure is None:
                async with asyncio.timeout(CLOSE_S):
                    await self.request(stun.Method.REFRESH, {"LIFETIME": 0})
                self.deleted = True
        except (Exception, TimeoutError):
            pass  # the relay frees an allocation that is not refreshed (RFC 8656 §7)
        finally:
            self.close_now()

    def close_now(self) -> None:
        """Close the transport at once (for cancelled paths); pending requests fail with Closed."""
        self._lost(Closed("the session was closed"))
        for pending in self._binding.values():
            pending.cancel()
        self.wire.close()


async def open_turn_session(
    address: str,
    port: int,
    transport: str,
    username: str,
    password: str,
    tls: ssl.SSLContext | None,
    server_hostname: str,
    timeout_s: float,
    proxy: ProxyUrl | None = None,
) -> TurnSession:
    """Connect to a relay over udp or tcp (TLS when `tls`; through `proxy`'s CONNECT tunnel when given) and allocate
    with long-term credentials (RFC 8656 §7, RFC 8489 §9.2); raise ErrorResponse, TimeoutError or OSError."""
    wire: Wire
    if transport == "udp":
        wire = await UdpWire.open(address, port)
    else:
        try:
            async with asyncio.timeout(timeout_s):
                if proxy is not None:
                    conn = await ice.open_stream_via_proxy(proxy, server_hostname, port, tls, timeout_s)
                else:
                    conn = await ice.open_stream(address, port, tls, server_hostname, timeout_s)
        except connect.PhaseError as err:
            raise OSError(str(err)) from None
        stream = StreamWire(conn)
        stream.start()
        wire = stream
    session = TurnSession(wire, username, password)
    try:
        async with asyncio.timeout(timeout_s):
            await session.allocate()
    except BaseException:
        session.close_now()
        raise
    return session
