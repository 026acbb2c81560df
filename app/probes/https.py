"""HTTPS probe: TCP connect, TLS handshake (RFC 8446) and an HTTP/1.1 request (RFC 9112), each timed."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import h11

from app import __version__
from app.engine.inputs import InputError, bounded_json
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile, WebTarget, WssTarget
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl
from app.net import connect, macnet
from app.net.trust import certificate_facts, no_verify_context, os_trust_context, public_trust_context
from app.probes import proxy as proxy_mod

CONNECT_TIMEOUT_S = 4.0
TLS_TIMEOUT_S = 8.0  # a handshake on a thin, busy link takes seconds; browsers wait far longer
HTTP_TIMEOUT_S = 6.0
MAX_BODY = 64 * 1024
USER_AGENT = f"CallReady/{__version__}"


@dataclass(frozen=True)
class HttpResponse:
    """Status, headers and the first bytes of a body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


async def http_exchange(
    conn: connect.Connection, host: str, path: str, timeout_s: float, max_body: int = MAX_BODY
) -> HttpResponse:
    """Send one GET and read the response through h11 (bring-your-own-I/O HTTP/1.1), at most `max_body` bytes."""
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
                if len(body) >= max_body:
                    break
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
    return HttpResponse(status, reason, headers, bytes(body[:max_body]))


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


@dataclass(frozen=True)
class Via:
    """Which way a probe goes: the route a browser would take, or the proxy IT gave (`explicit`)."""

    route: proxy_mod.Route
    explicit: bool = False

    def evidence(self) -> dict[str, Any]:
        """How the connection was made (passwords hidden)."""
        found: dict[str, Any] = {"route": self.route.describe(), "route_source": self.route.source}
        if self.route.why:
            found["route_why"] = self.route.why
        if self.route.proxy is not None:
            found["proxy"] = str(self.route.proxy)
        return found


async def choose_via(url: str, ctx: RunContext, explicit: ProxyUrl | None) -> Via:
    """The explicit proxy when given, else the route the system settings (env, OS, PAC) give for `url`."""
    if explicit is not None:
        return Via(proxy_mod.Route(explicit, "--proxy"), True)
    return Via(await proxy_mod.route_for(url, ctx))


async def open_stream(host: str, port: int, via: Via, ctx: RunContext, details: dict[str, Any]) -> connect.Connection:
    """TCP directly (resolving locally) or a CONNECT tunnel (the proxy resolves); raise PhaseError or DnsFailed."""
    if via.route.proxy is not None:
        return await connect.open_tunnel(via.route.proxy, host, port, CONNECT_TIMEOUT_S, USER_AGENT)
    res = await ctx.resolver.resolve(host)
    details.update({"resolved": list(res.addresses), "dns_ms": res.elapsed_ms})
    if not res.addresses:
        details["dns_error"] = res.error
        raise DnsFailed(res.error or "no address")
    return await connect.open_tcp(res.addresses[0], port, CONNECT_TIMEOUT_S)


class DnsFailed(Exception):
    """The host could not be looked up (a DNS check reports why; this one is unknown)."""


_CUT = (ssl.SSLEOFError, ConnectionResetError, asyncio.IncompleteReadError)  # a handshake cut, not refused


async def open_secure(
    host: str, port: int, via: Via, ctx: RunContext, details: dict[str, Any], context: ssl.SSLContext | None = None
) -> connect.Connection:
    """open_stream + TLS verified against the OS store; on a certificate failure the presented certificate
    is recorded in `details`. Raises PhaseError or DnsFailed."""
    conn = await open_stream(host, port, via, ctx, details)
    try:
        try:
            await connect.start_tls(conn, context or os_trust_context(), host, TLS_TIMEOUT_S)
        except connect.PhaseError as first:
            if not isinstance(first.cause, _CUT):
                raise
            # cut mid-handshake (no alert, no certificate): once more on a fresh connection, as browsers retry
            details["tls_retried"] = connect.describe_error(first.cause)
            conn = await open_stream(host, port, via, ctx, details)
            await connect.start_tls(conn, context or os_trust_context(), host, TLS_TIMEOUT_S)
    except connect.PhaseError as err:
        if err.kind == connect.TLS:
            details.update(await _unverified_certificate(host, port, via, ctx))
            details["tls_reason"] = connect.describe_error(err.cause)
        raise
    ssl_obj = conn.writer.get_extra_info("ssl_object")
    details["certificate"] = certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)
    details.update(conn.facts)
    return conn


