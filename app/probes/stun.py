"""STUN probe: a Binding request to every STUN server (RFC 8489), its server-reflexive address, and a DPI hint."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Signals, Status
from app.engine.options import RunOptions
from app.engine.profile import IceServer, Profile
from app.engine.runner import Check, RunContext
from app.net import connect, ice
from app.net.trust import os_trust_context
from app.probes.media_paths import stun_contacts

CHECK_TIMEOUT_S = 8.0


async def probe_stun(server: IceServer, ctx: RunContext) -> Outcome:
    """Resolve, then one Binding over UDP (or TLS for stuns:), plus a classic RFC 3489 Binding to tell DPI from a UDP block."""
    url = server.url
    res = await ctx.services.resolver.resolve(url.host)
    details: dict[str, Any] = {"url": str(url), "transport": url.transport, "resolved": list(res.addresses)}
    if not res.addresses:
        details["dns_error"] = res.error
        return Outcome(Status.SKIP, f"Not tried: {url.host} could not be looked up.", details)
    address = res.addresses[0]
    details["address"] = address
    details["port"] = url.port
    if url.transport == "udp":
        return await _udp(address, url.port, url.host, details)
    return await _stream(address, url.port, url.host, details)


async def _udp(address: str, port: int, host: str, details: dict[str, Any]) -> Outcome:
    sock = await ice.open_udp(address, port)
    try:
        start = time.perf_counter()
        modern = asyncio.ensure_future(sock.transact(ice.binding_request(), (address, port)))
        classic = asyncio.ensure_future(sock.classic())
        try:
            reply = await modern
            error: BaseException | None = None
        except (TimeoutError, OSError, ice.WrongProtocol) as exc:
            reply, error = None, exc
        rtt_ms = int((time.perf_counter() - start) * 1000)
        if reply is not None:
            classic.cancel()
        classic_reply = await asyncio.gather(classic, return_exceptions=True)
    finally:
        sock.close()
    old = classic_reply[0] if not isinstance(classic_reply[0], BaseException) else None
    details["udp_answered"] = sock.udp_answered
    sig = Signals(udp_answered=sock.udp_answered)
    if reply is not None:
        details.update(_reply_facts(reply))
        details["rtt_ms"] = rtt_ms
        if reply.klass != "RESPONSE" and reply.error_code is not None:
            return Outcome(
                Status.WARN, f"{host} answered STUN with an error ({reply.error_code}).", details, signals=sig
            )
        if reply.mapped_address is None:  # RFC 8489 §7.3.3, §14.8: neither a usable success nor a real error
            details.update({"error_kind": connect.PROTOCOL, "error": "a success answer without a mapped address"})
            summary = f"{host} answered STUN on UDP {port}, but without this computer's address: not a usable answer."
            return Outcome(Status.FAIL, summary, details, (FindingCode.STUN_BLOCKED,), sig)
        return Outcome(
            Status.PASS,
            f"Direct route open: {host} sees this computer as {details.get('mapped_address')}.",
            details,
            signals=sig,
        )
    assert error is not None
    if isinstance(error, ice.NoAnswer):
        details["tries"] = error.tries
    details["error_kind"] = _kind(error)
    details["error"] = connect.describe_error(error) if not isinstance(error, ice.WrongProtocol) else str(error)
    details["classic_answered"] = old is not None
    if old is not None:
        details["classic_mapped_address"] = _fmt(old.mapped_address)
        summary = (
            f"STUN to {host}:{port} is filtered: a request without the STUN marker was answered, "
            "so a firewall inspects and drops STUN (UDP itself passes)."
        )
    elif details["error_kind"] == connect.REFUSED:
        summary = f"{host} refused STUN on UDP {port} (port unreachable)."
    elif isinstance(error, ice.WrongTransaction):
        summary = f"{host} answered STUN on UDP {port}, but never to the request sent (another transaction id)."
    elif details["error_kind"] == connect.PROTOCOL:
        summary = f"Something on UDP {port} answered, but not with STUN: {details['error']}."
    else:
        tries = f" ({details['tries']} tries)" if details.get("tries") else ""
        summary = f"No STUN answer from {host} on UDP {port} within {ice.UDP_GIVE_UP_S:g} s{tries}."
    return Outcome(Status.FAIL, summary, details, (FindingCode.STUN_BLOCKED,), sig)


async def _stream(address: str, port: int, host: str, details: dict[str, Any]) -> Outcome:
    tls = os_trust_context() if details["transport"] == "tls" else None
    try:
        conn = await ice.open_stream(address, port, tls, host, 4.0)
    except connect.PhaseError as err:
        details.update(err.evidence())
        return Outcome(Status.FAIL, f"Cannot reach STUN at {host}:{port}: {err}.", details, (FindingCode.STUN_BLOCKED,))
    try:
        start = time.perf_counter()
        reply = await ice.stream_transact(conn, ice.binding_request())
        details["rtt_ms"] = int((time.perf_counter() - start) * 1000)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ice.WrongProtocol) as exc:
        details.update({"error_kind": _kind(exc), "error": str(exc) or connect.describe_error(exc)})
        return Outcome(
            Status.FAIL, f"No STUN answer from {host}:{port}: {details['error']}.", details, (FindingCode.STUN_BLOCKED,)
        )
    finally:
        net_close = conn.writer.transport
        ice.close_now(net_close)
    details.update(_reply_facts(reply))
    how = details["transport"].upper()
    if reply.klass != "RESPONSE":
        return Outcome(Status.WARN, f"{host} answered STUN over {how} with an error ({reply.error_code}).", details)
    if reply.mapped_address is None:
        details.update({"error_kind": connect.PROTOCOL, "error": "a success answer without a mapped address"})
        summary = f"{host} answered STUN over {how}, but without this computer's address: not a usable answer."
        return Outcome(Status.FAIL, summary, details, (FindingCode.STUN_BLOCKED,))
    return Outcome(Status.PASS, f"STUN over {how} works: {host} answered.", details)


def _reply_facts(reply: ice.StunReply) -> dict[str, Any]:
    facts: dict[str, Any] = {"mapped_address": _fmt(reply.mapped_address), "tries": reply.tries}
    if reply.software:
        facts["software"] = reply.software
    if reply.other_address:
        facts["other_address"] = _fmt(reply.other_address)
    if reply.error_code:
        facts["stun_error"] = f"{reply.error_code} {reply.error_reason}".strip()
    return facts


def _fmt(addr: tuple[str, int] | None) -> str:
    if addr is None:
        return ""
    host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    return f"{host}:{addr[1]}"


def _kind(exc: BaseException) -> str:
    if isinstance(exc, ice.WrongProtocol):
        return connect.PROTOCOL
    return connect.classify_os_error(exc)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One STUN check per STUN server of the profile."""
    checks: dict[str, Check] = {}

    def make(server: IceServer) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe_stun(server, ctx)

        u = server.url
        return Check(
            f"stun:{u.host}:{u.port}", Category.STUN, str(u), f"Direct video route via {u.host}", run, CHECK_TIMEOUT_S,
            contacts=stun_contacts(server),
        )  # fmt: skip

    for server in profile.stun:
        check = make(server)
        checks.setdefault(check.id, check)
    return list(checks.values())
