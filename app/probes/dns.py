"""DNS probe: resolve every concrete host (A and AAAA, RFC 1035/3596) with dnspython and the OS resolver."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from typing import Any

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Signals, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.net import dnsquery
from app.net.dnsquery import Exchange

QUERY_TIMEOUT_S = 6.0
SLOW_MS = 1000

# Answers DNS filters give instead of the real address (block pages); 0.0.0.0, loopback and :: too.
BLOCK_PAGE_NETWORKS = {
    "146.112.61.104/29": "Cisco Umbrella / OpenDNS block page",
    "156.154.112.16/31": "Comodo Secure DNS block page",
    "185.228.168.10/32": "CleanBrowsing block page",
    "94.140.14.33/32": "AdGuard DNS block page",
}  # fmt: skip
_BLOCK_NETS = [(ipaddress.ip_network(n), label) for n, label in BLOCK_PAGE_NETWORKS.items()]


def sinkhole_reason(address: str, loopback_is_real: bool = False) -> str | None:
    """Why an address looks like a DNS filter's answer, or None when it looks real."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.is_unspecified:
        return "unspecified address (0.0.0.0 or ::)"
    if ip.is_loopback and not loopback_is_real:
        return "loopback address"
    for net, label in _BLOCK_NETS:
        if ip in net:
            return label
    return None


def classify(
    answers: Sequence[Exchange], os_addresses: Sequence[str], os_error: str | None, loopback_is_real: bool = False
) -> tuple[Status, str, tuple[FindingCode, ...], dict[str, Any]]:
    """Pure classification of DNS evidence into status, summary, finding codes and extra facts.

    "Slow" is the round trip of the try that was answered: a query lost and answered on a resend is not slow."""
    addrs = [a for ans in answers for a in ans.addresses] or list(os_addresses)
    rcodes = {ans.rcode for ans in answers}
    elapsed = max((ans.rtt_ms for ans in answers if ans.answered), default=0)
    extra: dict[str, Any] = {}
    resent = max((ans.answered_try for ans in answers if ans.answered), default=1)
    lost = f" (answered on try {resent}: earlier queries got no answer)" if resent > 1 else ""
    if lost:
        extra["resent"] = lost.strip(" ()")
    if addrs:
        holes = {a: r for a in addrs if (r := sinkhole_reason(a, loopback_is_real))}
        if holes and len(holes) == len(set(addrs)):
            first = next(iter(holes.items()))
            extra["sinkhole"] = holes
            return (
                Status.FAIL,
                f"Blocked by a DNS filter: answered {first[0]} ({first[1]}).",
                (FindingCode.DNS_SINKHOLE,),
                extra,
            )
        if elapsed > SLOW_MS:
            return Status.WARN, f"Found, but slowly ({elapsed} ms).", (FindingCode.DNS_SLOW,), extra
        return Status.PASS, f"Found {', '.join(addrs[:3])} in {elapsed} ms{lost}.", (), extra
    if "NXDOMAIN" in rcodes:
        return Status.FAIL, "The resolver says this name does not exist (NXDOMAIN).", (FindingCode.DNS_NXDOMAIN,), extra
    if "SERVFAIL" in rcodes:
        return Status.FAIL, "The resolver failed to answer (SERVFAIL).", (FindingCode.DNS_FAILURE,), extra
    if "REFUSED" in rcodes:
        return Status.FAIL, "The resolver refused to answer (REFUSED).", (FindingCode.DNS_FAILURE,), extra
    if rcodes and rcodes <= {"timeout", "unreachable"}:
        extra["offline"] = True
        if rcodes == {"unreachable"}:
            return Status.FAIL, "No DNS server can be reached (no network route).", (FindingCode.DNS_FAILURE,), extra
        tries = max((ans.tries for ans in answers), default=0)
        sent = f" ({tries} tries each)" if tries > 1 else ""
        return (
            Status.FAIL,
            f"No answer from the DNS server within {QUERY_TIMEOUT_S:g} s{sent}.",
            (FindingCode.DNS_FAILURE,),
            extra,
        )
    if dnsquery.MALFORMED in rcodes:
        why = next(a.note for a in answers if a.rcode == dnsquery.MALFORMED)
        return Status.FAIL, f"The DNS server's answer could not be read: {why}.", (FindingCode.DNS_FAILURE,), extra
    if "NOERROR" in rcodes:
        return Status.FAIL, "The name exists but has no address.", (FindingCode.DNS_FAILURE,), extra
    reason = os_error or "no resolver answered"
    extra["offline"] = True
    return Status.FAIL, f"Lookup failed: {reason}.", (FindingCode.DNS_FAILURE,), extra


async def query(host: str, rdtype: str, nameservers: Sequence[str], timeout_s: float) -> Exchange:
    """Ask the nameservers in order, each with its share of the deadline and resends (dnsquery); first real answer
    (NOERROR, NXDOMAIN) wins."""
    last = Exchange("", dnsquery.TIMEOUT)
    per_server = max(1.0, timeout_s / max(1, len(nameservers)))
    for ns in nameservers:
        answer = await dnsquery.exchange(host, rdtype, ns, per_server)
        if answer.rcode in ("NOERROR", "NXDOMAIN"):
            return answer
        last = answer
    return last


async def probe_host(host: str, ctx: RunContext) -> Outcome:
    """Resolve one host with dnspython (A, AAAA) and the OS resolver; classify the evidence."""
    servers = list(ctx.options.nameservers) or dnsquery.system_nameservers()
    types = ["A"] if ctx.profile.ipv4_only else ["A", "AAAA"]
    queries = [query(host, t, servers, QUERY_TIMEOUT_S) for t in types] if servers else []
    gathered: list[Any] = await asyncio.gather(ctx.services.resolver.resolve(host), *queries)
    os_res, answers = gathered[0], list(gathered[1:])
    status, summary, codes, extra = classify(
        list(answers), os_res.addresses, os_res.error, ctx.options.loopback_is_real
    )
    details: dict[str, Any] = {
        "resolvers": servers,
        "answered_by": next((a.server for a in answers if a.rcode in ("NOERROR", "NXDOMAIN")), None),
        "queries": {t: a.evidence() for t, a in zip(types, answers, strict=False)},
        "os_resolver": os_res.evidence(),
        **extra,
    }
    outside = _outside_ranges(
        host, [a for ans in answers for a in ans.addresses] or list(os_res.addresses), ctx.profile
    )
    if outside and status is Status.PASS:
        details["outside_published_ranges"] = outside
        codes = (*codes, FindingCode.DNS_UNEXPECTED_ADDRESS)
    signals = Signals(offline=bool(extra.get("offline")), resent=bool(extra.get("resent")))
    return Outcome(status, summary, details, codes, signals)


def _outside_ranges(host: str, addresses: list[str], profile: Profile) -> list[str]:
    """Media-host addresses not inside the profile's published media/TURN ranges (only when ranges exist)."""
    media_hosts = {s.url.host for s in profile.stun} | {s.url.host for s in profile.turn}
    ranges = [r for r in profile.ip_ranges if r.purpose in ("turn", "media")]
    if host not in media_hosts or not ranges:
        return []
    return [a for a in addresses if ":" not in a and not any(r.contains(a) for r in ranges)]


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One DNS check per concrete host of the profile."""

    def make(host: str) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe_host(host, ctx)

        lookups = contacts.lookup(host)  # the OS resolver, and direct queries to the same servers
        return Check(f"dns:{host}", Category.DNS, host, f"Find {host}", run, QUERY_TIMEOUT_S * 2 + 2, contacts=lookups)

    return [make(h) for h in profile.concrete_hosts()]
