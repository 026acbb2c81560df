"""Thin async wrappers for TCP and TLS connections, with each phase timed and every failure classified."""

from __future__ import annotations

import asyncio
import base64
import errno
import os
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import h11

from app.engine.urls import ProxyUrl
from app.net import proxyauth

# Failure kinds shared by probes (the evidence vocabulary of the JSON details).
TIMEOUT, REFUSED, UNREACHABLE, RESET, TLS, PROTOCOL, DNS = (
    "timeout", "refused", "unreachable", "reset", "tls", "protocol", "dns",
)  # fmt: skip
PROXY_AUTH, PROXY_REFUSED = "proxy_auth", "proxy_refused"
PROXY_HEAD_MAX = 16 * 1024

_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EPERM, errno.EACCES}


class ProxyRefusal(Exception):
    """A proxy answered CONNECT with a non-2xx status (407: it wants a login; RFC 9110 §15.5.8)."""

    def __init__(
        self, status: int, reason: str, headers: dict[str, str], body: bytes, challenges: tuple[str, ...] = (),
        sign_in: proxyauth.SignIn | None = None,
    ) -> None:  # fmt: skip
        self.status, self.reason, self.headers, self.body = status, reason, headers, body
        self.challenges, self.sign_in = challenges, sign_in  # every Proxy-Authenticate value; the sign-in tried
        super().__init__(f"proxy answered {status} {reason}".strip())

    def evidence(self) -> dict[str, Any]:
        """The proxy's answer as JSON evidence (status, reason, server, every auth scheme offered, sign-in)."""
        found = {
            "proxy_status": self.status,
            "proxy_reason": self.reason,
            "proxy_server": self.headers.get("server", ""),
            "proxy_auth_schemes": ", ".join(proxyauth.challenge_schemes(self.challenges)),
        }
        if self.sign_in is not None:
            found.update(self.sign_in.evidence())
        return found


def classify_os_error(exc: BaseException) -> str:
    """Map a socket exception to timeout/refused/unreachable/reset/tls/protocol (or proxy_auth/proxy_refused)."""
    if isinstance(exc, ProxyRefusal):
        return PROXY_AUTH if exc.status == 407 else PROXY_REFUSED
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return TIMEOUT
    if isinstance(exc, ssl.SSLError):
        return TLS
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, asyncio.IncompleteReadError)):
        return RESET
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return UNREACHABLE
    if isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED:
        return REFUSED
    return PROTOCOL


def describe_error(exc: BaseException) -> str:
    """A short human description of a network exception."""
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "no answer (timed out)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "connection closed by the other side"
    if isinstance(exc, ProxyRefusal):
        if exc.status == 407:
            return "the proxy asks for a login (HTTP 407 Proxy Authentication Required)"
        return f"the proxy refused the connection (HTTP {exc.status} {exc.reason})".replace(" )", ")")
    if isinstance(exc, h11.ProtocolError):
        return f"the proxy's answer is not valid HTTP ({exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


@dataclass
class Connection:
    """An open TCP (or TLS) stream plus the timings and facts gathered while opening it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    address: str
    timings_ms: dict[str, int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        """Close without raising; a peer that vanished is not an error here."""
        self.writer.close()
        try:
            async with asyncio.timeout(1.0):
                await self.writer.wait_closed()
        except (OSError, TimeoutError, ssl.SSLError):
            pass


class PhaseError(Exception):
    """A connection step that failed: which phase, the kind of failure, and timings so far."""

    def __init__(self, phase: str, exc: BaseException, timings_ms: dict[str, int], address: str = "") -> None:
        self.phase, self.kind, self.cause = phase, classify_os_error(exc), exc
        self.timings_ms, self.address = dict(timings_ms), address
        super().__init__(f"{phase}: {describe_error(exc)}")

    def evidence(self) -> dict[str, Any]:
        """JSON evidence for a result's details."""
        found = {
            "failed_phase": self.phase,
            "error_kind": self.kind,
            "error": describe_error(self.cause),
            "address": self.address,
            "timings_ms": self.timings_ms,
        }
        if isinstance(self.cause, ProxyRefusal):
            found.update(self.cause.evidence())
        return found


async def open_tcp(address: str, port: int, timeout_s: float) -> Connection:
    """TCP connect to one address, timed; raise PhaseError('connect', ...)."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(address, port)
    except (OSError, TimeoutError) as exc:
        raise PhaseError("connect", exc, {"connect": _ms(start)}, address) from None
    return Connection(reader, writer, address, {"connect": _ms(start)})


async def start_tls(conn: Connection, context: ssl.SSLContext, server_hostname: str, timeout_s: float) -> None:
    """Upgrade an open stream to TLS in place (RFC 8446 handshake), timed; raise PhaseError('tls', ...)."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            await conn.writer.start_tls(context, server_hostname=server_hostname)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        conn.timings_ms["tls"] = _ms(start)
        conn.writer.transport.abort()
        raise PhaseError("tls", exc, conn.timings_ms, conn.address) from None
    conn.timings_ms["tls"] = _ms(start)
    ssl_obj = conn.writer.get_extra_info("ssl_object")
    if ssl_obj is not None:
        conn.facts["tls_version"] = ssl_obj.version()
        conn.facts["cipher"] = (ssl_obj.cipher() or ("",))[0]


