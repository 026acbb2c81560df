"""Pure recognition of a domain's mail gateway from its MX names, and where IT allowlists a sender there."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Gateway:
    """A mail filtering service: how its MX names look, the allowlisting steps ({domain}, {ips}), and the vendor's
    own pages those steps come from, space-separated ("" when no vendor page was found: then no menu path)."""

    id: str
    name: str
    mx_pattern: str
    steps: str
    source: str = ""


def _unsourced(name: str) -> str:
    return (
        f"In the {name} administration console, add {{domain}} and the sending IPs {{ips}} to the allowed or safe "
        "senders for inbound mail (no vendor page is cited here, so look up the exact menu in its documentation)."
    )


# Source: https://learn.microsoft.com/en-us/microsoft-365/security/office-365-security/connection-filter-policies-configure
# (the IP Allow List of the default connection filter policy, in the Microsoft Defender portal).
M365_STEPS = (
    "In the Microsoft Defender portal > Email & collaboration > Policies & rules > Threat policies > Anti-spam, open "
    "Connection filter policy (Default) > Edit connection filter policy and add {ips} under 'Always allow messages "
    "from the following IP addresses or address range' (the IP Allow List). Release earlier messages from {domain} "
    "from Quarantine."
)
M365_SOURCE = (
    "https://learn.microsoft.com/en-us/microsoft-365/security/office-365-security/connection-filter-policies-configure"
)
# Source: https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/use-connectors-to-configure-mail-flow/enhanced-filtering-for-connectors
M365_BEHIND_GATEWAY_SOURCE = (
    "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/use-connectors-to-configure-mail-flow/"
    "enhanced-filtering-for-connectors"
)

GATEWAYS: tuple[Gateway, ...] = (
    Gateway("m365", "Microsoft 365 (Exchange Online Protection)", r"\.mail\.protection\.(outlook\.com|outlook\.de|partner\.outlook\.cn)$",
            M365_STEPS, M365_SOURCE),
    Gateway("google", "Google Workspace (Gmail)", r"(^|\.)aspmx\.l\.google\.com$|^aspmx\d*\.googlemail\.com$|^smtp\.google\.com$",
            "In the Google Admin console > Apps > Google Workspace > Gmail > Spam, Phishing and Malware, select the "
            "top-level organization and add {ips} to the Email allowlist setting; for {domain} itself, add an approved "
            "senders list in the Spam setting.",
            "https://support.google.com/a/answer/60751"),
    Gateway("mimecast", "Mimecast", r"\.mimecast(-offshore)?\.(com|co\.za)$",
            "In the Mimecast Administration Console > Policies > Gateway Policies > Permitted Senders create a new "
            "policy: Permit Sender, addresses based on Both, from {domain}, and the sending IPs {ips} (each with /32) "
            "as Source IP Ranges.",
            "https://mimecastsupport.zendesk.com/hc/en-us/articles/42979302935955-Policies-Configuring-and-Managing-Permitted-Senders"),
    Gateway("barracuda", "Barracuda Email Gateway Defense", r"\.barracudanetworks\.com$|\.barracuda\.com$",
            "In Barracuda Email Gateway Defense > Inbound Settings > IP Address Policies exempt {ips}, and under "
            "Inbound Settings > Sender Policies exempt {domain}.",
            "https://campus.barracuda.com/product/emailgatewaydefense/doc/96023004/ip-analysis-inbound/ "
            "https://campus.barracuda.com/doc/96023020/"),
    Gateway("sophos", "Sophos Email", r"\.hydra\.sophos\.com$",
            "In Sophos Central Admin > Global Settings > Inbound Allow/Block add {domain} (keep Enforce Sender "
            "Authentication on) and each of {ips} to the allow list.",
            "https://docs.sophos.com/central/customer/help/en-us/ManageYourProducts/GlobalSettings/EmailAllowBlock/index.html"),
    Gateway("trendmicro", "Trend Micro Email Security", r"\.tmes\.trendmicro\.(com|eu)$|\.(hes|tmes)\.trendmicro\.[a-z.]+$",
            "On the Approved Senders screen of the Trend Micro Email Security administrator console (Connection "
            "filtering > Sender filter) add {domain}; its sending IPs are {ips}.",
            "https://docs.trendmicro.com/documentation/article/trend-micro-email-security-online-help-configuring-spam-fil"),
    Gateway("cisco", "Cisco Secure Email (IronPort)", r"\.iphmx\.com$",
            "In Cisco Secure Email > Mail Policies > HAT Overview add {ips} as senders to the sender group for "
            "trusted senders (ALLOWED_LIST; WHITELIST on older releases), whose mail flow policy skips spam "
            "scanning; the sender domain is {domain}.",
            "https://www.cisco.com/c/en/us/support/docs/security/email-security-appliance/215912-hat-rat-overview-common-errors-and-t.html"),
    Gateway("hornetsecurity", "Hornetsecurity", r"\.hornetsecurity\.com$",
            "In the Hornetsecurity Control Panel > Black/Whitelist add {domain} to the customer (global) whitelist "
            "of the spam filter (entries match the header From address); sending IPs: {ips}.",
            "https://www.hornetsecurity.com/en/html-cp-manual"),
    # Recognised by their MX names; no vendor page was found for their allowlisting, so no menu path is given.
    Gateway("proofpoint", "Proofpoint", r"\.(pphosted\.com|ppe-hosted\.com)$", _unsourced("Proofpoint")),
    Gateway("symantec", "Broadcom / Symantec Email Security.cloud", r"\.messagelabs\.com$",
            _unsourced("Email Security.cloud")),
    Gateway("forcepoint", "Forcepoint Email Security", r"\.mailcontrol\.com$", _unsourced("Forcepoint")),
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
            "(skip listing) on the inbound connector from the gateway, and "
            + M365_STEPS[0].lower()
            + M365_STEPS[1:].format(domain=domain, ips=ip_text)
        )
    return text


def step_sources(gateway: Gateway | None, mailbox: str = "") -> list[str]:
    """The vendor pages the steps of allowlist_steps() come from."""
    sources = gateway.source.split() if gateway is not None else []
    if mailbox == "m365" and gateway is not None and gateway.id != "m365":
        sources += [M365_BEHIND_GATEWAY_SOURCE, M365_SOURCE]
    return sources
