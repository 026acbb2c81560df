"""Secure WebSocket probe: TLS, the HTTP/1.1 Upgrade handshake (RFC 6455 §4) and a held connection with pings (§5.5.2).

wsproto does the protocol (sans-IO) over our own asyncio streams, so the same code runs directly
or inside a proxy's CONNECT tunnel.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Pong, RejectConnection, RejectData, Request
from wsproto.events import Ping as PingEvent
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile, WssTarget
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl
from app.net import connect
from app.probes import proxy as proxy_mod
from app.probes.https import (
    USER_AGENT,
    Via,
    choose_via,
    open_or_outcome,
    per_route_checks,
    publicly_trusted,
)

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


async def _close(conn: connect.Connection, ws: WSConnection) -> None:
    """Send a normal close (RFC 6455 §7.1.2), wait briefly for the answer, then close the stream."""
    try:
        conn.writer.write(ws.send(CloseConnection(code=1000)))
        async with asyncio.timeout(0.5):
            await conn.writer.drain()
            await conn.reader.read(1024)
    except (OSError, ssl.SSLError, TimeoutError, LocalProtocolError):
        pass
    await conn.close()


def judge_upgrade(answer: UpgradeAnswer, host: str) -> tuple[Status, str]:
    """Pure: plain words for an upgrade that did not succeed."""
    server = f", server: {answer.server}" if answer.server else ""
    if answer.kind == "refused":
        return Status.FAIL, f"The WebSocket upgrade to {host} was refused: HTTP {answer.status}{server}."
    if answer.kind == "web_page":
        where = f" (redirect to {answer.location})" if answer.location else ""
        title = f' "{answer.title}"' if answer.title else ""
        return Status.FAIL, (
            f"The WebSocket upgrade to {host} was answered with a web page{title} (HTTP {answer.status}{server}){where}"
            + (
                f", not a WebSocket: the proxy in between ({answer.via}) did not pass the upgrade on."
                if answer.via
                else ", not a WebSocket: a proxy or filter answered, or removed the upgrade request."
            )
        )
    if answer.kind == "timeout":
        return Status.FAIL, f"No answer to the WebSocket upgrade from {host} within {UPGRADE_TIMEOUT_S:g} s."
    if answer.kind == "not_http":
        return Status.FAIL, f"The answer to the WebSocket upgrade from {host} was not valid HTTP."
    return Status.FAIL, f"The connection to {host} was closed during the WebSocket upgrade."


def judge_hold(held: HoldResult, hold_s: float) -> tuple[Status, str, tuple[str, ...]]:
    """Pure: a held connection that lasted, was cut, or never answered pings."""
    if held.cut_after_s is not None:
        return (
            Status.WARN,
            f"The WebSocket opened but was cut after {held.cut_after_s:.1f} s ({held.cut_how}).",
            ("websocket_cut",),
        )
    if held.pings and not held.pongs:
        return Status.WARN, f"The WebSocket opened and stayed up {hold_s:g} s, but no ping was answered.", ()
    rtt = f", round trip {min(held.rtts_ms)} ms" if held.rtts_ms else ""
    return Status.PASS, f"WebSocket open and held {hold_s:g} s ({held.pongs}/{held.pings} pings answered{rtt}).", ()


async def probe_wss(
    target: WssTarget, ctx: RunContext, explicit: ProxyUrl | None = None, hold_s: float = HOLD_S
) -> Outcome:
    """Open a secure WebSocket as the browser would (direct or through the proxy), upgrade, ping, hold, close."""
    host, port = target.url.host, target.url.port
    via: Via = await choose_via(str(target.url), ctx, explicit)
    details: dict[str, Any] = {"url": str(target.url), **via.evidence()}
    start = time.perf_counter()
    conn = await open_or_outcome(host, port, via, ctx, details, "websocket_blocked")
    if isinstance(conn, Outcome):
        return conn
    host_header = host if port == 443 else f"{host}:{port}"
    try:
        t0 = time.perf_counter()
        ws, answer = await upgrade(conn, host_header, target.url.path, UPGRADE_TIMEOUT_S)
        conn.timings_ms["upgrade"] = int((time.perf_counter() - t0) * 1000)
        details.update({"upgrade": answer.kind, "http_status": answer.status, "server": answer.server})
        if answer.content_type:
            details["content_type"] = answer.content_type
        if answer.location:
            details["location"] = answer.location
        if answer.title:
            details["page_title"] = answer.title
        if answer.kind != "accepted":
            await conn.close()
            status, summary = judge_upgrade(answer, host)
            details["timings_ms"] = conn.timings_ms
            details["publicly_trusted"] = await publicly_trusted(host, port, via, ctx)
            return Outcome(status, summary, details, ("websocket_blocked",))
        held = await hold(conn, ws, hold_s, PING_EVERY_S)
        if held.cut_after_s is None:
            await _close(conn, ws)
        else:
            if held.cut_how == STALLED:
                conn.writer.transport.abort()  # unsent data would keep the socket open for good
            await conn.close()
    except BaseException:
        await conn.close()
        raise
    details.update({"held_s": held.held_s, "pings": held.pings, "pongs": held.pongs, "rtts_ms": held.rtts_ms})
    if held.cut_after_s is not None:
        details.update({"cut_after_s": held.cut_after_s, "cut_how": held.cut_how})
    details["timings_ms"] = conn.timings_ms
    details["publicly_trusted"] = await publicly_trusted(host, port, via, ctx)
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    status, summary, codes = judge_hold(held, hold_s)
    if via.route.proxy is not None:
        summary = f"{summary[:-1]}, through the proxy {via.route.proxy}."
    return Outcome(status, summary, details, codes)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One WSS check per signalling URL as the browser would go; one more per URL through an explicit proxy."""
    explicit = proxy_mod.explicit_proxy(profile, options)
    title = lambda t: f"Open the live call connection to {t.url.host}"  # noqa: E731
    return per_route_checks(Category.WSS, profile.wss, explicit, title, probe_wss)
