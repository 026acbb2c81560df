"""Thin async wrappers for TCP and TLS connections, with each phase timed and every failure classified."""

from __future__ import annotations

import asyncio
import errno
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

# Failure kinds shared by probes (the evidence vocabulary of the JSON details).
TIMEOUT, REFUSED, UNREACHABLE, RESET, TLS, PROTOCOL, DNS = (
    "timeout", "refused", "unreachable", "reset", "tls", "protocol", "dns",
)  # fmt: skip

_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EPERM, errno.EACCES}


def classify_os_error(exc: BaseException) -> str:
    """Map a socket exception to timeout/refused/unreachable/reset/tls/protocol."""
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
        return {
            "failed_phase": self.phase,
            "error_kind": self.kind,
            "error": describe_error(self.cause),
            "address": self.address,
            "timings_ms": self.timings_ms,
        }


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


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
