"""CallReady's TURN client (app/net/turnclient.py) against a real coturn on loopback over UDP, TCP and TLS: credentials,
relaying between two allocations, a dropped connection, UDP resends, and bounded stream framing."""

from __future__ import annotations

import asyncio
import ssl
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioice import stun

from app.net import ice, turnclient
from tests.unit import coturn_servers as cs
from tests.unit.loopback_servers import make_ca

needs_coturn = pytest.mark.skipif(not cs.available(), reason="coturn (turnserver) not installed")
TRANSPORTS = ["udp", "tcp", "tls"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    if not cs.available():
        pytest.skip("coturn (turnserver) not installed")
    folder = tmp_path_factory.mktemp("turnclient")
    ca = make_ca(folder / "ca", ["localhost"])
    relay = cs.start_coturn(folder / "static", ca)
    yield {"ca": ca, "relay": relay}
    relay.stop()


def run(coro: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await coro

    return asyncio.run(main())


async def open_session(
    lab: dict[str, Any], transport: str, password: str = cs.TURN_PASS, port: int | None = None
) -> turnclient.TurnSession:
    tls = ssl.create_default_context(cafile=str(lab["ca"].ca_pem)) if transport == "tls" else None
    relay = lab["relay"]
    port = port or (relay.tls_port if transport == "tls" else relay.port)
    wire = "udp" if transport == "udp" else "tcp"
    return await turnclient.open_turn_session("127.0.0.1", port, wire, cs.TURN_USER, password, tls, "localhost", 6.0)


async def two(lab: dict[str, Any], transport: str) -> tuple[turnclient.TurnSession, turnclient.TurnSession]:
    a = await open_session(lab, transport)
    try:
        b = await open_session(lab, transport)
    except BaseException:
        a.close_now()
        raise
    return a, b


def collector(session: turnclient.TurnSession) -> tuple[list[tuple[bytes, tuple[str, int]]], asyncio.Event]:
    got: list[tuple[bytes, tuple[str, int]]] = []
    event = asyncio.Event()

    def on_data(data: bytes, peer: tuple[str, int]) -> None:
        got.append((data, peer))
        event.set()

    session.on_data.append(on_data)
    return got, event


# ---------------------------------------------------------------- against coturn


@needs_coturn
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_allocate_with_credentials_and_delete_on_close(lab, transport):
    async def main() -> turnclient.TurnSession:
        session = await open_session(lab, transport)
        await session.aclose()
        return session

    session = run(main())
    assert session.relayed is not None and session.relayed[0] == "127.0.0.1"
    assert session.mapped is not None and session.mapped[0] == "127.0.0.1"
    assert session.lifetime_s is not None and session.lifetime_s > 0  # coturn may grant more than asked
    assert session.deleted  # Refresh with LIFETIME 0 answered (RFC 8656 §7.3)
    assert cs.TURN_PASS not in repr(session)


@needs_coturn
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_password_is_a_401_error_response(lab, transport):
    async def main() -> float:
        start = asyncio.get_running_loop().time()
        with pytest.raises(turnclient.ErrorResponse) as caught:
            await open_session(lab, transport, password="not-the-password")
        assert caught.value.code == 401 and caught.value.method == "ALLOCATE"
        return asyncio.get_running_loop().time() - start

    assert run(main()) < 2.0  # answered, not a timeout


@needs_coturn
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_channel_data_loops_through_two_allocations(lab, transport):
    """A -> relay -> B and back over bound channels; odd sizes check the 4-byte padding over streams (RFC 8656 §12.5)."""

    async def main() -> None:
        a, b = await two(lab, transport)
        try:
            assert a.relayed is not None and b.relayed is not None
            await asyncio.gather(a.bind(b.relayed), b.bind(a.relayed))
            at_a, a_event = collector(a)
            at_b, _ = collector(b)
            b_relayed, a_relayed = b.relayed, a.relayed

            def echo(data: bytes, peer: tuple[str, int]) -> None:
                assert b.send_now(b"echo:" + data, a_relayed)

            b.on_data.append(echo)
            payloads = [bytes([n]) * size for n, size in enumerate((1, 5, 1001, 1200), start=1)]
            for payload in payloads:
                assert a.send_now(payload, b_relayed)
            async with asyncio.timeout(3):
                while len(at_a) < len(payloads):
                    a_event.clear()
                    await a_event.wait()
            assert sorted(at_b) == sorted((p, a_relayed) for p in payloads)
            assert sorted(at_a) == sorted((b"echo:" + p, b_relayed) for p in payloads)
        finally:
            await asyncio.gather(a.aclose(), b.aclose())

    run(main())


@needs_coturn
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_send_indication_arrives_as_a_data_indication(lab, transport):
    """Without a channel: CreatePermission, a Send indication, and a Data indication at the peer (RFC 8656 §11)."""

    async def main() -> tuple[list[tuple[bytes, tuple[str, int]]], tuple[str, int]]:
        a, b = await two(lab, transport)
        try:
            assert a.relayed is not None and b.relayed is not None
            await asyncio.gather(a.create_permission(b.relayed), b.create_permission(a.relayed))
            at_b, event = collector(b)
            a.send_indication(b"no channel", b.relayed)
            async with asyncio.timeout(3):
                await event.wait()
            assert a.send_now(b"x", b.relayed) is False  # no channel bound: nothing sent as ChannelData
            return at_b, a.relayed
        finally:
            await asyncio.gather(a.aclose(), b.aclose())

    at_b, a_relayed = run(main())
    assert at_b == [(b"no channel", a_relayed)]


class CuttableForwarder:
    """A TCP forwarder to the relay that, once `cut` is set, drops the client's connection on its next bytes."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port, self.cut = upstream_port, False
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> CuttableForwarder:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def up() -> None:
            while data := await reader.read(4096):
                if self.cut:
                    writer.transport.abort()
                    up_writer.transport.abort()
                    return
                up_writer.write(data)

        async def down() -> None:
            while data := await up_reader.read(4096):
                writer.write(data)

        await asyncio.gather(up(), down(), return_exceptions=True)
        writer.transport.abort()
        up_writer.transport.abort()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


@needs_coturn
def test_a_dropped_connection_fails_the_pending_transaction_at_once(lab):
    """The relay's connection cut while a ChannelBind waits: Closed at once, not after the 3 s answer wait."""

    async def main() -> float:
        forwarder = await CuttableForwarder(lab["relay"].port).start()
        try:
            a = await open_session(lab, "tcp", port=forwarder.port)
            try:
                forwarder.cut = True
                loop = asyncio.get_running_loop()
                start = loop.time()
                with pytest.raises(turnclient.Closed):
                    await a.bind(("127.0.0.1", 9))
                elapsed = loop.time() - start
                with pytest.raises(turnclient.Closed):  # later requests fail at once too
                    await a.create_permission(("127.0.0.1", 9))
                assert a.send_now(b"x", ("127.0.0.1", 9)) is False
                return elapsed
            finally:
                await a.aclose()
        finally:
            forwarder.close()

    assert run(main()) < 0.5 < ice.STREAM_ANSWER_S


# ---------------------------------------------------------------- UDP resends


class Recorder(asyncio.DatagramProtocol):
    """A silent UDP server that notes when each datagram came."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.arrivals.append((asyncio.get_running_loop().time(), data))


def test_udp_requests_are_resent_on_the_rfc_8489_schedule():
    """A silent relay gets the Allocate at 0, 0.25, 0.75, 1.75, 3.75 s (`ice.retransmit_times`), then NoAnswer."""

    async def main() -> tuple[Recorder, float, int]:
        loop = asyncio.get_running_loop()
        transport, recorder = await loop.create_datagram_endpoint(Recorder, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        start = loop.time()
        try:
            with pytest.raises(ice.NoAnswer) as caught:
                await turnclient.open_turn_session("127.0.0.1", port, "udp", "u", "p", None, "localhost", 10.0)
            return recorder, loop.time() - start, caught.value.tries
        finally:
            transport.close()

    recorder, elapsed, tries = run(main())
    expected = ice.retransmit_times()
    assert tries == len(expected) == len(recorder.arrivals) == 5
    first = recorder.arrivals[0][0]
    offsets = [t - first for t, _ in recorder.arrivals]
    assert all(abs(got - want) < 0.1 for got, want in zip(offsets, expected, strict=True)), offsets
    assert len({data for _, data in recorder.arrivals}) == 1  # the same transaction resent, not new ones
    assert ice.UDP_GIVE_UP_S - 0.1 <= elapsed <= ice.UDP_GIVE_UP_S + 0.5


def test_udp_port_unreachable_fails_fast():
    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(ConnectionRefusedError):
            await turnclient.open_turn_session("127.0.0.1", cs.free_port(), "udp", "u", "p", None, "localhost", 10.0)
        return loop.time() - start

    assert run(main()) < 1.0


# ---------------------------------------------------------------- bounded stream framing


def reader_with(data: bytes, eof: bool = False) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def read(data: bytes, eof: bool = False) -> bytes:
    async def main() -> bytes:
        async with asyncio.timeout(1):  # a bad frame is refused at once: the stream is never closed here
            return await turnclient.read_stream_frame(reader_with(data, eof))

    return run(main())


def test_stream_frames_stun_and_padded_channel_data():
    message = bytes(stun.Message(stun.Method.BINDING, stun.Class.RESPONSE))

    async def main() -> list[bytes]:
        reader = reader_with(turnclient.channel_data(0x4001, b"abcde", padded=True) + message, eof=True)
        return [await turnclient.read_stream_frame(reader), await turnclient.read_stream_frame(reader)]

    assert turnclient.channel_data(0x4001, b"abcde", padded=True) == b"\x40\x01\x00\x05abcde\x00\x00\x00"
    assert turnclient.channel_data(0x4001, b"abcde", padded=False) == b"\x40\x01\x00\x05abcde"
    assert run(main()) == [b"\x40\x01\x00\x05abcde", message]


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 400 Bad Request\r\n",  # another protocol
        b"\xff\xff\xff\xff",  # garbage
        struct.pack("!HH", 0x0101, 60000),  # a STUN header announcing an oversized message: refused before its body
        struct.pack("!HH", 0x4000, 60000),  # oversized ChannelData
        struct.pack("!HH", 0x5000, 4) + b"abcd",  # a reserved channel number (RFC 8656 §12)
        struct.pack("!HHI12s", 0x0101, 0, 0x01020304, bytes(12)),  # STUN without the magic cookie
        struct.pack("!HH", 0x0101, 3),  # a STUN length that is not a multiple of 4
    ],
)
def test_stream_reader_refuses_bad_frames_at_once(data):
    with pytest.raises(turnclient.BadFrame):
        read(data)


def test_stream_reader_ends_with_the_stream():
    with pytest.raises(asyncio.IncompleteReadError):
        read(struct.pack("!HH", 0x4000, 100) + b"short", eof=True)


async def serve_once(answer: Callable[[bytes], bytes]) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(answer(await reader.read(4096)))
            await asyncio.sleep(5)  # holds the connection open: only the frame itself can end the wait
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_a_relay_answering_garbage_over_tcp_is_an_error_not_a_hang():
    async def main() -> float:
        server, port = await serve_once(lambda _: b"\x90" + bytes(63))
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            with pytest.raises(turnclient.BadFrame) as caught:
                await turnclient.open_turn_session("127.0.0.1", port, "tcp", "u", "p", None, "localhost", 10.0)
            assert isinstance(caught.value, OSError)  # callers handle it as a failed connection
            return loop.time() - start
        finally:
            server.close()

    assert run(main()) < 1.0


def test_a_success_failing_message_integrity_is_refused():
    """A forged Allocate success (right transaction, wrong key) after the 401 challenge (RFC 8489 §9.2.5)."""

    def answer(request: bytes) -> bytes:
        asked = stun.parse_message(request)
        challenge = stun.Message(stun.Method.ALLOCATE, stun.Class.ERROR, asked.transaction_id)
        challenge.attributes.update({"ERROR-CODE": (401, "Unauthorized"), "REALM": "r", "NONCE": b"n"})
        return bytes(challenge)

    async def main() -> None:
        forged_for: list[bytes] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                writer.write(answer(await reader.read(4096)))
                second = stun.parse_message(await turnclient.read_stream_frame(reader))
                forged_for.append(second.transaction_id)
                forged = stun.Message(stun.Method.ALLOCATE, stun.Class.RESPONSE, second.transaction_id)
                forged.attributes["XOR-RELAYED-ADDRESS"] = ("127.0.0.1", 5000)
                forged.add_message_integrity(b"another key")
                writer.write(bytes(forged))
                await asyncio.sleep(5)
            finally:
                writer.transport.abort()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(turnclient.BadFrame, match="MESSAGE-INTEGRITY"):
                await turnclient.open_turn_session("127.0.0.1", port, "tcp", "u", "p", None, "localhost", 10.0)
        finally:
            server.close()
        assert forged_for

    run(main())
