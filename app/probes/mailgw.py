"""Pure recognition of a domain's mail gateway from its MX names, and where IT allowlists a sender there."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Gateway:
    """A mail filtering service: how its MX names look, and the allowlisting steps ({domain}, {ips})."""

    id: str
    name: str
    mx_pattern: str
    steps: str


M365_STEPS = (
    "In Microsoft 365 (Exchange admin center > Mail flow > Rules) add a rule: if the sender's domain is {domain} "
    "and the sender IP is in {ips}, set the spam confidence level (SCL) to -1 (bypass spam filtering); "
    "or in Microsoft Defender > Policies > Anti-spam > Connection filter policy add {ips} to the IP Allow List. "
    "Release earlier messages from Quarantine."
)

GATEWAYS: tuple[Gateway, ...] = (
    Gateway("m365", "Microsoft 365 (Exchange Online Protection)", r"\.mail\.protection\.(outlook\.com|outlook\.de|partner\.outlook\.cn)$", M365_STEPS),
    Gateway("google", "Google Workspace (Gmail)", r"(^|\.)aspmx\.l\.google\.com$|^aspmx\d*\.googlemail\.com$|^smtp\.google\.com$",
            "In the Google Admin console > Apps > Google Workspace > Gmail > Spam, Phishing and Malware: add {ips} to "
            "the Email allowlist, and under Spam add an approved senders list with {domain} and tick 'Bypass spam "
            "filters' (keep 'require sender authentication' on)."),
    Gateway("proofpoint", "Proofpoint", r"\.(pphosted\.com|ppe-hosted\.com)$",
            "In Proofpoint (Email Protection > Spam Detection > Organizational Safe List; Proofpoint Essentials: "
            "Security Settings > Sender Lists > Allowed Senders) add {domain} and the IPs {ips}."),
    Gateway("mimecast", "Mimecast", r"\.mimecast(-offshore)?\.(com|co\.za)$",
            "In the Mimecast Administration console > Gateway > Policies > Permitted Senders add a policy for "
            "{domain} (and the IPs {ips} as source addresses)."),
    Gateway("barracuda", "Barracuda Email Protection", r"\.barracudanetworks\.com$|\.barracuda\.com$",
            "In Barracuda Email Gateway Defense > Inbound Settings: exempt {domain} under Sender Policies and "
            "exempt {ips} under IP Address Policies."),
    Gateway("cisco", "Cisco Secure Email (IronPort)", r"\.iphmx\.com$",
            "In Cisco Secure Email > Mail Policies > HAT Overview add {ips} to the ALLOWED_LIST sender group, and "
            "add {domain} to a safelist (Mail Policies > Incoming Mail Policies)."),
    Gateway("symantec", "Broadcom / Symantec Email Security.cloud", r"\.messagelabs\.com$",
            "In the Email Security.cloud portal > Services > Email Services > Anti-Spam > Approved Senders add "
            "{domain} and {ips}."),
    Gateway("forcepoint", "Forcepoint Email Security", r"\.mailcontrol\.com$",
            "In the Forcepoint Cloud Security Gateway portal > Email > Policy Management add {domain} and {ips} "
            "to the policy's allowlist."),
    Gateway("trendmicro", "Trend Micro Email Security", r"\.tmes\.trendmicro\.(com|eu)$|\.(hes|tmes)\.trendmicro\.[a-z.]+$",
            "In Trend Micro Email Security > Inbound Protection > Spam Filtering > Approved Senders add {domain}, "
            "and add {ips} to Connection Filtering > IP Reputation > Approved List."),
    Gateway("sophos", "Sophos Email", r"\.hydra\.sophos\.com$",
            "In Sophos Central > Email Protection > Settings > Allow/Block add {domain} and each of {ips} as "
            "allowed senders."),
    Gateway("hornetsecurity", "Hornetsecurity", r"\.hornetsecurity\.com$",
            "In the Hornetsecurity Control Panel > Spam and Malware Protection > Filter settings add {domain} and "
            "{ips} to the allowlist."),
)  # fmt: skip
_GATEWAY_RES = tuple((re.compile(g.mx_pattern, re.IGNORECASE), g) for g in GATEWAYS)


def mx_hosts(records: Iterable[str]) -> list[tuple[int, str]]:
    """Parse `pref exchange` MX texts, sorted by preference (RFC 5321 §5.1)."""
    out = []
    for r in records:
        parts = r.split()
        if len(parts) == 2 and parts[0].isdigit():
            out.append((int(parts[0]), parts[1].rstrip(".").lower()))
    return sorted(out)


def is_null_mx(mx: list[tuple[int, str]]) -> bool:
    """A single MX whose exchange is the root: the domain accepts no mail (RFC 7505)."""
    return len(mx) == 1 and mx[0][1] in ("", ".")


def recognise(hosts: Iterable[str]) -> Gateway | None:
    """The gateway behind the MX names (the most preferred recognised one), or None."""
    for host in hosts:
        for pattern, gateway in _GATEWAY_RES:
            if pattern.search(host.rstrip(".")):
                return gateway
    return None


def mailbox_host(txt_records: Iterable[str], autodiscover_target: str = "") -> str:
    """Where mailboxes live when it shows in DNS: 'm365', 'google' or ''."""
    texts = [t.lower() for t in txt_records]
    if autodiscover_target.rstrip(".").lower() == "autodiscover.outlook.com" or any(
        "include:spf.protection.outlook.com" in t or t.startswith("ms=ms") for t in texts
    ):
        return "m365"
    if any("include:_spf.google.com" in t for t in texts):
        return "google"
    return ""


def allowlist_steps(gateway: Gateway | None, domain: str, ips: Iterable[str], mailbox: str = "") -> str:
    """The steps for IT: the gateway's own, plus Microsoft 365's when mailboxes sit behind another gateway."""
    ip_text = ", ".join(ips)
    if gateway is None:
        text = f"Allowlist the sender domain {domain} and its sending IPs {ip_text} in your mail filter."
    else:
        text = gateway.steps.format(domain=domain, ips=ip_text)
    if mailbox == "m365" and gateway is not None and gateway.id != "m365":
        text += (
            f" Mailboxes are in Microsoft 365 behind {gateway.name}: also turn on Enhanced Filtering for Connectors "
            "on the inbound connector from the gateway, and "
            + M365_STEPS[0].lower()
            + M365_STEPS[1:].format(domain=domain, ips=ip_text)
        )
    return text
