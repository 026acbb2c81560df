"""TLS trust: the operating system's store (truststore) versus the public roots (certifi or --public-roots)."""

from __future__ import annotations

import datetime as dt
import functools
import ssl
from pathlib import Path
from typing import Any

import certifi
import truststore

from app.net import der as der_module


def os_trust_context() -> ssl.SSLContext:
    """A client context verifying against the OS trust store, as the browser does (corporate roots included)."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4)
def public_trust_context(public_roots: Path | None) -> ssl.SSLContext:
    """A client context trusting only the public CA bundle (certifi, or the given PEM file)."""
    ctx = ssl.create_default_context(cafile=str(public_roots) if public_roots else certifi.where())
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def no_verify_context() -> ssl.SSLContext:
    """A context that accepts any certificate: used only to read a certificate we could not verify."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def certificate_facts(der: bytes | None) -> dict[str, Any]:
    """Subject, issuer and validity of a DER certificate (RFC 5280), or {} when unreadable."""
    if not der:
        return {}
    try:
        cert = der_module.parse_certificate(der)
    except der_module.DerError:
        return {}
    now = dt.datetime.now(dt.UTC)
    return {
        "subject": _cn(cert.subject),
        "issuer": _cn(cert.issuer),
        "issuer_org": der_module.first_value(cert.issuer, der_module.ORGANIZATION),
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "days_left": (cert.not_after - now).days,
    }


def _cn(name: der_module.Rdns) -> str:
    return der_module.first_value(name, der_module.COMMON_NAME) or der_module.rfc4514(name)
