"""Email deliverability from DNS only: sender SPF/DMARC/DKIM/FCrDNS, blocklists, recipient MX and gateway."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
from typing import Any

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Contact, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import EmailSender, Profile
from app.engine.runner import Check, RunContext
from app.probes import dmarc, dnsbl, mailgw, spf
from app.probes.dmarc import parse_tags as parse_tags  # re-exported: DKIM tags share DMARC's syntax

CHECK_TIMEOUT_S = 8.0
INNER_TIMEOUT_S = 6.5  # below the runner's timeout, so a slow resolver gives "could not check"


# ---------------------------------------------------------------- sender


async def fcrdns(ip: str, lookup: spf.Lookup) -> tuple[list[str], bool | None]:
    """Forward-confirmed reverse DNS: PTR names of `ip` and whether one resolves back to it (None: DNS failed)."""
    try:
        names = [n.rstrip(".").lower() for n in await lookup(spf.reverse_name(ip), "PTR")]
    except spf.DnsTempError:
        return [], None
    rdtype = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
    for name in names:
        try:
            if ip in await lookup(name, rdtype):
                return names, True
        except spf.DnsTempError:
            continue
    return names, False


def not_checked(cause: str, details: dict[str, Any]) -> Outcome:
    """DNS itself is out of reach: the check says nothing about the sender or recipient (no finding)."""
    return Outcome(Status.SKIP, f"Not checked: {cause}.", {**details, "offline": True, "cause": cause})


async def probe_sending_ip(sender: EmailSender, ip: str, lookup: spf.Lookup) -> Outcome:
    """SPF (RFC 7208) of the sending domain for one sending IP, plus its forward-confirmed reverse DNS."""
    result, (ptr_names, confirmed) = await asyncio.gather(
        # the sender's HELO name is unknown here: its domain stands in for %{h} (RFC 7208 §7.3)
        spf.check_host(ip, sender.domain, f"noreply@{sender.domain}", lookup, helo=sender.domain),
        fcrdns(ip, lookup),
    )
    details: dict[str, Any] = {
        "sender_domain": sender.domain, "sending_ip": ip, "spf_result": result.result,
        "spf_mechanism": result.mechanism, "spf_reason": result.reason, "spf_dns_lookups": result.dns_lookups,
        "spf_void_lookups": result.void_lookups, "ptr_names": ptr_names, "fcrdns": confirmed,
    }  # fmt: skip
    if result.explanation:
        details["spf_explanation"] = result.explanation
    rdns = {
        True: "",
        False: f" Its reverse DNS ({', '.join(ptr_names) or 'none'}) does not point back to it.",
        None: "",
    }[confirmed]
    if result.result == "pass":
        return Outcome(Status.PASS, f"{sender.domain}'s SPF allows {ip} ({result.mechanism}).{rdns}", details)
    if result.result == "temperror":
        if result.offline:
            return not_checked(result.reason, details)
        return Outcome(Status.SKIP, f"Could not check SPF for {ip}: {result.reason}.", details)
    why = {
        "none": f"{sender.domain} publishes no SPF record",
        "permerror": f"{sender.domain}'s SPF record is broken: {result.reason}",
        "fail": f"{sender.domain}'s SPF rejects {ip} ({result.mechanism})",
        "softfail": f"{sender.domain}'s SPF marks {ip} as suspicious ({result.mechanism})",
        "neutral": f"{sender.domain}'s SPF does not cover {ip}",
    }[result.result]
    return Outcome(
        Status.WARN, f"{why}; mail from it may be filtered.{rdns}", details, (FindingCode.EMAIL_SENDER_NOT_AUTHORIZED,)
    )


def dkim_key_facts(record: str) -> dict[str, Any]:
    """Key type and size of a DKIM key record (RFC 6376 §3.6.1); an empty p= means revoked."""
    tags = parse_tags(record)
    key = tags.get("p", None)
    if key is None:
        return {"state": "invalid", "reason": "no p= tag"}
    if key == "":
        return {"state": "revoked"}
    facts: dict[str, Any] = {"state": "present", "type": tags.get("k", "rsa")}
    try:
        from app.net.der import public_key_bits  # DER reading without `cryptography` (issue 19: file size)

        facts["bits"] = public_key_bits(base64.b64decode(key))
    except Exception:  # an ed25519 raw key, or a key we cannot parse: present but unsized
        pass
    return facts


async def probe_sender_domain(sender: EmailSender, lookup: spf.Lookup) -> Outcome:
    """DMARC policy (RFC 7489 §6.6.3, organisational domain from the Public Suffix List) and the DKIM keys
    (RFC 6376) for the profile's selectors."""
    details: dict[str, Any] = {
        "sender_domain": sender.domain, "organizational_domain": dmarc.organizational_domain(sender.domain),
    }  # fmt: skip
    try:
        policy = await dmarc.discover(sender.domain, lookup)
    except spf.DnsTempError as exc:
        if exc.offline:
            return not_checked(str(exc), details)
        return Outcome(Status.SKIP, f"Could not look up DMARC for {sender.domain}: {exc}.", details)

    async def key(selector: str) -> tuple[str, dict[str, Any]]:
        try:
            records = await lookup(f"{selector}._domainkey.{sender.domain}", "TXT")
        except spf.DnsTempError as exc:
            return selector, {"state": "unknown", "reason": str(exc)}
        keys = [r for r in records if "p=" in r]
        return selector, dkim_key_facts(keys[0]) if keys else {"state": "missing"}

    dkim = dict(await asyncio.gather(*(key(s) for s in sender.dkim_selectors)))
    details["dkim"] = dkim
    present = [s for s, f in dkim.items() if f["state"] == "present"]
    dkim_text = ""
    if sender.dkim_selectors:
        dkim_text = (
            f" DKIM keys found for selector(s) {', '.join(present)}."
            if present
            else f" No DKIM key found for selector(s) {', '.join(sender.dkim_selectors)}."
        )
    if policy is None:
        return Outcome(
            Status.WARN, f"{sender.domain} has no DMARC policy.{dkim_text}", details, (FindingCode.EMAIL_DMARC_MISSING,)
        )
    details.update({
        "dmarc_record": policy.record_name, "dmarc_policy": policy.policy, "dmarc_tags": policy.tags,
        "dmarc_from_organizational_domain": policy.from_organizational_domain,
    })  # fmt: skip
    where = f" (from {policy.record_name})" if policy.from_organizational_domain else ""
    return Outcome(
        Status.PASS,
        f"{sender.domain} publishes DMARC (policy {policy.policy or '(none given)'}){where}.{dkim_text}",
        details,
    )


