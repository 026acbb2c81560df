"""TLS inspection: a certificate the OS store accepts but the public roots do not means a product re-signs traffic.

Derived from the HTTPS and WSS checks' evidence (`publicly_trusted`, `certificate`); recognises common
inspection products by the issuing CA's name (RFC 5280 issuer CN/O).
"""

from __future__ import annotations

from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Category, CheckResult, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext

# (lower-case text found in the issuer's CN or O, product name); first match wins.
PRODUCTS: tuple[tuple[str, str], ...] = (
    ("zscaler", "Zscaler"),
    ("netskope", "Netskope"),
    ("fortinet", "Fortinet FortiGate"),
    ("fortigate", "Fortinet FortiGate"),
    ("cisco umbrella", "Cisco Umbrella"),
    ("umbrella", "Cisco Umbrella"),
    ("opendns", "Cisco Umbrella"),
    ("palo alto", "Palo Alto Networks"),
    ("paloalto", "Palo Alto Networks"),
    ("pan-os", "Palo Alto Networks"),
    ("blue coat", "Blue Coat / Symantec"),
    ("bluecoat", "Blue Coat / Symantec"),
    ("symantec", "Blue Coat / Symantec"),
    ("forcepoint", "Forcepoint"),
    ("websense", "Forcepoint"),
    ("sophos", "Sophos"),
    ("check point", "Check Point"),
    ("checkpoint", "Check Point"),
)
UNRECOGNISED = "an unrecognised inspection product or corporate CA"


def recognise_product(issuer: str, issuer_org: str = "") -> str:
    """Pure: the inspection product named by a certificate issuer, or UNRECOGNISED."""
    text = f"{issuer} {issuer_org}".lower()
    for needle, product in PRODUCTS:
        if needle in text:
            return product
    return UNRECOGNISED


def assess(results: list[CheckResult]) -> Outcome:
    """Pure: inspected hosts (OS store yes, public roots no), products by issuer, or unknown."""
    inspected: dict[str, dict[str, Any]] = {}
    clean: list[str] = []
    for r in results:
        trusted = r.details.get("publicly_trusted")
        cert = r.details.get("certificate") or {}
        if trusted is False and cert:
            inspected[r.target] = {"issuer": cert.get("issuer", ""), "issuer_org": cert.get("issuer_org", "")}
        elif trusted is True:
            clean.append(r.target)
    details: dict[str, Any] = {"checked": sorted(set(clean) | set(inspected)), "inspected": inspected}
    if inspected:
        first = next(iter(inspected.values()))
        issuer = first["issuer"] or first["issuer_org"] or "an unnamed CA"
        product = recognise_product(first["issuer"], first["issuer_org"])
        issuers = sorted({v["issuer"] for v in inspected.values()})
        details.update({"issuer": issuer, "product": product, "issuers": issuers, "inspected_count": len(inspected)})
        return Outcome(
            Status.WARN,
            f"Secure traffic to {len(inspected)} of the platform's addresses is opened and re-signed by "
            f"{issuer} ({product}).",
            details,
            (FindingCode.TLS_INSPECTION,),
        )
    if clean:
        return Outcome(Status.PASS, "No TLS inspection: certificates chain to public roots.", details)
    return Outcome(Status.SKIP, "Not known: no secure connection completed to compare certificates.", details)


async def probe_inspection(ctx: RunContext) -> Outcome:
    """Compare the HTTPS and WSS checks' certificates: OS store versus public roots."""
    return assess(ctx.results(Category.HTTPS, Category.WSS))


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One check after all HTTPS and WSS checks."""
    hosts = sorted({t.url.host for t in profile.web} | {t.url.host for t in profile.wss})
    if not hosts:
        return []
    return [
        Check(
            "tls_inspection:all",
            Category.TLS_INSPECTION,
            ", ".join(hosts),
            "Look for TLS inspection",
            probe_inspection,
            timeout_s=60.0,
            needs=(Category.HTTPS, Category.WSS),
        )
    ]
