"""HTTP/1.1 (RFC 9112) over our own streams: one GET through h11, a secure stream the way a route says (direct,
or a CONNECT/SOCKS tunnel), and `get()`: one bounded GET of a URL for the run's helpers (PAC file, address
list, captive-portal test), so there is one way to fetch a URL."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h11

from app import __version__
from app.engine.urls import ProxyUrl
from app.net import connect, macnet
from app.net.resolver import HostResolver
from app.net.trust import certificate_facts, no_verify_context, os_trust_context, public_trust_context

CONNECT_TIMEOUT_S = 4.0
TLS_TIMEOUT_S = 8.0  # a handshake on a thin, busy link takes seconds; browsers wait far longer
HTTP_TIMEOUT_S = 6.0
MAX_BODY = 64 * 1024
USER_AGENT = f"CallReady/{__version__}"

Resolve = Callable[[str], Awaitable[tuple[str, ...]]]  # a name's addresses, asynchronously; () when not found


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


# ---------------------------------------------------------------- one GET of a URL


class FetchError(Exception):
    """A GET that got no HTTP answer; `phase` is `dns`, `connect`, `tls` or `http`, `why` plain words."""

    def __init__(self, phase: str, why: str) -> None:
        super().__init__(why)
        self.phase = phase
        self.why = why


async def get(
    url: str,
    resolve: Resolve,
    timeout_s: float,
    max_body: int = MAX_BODY,
    proxy: ProxyUrl | None = None,
    context: ssl.SSLContext | None = None,
) -> HttpResponse:
    """One GET of an http(s) URL, at most `max_body` bytes: directly (the host looked up with `resolve`), or a
    plain-http URL through an HTTP `proxy` in absolute form (RFC 9112 §3.2.2). TLS is verified against the OS
    store unless `context` says otherwise. Raises FetchError; never waits longer than `timeout_s` per phase."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("url", "unsupported URL")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("url", "invalid port in the URL") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if proxy is not None and proxy.scheme == "http" and parts.scheme == "http":
        address, dial_port, target = proxy.host, proxy.port, url
    else:
        addresses = await resolve(host)
        if not addresses:
            raise FetchError("dns", f"{host} could not be looked up")
        address, dial_port, target = addresses[0], port, path
    try:
        conn = await connect.open_tcp(address, dial_port, timeout_s)
    except connect.PhaseError as err:
        hint = macnet.local_network_hint(err.kind, address)  # macOS 15+: Local Network privacy
        raise FetchError("connect", connect.describe_error(err.cause) + (f". {hint}" if hint else "")) from None
    try:
        if parts.scheme == "https":
            await connect.start_tls(conn, context or os_trust_context(), host, timeout_s)
        netloc = host if parts.port is None else f"{host}:{port}"
        return await http_exchange(conn, netloc, target, timeout_s, max_body)
    except connect.PhaseError as err:
        raise FetchError(err.phase, connect.describe_error(err.cause)) from None
    except (OSError, TimeoutError, h11.ProtocolError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
        raise FetchError("http", f"no web answer: {connect.describe_error(exc)}") from None
    finally:
        conn.writer.transport.abort()  # at once, even when cancelled at a deadline


# ---------------------------------------------------------------- streams the way a route says


class DnsFailed(Exception):
    """The host could not be looked up (a DNS check reports why; this one is unknown)."""


_CUT = (ssl.SSLEOFError, ConnectionResetError, asyncio.IncompleteReadError)  # a handshake cut, not refused


async def open_stream(
    host: str, port: int, proxy: ProxyUrl | None, resolver: HostResolver, details: dict[str, Any]
) -> connect.Connection:
    """TCP directly (resolving locally) or a tunnel through `proxy` (the proxy resolves); raise PhaseError or
    DnsFailed. What was looked up goes into `details`."""
    if proxy is not None:
        return await connect.open_tunnel(proxy, host, port, CONNECT_TIMEOUT_S, USER_AGENT)
    res = await resolver.resolve(host)
    details.update({"resolved": list(res.addresses), "dns_ms": res.elapsed_ms})
    if not res.addresses:
        details["dns_error"] = res.error
        raise DnsFailed(res.error or "no address")
    return await connect.open_tcp(res.addresses[0], port, CONNECT_TIMEOUT_S)


async def open_secure(
    host: str,
    port: int,
    proxy: ProxyUrl | None,
    resolver: HostResolver,
    details: dict[str, Any],
    context: ssl.SSLContext | None = None,
) -> connect.Connection:
    """open_stream + TLS (RFC 8446) verified against the OS store; a handshake cut without an alert is tried once
    more on a fresh connection, as browsers retry; on a certificate failure the presented certificate is recorded
    in `details`. Raises PhaseError or DnsFailed."""
    conn = await open_stream(host, port, proxy, resolver, details)
    try:
        try:
            await connect.start_tls(conn, context or os_trust_context(), host, TLS_TIMEOUT_S)
        except connect.PhaseError as first:
            if not isinstance(first.cause, _CUT):
                raise
            details["tls_retried"] = connect.describe_error(first.cause)
            conn = await open_stream(host, port, proxy, resolver, details)
            await connect.start_tls(conn, context or os_trust_context(), host, TLS_TIMEOUT_S)
    except connect.PhaseError as err:
        if err.kind == connect.TLS:
            details.update(await unverified_certificate(host, port, proxy, resolver))
            details["tls_reason"] = connect.describe_error(err.cause)
        raise
    ssl_obj = conn.writer.get_extra_info("ssl_object")
    details["certificate"] = certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)
    details.update(conn.facts)
    return conn


async def publicly_trusted(
    host: str, port: int, proxy: ProxyUrl | None, resolver: HostResolver, public_roots: Path | None
) -> bool | None:
    """Whether the certificate this network presents chains to a public root (False hints TLS inspection)."""
    scratch: dict[str, Any] = {}
    try:
        conn = await open_stream(host, port, proxy, resolver, scratch)
    except (connect.PhaseError, DnsFailed):
        return None
    try:
        await connect.start_tls(conn, public_trust_context(public_roots), host, TLS_TIMEOUT_S)
    except connect.PhaseError as err:
        return False if isinstance(err.cause, ssl.SSLCertVerificationError) else None
    finally:
        await conn.close()
    return True


async def unverified_certificate(
    host: str, port: int, proxy: ProxyUrl | None, resolver: HostResolver
) -> dict[str, Any]:
    """Read the certificate a server presents without trusting it, to show who issued it."""
    scratch: dict[str, Any] = {}
    try:
        conn = await open_stream(host, port, proxy, resolver, scratch)
        try:
            await connect.start_tls(conn, no_verify_context(), host, TLS_TIMEOUT_S)
            ssl_obj = conn.writer.get_extra_info("ssl_object")
            return {"certificate": certificate_facts(ssl_obj.getpeercert(binary_form=True) if ssl_obj else None)}
        finally:
            await conn.close()
    except (connect.PhaseError, DnsFailed):
        return {}
