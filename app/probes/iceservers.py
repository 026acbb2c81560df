"""The ICE-servers check: the platform's own ICE servers document (W3C RTCIceServer objects, `ice_document.py`) is
reachable and lists usable STUN/TURN URLs, fetched as its pre-call test does, so relays are tested with the short-lived
TURN credentials a real call gets (RFC 8656 §9.2). The credentials stay in memory: never in a result, a log or a
report."""

from __future__ import annotations

from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import parse_web_url
from app.probes.ice_document import document_contacts, platform_ice
from app.probes.platform_api import fetch_json


async def probe_ice_servers(ctx: RunContext) -> Outcome:
    """The HTTPS side of the platform's ICE servers: reachable, and listing usable STUN/TURN URLs."""
    source = ctx.profile.ice_servers
    assert source is not None
    answer = await fetch_json(source.url, ctx)
    if answer.failure is not None:
        return answer.failure
    ice = await platform_ice(ctx)
    assert ice is not None
    details = {**answer.details, **ice.evidence()}
    host = parse_web_url(source.url, ("https",)).host
    if not ice.ok:
        return Outcome(Status.WARN, f"Reached {host}, but {ice.problem}: the relays are proved without credentials.",
                       details, signals=answer.signals)  # fmt: skip
    relays = sum(1 for e in ice.entries if e.url.is_turn)
    with_creds = sum(1 for e in ice.entries if e.url.is_turn and e.username and e.credential)
    return Outcome(
        Status.PASS,
        f"{host} lists {len(ice.entries)} STUN/TURN servers ({relays} relays, {with_creds} with short-lived "
        "credentials, kept in memory only).",
        details,
        signals=answer.signals,  # through a proxy or not: a DNS failure for the host is then the proxy's to resolve
    )


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One HTTPS check for the platform's ICE servers document (the TURN checks reuse its answer)."""
    if profile.ice_servers is None:
        return []
    url = profile.ice_servers.url
    host = parse_web_url(url, ("https",)).host
    return [Check(f"https:{url.split('://', 1)[1]}", Category.HTTPS, url,
                  f"Get the video relays' details from {host}", probe_ice_servers, 20.0,
                  contacts=document_contacts(profile))]  # fmt: skip
