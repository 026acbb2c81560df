"""Redaction for report bundles: secrets always vanish; identity (user, host, local addresses) on request."""

from __future__ import annotations

import getpass
import html
import ipaddress
import json
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

SECRET_MARK = "***"
USER_MARK = "[user]"
HOST_MARK = "[host]"
ADDRESS_MARK = "[local-address]"


def _variants(secret: str) -> set[str]:
    """The forms a secret takes once written: raw, JSON-escaped, URL-encoded, HTML-escaped."""
    forms = {secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]}
    forms |= {quote(secret, safe=""), quote(secret, safe="@:+"), html.escape(secret), html.escape(secret, quote=False)}
    return {f for f in forms if f}


@dataclass(frozen=True)
class Redactor:
    """Replaces secrets (anywhere, any encoding) and identity terms (whole words, case-insensitive)."""

    secrets: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    anonymize: bool = False
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
        return value

    def data(self, value: Any) -> Any:
        """A JSON-like structure with every string (keys included) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value

    def leaks(self, text: str) -> list[str]:
        """Secrets still present in `text` (raw form), for a last check before writing."""
        return [s for s in self.secrets if s and s in text]


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
    return Redactor(secrets=clean, users=users, hosts=hosts, addresses=addresses, anonymize=True)