def judge_failure(
    err: connect.PhaseError, host: str, port: int, via: Via, profile: Profile
) -> tuple[Status, str, tuple[str, ...], dict[str, Any]]:
    """Pure: a failed connection step -> status, plain summary, finding codes and extra evidence."""
    proxy = str(via.route.proxy) if via.route.proxy else ""
    why = connect.describe_error(err.cause)
    if err.phase == "proxy_connect":
        # macOS 15+: Local Network privacy, not the network, may be what stops a proxy on the local network
        hint = macnet.local_network_hint(err.kind, via.route.proxy.host if via.route.proxy else "")
        summary = f"Cannot reach the proxy {proxy}: {why}." + (f" {hint}" if hint else "")
        return Status.FAIL, summary, ("proxy_failed",), ({"local_network_privacy": hint} if hint else {})
    if err.phase == "proxy":
        if err.kind == connect.PROXY_AUTH:
            sign_in = getattr(err.cause, "sign_in", None)  # Negotiate/NTLM: signed in as a browser would (proxyauth)
            if sign_in is not None and not sign_in.tried:
                return Status.SKIP, (f"The proxy {proxy} asks for Windows sign-in ({sign_in.scheme}), which browsers "
                                     f"do by themselves; this check could not try it: {sign_in.detail}."), (), {}  # fmt: skip
            if sign_in is not None:
                note = f"Signing in to the proxy as this computer's user ({sign_in.scheme}) did not work: {sign_in.detail}."
                extra = {"proxy_auth_note": note}
                return Status.FAIL, f"{note} (HTTP 407 from {proxy})", ("proxy_auth_required",), extra
            has_login = via.route.proxy is not None and via.route.proxy.username is not None
            if not profile.authenticating_proxy_supported:
                note = f"{profile.name} does not support proxies requiring authentication."
                return Status.FAIL, note, ("proxy_auth_required",), {"proxy_auth_note": note}
            if has_login:
                note = "The proxy rejected the login given in the proxy address."
            else:
                note = "The proxy asks for a login that this check cannot give; the browser may ask you for it."
            return Status.FAIL, f"{note} (HTTP 407 from {proxy})", ("proxy_auth_required",), {"proxy_auth_note": note}
        return (
            Status.FAIL,
            f"The proxy {proxy} did not open a connection to {host}:{port}: {why}.",
            ("proxy_failed",),
            {},
        )
    if err.phase == "tls" and err.kind == connect.TLS:
        return Status.FAIL, f"Secure connection failed: {why}.", ("tls_error",), {}
    if err.phase == "tls":
        return Status.FAIL, f"Connection to {host} cut during TLS: {why}.", ("https_blocked",), {}
    return Status.FAIL, f"Cannot connect to {host}:{port}: {why}.", ("https_blocked",), {}


async def open_or_outcome(
    host: str, port: int, via: Via, ctx: RunContext, details: dict[str, Any], blocked_code: str
) -> connect.Connection | Outcome:
    """Open TLS as chosen by `via`; a failure comes back as the check's Outcome (`blocked_code` for a blocked path)."""
    try:
        return await open_secure(host, port, via, ctx, details)
    except DnsFailed:
        return Outcome(Status.SKIP, f"Not tried: {host} could not be looked up.", details)
    except connect.PhaseError as err:
        details.update(err.evidence())
        status, summary, codes, extra = judge_failure(err, host, port, via, ctx.profile)
        details.update(extra)
        return Outcome(status, summary, details, tuple(blocked_code if c == "https_blocked" else c for c in codes))


