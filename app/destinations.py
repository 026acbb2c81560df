"""What a check sends on the network, derived from the profile (for IT: every destination, protocol and port)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from app.engine.profile import Profile
from app.probes.captive import CAPTIVE_PROBES


@dataclass(frozen=True)
class Destination:
    """One place a run contacts: `what` (DNS, HTTPS, WSS, STUN, TURN), the host, `protocol port`, and why."""

    what: str
    host: str
    transport: str
    purpose: str


def destinations(profile: Profile) -> tuple[Destination, ...]:
    """Every destination a run of this profile contacts, in probe order, without duplicates."""
    found: list[Destination] = []
    for host in profile.concrete_hosts():
        found.append(Destination("DNS", host, "system resolver", "name lookup (A and AAAA)"))
    if profile.signalling is not None:
        s = profile.signalling
        host = urlsplit(s.url).hostname or s.url
        found.append(
            Destination("HTTPS", host, "TCP 443", f"signalling discovery ({s.url}, regions {', '.join(s.regions)})")
        )
        for pattern in s.hosts:
            found.append(Destination("WSS", pattern, "TCP 443", "the signalling worker the discovery names"))
    if profile.ice_servers is not None:
        i = profile.ice_servers
        found.append(Destination("HTTPS", urlsplit(i.url).hostname or i.url, "TCP 443",
                                 f"the platform's ICE servers ({i.url}); the TURN servers it lists are tested too"))  # fmt: skip
    for web in profile.web:
        found.append(Destination("HTTPS", web.url.host, f"TCP {web.url.port}", web.purpose))
    for wss in profile.wss:
        found.append(Destination("WSS", wss.url.host, f"TCP {wss.url.port}", wss.purpose))
    for stun in profile.stun:
        found.append(Destination("STUN", stun.url.host, f"UDP {stun.url.port}", stun.purpose))
    for turn in profile.turn:
        wire = {"udp": "UDP", "tcp": "TCP", "tls": "TLS over TCP"}[turn.url.transport]
        found.append(Destination("TURN", turn.url.host, f"{wire} {turn.url.port}", turn.purpose))
    for ip_list in profile.ip_lists[:1]:  # the VPN check's route test reads the first list, when reachable
        host = urlsplit(ip_list.url).hostname or ip_list.url
        found.append(Destination("HTTPS", host, "TCP 443", f"the published address list ({ip_list.url})"))
    for probe in CAPTIVE_PROBES:
        url = urlsplit(probe.url)
        found.append(Destination("HTTP", url.hostname or probe.url, "TCP 80", f"captive-portal test ({probe.url})"))
    if profile.email:
        e = profile.email
        found.append(Destination("DNS", e.domain, "system resolver", "sender's SPF and DMARC records (TXT)"))
        for sel in e.dkim_selectors:
            found.append(Destination("DNS", f"{sel}._domainkey.{e.domain}", "system resolver", "sender's DKIM key"))
        for zone in e.blocklists:
            found.append(Destination("DNS", f"<sending IP reversed>.{zone}", "system resolver", "blocklist lookup"))
    return tuple(dict.fromkeys(found))


def markdown(profile: Profile) -> str:
    """A Markdown table of `destinations(profile)` for the IT guide."""
    region = f", region {profile.region}" if profile.region else ""
    lines = [
        f"#### {profile.name} (`{profile.id}` {profile.version}{region})",
        "",
        "| What | Host | Protocol and port | Why |",
        "|---|---|---|---|",
    ]
    lines += [f"| {d.what} | `{d.host}` | {d.transport} | {d.purpose} |" for d in destinations(profile)]
    return "\n".join(lines) + "\n"
