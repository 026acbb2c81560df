"""Hostile TLS servers on loopback (issue 14): answers that are deeply nested JSON, not HTTP at all, or a
WebSocket that floods pings and never reads. Behaviour by request path."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Ping, Request

from tests.unit.wss_server import _LoopThread

DEEP_JSON = b"[" * 5000


class HostileServer:
    """`/deep-json`: 200 with `[[[[...` (5,000 deep) as application/json; `/not-http`: a line that is not HTTP;
    `/flood` (WebSocket): accepts the upgrade, then sends pings as fast as it can and never reads again."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self._lt = _LoopThread()
        self.server = self._lt.call(asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ctx))
        self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.flooded = 0

    def stop(self) -> None:
        self.server.close()  # type: ignore[attr-defined]
        self._lt.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            path = head.split(b" ", 2)[1].decode("latin-1")
            if path == "/deep-json":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(DEEP_JSON)}\r\nConnection: close\r\n\r\n".encode()
                    + DEEP_JSON
                )
            elif path == "/not-http":
                writer.write(b"SSH-2.0-OpenSSH_9.6 nothing like HTTP\r\n\r\n")
            elif path == "/flood":
                await self._flood(head, writer)
            await writer.drain()
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            writer.transport.abort()

    async def _flood(self, head: bytes, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        ws.receive_data(head)
        for event in ws.events():
            if isinstance(event, Request):
                writer.write(ws.send(AcceptConnection()))
        ping = ws.send(Ping(payload=b"p" * 125))
        async with asyncio.timeout(25):
            # never reads: the client's pongs pile up until its writes stall; once the client has gone, stop (drain()
            # on a closing transport returns at once, so this loop would spin for 25 s and starve the next test)
            while not writer.is_closing():
                writer.write(ping * 64)
                await writer.drain()
                self.flooded += 64
