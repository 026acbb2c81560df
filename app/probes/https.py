"""HTTPS probe: TCP connect, TLS handshake (RFC 8446) and an HTTP/1.1 request (RFC 9112), each timed, as the
browser would go (`app.net.http` opens the connection; this module judges it)."""

from __future__ import annotations

import ssl
import time
from typing import Any

import h11

from app.engine.codes import FindingCode
from app.engine.inputs import InputError, bounded_json
from app.engine.model import Category, Outcome, Signals, Status
from app.engine.options import RunOptions, explicit_proxy
from app.engine.profile import Profile, WebTarget
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl
from app.net import connect
from app.net.http import HTTP_TIMEOUT_S, MAX_BODY, HttpResponse, http_exchange, publicly_trusted
from app.net.routing import Via
from app.probes.connection import open_or_outcome, per_route_checks


def judge_response(resp: HttpResponse, expect: str) -> tuple[Status, str]:
    """Pure judgement of an HTTP answer: reachable, and shaped as the profile expects."""
    if resp.status >= 500:
        return Status.WARN, f"Reached, but the server answered {resp.status} {resp.reason}."
    if expect == "json":
        try:
            bounded_json(resp.body, MAX_BODY)  # depth- and number-bounded: `[[[[...` is an answer, not a crash
        except InputError:
            kind = resp.headers.get("content-type", "unknown type")
            return Status.WARN, f"Reached, but the answer was not the expected JSON ({resp.status}, {kind})."
    return Status.PASS, f"Reached: HTTP {resp.status}."


async def probe_web(target: WebTarget, ctx: RunContext, explicit: ProxyUrl | None = None) -> Outcome:
    """Connect (directly or through the proxy that applies), verify TLS against the OS store, fetch the path;
    record the certificate and whether it chains to a public root."""
    host, port = target.url.host, target.url.port
    via = await ctx.services.via(str(target.url), explicit)
    details: dict[str, Any] = {"url": str(target.url), **via.evidence()}
    start = time.perf_counter()
    conn = await open_or_outcome(host, port, via, ctx, details, FindingCode.HTTPS_BLOCKED)
    if isinstance(conn, Outcome):
        return conn
    try:
        t0 = time.perf_counter()
        try:
            resp = await http_exchange(conn, host if port == 443 else f"{host}:{port}", target.url.path, HTTP_TIMEOUT_S)
        except (OSError, TimeoutError, h11.ProtocolError, ssl.SSLError) as exc:
            conn.timings_ms["http"] = int((time.perf_counter() - t0) * 1000)
            why = _http_error(exc, via)
            details.update({"timings_ms": conn.timings_ms, "failed_phase": "http", "error": why})
            return Outcome(
                Status.FAIL,
                f"Connected, but no web answer from {host}: {why}.",
                details,
                (FindingCode.HTTPS_BLOCKED,),
                Signals(via_proxy=via.route.proxy is not None),
            )
        conn.timings_ms["http"] = int((time.perf_counter() - t0) * 1000)
    finally:
        await conn.close()
    details.update(
        {
            "timings_ms": conn.timings_ms,
            "address": conn.address,
            "http_status": resp.status,
            "server": resp.headers.get("server", ""),
        }
    )
    details["publicly_trusted"] = await publicly_trusted(
        host, port, via.route.proxy, ctx.services.resolver, ctx.options.public_roots
    )
    status, summary = judge_response(resp, target.expect)
    if via.route.proxy is not None:
        summary = f"{summary[:-1]} through the proxy {via.route.proxy}."
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    return Outcome(status, summary, details, signals=Signals(via_proxy=via.route.proxy is not None))


def _http_error(exc: BaseException, via: Via) -> str:
    """Plain words for a failed HTTP exchange; an invalid answer is the server's unless a proxy carried it."""
    if isinstance(exc, h11.ProtocolError):
        who = "the answer (through the proxy)" if via.route.proxy is not None else "the server's answer"
        return f"{who} is not valid HTTP ({exc})"
    return connect.describe_error(exc)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One HTTPS check per web target as the browser would go; one more per target through an explicit proxy."""
    explicit = explicit_proxy(profile, options)
    return per_route_checks(Category.HTTPS, profile.web, explicit, lambda t: f"Reach {t.url.host} securely", probe_web)
