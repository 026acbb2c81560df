"""Signalling found the way the platform's own pre-call test finds it (Daily: `gs.daily.co/rooms/check/test-rooms/
<region>` names the region's worker, whose WebSocket is then opened, RFC 6455). The discovery request is an HTTPS
check; the WebSocket checks open what discovery returned, and say "not tried" (never "blocked") without it."""

from __future__ import annotations

import asyncio
import fnmatch
from dataclasses import dataclass
from typing import Any

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Contact, Outcome, Status
from app.engine.options import RunOptions, explicit_proxy
from app.engine.profile import Profile, SignallingDiscovery, WssTarget
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl, UrlError, WebUrl, parse_web_url
from app.probes.platform_api import JsonAnswer, fetch_json, field_at
from app.probes.wss_check import probe_wss

OTHER_HOLD_S = 0.5  # the other regions: opened, briefly held, closed (Daily's test only waits for `open`)
CHECK_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Discovered:
    """Pure result of reading a discovery answer: the WebSocket URL, or why there is none."""

    url: WebUrl | None
    problem: str = ""


def read_discovery(answer: JsonAnswer, spec: SignallingDiscovery) -> Discovered:
    """Pure: the worker's WebSocket URL from a discovery answer; it must be wss:// on one of the profile's hosts."""
    if not answer.ok:
        return Discovered(None, answer.problem)
    value = field_at(answer.data, spec.field)
    if not isinstance(value, str) or not value:
        return Discovered(None, f"the answer has no {spec.field}")
    try:
        url = parse_web_url(value[:2048], ("wss",))
    except UrlError as exc:
        return Discovered(None, f"{spec.field} is not a usable WebSocket URL ({exc})")
    if not any(_host_matches(url.host, pattern) for pattern in spec.hosts):
        return Discovered(None, f"{spec.field} points to {url.host}, outside {', '.join(spec.hosts)}")
    return Discovered(url)


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and fnmatch.fnmatchcase(host, pattern)
    return host == pattern


async def discover(spec: SignallingDiscovery, region: str, ctx: RunContext, explicit: ProxyUrl | None) -> JsonAnswer:
    """The discovery answer for one region (fetched once per run, shared by the HTTPS and WebSocket checks)."""
    return await fetch_json(spec.url_for(region), ctx, explicit)


async def probe_discovery(
    spec: SignallingDiscovery, region: str, ctx: RunContext, explicit: ProxyUrl | None
) -> Outcome:
    """The HTTPS side: reach the discovery service and get a worker for `region`."""
    answer = await discover(spec, region, ctx, explicit)
    if answer.failure is not None:
        return answer.failure
    details: dict[str, Any] = {**answer.details, "region": region}
    found = read_discovery(answer, spec)
    host = parse_web_url(answer.url, ("https",)).host
    if found.url is None:
        if answer.status >= 500:
            return Outcome(Status.WARN, f"Reached {host}, but it could not name a server for {region}: "
                                        f"{found.problem}.", details, signals=answer.signals)  # fmt: skip
        details["discovery_problem"] = found.problem
        return Outcome(
            Status.FAIL,
            f"Reached {host}, but it did not name a live call server for {region}: {found.problem}.",
            details,
            (FindingCode.SIGNALLING_DISCOVERY_FAILED,),
            answer.signals,
        )
    details["worker"] = str(found.url)
    summary = f"{host} names the live call server for {region}: {found.url.host}."
    return Outcome(Status.PASS, summary, details, signals=answer.signals)


async def probe_worker(
    spec: SignallingDiscovery, region: str, ctx: RunContext, explicit: ProxyUrl | None, hold_s: float | None = None
) -> Outcome:
    """The WebSocket side: open the worker that discovery named, as the browser would go."""
    answer = await discover(spec, region, ctx, explicit)
    found = read_discovery(answer, spec)
    if found.url is None:
        return Outcome(
            Status.SKIP,
            f"Not tried: no live call server was found for {region} ({found.problem.rstrip('.')}).",
            {"region": region, "discovery": answer.url},
        )
    target = WssTarget(found.url, spec.purpose, spec.source)
    outcome = await (probe_wss(target, ctx, explicit) if hold_s is None else probe_wss(target, ctx, explicit, hold_s))
    details = {**outcome.details, "region": region, "discovered_from": answer.url}
    return Outcome(outcome.status, f"{region}: {outcome.summary}", details, outcome.findings, outcome.signals)