async def probe_blocklist(sender: EmailSender, zone: str, lookup: spf.Lookup) -> Outcome:
    """One DNS blocklist: self-test (RFC 5782 §5), then each sending IP."""
    report = await dnsbl.check_zone(zone, sender.sending_ips, lookup)
    details: dict[str, Any] = {"blocklist": zone, "sender_domain": sender.domain, "usable": report.usable}
    if report.offline:
        return not_checked(report.problem, details)
    if not report.usable:
        details["problem"] = report.problem
        return Outcome(
            Status.SKIP, f"Could not check {zone}: {report.problem}.", details, (FindingCode.EMAIL_BLOCKLIST_UNUSABLE,)
        )
    details["listed"] = {ip: list(codes) for ip, codes in report.listed.items()}
    details["could_not_check"] = report.unknown
    if report.listed:
        listed = ", ".join(f"{ip} ({'/'.join(c)})" for ip, c in report.listed.items())
        details["listed_ips"] = listed
        return Outcome(Status.WARN, f"{zone} lists {listed}.", details, (FindingCode.EMAIL_SENDER_BLOCKLISTED,))
    if report.unknown:
        first = next(iter(report.unknown.values()))
        return Outcome(
            Status.SKIP, f"Could not check {', '.join(report.unknown)} on {zone}: {first}.", details,
            (FindingCode.EMAIL_BLOCKLIST_UNUSABLE,),
        )  # fmt: skip
    return Outcome(Status.PASS, f"None of the {len(sender.sending_ips)} sending IPs is on {zone}.", details)


# ---------------------------------------------------------------- recipient


