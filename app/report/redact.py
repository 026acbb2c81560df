"""Redaction for report bundles: secrets always vanish; identity (user, host, local addresses) on request."""

from __future__ import annotations

import getpass
import html
import ipaddress
import json
import re
import socket
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

SECRET_MARK = "***"
USER_MARK = "[user]"
HOST_MARK = "[host]"
ADDRESS_MARK = "[local-address]"


def _variants(secret: str) -> set[str]:
    """The forms a secret takes once written: raw, JSON-escaped, URL-encoded, HTML-escaped (any text, even
    undecodable command-line bytes, which Python keeps as lone surrogates)."""
    forms = {secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]}
    for errors in ("surrogateescape", "backslashreplace"):
        try:
            forms |= {quote(secret, safe="", errors=errors), quote(secret, safe="@:+", errors=errors)}
            break
        except UnicodeEncodeError:
            continue
    forms |= {html.escape(secret), html.escape(secret, quote=False)}
    return {f for f in forms if f}


# Private and link-local addresses (RFC 1918, RFC 6598 shared, RFC 3927, RFC 4193, RFC 4291 link-local) say
# where a machine sits (its resolver, gateway, proxy); with anonymize they go too, whichever machine they belong to.
_PRIVATE_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    )
)
_IPV4_RE = re.compile(r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w.])")
_IPV6_RE = re.compile(r"(?<![\w:])(?:f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):[0-9a-f:]*(?:%[\w.-]+)?(?![\w:])", re.I)


def _private_mark(m: re.Match[str]) -> str:
    text = m.group(0)
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    return ADDRESS_MARK if any(ip in net for net in _PRIVATE_NETS) else text


_TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9:]+)?")


@dataclass(frozen=True)
class Redactor:
    """Replaces secrets (anywhere, any encoding) and identity terms (whole words, case-insensitive)."""

    secrets: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    anonymize: bool = False
    private_addresses: bool = False  # also every private / link-local address (resolvers, gateways), any machine's
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _marks: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _users: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Host names and addresses match in any case; user names exactly (so "root" leaves "Test Root CA" alone).
        marks: dict[str, str] = {}
        for terms, mark in ((self.addresses, ADDRESS_MARK), (self.hosts, HOST_MARK)):
            marks.update({t.lower(): mark for t in terms if t and len(t) >= 2 and t.lower() not in marks})
        users = {t: USER_MARK for t in self.users if t and len(t) >= 2}
        alternatives = [(t, f"(?i:{re.escape(t)})") for t in marks] + [(t, re.escape(t)) for t in users]
        if alternatives:
            body = "|".join(rx for _t, rx in sorted(alternatives, key=lambda a: len(a[0]), reverse=True))
            # A term counts only as a whole word: "10.0.0.5" must not eat "10.0.0.55", "box" not "ok.box".
            pattern = re.compile(rf"(?<![\w.:%-])(?:{body})(?![\w:-])")
            object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_marks", marks)
        object.__setattr__(self, "_users", users)

    def _mark(self, m: re.Match[str]) -> str:
        found = m.group(0)
        return self._users.get(found) or self._marks.get(found.lower(), USER_MARK)

    def text(self, value: str) -> str:
        """The text with every secret and identity term replaced."""
        for secret in sorted({v for s in self.secrets if s for v in _variants(s)}, key=len, reverse=True):
            value = value.replace(secret, SECRET_MARK)
        if self._pattern is not None:
            value = self._pattern.sub(self._mark, value)
        if self.private_addresses:
            value = _IPV6_RE.sub(_private_mark, _IPV4_RE.sub(_private_mark, value))
        return value

    def value(self, text: str, keep: Collection[str] = ()) -> str:
        """One string value redacted, unless it is fixed vocabulary (`keep`: codes, categories, statuses) or a
        timestamp; `category:rest` identifiers keep their vocabulary prefix. Such strings come from the program,
        never from a secret, and rewriting them would break the document's schema."""
        if text in keep or _TIMESTAMP_RE.fullmatch(text):
            return text
        head, sep, rest = text.partition(":")
        if sep and head in keep:
            return head + sep + self.text(rest)
        return self.text(text)

    def data(self, value: Any, keep: Collection[str] = ()) -> Any:
        """A JSON-like structure with every string value redacted; keys and shape stay as they are."""
        if isinstance(value, str):
            return self.value(value, keep)
        if isinstance(value, dict):
            return {k: self.data(v, keep) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v, keep) for v in value]
        return value

    def leaks(self, text: str) -> list[str]:
        """Secrets still present in `text` (raw form), for a last check before writing."""
        return [s for s in self.secrets if s and s in text]

    def leaks_in(self, value: Any, keep: Collection[str] = ()) -> list[str]:
        """Secrets still present in any string value of a structure (vocabulary and timestamps excepted)."""
        found: set[str] = set()
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if item in keep or _TIMESTAMP_RE.fullmatch(item):
                    continue
                head, sep, rest = item.partition(":")
                found.update(self.leaks(rest if sep and head in keep else item))
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
        return sorted(found)


def identity_terms() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """This machine's user names, host names and local (non-loopback) addresses, MACs included."""
    users: set[str] = set()
    try:
        users.add(getpass.getuser())
    except Exception:  # no login name in some service contexts
        pass
    hosts: set[str] = set()
    for name in (socket.gethostname(), _fqdn()):
        if name:
            hosts.add(name)
            hosts.add(name.split(".")[0])
    return tuple(sorted(users)), tuple(sorted(hosts)), tuple(sorted(local_addresses()))


def _fqdn() -> str:
    try:
        return socket.getfqdn()  # may consult a resolver: only the OS's own hosts file in practice
    except OSError:
        return ""


def local_addresses() -> set[str]:
    """Non-loopback interface addresses and hardware addresses of this machine (via psutil)."""
    import psutil

    found: set[str] = set()
    try:
        interfaces = psutil.net_if_addrs()
    except Exception:
        return found
    for addrs in interfaces.values():
        for a in addrs:
            found |= set(identifying_addresses([a.address]))
    return found


def identifying_addresses(values: Iterable[str]) -> list[str]:
    """The values that identify a machine: IPs other than loopback/unspecified, and MAC addresses."""
    out = []
    for raw in values:
        value = (raw or "").split("%", 1)[0]
        if not value:
            continue
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            if re.fullmatch(r"[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}", value) and value.replace("-", ":") not in (
                "00:00:00:00:00:00",
            ):
                out.append(value)
            continue
        if not (ip.is_loopback or ip.is_unspecified):
            out.append(str(ip))
    return out


def make_redactor(secrets: Iterable[str | None], anonymize: bool) -> Redactor:
    """The redactor for one bundle: always the run's secrets, plus this machine's identity if anonymizing."""
    clean = tuple(sorted({s for s in secrets if s}))
    if not anonymize:
        return Redactor(secrets=clean)
    users, hosts, addresses = identity_terms()
    return Redactor(
        secrets=clean, users=users, hosts=hosts, addresses=addresses, anonymize=True, private_addresses=True
    )
