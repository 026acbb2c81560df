"""The local page server: one page on http://127.0.0.1:<random port>/<random token>, one result back, then closed.

HTTP/1.1 (RFC 9112) with bounded reads. It answers only the token's paths, only to loopback peers, only when the
Host header names this listener (a page on another site cannot reach it through DNS rebinding), and only for one
run: after the result arrives it stops listening. It never logs the page, which holds the TURN credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import secrets
from typing import Any

from app.browsercheck.page import CSP, render_page
from app.engine.inputs import InputError, bounded_json

log = logging.getLogger("callready.browsercheck")

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 512 * 1024
READ_TIMEOUT_S = 10.0


class LocalPageServer:
    """Serve the page for `config` until the page posts its result (`result()` awaits it)."""

    def __init__(self, config: dict[str, Any], bind: str = "127.0.0.1") -> None:
        self._config = config
        self._bind = bind
        self.token = secrets.token_urlsafe(24)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, Any]] | None = None
        self.refused: list[str] = []  # why requests were refused (no secrets): for tests and the debug log
        self.page_served = False

    @property
    def url(self) -> str:
        """The page's address (holds the token: give it only to the browser)."""
        return f"http://127.0.0.1:{self.port}/{self.token}"

    async def start(self) -> None:
        """Listen on the loopback address and a port the OS picks."""
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self._bind, 0, limit=MAX_HEADER_BYTES)
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("browser check page listening on 127.0.0.1:%d", self.port)

    async def result(self, timeout_s: float) -> dict[str, Any] | None:
        """The page's posted result, or None when none came within `timeout_s`."""
        assert self._result is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout_s)
        except TimeoutError:
            return None

    async def close(self) -> None:
        """Stop listening (idempotent)."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def __aenter__(self) -> LocalPageServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ HTTP

    def _refuse(self, why: str) -> None:
        if len(self.refused) < 100:  # bounded: a local flood cannot grow it
            self.refused.append(why)
        log.info("browser check page: refused a request (%s)", why)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, ctype, body = await asyncio.wait_for(self._answer(reader, writer), READ_TIMEOUT_S)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            status, ctype, body = 400, "text/plain", b"bad request\n"
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n"
            f"Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\r\n"
        )
        with contextlib.suppress(Exception):
            writer.write(head.encode("ascii") + body)
            await writer.drain()
            if status >= 400:  # let a refused request's unread bytes arrive, so closing does not reset the answer
                writer.write_eof()
                await asyncio.wait_for(_discard(reader, 2 * MAX_BODY_BYTES), 1.0)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        if self._result is not None and self._result.done():
            await self.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, str, bytes]:
        peer = writer.get_extra_info("peername")
        try:
            loopback = ipaddress.ip_address(str(peer[0]).split("%")[0]).is_loopback
        except (ValueError, TypeError, IndexError):
            loopback = False
        if not loopback:
            self._refuse("peer is not a loopback address")
            return 403, "text/plain", b"forbidden\n"
        raw = await reader.readuntil(b"\r\n\r\n")  # the reader's limit bounds it
        if len(raw) > MAX_HEADER_BYTES:
            return 431, "text/plain", b"headers too large\n"
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return 400, "text/plain", b"bad request\n"
        method, target, _version = parts
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if headers.get("host") not in (f"127.0.0.1:{self.port}", f"localhost:{self.port}"):
            self._refuse("Host header does not name this listener")
            return 403, "text/plain", b"forbidden\n"
        path = target.split("?", 1)[0]
        token, _, rest = path.lstrip("/").partition("/")
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.token.encode()):
            self._refuse("wrong or missing token")
            return 404, "text/plain", b"not found\n"
        if self._result is None or self._result.done():
            self._refuse("the run is over")
            return 410, "text/plain", b"gone\n"
        if method == "GET" and rest == "":
            self.page_served = True
            return 200, "text/html; charset=utf-8", render_page(self._config).encode("utf-8")
        if method == "POST" and rest == "result":
            return await self._post(reader, headers)
        return 404, "text/plain", b"not found\n"

    async def _post(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[int, str, bytes]:
        if not headers.get("content-type", "").startswith("application/json"):
            self._refuse("result is not JSON")
            return 415, "text/plain", b"JSON only\n"
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            return 411, "text/plain", b"length required\n"
        if not 0 < length <= MAX_BODY_BYTES:
            self._refuse("result too large")
            return 413, "text/plain", b"too large\n"
        body = await reader.readexactly(length)
        try:
            data = bounded_json(body, MAX_BODY_BYTES)
        except InputError:
            return 400, "text/plain", b"bad JSON\n"
        if not isinstance(data, dict):
            return 400, "text/plain", b"bad JSON\n"
        assert self._result is not None
        if not self._result.done():
            self._result.set_result(data)
        return 200, "application/json", b'{"ok": true}\n'


async def _discard(reader: asyncio.StreamReader, limit: int) -> None:
    """Read and drop up to `limit` bytes until the peer closes."""
    total = 0
    while total < limit:
        chunk = await reader.read(65536)
        if not chunk:
            return
        total += len(chunk)


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
}