async def probe_recipient(domain: str, sender: EmailSender, lookup: spf.Lookup) -> Outcome:
    """MX of the person's domain (RFC 5321 §5.1: no MX means the address record; RFC 7505: a null MX refuses mail),
    its gateway, and the allowlisting steps."""
    details: dict[str, Any] = {"recipient_domain": domain}
    try:
        mx = mailgw.mx_hosts(await lookup(domain, "MX"))
    except spf.DnsTempError as exc:
        if exc.offline:
            return not_checked(str(exc), details)
        return Outcome(Status.SKIP, f"Could not look up the mail servers of {domain}: {exc}.", details)
    details["mx"] = [f"{p} {h or '.'}" for p, h in mx]
    if mailgw.is_null_mx(mx):
        return Outcome(Status.WARN, f"{domain} declares that it accepts no email (null MX, RFC 7505).", details,
                       (FindingCode.EMAIL_NO_MX,))  # fmt: skip
    if not mx:
        return await _implicit_mx(domain, sender, lookup, details)
    hosts = [h for _, h in mx]
    gateway = mailgw.recognise(hosts)
    org = dmarc.organizational_domain(domain)  # a subdomain's mailbox evidence may sit at the organisation's name
    details["organizational_domain"] = org
    try:
        txt, cname, org_txt = await asyncio.gather(
            lookup(domain, "TXT"), lookup(f"autodiscover.{domain}", "CNAME"), _txt_if(org != domain, org, lookup)
        )
    except spf.DnsTempError:
        txt, cname, org_txt = [], [], []
    mailbox = mailgw.mailbox_host(txt, cname[0] if cname else "") or mailgw.mailbox_host(org_txt)
    name = gateway.name if gateway else f"your mail server ({', '.join(hosts[:2])})"
    if gateway is not None and mailbox == "m365" and gateway.id != "m365":
        name += ", with mailboxes in Microsoft 365"
    details.update({
        "gateway": name, "gateway_id": gateway.id if gateway else "", "mailbox_host": mailbox,
        "gateway_steps": mailgw.allowlist_steps(gateway, sender.domain, sender.sending_ips, mailbox),
    })  # fmt: skip
    if sources := mailgw.step_sources(gateway, mailbox):
        details["gateway_sources"] = sources
    return Outcome(Status.PASS, f"Mail for {domain} goes through {name}.", details, (FindingCode.EMAIL_GATEWAY,))


async def _txt_if(wanted: bool, name: str, lookup: spf.Lookup) -> list[str]:
    return await lookup(name, "TXT") if wanted else []


async def _implicit_mx(domain: str, sender: EmailSender, lookup: spf.Lookup, details: dict[str, Any]) -> Outcome:
    """No MX: mail goes to the domain's own address record (RFC 5321 §5.1), or nowhere when it has none."""
    try:
        addresses = [*await lookup(domain, "A"), *await lookup(domain, "AAAA")]
    except spf.DnsTempError as exc:
        if exc.offline:
            return not_checked(str(exc), details)
        return Outcome(Status.SKIP, f"{domain} has no MX record; could not look up its address: {exc}.", details)
    if not addresses:
        return Outcome(Status.WARN, f"{domain} has no mail server: no MX record and no address.", details,
                       (FindingCode.EMAIL_NO_MX,))  # fmt: skip
    details.update({
        "implicit_mx": addresses, "mx_fallback": ", ".join(addresses[:4]), "gateway": f"the host {domain}",
        "gateway_id": "", "mailbox_host": "",
        "gateway_steps": mailgw.allowlist_steps(None, sender.domain, sender.sending_ips),
    })  # fmt: skip
    return Outcome(
        Status.PASS,
        f"{domain} has no MX record, so mail goes to its own address ({', '.join(addresses[:2])}), as RFC 5321 "
        "§5.1 allows.",
        details,
        (FindingCode.EMAIL_IMPLICIT_MX,),
    )


