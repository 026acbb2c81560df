"""A secure WebSocket client (RFC 6455): the HTTP/1.1 Upgrade handshake (§4) and a held connection with pings
(§5.5.2). wsproto does the protocol (sans-IO) over our own streams (`app.net.connect.Connection`), so the same code
runs directly or inside a proxy's CONNECT tunnel. Reads are bounded; every step has a deadline.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Pong, RejectConnection, RejectData, Request
from wsproto.events import Ping as PingEvent
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from app.net import connect
from app.net.http import USER_AGENT

UPGRADE_TIMEOUT_S = 4.0
HOLD_S = 3.0
PING_EVERY_S = 1.0
MAX_REJECT_BODY = 16 * 1024
MAX_UNSENT = 64 * 1024  # pongs queued for a peer that stopped reading: beyond this it is cut, not buffered
STALLED = "the other side stopped reading what was sent"


@dataclass(frozen=True)
class UpgradeAnswer:
    """What came back to the Upgrade request: accepted, refused, a web page, or no valid answer."""

    kind: str  # accepted | refused | web_page | closed | not_http | timeout
    status: int = 0
    server: str = ""
    content_type: str = ""
    location: str = ""
    title: str = ""
    via: str = ""  # the Via header (RFC 9110 §7.6.3): names a proxy that handled the request


@dataclass
class HoldResult:
    """How the open connection behaved while held: pings, pongs, and when (how) it was cut."""

    held_s: float = 0.0
    pings: int = 0
    pongs: int = 0
    rtts_ms: list[int] = field(default_factory=list)
    cut_after_s: float | None = None
    cut_how: str = ""


def classify_rejection(status: int, headers: dict[str, str], body: bytes) -> UpgradeAnswer:
    """Pure: a non-101 answer is a web page (a portal, block or login page: HTML or a redirect) or a refusal."""
    ctype = headers.get("content-type", "")
    location = headers.get("location", "")
    title = _html_title(body)
    page = "html" in ctype.lower() or b"<html" in body[:2048].lower() or 300 <= status < 400
    kind = "web_page" if page and status < 400 else "refused"
    return UpgradeAnswer(kind, status, headers.get("server", ""), ctype, location, title, headers.get("via", ""))


def _html_title(body: bytes) -> str:
    text = body[:8192].decode("utf-8", errors="replace")
    low = text.lower()
    start = low.find("<title>")
    end = low.find("</title>", start + 7)
    return " ".join(text[start + 7 : end].split())[:120] if start >= 0 and end > start else ""


async def upgrade(
    conn: connect.Connection, host: str, path: str, timeout_s: float
) -> tuple[WSConnection, UpgradeAnswer]:
    """Send the opening handshake and read the answer (101 accepted, or a rejection with its body)."""
    ws = WSConnection(ConnectionType.CLIENT)
    conn.writer.write(ws.send(Request(host=host, target=path, extra_headers=[(b"user-agent", USER_AGENT.encode())])))
    status, body = 0, bytearray()
    headers: dict[str, str] = {}
    try:
        async with asyncio.timeout(timeout_s):
            await conn.writer.drain()
            while True:
                data = await conn.reader.read(65536)
                if not data:
                    if status:
                        return ws, classify_rejection(status, headers, bytes(body))
                    return ws, UpgradeAnswer("closed")
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, AcceptConnection):
                        return ws, UpgradeAnswer("accepted", 101)
                    if isinstance(event, RejectConnection):
                        status = event.status_code
                        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
                        if not event.has_body:
                            return ws, classify_rejection(status, headers, b"")
                    elif isinstance(event, RejectData):
                        body += event.data
                        if event.body_finished or len(body) >= MAX_REJECT_BODY:
                            return ws, classify_rejection(status, headers, bytes(body))
    except TimeoutError:
        if status:
            return ws, classify_rejection(status, headers, bytes(body))
        return ws, UpgradeAnswer("timeout")
    except (RemoteProtocolError, LocalProtocolError):
        return ws, UpgradeAnswer("not_http", status)
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
        return ws, UpgradeAnswer("closed", status)


async def hold(conn: connect.Connection, ws: WSConnection, hold_s: float, ping_every_s: float) -> HoldResult:
    """Keep the connection open for `hold_s`, pinging every `ping_every_s`; note when and how it is cut."""
    result = HoldResult()
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent_at: dict[bytes, float] = {}
    next_ping = start
    try:
        while (now := loop.time()) - start < hold_s:
            if now >= next_ping:
                payload = result.pings.to_bytes(4, "big")
                sent_at[payload] = now
                conn.writer.write(ws.send(PingEvent(payload=payload)))
                try:  # a peer that never reads must not hold the check past its hold time
                    await asyncio.wait_for(conn.writer.drain(), max(0.05, start + hold_s - loop.time()))
                except TimeoutError:
                    result.cut_after_s, result.cut_how = loop.time() - start, STALLED
                    break
                result.pings += 1
                next_ping += ping_every_s
            wait = max(0.01, min(next_ping, start + hold_s) - loop.time())
            try:
                data = await asyncio.wait_for(conn.reader.read(65536), wait)
            except TimeoutError:
                continue
            if not data:
                result.cut_after_s, result.cut_how = loop.time() - start, "closed without a WebSocket close"
                break
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Pong):
                    t = sent_at.pop(bytes(event.payload), None)
                    result.pongs += 1
                    if t is not None:
                        result.rtts_ms.append(int((loop.time() - t) * 1000))
                elif isinstance(event, PingEvent):
                    if conn.writer.transport.get_write_buffer_size() > MAX_UNSENT:
                        result.cut_after_s, result.cut_how = loop.time() - start, STALLED
                        break
                    conn.writer.write(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    result.cut_after_s = loop.time() - start
                    result.cut_how = f"closed by the other side (code {event.code})"
                    break
            if result.cut_after_s is not None:
                break
    except (OSError, ssl.SSLError, RemoteProtocolError, LocalProtocolError) as exc:
        result.cut_after_s, result.cut_how = loop.time() - start, connect.describe_error(exc)
    result.held_s = round((result.cut_after_s if result.cut_after_s is not None else loop.time() - start), 2)
    if result.cut_after_s is not None:
        result.cut_after_s = round(result.cut_after_s, 2)
    return result


async def close(conn: connect.Connection, ws: WSConnection) -> None:
    """Send a normal close (RFC 6455 §7.1.2), wait briefly for the answer, then close the stream."""
    try:
        conn.writer.write(ws.send(CloseConnection(code=1000)))
        async with asyncio.timeout(0.5):
            await conn.writer.drain()
            await conn.reader.read(1024)
    except (OSError, ssl.SSLError, TimeoutError, LocalProtocolError):
        pass
    await conn.close()
