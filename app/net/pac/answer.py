"""A `FindProxyForURL` answer parsed as Chromium parses it (`PROXY a:1; SOCKS5 b; DIRECT`), bounded and safe to show.

Entry words (case-insensitive): `DIRECT`; `PROXY` (HTTP proxy, default port 80); `HTTPS` (TLS to the proxy,
443); `SOCKS` and `SOCKS4` (SOCKS v4, 1080; Chromium reads a bare `SOCKS` as v4); `SOCKS5` (1080). `HTTP` is a
Firefox spelling that Chrome and Edge do not accept, and `QUIC` proxies are not tested: both are recognised and
skipped, like entries with credentials (`user:pw@host`, never shown), bad hosts or ports. When no entry is
usable, browsers go direct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.engine.urls import ProxyUrl

MAX_ENTRIES = 32  # entries read from one answer; the first usable one decides, the rest are fallbacks
SHOWN_ENTRIES = 5
_SCHEMES = {"PROXY": ("http", 80), "HTTPS": ("https", 443), "SOCKS": ("socks4", 1080), "SOCKS4": ("socks4", 1080),
            "SOCKS5": ("socks5", 1080)}  # fmt: skip
_SKIPPED = {
    "HTTP": "Chrome and Edge do not accept HTTP entries (Firefox reads them as PROXY)",
    "QUIC": "QUIC proxies are not tested",
}
_LWS = " \t"
_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?\Z")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]{2,45}\Z")


@dataclass(frozen=True)
class PacEntry:
    """One entry of an answer: its kind (upper case), where it points, and why it is unusable ("" if usable)."""

    kind: str
    host: str = ""
    port: int = 0
    problem: str = ""

    @property
    def usable(self) -> bool:
        """Whether a browser (Chrome, Edge) would try this entry."""
        return not self.problem

    def proxy(self) -> ProxyUrl | None:
        """The proxy this entry names (None for DIRECT or an unusable entry)."""
        if self.problem or self.kind == "DIRECT":
            return None
        return ProxyUrl(_SCHEMES[self.kind][0], self.host, self.port, None, None)

    def describe(self) -> str:
        """`PROXY host:port`, `DIRECT`, or `KIND (skipped: why)`; never the raw text of a bad entry."""
        if self.kind == "DIRECT" and not self.problem:
            return "DIRECT"
        if self.problem:
            return f"{self.kind} (skipped: {self.problem})"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.kind} {host}:{self.port}"


@dataclass(frozen=True)
class PacAnswer:
    """The parsed entries of an answer, in order, and whether some were left unread."""

    entries: tuple[PacEntry, ...]
    truncated: bool = False

    def first_usable(self) -> PacEntry | None:
        """The entry a browser uses first (None: no usable entry, so browsers go direct)."""
        return next((e for e in self.entries if e.usable), None)

    def describe(self) -> str:
        """The answer as shown in reports: parsed entries only (no credentials, no control characters), bounded."""
        shown = "; ".join(e.describe() for e in self.entries[:SHOWN_ENTRIES])
        more = len(self.entries) - SHOWN_ENTRIES
        if more > 0 or self.truncated:
            shown += f"; … ({more if more > 0 else 'more'} more entries)"
        return shown or "an empty answer"


def _kind(word: str) -> str:
    """The entry word, upper case, safe to show (letters and digits only, at most 12)."""
    kept = "".join(c for c in word.upper() if c.isascii() and c.isalnum())[:12]
    return kept or "?"


def _host_port(text: str, default_port: int) -> tuple[str, int] | str:
    """`host[:port]` or `[v6][:port]` as Chromium accepts it, else the problem (without echoing the text)."""
    if "@" in text:
        return "credentials in a PAC entry are not used by browsers"
    if any(c in text for c in " \t\r\n/\\?#") or not text:
        return "no valid host and port"
    if text.startswith("["):
        end = text.find("]")
        host, rest = (text[1:end], text[end + 1 :]) if end > 0 else ("", "")
        if not _IPV6.match(host) or ":" not in host:
            return "not a valid IPv6 address"
    else:
        host, colon, port_text = text.partition(":")
        rest = f":{port_text}" if colon else ""
        if ":" in port_text:
            return "an IPv6 address needs brackets"
        if not host.isascii() or not _NAME.match(host) or len(host) > 253:
            return "not a valid host name"
        host = host.lower().rstrip(".")
    if not rest:
        return host, default_port
    port_text = rest[1:] if rest.startswith(":") else "x"
    if not port_text.isdigit() or not port_text.isascii() or len(port_text) > 5 or not 0 < int(port_text) < 65536:
        return "not a valid port"
    return host, int(port_text)


def parse_entry(element: str) -> PacEntry:
    """One `;`-separated element: `DIRECT` or `<KIND> <host>[:<port>]`."""
    element = element.strip(_LWS)
    cut = next((i for i, c in enumerate(element) if c in _LWS), len(element))
    word, rest = element[:cut], element[cut:].strip(_LWS)
    kind = _kind(word)
    if word.upper() == "DIRECT":
        return PacEntry("DIRECT", problem="DIRECT takes no host" if rest else "")
    if word.upper() in _SKIPPED:
        return PacEntry(kind, problem=_SKIPPED[word.upper()])
    if word.upper() not in _SCHEMES:
        return PacEntry(kind, problem="not a proxy type browsers know")
    found = _host_port(rest, _SCHEMES[word.upper()][1])
    if isinstance(found, str):
        return PacEntry(kind, problem=found)
    return PacEntry(kind, found[0], found[1])


def parse_answer(answer: str, truncated: bool = False) -> PacAnswer:
    """Every non-empty `;`-separated entry of `answer`, at most MAX_ENTRIES."""
    pieces = answer.split(";", MAX_ENTRIES * 4)
    filled = [p for p in pieces if p.strip(_LWS)]
    entries = tuple(parse_entry(p[:2048]) for p in filled[:MAX_ENTRIES])
    return PacAnswer(entries, truncated or len(filled) > MAX_ENTRIES)