# ---------------------------------------------------------------- plan


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """Sender checks (one per sending IP, the domain's policy, one per blocklist) and the recipient check."""
    sender = profile.email
    if sender is None:
        return []
    checks: list[Check] = []

    address = (options.email or "").strip()
    judged = bool(address) and "@" in address

    def add(
        cid: str, target: str, title: str, make: Any, found: tuple[Contact, ...], sender_check: bool = True
    ) -> None:
        async def run(ctx: RunContext) -> Outcome:
            try:
                async with asyncio.timeout(INNER_TIMEOUT_S):
                    outcome: Outcome = await make(ctx.services.records)  # the run's memoised look-ups
            except TimeoutError:  # a slow resolver: unknown, never a failure of the sender or recipient
                outcome = Outcome(Status.SKIP, f"Could not check: DNS answers took longer than {INNER_TIMEOUT_S:g} s.",
                                  {"timed_out": True})  # fmt: skip
            return outcome if judged or not sender_check else reference_only(outcome)

        checks.append(Check(f"email:{cid}", Category.EMAIL, target, title, run, CHECK_TIMEOUT_S, contacts=found))

    for ip in sender.sending_ips:
        probe = lambda lookup, ip=ip: probe_sending_ip(sender, ip, lookup)  # noqa: E731
        add(f"spf:{ip}", ip, f"Sender {ip} allowed to send", probe, sending_ip_contacts(sender, ip))
    domain_probe = lambda lookup: probe_sender_domain(sender, lookup)  # noqa: E731
    add(f"domain:{sender.domain}", sender.domain, "Sender's email policy", domain_probe, policy_contacts(sender))
    for zone in sender.blocklists:
        probe = lambda lookup, z=zone: probe_blocklist(sender, z, lookup)  # noqa: E731
        why = "blocklist lookup: the RFC 5782 test entries 127.0.0.2 and 127.0.0.1, then each sending IP"
        asks = Contact("DNS", f"<address reversed>.{zone}", RESOLVER, why)
        add(f"blocklist:{zone}", zone, f"Not on {zone}", probe, (asks,))
    if judged:
        domain = address.rsplit("@", 1)[1].lower().rstrip(".")
        recipient = lambda lookup: probe_recipient(domain, sender, lookup)  # noqa: E731
        add(f"recipient:{domain}", domain, "Your mail server", recipient, recipient_contacts(domain), False)
    else:
        later = Contact("DNS", "<your email address's domain>", RESOLVER, "your mail servers (MX)", WHEN_ADDRESS)
        add("recipient", "your email address", "Your mail server", lambda _lookup: _missing_address(), (later,), False)
    return checks


RESOLVER = contacts.RESOLVER
WHEN_ADDRESS = "only when you give your email address"


def sending_ip_contacts(sender: EmailSender, ip: str) -> tuple[Contact, ...]:
    """What `probe_sending_ip` asks: the SPF record and the names it leads to, the IP's PTR and its names back."""
    spf_terms = "only when the SPF record names other domains: include, redirect, a, mx, ptr, exists"
    return (
        *contacts.lookup(sender.domain, "sender's SPF record (TXT)"),
        Contact("DNS", f"<names {sender.domain}'s SPF record names>", RESOLVER, "SPF evaluation (RFC 7208)", spf_terms),
        *contacts.lookup(spf.reverse_name(ip), f"reverse DNS of the sending IP {ip} (PTR)"),
        Contact("DNS", f"<PTR names of {ip}>", RESOLVER, "forward-confirmed reverse DNS (A/AAAA)",
                "only when the sending IP has a PTR name"),
    )  # fmt: skip


def policy_contacts(sender: EmailSender) -> tuple[Contact, ...]:
    """What `probe_sender_domain` asks: DMARC (RFC 7489 §6.6.3, the organisational domain second) and DKIM keys."""
    name = sender.domain.rstrip(".").lower()
    org = dmarc.organizational_domain(name)
    found = [*contacts.lookup(f"_dmarc.{name}", "sender's DMARC policy (TXT)")]
    if org != name:
        found += contacts.lookup(f"_dmarc.{org}", "sender's DMARC policy (TXT)", f"only when _dmarc.{name} has none")
    for selector in sender.dkim_selectors:
        found += contacts.lookup(f"{selector}._domainkey.{sender.domain}", "sender's DKIM key")
    return tuple(found)


def recipient_contacts(domain: str) -> tuple[Contact, ...]:
    """What `probe_recipient` asks: MX (then A/AAAA without one), TXT, autodiscover and the organisation's TXT."""
    with_mx = "only when the domain has mail servers (MX)"
    org = dmarc.organizational_domain(domain)
    return (
        *contacts.lookup(domain, "your mail servers (MX; TXT; A and AAAA when there is no MX)"),
        *contacts.lookup(f"autodiscover.{domain}", "where your mailboxes are (CNAME)", with_mx),
        *(contacts.lookup(org, "your organisation's mailbox evidence (TXT)", with_mx) if org != domain else ()),
    )


def reference_only(outcome: Outcome) -> Outcome:
    """A sender check run without the person's email address: kept for the bundle and Details, never judged (no
    finding, so no verdict or step); a problem it saw is 'not checked' with the reason, never a pass."""
    details = {**outcome.details, "judged": False, "why_not_judged": "no email address was given"}
    if outcome.status in (Status.PASS, Status.SKIP):
        return Outcome(outcome.status, outcome.summary, details)
    details["status_if_judged"] = outcome.status.value
    return Outcome(Status.SKIP, f"Not judged without an email address: {outcome.summary}", details)


async def _missing_address() -> Outcome:
    return Outcome(
        Status.SKIP, "Not checked: no work email address was given.", {}, (FindingCode.EMAIL_ADDRESS_MISSING,)
    )
