"""DNS record look-ups (RFC 1035) for one run: TXT, MX, PTR, CNAME, A and AAAA answers as text, memoised, through
dnspython with the stub resolver's resends (`dnsquery.resending`); the mail checks read the records they need."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver

from app.net import dnsquery
from app.net.dnsquery import split_nameserver

QUERY_TIMEOUT_S = 2.5


class DnsTempError(Exception):
    """A DNS lookup failed temporarily (SERVFAIL, timeout): for SPF, temperror (RFC 7208 §2.6.6).

    `offline` says the DNS service itself is out of reach (no route, nothing ever answered), not one name."""

    def __init__(self, message: str = "", offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


class DnsLookup:
    """Memoised dnspython lookups for one run (RFC 1035): record texts; [] for NXDOMAIN/NODATA; DnsTempError else.

    A failure is `offline` when no DNS server can be reached (no route, nothing listening) or when a lookup times out
    and no lookup of this run has had any answer yet: DNS itself is down, not the name asked for."""

    def __init__(self, nameservers: tuple[str, ...], timeout_s: float = QUERY_TIMEOUT_S) -> None:
        self._nameservers = nameservers
        self._timeout_s = timeout_s
        self._resolver: dns.asyncresolver.Resolver | None = None
        self._memo: dict[tuple[str, str], asyncio.Task[list[str]]] = {}
        self._answered = False  # some DNS server has answered some lookup of this run

    def _get_resolver(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            if self._nameservers:
                r = dns.asyncresolver.Resolver(configure=False)
                r.nameservers = [dns.nameserver.Do53Nameserver(*split_nameserver(n)) for n in self._nameservers]
            elif os.name == "nt":  # Windows: only the DNS servers of adapters that are up (app.net.winnet)
                r = dns.asyncresolver.Resolver(configure=False)
                r.nameservers = dnsquery.system_nameservers() or _no_resolver()
            else:
                r = dns.asyncresolver.Resolver(configure=True)
            r.timeout = self._timeout_s
            r.lifetime = self._timeout_s + 0.5
            r.nameservers = dnsquery.resending(r.nameservers)  # each attempt resends lost queries (issue 21)
            self._resolver = r
        return self._resolver

    async def __call__(self, name: str, rdtype: str) -> list[str]:
        key = (name.rstrip(".").lower(), rdtype)
        task = self._memo.get(key)
        if task is None:
            task = asyncio.ensure_future(self._query(*key))
            task.add_done_callback(_retrieved)  # a waiter cut by the deadline leaves no "never retrieved" traceback
            self._memo[key] = task
        return await asyncio.shield(task)

    async def _query(self, name: str, rdtype: str) -> list[str]:
        try:
            resolver = self._get_resolver()
        except (dns.resolver.NoResolverConfiguration, OSError, ValueError) as exc:  # ValueError: a bad registry entry
            raise DnsTempError(f"no DNS resolver configured ({exc})") from None
        try:
            answer = await resolver.resolve(name + ".", rdtype, search=False, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            self._answered = True
            return []
        except dns.resolver.LifetimeTimeout:
            raise DnsTempError(
                f"no answer from the DNS server within {self._timeout_s:g} s", offline=not self._answered
            ) from None
        except dns.resolver.NoNameservers as exc:
            why, offline = nameserver_failure(exc.kwargs.get("errors") or [])
            self._answered = self._answered or not offline
            raise DnsTempError(why if offline else f"{why} for {name} {rdtype}", offline=offline) from None
        except dns.exception.DNSException as exc:
            raise DnsTempError(f"{name} {rdtype}: {type(exc).__name__}") from None
        self._answered = True
        if answer.rrset is None:
            return []
        return [_text(rd, rdtype) for rd in answer.rrset]

    def close(self) -> None:
        """Cancel lookups still pending."""
        for task in self._memo.values():
            task.cancel()


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Mark a memoised lookup's exception as seen (its waiters may all have been cancelled)."""
    if not task.cancelled():
        task.exception()


def nameserver_failure(errors: list[Any]) -> tuple[str, bool]:
    """Why every DNS server failed, from dnspython's (server, tcp, port, exception or rcode, response) tuples, and
    whether DNS itself is out of reach (only socket errors: no route, nothing listening) rather than one answer."""
    rcodes = [e[3] for e in errors if isinstance(e[3], str)]
    if rcodes:
        return f"the DNS server answered {'/'.join(dict.fromkeys(rcodes))}", False
    oserrors = [e[3] for e in errors if isinstance(e[3], OSError)]
    if oserrors and len(oserrors) == len(errors):
        return f"no DNS server can be reached ({oserrors[0].strerror or type(oserrors[0]).__name__})", True
    return "the DNS server gave no usable answer", False


def _text(rd: Any, rdtype: str) -> str:
    if rdtype == "TXT":
        return b"".join(rd.strings).decode("utf-8", "replace")
    if rdtype == "MX":
        return f"{rd.preference} {rd.exchange.to_text()}"
    if rdtype in ("PTR", "CNAME"):
        return str(rd.target.to_text())
    return str(rd.to_text())


def _no_resolver() -> list[str]:
    """Raise the 'no nameservers' error dnspython gives when the system has none."""
    raise dns.resolver.NoResolverConfiguration("no DNS server on an adapter that is up")