def connect_request(client: h11.Connection, proxy: ProxyUrl, host: str, port: int, user_agent: str) -> bytes:
    """The bytes of `CONNECT host:port` (RFC 9110 §9.3.6), with Basic credentials (RFC 7617) when the URL has them."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    headers = [("Host", authority), ("User-Agent", user_agent), ("Proxy-Connection", "keep-alive")]
    if proxy.username is not None:
        token = base64.b64encode(f"{proxy.username}:{proxy.password or ''}".encode()).decode("ascii")
        headers.append(("Proxy-Authorization", f"Basic {token}"))
    return client.send(h11.Request(method="CONNECT", target=authority, headers=headers)) or b""


async def open_tunnel(
    proxy: ProxyUrl, host: str, port: int, timeout_s: float, user_agent: str = "CallReady"
) -> Connection:
    """TCP to an HTTP proxy, then CONNECT host:port; the proxy resolves the name, as for a browser.

    Raises PhaseError('proxy_connect', ...) when the proxy cannot be reached and PhaseError('proxy', ...)
    when it refuses (kind proxy_auth for 407, proxy_refused for other statuses) or does not answer.
    """
    if proxy.scheme in ("socks4", "socks5"):
        return await open_socks_tunnel(proxy, host, port, timeout_s)
    if proxy.scheme not in ("http", "https"):
        raise PhaseError("proxy_connect", ValueError(f"{proxy.scheme}:// proxies are not supported"), {})
    try:
        conn = await open_tcp(proxy.host, proxy.port, timeout_s)
    except PhaseError as err:
        raise PhaseError("proxy_connect", err.cause, {"proxy_connect": err.timings_ms.get("connect", 0)}) from None
    conn.timings_ms = {"proxy_connect": conn.timings_ms["connect"]}
    if proxy.scheme == "https":
        await _tls_to_proxy(conn, proxy, timeout_s)
    start = time.perf_counter()
    client = h11.Connection(h11.CLIENT)
    try:
        async with asyncio.timeout(timeout_s):
            conn.writer.write(connect_request(client, proxy, host, port, user_agent))
            await conn.writer.drain()
            response = await _read_response(conn, client)
            if not 200 <= response.status_code < 300:
                body = await _read_body(conn, client)
                offered = tuple(v.decode("latin-1") for k, v in response.headers if k.lower() == b"proxy-authenticate")
                raise ProxyRefusal(
                    response.status_code,
                    response.reason.decode("latin-1"),
                    {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers},
                    body,
                    offered,
                )
    except ProxyRefusal as refusal:
        conn.writer.transport.abort()
        scheme = proxyauth.sign_in_scheme(proxyauth.challenge_schemes(refusal.challenges))
        if refusal.status != 407 or scheme is None or proxy.username is not None:
            conn.timings_ms["proxy_tunnel"] = _ms(start)
            raise PhaseError("proxy", refusal, conn.timings_ms, f"{proxy.host}:{proxy.port}") from None
        return await _signed_in_tunnel(proxy, host, port, timeout_s, user_agent, scheme, refusal, conn, start)
    except (OSError, TimeoutError, h11.ProtocolError, asyncio.IncompleteReadError) as exc:
        conn.timings_ms["proxy_tunnel"] = _ms(start)
        conn.writer.transport.abort()
        raise PhaseError("proxy", exc, conn.timings_ms, f"{proxy.host}:{proxy.port}") from None
    conn.timings_ms["proxy_tunnel"] = _ms(start)
    conn.facts["via_proxy"] = str(proxy)
    return conn


async def _signed_in_tunnel(
    proxy: ProxyUrl, host: str, port: int, timeout_s: float, user_agent: str, scheme: str, refusal: ProxyRefusal,
    conn: Connection, start: float,
) -> Connection:  # fmt: skip
    """The proxy asked for Negotiate/NTLM: sign in as the browser would (proxyauth) on a fresh connection; a
    refusal keeps every challenge and says why the sign-in did not work."""
    where = f"{proxy.host}:{proxy.port}"
    try:
        tunnel = await proxyauth.open_signed_in(proxy.host, proxy.port, host, port, scheme, timeout_s, user_agent)
    except proxyauth.SignInUnavailable as exc:
        refusal.sign_in = proxyauth.SignIn(scheme, False, False, str(exc))
        conn.timings_ms["proxy_tunnel"] = _ms(start)
        raise PhaseError("proxy", refusal, conn.timings_ms, where) from None
    except proxyauth.SignInRefused as exc:
        headers = dict(exc.headers)
        offered = tuple(v for k, v in exc.headers if k == "proxy-authenticate") or refusal.challenges
        again = ProxyRefusal(exc.status, exc.reason, headers, b"", offered, exc.sign_in)
        conn.timings_ms["proxy_tunnel"] = _ms(start)
        raise PhaseError("proxy", again, conn.timings_ms, where) from None
    except (OSError, TimeoutError, h11.ProtocolError, asyncio.IncompleteReadError) as exc:
        conn.timings_ms["proxy_tunnel"] = _ms(start)
        raise PhaseError("proxy", exc, conn.timings_ms, where) from None
    signed = Connection(tunnel.reader, tunnel.writer, conn.address, dict(conn.timings_ms))
    signed.timings_ms["proxy_tunnel"] = _ms(start)
    signed.facts["via_proxy"] = str(proxy)
    signed.facts.update(tunnel.sign_in.evidence())
    return signed


async def _read_response(conn: Connection, client: h11.Connection) -> h11.Response:
    """Read until h11 has the response head; the peer closing first is an IncompleteReadError."""
    received = 0
    while True:
        event = client.next_event()
        if isinstance(event, h11.Response):
            return event
        if event is h11.NEED_DATA:
            data = await conn.reader.read(4096)
            if not data:
                raise asyncio.IncompleteReadError(b"", None)
            received += len(data)
            if received > PROXY_HEAD_MAX:
                raise h11.RemoteProtocolError("answer head too large")
            client.receive_data(data)
        elif isinstance(event, h11.ConnectionClosed):
            raise asyncio.IncompleteReadError(b"", None)


async def _read_body(conn: Connection, client: h11.Connection, limit: int = 4096) -> bytes:
    """Best effort: the first bytes of an error page a proxy sent (never raises)."""
    body = bytearray()
    try:
        async with asyncio.timeout(1.0):
            while len(body) < limit:
                event = client.next_event()
                if isinstance(event, h11.Data):
                    body += event.data
                elif event is h11.NEED_DATA:
                    data = await conn.reader.read(4096)
                    client.receive_data(data)
                    if not data:
                        break
                else:
                    break
    except (OSError, TimeoutError, h11.ProtocolError):
        pass
    return bytes(body[:limit])


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


# ---------------------------------------------------------------- SOCKS and HTTPS proxies (PAC `SOCKS*`, `HTTPS`)


class SocksRefusal(Exception):
    """A SOCKS proxy refused the CONNECT or the login (RFC 1928 §6 reply codes; RFC 1929)."""


async def _tls_to_proxy(conn: Connection, proxy: ProxyUrl, timeout_s: float) -> None:
    """TLS to the proxy itself (an HTTPS proxy, Chromium's `HTTPS host:port`), verified against the OS store;
    the CONNECT then runs inside it. A failure is the 'proxy_connect' phase: the proxy could not be reached."""
    from app.net.trust import os_trust_context

    try:
        await start_tls(conn, os_trust_context(), proxy.host, timeout_s)
    except PhaseError as err:
        raise PhaseError("proxy_connect", err.cause, conn.timings_ms, f"{proxy.host}:{proxy.port}") from None
    conn.timings_ms["proxy_tls"] = conn.timings_ms.pop("tls", 0)


async def open_socks_tunnel(proxy: ProxyUrl, host: str, port: int, timeout_s: float) -> Connection:
    """A SOCKS CONNECT to host:port (python-socks, on this event loop): SOCKS5 sends the name for the proxy to
    resolve (RFC 1928 §4, as Chromium does); SOCKS4 resolves it here first, as Chromium does; a login in the URL
    is sent (RFC 1929). Raises PhaseError('proxy_connect', ...) or PhaseError('proxy', ...) like open_tunnel."""
    from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError, ProxyType
    from python_socks.async_.asyncio import Proxy

    kind = ProxyType.SOCKS5 if proxy.scheme == "socks5" else ProxyType.SOCKS4
    where = f"{proxy.host}:{proxy.port}"
    client = Proxy(kind, proxy.host, proxy.port, proxy.username, proxy.password, rdns=kind == ProxyType.SOCKS5)
    start = time.perf_counter()
    try:
        sock = await client.connect(host, port, timeout=timeout_s)
        reader, writer = await asyncio.open_connection(sock=sock)
    except ProxyConnectionError as exc:
        cause = OSError(exc.errno, os.strerror(exc.errno)) if exc.errno else OSError(str(exc))
        raise PhaseError("proxy_connect", cause, {"proxy_connect": _ms(start)}, where) from None
    except (ProxyTimeoutError, TimeoutError) as exc:
        raise PhaseError("proxy", TimeoutError(str(exc)), {"proxy_tunnel": _ms(start)}, where) from None
    except ProxyError as exc:
        err = PhaseError("proxy", SocksRefusal(f"the SOCKS proxy refused: {exc}"), {"proxy_tunnel": _ms(start)}, where)
        err.kind = PROXY_AUTH if "auth" in str(exc).lower() else PROXY_REFUSED
        raise err from None
    except OSError as exc:
        raise PhaseError("proxy", exc, {"proxy_tunnel": _ms(start)}, where) from None
    conn = Connection(reader, writer, where, {"proxy_tunnel": _ms(start)})
    conn.facts["via_proxy"] = str(proxy)
    return conn
