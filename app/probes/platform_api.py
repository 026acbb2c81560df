"""The platform's own HTTPS JSON endpoints (signalling discovery, ICE servers): one bounded GET per URL per run,
shared by every check that needs the answer (RFC 9110 GET over RFC 9112 HTTP/1.1, as the platform's client does)."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import h11

from app.engine.codes import FindingCode
from app.engine.inputs import InputError, bounded_json
from app.engine.model import Outcome, Signals, Status
from app.engine.runner import RunContext
from app.engine.urls import ProxyUrl, UrlError, parse_web_url
from app.net import connect
from app.net.http import HTTP_TIMEOUT_S, MAX_BODY, http_exchange
from app.probes.connection import open_or_outcome

FETCH_BUDGET_S = 9.0  # connect + TLS + answer (each phase has its own shorter limit)


@dataclass(frozen=True)
class JsonAnswer:
    """A platform endpoint's answer: `data` is the decoded JSON when `ok`; otherwise `problem` says why not, and
    `failure` is the connection's own outcome when no HTTP answer came back (blocked, refused, not looked up)."""

    url: str
    ok: bool
    data: Any = None
    status: int = 0
    problem: str = ""
    failure: Outcome | None = None
    details: dict[str, Any] = field(default_factory=dict)
    signals: Signals = field(default_factory=Signals)  # for the verdict: whether the GET went through a proxy

    @property
    def reached(self) -> bool:
        """True when the server (or something in between) answered over HTTP."""
        return self.failure is None and self.status > 0


async def fetch_json(url: str, ctx: RunContext, explicit: ProxyUrl | None = None) -> JsonAnswer:
    """GET `url` once per run (and per explicit proxy) as the browser would go; every caller shares the answer."""
    key = f"json:{url}+{explicit}" if explicit is not None else f"json:{url}"
    return await ctx.services.once(key, lambda: _fetch(url, ctx, explicit))


async def _fetch(url: str, ctx: RunContext, explicit: ProxyUrl | None) -> JsonAnswer:
    try:
        parsed = parse_web_url(url, ("https",))
    except UrlError as exc:
        return JsonAnswer(url, False, problem=str(exc), failure=Outcome(Status.SKIP, f"Not tried: {exc}."))
    via = await ctx.services.via(url, explicit)
    details: dict[str, Any] = {"url": url, **via.evidence()}
    start = time.perf_counter()
    sig = Signals(via_proxy=via.route.proxy is not None)
    conn = await open_or_outcome(parsed.host, parsed.port, via, ctx, details, FindingCode.HTTPS_BLOCKED)
    if not isinstance(conn, connect.Connection):
        return JsonAnswer(url, False, problem=conn.summary, failure=conn, details=dict(conn.details), signals=sig)
    host = parsed.host if parsed.port == 443 else f"{parsed.host}:{parsed.port}"
    try:
        resp = await http_exchange(conn, host, parsed.path, HTTP_TIMEOUT_S)
    except (OSError, TimeoutError, h11.ProtocolError, ssl.SSLError) as exc:
        details.update({"failed_phase": "http", "error": connect.describe_error(exc)})
        why = f"Connected to {parsed.host}, but no web answer: {connect.describe_error(exc)}."
        failure = Outcome(Status.FAIL, why, details, (FindingCode.HTTPS_BLOCKED,), sig)
        return JsonAnswer(url, False, problem=why, failure=failure, details=details, signals=sig)
    finally:
        await conn.close()
    details.update({"http_status": resp.status, "timings_ms": conn.timings_ms})
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    if resp.status != 200:
        what = f"{parsed.host} answered HTTP {resp.status} {resp.reason}".rstrip()
        return JsonAnswer(url, False, status=resp.status, problem=what, details=details, signals=sig)
    try:
        data = bounded_json(resp.body, MAX_BODY)
    except InputError as exc:
        kind = resp.headers.get("content-type", "unknown type")
        what = f"{parsed.host} answered, but not with the expected JSON ({kind}: {exc})"
        return JsonAnswer(url, False, status=resp.status, problem=what, details=details, signals=sig)
    return JsonAnswer(url, True, data, resp.status, details=details, signals=sig)


def field_at(data: Any, dotted: str) -> Any:
    """Pure: the value at a dotted path (`worker.wssUri`) of decoded JSON, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data
