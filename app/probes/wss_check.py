"""The secure WebSocket check itself: TLS, the HTTP/1.1 Upgrade handshake (RFC 6455 §4) and a held connection with
pings (§5.5.2), as the browser would go; the client is `app.net.websocket`, this module judges what it saw. Shared by
the profile's WebSocket checks (`wss.py`) and the workers signalling discovery names (`signalling.py`).
"""

from __future__ import annotations

import time
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Outcome, Signals, Status
from app.engine.profile import WssTarget
from app.engine.runner import RunContext
from app.engine.urls import ProxyUrl
from app.net.http import publicly_trusted
from app.net.routing import Via
from app.net.websocket import (
    HOLD_S,
    PING_EVERY_S,
    STALLED,
    UPGRADE_TIMEOUT_S,
    HoldResult,
    UpgradeAnswer,
    close,
    hold,
    upgrade,
)
from app.probes.connection import open_or_outcome


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


def judge_hold(held: HoldResult, hold_s: float) -> tuple[Status, str, tuple[FindingCode, ...]]:
    """Pure: a held connection that lasted, was cut, or never answered pings."""
    if held.cut_after_s is not None:
        return (
            Status.WARN,
            f"The WebSocket opened but was cut after {held.cut_after_s:.1f} s ({held.cut_how}).",
            (FindingCode.WEBSOCKET_CUT,),
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
    via: Via = await ctx.services.via(str(target.url), explicit)
    details: dict[str, Any] = {"url": str(target.url), **via.evidence()}
    sig = Signals(via_proxy=via.route.proxy is not None)
    start = time.perf_counter()
    conn = await open_or_outcome(host, port, via, ctx, details, FindingCode.WEBSOCKET_BLOCKED)
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
            details["publicly_trusted"] = await _publicly_trusted(host, port, via, ctx)
            return Outcome(status, summary, details, (FindingCode.WEBSOCKET_BLOCKED,), sig)
        held = await hold(conn, ws, hold_s, PING_EVERY_S)
        if held.cut_after_s is None:
            await close(conn, ws)
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
    details["publicly_trusted"] = await _publicly_trusted(host, port, via, ctx)
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    status, summary, codes = judge_hold(held, hold_s)
    if via.route.proxy is not None:
        summary = f"{summary[:-1]}, through the proxy {via.route.proxy}."
    return Outcome(status, summary, details, codes, sig)


async def _publicly_trusted(host: str, port: int, via: Via, ctx: RunContext) -> bool | None:
    return await publicly_trusted(host, port, via.route.proxy, ctx.services.resolver, ctx.options.public_roots)
