"""HTTPS probe: TCP connect, TLS handshake (RFC 8446) and an HTTP/1.1 request (RFC 9112), each timed."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from dataclasses import dataclass
from typing import Any

import h11

from app import __version__
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile, WebTarget
from app.engine.runner import Check, RunContext
from app.probes import net
from app.probes.trust import certificate_facts, no_verify_context, os_trust_context, public_trust_context

CONNECT_TIMEOUT_S = 4.0
TLS_TIMEOUT_S = 4.0
HTTP_TIMEOUT_S = 4.0
MAX_BODY = 64 * 1024
USER_AGENT = f"CallReady/{__version__}"


@dataclass(frozen=True)
class HttpResponse:
    """Status, headers and the first bytes of a body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


async def http_exchange(conn: net.Connection, host: str, path: str, timeout_s: float) -> HttpResponse:
    """Send one GET and read the response through h11 (bring-your-own-I/O HTTP/1.1)."""
    client = h11.Connection(h11.CLIENT)
    request = h11.Request(
        method="GET",
        target=path,
        headers=[("Host", host), ("User-Agent", USER_AGENT), ("Accept", "*/*"), ("Connection", "close")],
    )
    conn.writer.write(client.send(request) + client.send(h11.EndOfMessage()))
    status, reason, headers, body = 0, "", {}, bytearray()
    async with asyncio.timeout(timeout_s):
        await conn.writer.drain()
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA:
                data = await conn.reader.read(16384)
                client.receive_data(data)
                continue
            if isinstance(event, h11.Response):
                status, reason = event.status_code, event.reason.decode("latin-1")
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) >= MAX_BODY:
                    break
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
    return HttpResponse(status, reason, headers, bytes(body[:MAX_BODY]))


def judge_response(resp: HttpResponse, expect: str) -> tuple[Status, str]:
    """Pure judgement of an HTTP answer: reachable, and shaped as the profile expects."""
    if resp.status >= 500:
        return Status.WARN, f"Reached, but the server answered {resp.status} {resp.reason}."
    if expect == "json":
        try:
            json.loads(resp.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            kind = resp.headers.get("content-type", "unknown type")
            return Status.WARN, f"Reached, but the answer was not the expected JSON ({resp.status}, {kind})."
    return Status.PASS, f"Reached: HTTP {resp.status}."


async def probe_web(target: WebTarget, ctx: RunContext) -> Outcome:
    """Connect, verify TLS against the OS store, fetch the path; record the certificate and public-root trust."""
    host, port = target.url.host, target.url.port
    res = await ctx.resolver.resolve(host)
    details: dict[str, Any] = {"url": str(target.url), "resolved": list(res.addresses), "dns_ms": res.elapsed_ms}
    if not res.addresses:
        details["dns_error"] = res.error
        return Outcome(Status.SKIP, f"Not tried: {host} could not be looked up.", details)
    address = res.addresses[0]
    start = time.perf_counter()
    try:
        conn = await net.open_tcp(address, port, CONNECT_TIMEOUT_S)
    except net.PhaseError as err:
        details.update(err.evidence())
        return Outcome(Status.FAIL, f"Cannot connect to {host}:{port}: {net.describe_error(err.cause)}.", details, ("https_blocked",))
    try:
        try:
            await net.start_tls(conn, os_trust_context(), host, TLS_TIMEOUT_S)
        except net.PhaseError as err:
            details.update(err.evidence())
            if err.kind == net.TLS:
                details.update(await _unverified_certificate(address, port, host))
                details["tls_reason"] = net.describe_error(err.cause)
                return Outcome(Status.FAIL, f"Secure connection failed: {details['tls_reason']}.", details, ("tls_error",))
            return Outcome(Status.FAIL, f"Connection to {host} cut during TLS: {net.describe_error(err.cause)}.", details, ("https_blocked",))
        ssl_obj = conn.writer.get_extra_info("ssl_object")
        details["certificate"] = certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)
        details.update(conn.facts)
        t0 = time.perf_counter()
        try:
            resp = await http_exchange(conn, host, target.url.path, HTTP_TIMEOUT_S)
        except (OSError, TimeoutError, h11.ProtocolError, ssl.SSLError) as exc:
            conn.timings_ms["http"] = int((time.perf_counter() - t0) * 1000)
            details.update({"timings_ms": conn.timings_ms, "failed_phase": "http", "error": net.describe_error(exc)})
            return Outcome(Status.FAIL, f"Connected, but no web answer from {host}: {net.describe_error(exc)}.", details, ("https_blocked",))
        conn.timings_ms["http"] = int((time.perf_counter() - t0) * 1000)
    finally:
        await conn.close()
    details.update({"timings_ms": conn.timings_ms, "address": address, "http_status": resp.status, "server": resp.headers.get("server", "")})
    details["publicly_trusted"] = await _publicly_trusted(address, port, host, ctx)
    status, summary = judge_response(resp, target.expect)
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    return Outcome(status, summary, details)


async def _publicly_trusted(address: str, port: int, host: str, ctx: RunContext) -> bool | None:
    """Whether the certificate this network presents chains to a public root (False hints TLS inspection)."""
    try:
        conn = await net.open_tcp(address, port, CONNECT_TIMEOUT_S)
    except net.PhaseError:
        return None
    try:
        await net.start_tls(conn, public_trust_context(ctx.options.public_roots), host, TLS_TIMEOUT_S)
    except net.PhaseError as err:
        return False if isinstance(err.cause, ssl.SSLCertVerificationError) else None
    finally:
        await conn.close()
    return True


async def _unverified_certificate(address: str, port: int, host: str) -> dict[str, Any]:
    """Read the certificate a server presents without trusting it, to show who issued it."""
    try:
        conn = await net.open_tcp(address, port, CONNECT_TIMEOUT_S)
        try:
            await net.start_tls(conn, no_verify_context(), host, TLS_TIMEOUT_S)
            ssl_obj = conn.writer.get_extra_info("ssl_object")
            return {"certificate": certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)}
        finally:
            await conn.close()
    except net.PhaseError:
        return {}


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One HTTPS check per web target of the profile."""

    def make(target: WebTarget) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe_web(target, ctx)

        return Check(
            f"https:{target.url.host}{target.url.path}",
            Category.HTTPS,
            str(target.url),
            f"Reach {target.url.host} securely",
            run,
            timeout_s=20.0,
        )

    return [make(t) for t in profile.web]
