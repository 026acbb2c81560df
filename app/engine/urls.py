"""Parsers for STUN/TURN URIs (RFC 7064, RFC 7065) and the web/WebSocket URLs of profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from app.engine.inputs import InputError, is_hostname, port_number
from app.engine.inputs import is_ip_address as is_ip_address  # re-exported: probes import it from here

_TRANSPORTS = ("udp", "tcp", "tls")
_HOST_RE = re.compile(r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+")
_CONTROL_RE = re.compile(r"[\x00-\x20\x7f]")


class UrlError(ValueError):
    """A URL that cannot be used, with a plain reason."""


@dataclass(frozen=True)
class IceServerUrl:
    """A parsed `stun:`/`stuns:`/`turn:`/`turns:` URI; transport is udp, tcp or tls (RFC 7065 §3)."""

    scheme: str
    host: str
    port: int
    transport: str

    @property
    def is_turn(self) -> bool:
        """True for TURN relays, False for plain STUN servers."""
        return self.scheme in ("turn", "turns")

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"{self.scheme}:{host}:{self.port}"
        if self.is_turn:
            wire = "udp" if self.transport == "udp" else "tcp"
            return f"{base}?transport={wire}"
        return base


def parse_ice_url(text: str) -> IceServerUrl:
    """Parse a STUN (RFC 7064) or TURN (RFC 7065) URI; raise UrlError with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise UrlError("empty URL")
    text = text.strip()
    if _CONTROL_RE.search(text):
        raise UrlError(f"{text!r}: spaces or control characters in the URL")
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in ("stun", "stuns", "turn", "turns"):
        raise UrlError(f"{text!r} does not start with stun:, stuns:, turn: or turns:")
    if rest.startswith("//"):
        raise UrlError(f"{text!r}: STUN/TURN URIs have no '//' (RFC 7065)")
    hostport, _, query = rest.partition("?")
    transport: str | None = None
    if query:
        if scheme.startswith("stun"):
            raise UrlError(f"{text!r}: stun URIs take no query (RFC 7064)")
        key, eq, value = query.partition("=")
        if key.lower() != "transport" or not eq:
            raise UrlError(f"{text!r}: only '?transport=udp|tcp' is allowed (RFC 7065)")
        value = value.lower()
        if value not in ("udp", "tcp"):
            raise UrlError(f"{text!r}: transport must be udp or tcp, not {value!r}")
        transport = value
    host, port = _split_hostport(hostport, text)
    secure = scheme.endswith("s")
    if port is None:
        port = 5349 if secure else 3478
    if secure:
        if transport == "udp":
            raise UrlError(f"{text!r}: {scheme} with transport=udp (DTLS) is not supported")
        transport = "tls"
    elif transport is None:
        transport = "udp"
    return IceServerUrl(scheme=scheme, host=host, port=port, transport=transport)


@dataclass(frozen=True)
class WebUrl:
    """A parsed https:// or wss:// URL."""

    scheme: str
    host: str
    port: int
    path: str

    def __str__(self) -> str:
        default = 443
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


def parse_web_url(text: str, schemes: tuple[str, ...] = ("https", "wss")) -> WebUrl:
    """Parse an https/wss URL used as a probe target; raise UrlError with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise UrlError("empty URL")
    if _CONTROL_RE.search(text.strip()):
        raise UrlError(f"{text.strip()!r}: spaces or control characters in the URL")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"{text!r}: {exc}") from None
    if parts.scheme not in schemes:
        raise UrlError(f"{text!r}: scheme must be one of {', '.join(schemes)}")
    if not parts.hostname or not _HOST_RE.fullmatch(parts.hostname) or not is_hostname(parts.hostname):
        raise UrlError(f"{text!r}: missing or invalid host name")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return WebUrl(parts.scheme, parts.hostname.lower(), port or 443, path)


@dataclass(frozen=True)
class ProxyUrl:
    """An HTTP proxy URL; the password is kept but never shown by str()."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    def __str__(self) -> str:
        auth = "***@" if self.username else ""
        return f"{self.scheme}://{auth}{self.host}:{self.port}"

    __repr__ = __str__


def parse_proxy_url(text: str) -> ProxyUrl:
    """Parse `http://[user:pass@]host:port`; raise UrlError naming the problem but not the password."""
    if not isinstance(text, str) or _CONTROL_RE.search(text.strip()):
        raise UrlError("proxy URL: spaces or control characters in the URL")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise UrlError("proxy URL: invalid port") from None
    if parts.scheme not in ("http", "https"):
        raise UrlError("proxy URL: scheme must be http:// or https://")
    if not parts.hostname:
        raise UrlError("proxy URL: missing host")
    if not is_hostname(parts.hostname):
        raise UrlError("proxy URL: invalid host name (each part at most 63 characters)")
    return ProxyUrl(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (443 if parts.scheme == "https" else 8080),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _split_hostport(hostport: str, text: str) -> tuple[str, int | None]:
    """Split `host[:port]` or `[v6][:port]`."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise UrlError(f"{text!r}: unclosed '[' in IPv6 address")
        host, tail = hostport[1:end], hostport[end + 1 :]
        if tail and not tail.startswith(":"):
            raise UrlError(f"{text!r}: junk after IPv6 address")
        port_text = tail[1:] if tail else None
    else:
        host, colon, port_text_raw = hostport.partition(":")
        port_text = port_text_raw if colon else None
    if not host or not _HOST_RE.fullmatch(host if ":" not in host else f"[{host}]") or not is_hostname(host):
        raise UrlError(f"{_short(text)!r}: missing or invalid host")
    if port_text is None:
        return host.lower(), None
    try:
        return host.lower(), port_number(port_text)
    except InputError:
        raise UrlError(f"{_short(text)!r}: port must be 1-65535") from None


def _short(text: str) -> str:
    """A URL cut for an error line (a 5,000-digit port is not echoed whole)."""
    return text if len(text) <= 120 else text[:117] + "..."