async def probe_other_regions(spec: SignallingDiscovery, regions: tuple[str, ...], ctx: RunContext) -> Outcome:
    """The remaining regions together: which answered, which did not (information: a call uses one region)."""
    first = [await discover(spec, r, ctx, None) for r in spec.first]  # done already: this check runs after them
    if first and all(a.failure is not None for a in first):
        return Outcome(Status.SKIP, "Not tried: the discovery service could not be reached for the first regions "
                                    f"({first[0].problem.rstrip('.')}).", {"regions": list(regions)})  # fmt: skip
    outcomes = await asyncio.gather(*(probe_worker(spec, r, ctx, None, OTHER_HOLD_S) for r in regions))
    passed = [r for r, o in zip(regions, outcomes, strict=True) if o.status in (Status.PASS, Status.WARN)]
    skipped = [r for r, o in zip(regions, outcomes, strict=True) if o.status is Status.SKIP]
    failed = [r for r in regions if r not in passed and r not in skipped]
    details: dict[str, Any] = {
        "regions": {
            r: {"status": o.status.value, "summary": o.summary} for r, o in zip(regions, outcomes, strict=True)
        },
        "passed_regions": passed,
        "failed_regions": failed,
        "not_tried_regions": skipped,
    }
    if not passed and not failed:
        return Outcome(Status.SKIP, f"Not tried: no live call server was found for the other {len(regions)} regions.",
                       details)  # fmt: skip
    if not passed:
        return Outcome(Status.FAIL, f"None of the other {len(regions)} regions' live call servers could be opened.",
                       details, (FindingCode.WEBSOCKET_BLOCKED,))  # fmt: skip
    summary = f"{len(passed)} of {len(regions)} other regions open"
    if failed or skipped:
        details["not_open_regions"] = ", ".join(failed + skipped)
        summary += "; not: " + details["not_open_regions"]
        return Outcome(Status.PASS, summary + ".", details, (FindingCode.SIGNALLING_REGION_UNREACHABLE,))
    return Outcome(Status.PASS, summary + ".", details)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """Per first region: an HTTPS discovery check and a WebSocket check (each also through an explicit proxy);
    one compact WebSocket check for the other regions."""
    spec = profile.signalling
    if spec is None:
        return []
    explicit = explicit_proxy(profile, options)
    host = parse_web_url(spec.url_for("x"), ("https",)).host
    checks: list[Check] = []
    for through in [None] if explicit is None else [None, explicit]:
        suffix, title_via = ("+proxy", " through the given proxy") if through else ("", "")
        asks, opens = _contacts(spec, through)
        for region in spec.first:
            url = spec.url_for(region)
            checks.append(Check(
                f"https:{url.split('://', 1)[1]}{suffix}", Category.HTTPS,
                f"{url} via {through}" if through else url,
                f"Find the live call server ({region}) at {host}{title_via}",
                _bind(probe_discovery, spec, region, through), CHECK_TIMEOUT_S, contacts=asks,
            ))  # fmt: skip
            checks.append(Check(
                f"wss:{region}{suffix}", Category.WSS, f"live call server for {region} (from {url})",
                f"Open the live call connection ({region}){title_via}",
                _bind(probe_worker, spec, region, through), CHECK_TIMEOUT_S, contacts=(*asks, *opens),
            ))  # fmt: skip
    others = tuple(r for r in spec.regions if r not in spec.first)
    if others:

        async def run_others(ctx: RunContext) -> Outcome:
            return await probe_other_regions(spec, others, ctx)

        asks, opens = _contacts(spec, None)
        checks.append(Check(
            "wss:other-regions", Category.WSS, f"live call servers in {len(others)} other regions",
            f"Live call servers in {len(others)} other regions", run_others, CHECK_TIMEOUT_S,
            (Category.WSS,),  # after the first regions: information, so it never crowds a thin link before them
            (*asks, *opens),
        ))  # fmt: skip
    return checks


def _contacts(spec: SignallingDiscovery, through: ProxyUrl | None) -> tuple[tuple[Contact, ...], tuple[Contact, ...]]:
    """Where discovery goes (every region's URL is on one host), and the workers it may name (the profile's host
    patterns, which `read_discovery` enforces; WSS on 443 as Daily's `wssUri`)."""
    url = parse_web_url(spec.url_for(spec.regions[0] if spec.regions else "x"), ("https",))
    why = f"signalling discovery ({spec.url}, regions {', '.join(spec.regions)})"
    route = contacts.proxy(through) if through else contacts.routed()
    workers = tuple(
        c
        for pattern in spec.hosts
        for c in (
            *contacts.lookup(pattern),
            contacts.tcp("WSS", pattern, 443, "the signalling worker the discovery names"),
        )
    )
    return (*contacts.web("HTTPS", url, why), *route), workers


def _bind(probe: Any, spec: SignallingDiscovery, region: str, through: ProxyUrl | None) -> Any:
    async def run(ctx: RunContext) -> Outcome:
        result: Outcome = await probe(spec, region, ctx, through)
        return result

    return run
