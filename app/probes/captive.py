"""Captive portal: the operating systems' plain-HTTP probes (RFC 7230-style GET of a known URL with a known answer).

A redirect, a login page or 511 (RFC 6585 §6) instead of the expected answer means a portal
intercepts traffic until the user signs in. A name that cannot be looked up means unknown (skip).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.net import http
from app.net.http import HttpResponse

TIMEOUT_S = 4.0


@dataclass(frozen=True)
class CaptiveProbe:
    """A known URL and the answer it gives when no portal is in the way."""

    url: str
    status: int
    body: bytes | None = None


CAPTIVE_PROBES: tuple[CaptiveProbe, ...] = (
    CaptiveProbe("http://connectivitycheck.gstatic.com/generate_204", 204),
    CaptiveProbe("http://captive.apple.com/hotspot-detect.html", 200, b"Success"),
)

OPEN, PORTAL, UNKNOWN = "open", "portal", "unknown"


def judge(probe: CaptiveProbe, resp: HttpResponse) -> tuple[str, str]:
    """Pure: (open | portal | unknown, why) for one answer to a captive-portal probe."""
    if resp.status == probe.status and (probe.body is None or probe.body in resp.body):
        if probe.status != 204 or not resp.body.strip():
            return OPEN, f"HTTP {resp.status} as expected"
    if 300 <= resp.status < 400:
        return PORTAL, f"redirected to {resp.headers.get('location', '(no location)')}"
    if resp.status == 511:
        return PORTAL, "HTTP 511 Network Authentication Required"
    if resp.status == 407:
        return UNKNOWN, "the proxy asks for a login"
    if resp.status == 200:
        return (
            PORTAL,
            f"a different page came back ({_title(resp.body) or resp.headers.get('content-type', 'unknown type')})",
        )
    return UNKNOWN, f"unexpected HTTP {resp.status} {resp.reason}".strip()


def _title(body: bytes) -> str:
    text = body[:8192].decode("utf-8", errors="replace")
    low = text.lower()
    start, end = low.find("<title>"), low.find("</title>")
    return " ".join(text[start + 7 : end].split())[:120] if 0 <= start < end else ""


async def probe_one(probe: CaptiveProbe, ctx: RunContext) -> dict[str, Any]:
    """GET one probe URL directly, or through the proxy a browser would use for plain HTTP (absolute-form)."""
    route = await ctx.services.route_for(probe.url)
    out: dict[str, Any] = {"url": probe.url, "route": route.describe()}
    start = time.perf_counter()
    proxy = route.proxy if route.proxy is not None and route.proxy.scheme == "http" else None
    try:
        resp = await http.get(probe.url, ctx.services.resolve, TIMEOUT_S, proxy=proxy)
    except http.FetchError as err:
        why = {"dns": err.why, "connect": f"no connection: {err.why}"}.get(err.phase, err.why)
        return {**out, "result": UNKNOWN, "why": why}
    result, why = judge(probe, resp)
    out.update(
        {"result": result, "why": why, "http_status": resp.status, "ms": int((time.perf_counter() - start) * 1000)}
    )
    if resp.headers.get("location"):
        out["location"] = resp.headers["location"]
    return out


async def probe_captive(ctx: RunContext, probes: tuple[CaptiveProbe, ...] | None = None) -> Outcome:
    """Run every probe at once; any portal answer wins, all-unknown is skip."""
    probes = probes if probes is not None else CAPTIVE_PROBES
    answers = await asyncio.gather(*(probe_one(p, ctx) for p in probes))
    details: dict[str, Any] = {"probes": list(answers)}
    portal = [a for a in answers if a["result"] == PORTAL]
    if portal:
        details["portal_url"] = portal[0].get("location", portal[0]["url"])
        return Outcome(
            Status.FAIL,
            f"This network shows a sign-in page instead of the internet ({portal[0]['why']}).",
            details,
            (FindingCode.CAPTIVE_PORTAL,),
        )
    if any(a["result"] == OPEN for a in answers):
        return Outcome(Status.PASS, "No sign-in page: plain web requests get their normal answer.", details)
    return Outcome(Status.SKIP, f"Not known: {answers[0]['why'] if answers else 'no probe'}.", details)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One check; left out in loopback test runs that name no test resolver (never ask the real internet)."""
    if options.loopback_is_real and not options.nameservers:
        return []
    found = [c for p in CAPTIVE_PROBES for c in contacts.plain_http(p.url, f"captive-portal test ({p.url})")]
    return [Check("captive_portal:http", Category.CAPTIVE_PORTAL, ", ".join(p.url for p in CAPTIVE_PROBES),
                  "Look for a sign-in page", lambda ctx: probe_captive(ctx), timeout_s=12.0,
                  contacts=(*found, *contacts.routed()))]  # fmt: skip
