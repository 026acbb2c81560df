"""DNS blocklist lookups (RFC 5782): self-test each list first, then look up each sending IP."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

from app.probes.spf import DnsTempError, Lookup

# Answers that mean "your query was not served", never "listed" (Spamhaus's published return codes).
ERROR_CODES = {
    "127.255.255.252": "typing error in the blocklist name",
    "127.255.255.254": "queries through public or open resolvers are refused",
    "127.255.255.255": "too many queries from this resolver",
}


@dataclass(frozen=True)
class Answer:
    """What one blocklist query means: listed, not_listed, or error (with the codes or the reason)."""

    state: str
    codes: tuple[str, ...] = ()
    reason: str = ""
    offline: bool = False  # the error is the DNS service being out of reach, not the list


@dataclass(frozen=True)
class ZoneReport:
    """One blocklist: usable after its self-test, which IPs it lists, and which it could not answer for."""

    zone: str
    usable: bool
    problem: str = ""
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    offline: bool = False  # not checked because DNS itself is out of reach: says nothing about the list


def query_name(ip: str, zone: str) -> str:
    """`<reversed address>.<zone>`: octets for IPv4, nibbles for IPv6 (RFC 5782 §2.1, §2.4)."""
    addr = ipaddress.ip_address(ip)
    labels = addr.reverse_pointer.rsplit(".", 2)[0]  # drop in-addr.arpa / ip6.arpa
    return f"{labels}.{zone.rstrip('.')}"


def classify_answer(addresses: list[str]) -> Answer:
    """Pure meaning of an A answer: empty = not listed; 127.0.0.2+ = listed; error codes or odd answers = error."""
    if not addresses:
        return Answer("not_listed")
    errors = [a for a in addresses if a in ERROR_CODES or a.startswith("127.255.255.")]
    if errors:
        return Answer("error", tuple(errors), ERROR_CODES.get(errors[0], f"error answer {errors[0]}"))
    outside = [a for a in addresses if not _in_127(a)]
    if outside:
        return Answer("error", tuple(outside), f"answer {outside[0]} is not a blocklist code (resolver rewriting?)")
    if addresses == ["127.0.0.1"]:
        return Answer("error", ("127.0.0.1",), "127.0.0.1 is not a listing code (RFC 5782 §5)")
    return Answer("listed", tuple(sorted(addresses)))


def self_test_problem(test_listed: Answer, test_unlisted: Answer) -> str:
    """RFC 5782 §5: 127.0.0.2 must be listed and 127.0.0.1 must not; the problem in words, or ''."""
    if test_listed.state == "error":
        return f"self-test answered an error ({test_listed.reason})"
    if test_unlisted.state == "error":
        return f"self-test answered an error ({test_unlisted.reason})"
    if test_unlisted.state == "listed":
        return "it lists 127.0.0.1, so it would list everything"
    if test_listed.state != "listed":
        return "it does not list the 127.0.0.2 test entry"
    return ""


async def _ask(lookup: Lookup, ip: str, zone: str) -> Answer:
    try:
        return classify_answer(await lookup(query_name(ip, zone), "A"))
    except DnsTempError as exc:
        return Answer("error", (), str(exc) or "no answer", exc.offline)


async def check_zone(zone: str, ips: tuple[str, ...], lookup: Lookup) -> ZoneReport:
    """Self-test `zone`, then look up each IP; an unusable list reports nothing as listed."""
    t2, t1 = await asyncio.gather(_ask(lookup, "127.0.0.2", zone), _ask(lookup, "127.0.0.1", zone))
    offline = next((a for a in (t2, t1) if a.offline), None)
    if offline is not None:
        return ZoneReport(zone, False, offline.reason, offline=True)
    problem = self_test_problem(t2, t1)
    if problem:
        return ZoneReport(zone, False, problem)
    answers = await asyncio.gather(*(_ask(lookup, ip, zone) for ip in ips))
    listed = {ip: a.codes for ip, a in zip(ips, answers, strict=True) if a.state == "listed"}
    unknown = {ip: a.reason for ip, a in zip(ips, answers, strict=True) if a.state == "error"}
    return ZoneReport(zone, True, "", listed, unknown)


def _in_127(address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False