async def probe_web(target: WebTarget, ctx: RunContext, explicit: ProxyUrl | None = None) -> Outcome:
    """Connect (directly or through the proxy that applies), verify TLS against the OS store, fetch the path;
    record the certificate and whether it chains to a public root."""
    host, port = target.url.host, target.url.port
    via = await choose_via(str(target.url), ctx, explicit)
    details: dict[str, Any] = {"url": str(target.url), **via.evidence()}
    start = time.perf_counter()
    conn = await open_or_outcome(host, port, via, ctx, details, "https_blocked")
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
                ("https_blocked",),
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
    details["publicly_trusted"] = await publicly_trusted(host, port, via, ctx)
    status, summary = judge_response(resp, target.expect)
    if via.route.proxy is not None:
        summary = f"{summary[:-1]} through the proxy {via.route.proxy}."
    details["total_ms"] = int((time.perf_counter() - start) * 1000)
    return Outcome(status, summary, details)


def _http_error(exc: BaseException, via: Via) -> str:
    """Plain words for a failed HTTP exchange; an invalid answer is the server's unless a proxy carried it."""
    if isinstance(exc, h11.ProtocolError):
        who = "the answer (through the proxy)" if via.route.proxy is not None else "the server's answer"
        return f"{who} is not valid HTTP ({exc})"
    return connect.describe_error(exc)


async def publicly_trusted(host: str, port: int, via: Via, ctx: RunContext) -> bool | None:
    """Whether the certificate this network presents chains to a public root (False hints TLS inspection)."""
    scratch: dict[str, Any] = {}
    try:
        conn = await open_stream(host, port, via, ctx, scratch)
    except (connect.PhaseError, DnsFailed):
        return None
    try:
        await connect.start_tls(conn, public_trust_context(ctx.options.public_roots), host, TLS_TIMEOUT_S)
    except connect.PhaseError as err:
        return False if isinstance(err.cause, ssl.SSLCertVerificationError) else None
    finally:
        await conn.close()
    return True


async def _unverified_certificate(host: str, port: int, via: Via, ctx: RunContext) -> dict[str, Any]:
    """Read the certificate a server presents without trusting it, to show who issued it."""
    scratch: dict[str, Any] = {}
    try:
        conn = await open_stream(host, port, via, ctx, scratch)
        try:
            await connect.start_tls(conn, no_verify_context(), host, TLS_TIMEOUT_S)
            ssl_obj = conn.writer.get_extra_info("ssl_object")
            return {"certificate": certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)}
        finally:
            await conn.close()
    except (connect.PhaseError, DnsFailed):
        return {}


_T = TypeVar("_T", WebTarget, WssTarget)


def per_route_checks(
    category: Category,
    targets: Sequence[_T],
    explicit: ProxyUrl | None,
    title: Callable[[_T], str],
    probe: Callable[[_T, RunContext, ProxyUrl | None], Awaitable[Outcome]],
) -> list[Check]:
    """One check per target as the browser would go; one more per target through an explicit proxy (--proxy)."""

    def make(target: _T, through: ProxyUrl | None) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe(target, ctx, through)

        suffix, title_via = ("+proxy", " through the given proxy") if through else ("", "")
        port = "" if target.url.port == 443 else f":{target.url.port}"  # two targets may differ only by port
        return Check(
            f"{category.value}:{target.url.host}{port}{target.url.path}{suffix}",
            category,
            f"{target.url} via {through}" if through else str(target.url),
            f"{title(target)}{title_via}",
            run,
            timeout_s=20.0,
        )

    routes: list[ProxyUrl | None] = [None] if explicit is None else [None, explicit]
    return [make(t, through) for through in routes for t in targets]


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One HTTPS check per web target as the browser would go; one more per target through an explicit proxy."""
    explicit = proxy_mod.explicit_proxy(profile, options)
    return per_route_checks(Category.HTTPS, profile.web, explicit, lambda t: f"Reach {t.url.host} securely", probe_web)
