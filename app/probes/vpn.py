"""VPN check: is a VPN up, and would the platform's media go through it (route lookup, no packet sent)."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psutil

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, CheckResult, Contact, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import parse_web_url
from app.net import http
from app.probes import routes
from app.probes.vpn_classify import Adapter, VpnMatch, describe, routable, running_agents, vpn_adapters

RESOLVE_TIMEOUT_S = 3.0
IP_LIST_TIMEOUT_S = 2.5
INVENTORY_TIMEOUT_S = 3.0
MAX_LIST_SAMPLES = 16
MEDIA_PORT = 3478


@dataclass(frozen=True)
class Destination:
    """A media destination to route: what it is (host, range, list) and one address of it."""

    label: str
    address: str


@dataclass(frozen=True)
class RoutedDestination:
    """A destination with the OS's route to it and whether that route is a VPN tunnel."""

    destination: Destination
    route: routes.Route
    via_vpn: bool


def range_samples(profile: Profile) -> list[Destination]:
    """One address inside each published TURN/media range (the first host address)."""
    out = []
    for r in profile.ip_ranges:
        if r.purpose not in ("turn", "media") or not r.networks:
            continue
        net = r.networks[0]
        addr = net.network_address + 1 if net.num_addresses > 2 else net.network_address
        out.append(Destination(f"{r.label} ({r.text})", str(addr)))
    return out


def addresses_in_text(text: str, limit: int = MAX_LIST_SAMPLES) -> list[str]:
    """Public IPv4 addresses (or CIDR starts) found in a published list, in order, distinct, at most `limit`."""
    found: list[str] = []
    for m in re.finditer(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/\d{1,2})?(?![\d.])", text):
        try:
            ip = ipaddress.ip_address(m.group(1))
        except ValueError:
            continue
        if ip.is_global and str(ip) not in found:
            found.append(str(ip))
        if len(found) >= limit:
            break
    return found


def judge(
    vpns: Sequence[tuple[Adapter, VpnMatch]], routed: Sequence[RoutedDestination], wire: dict[str, Any]
) -> tuple[Status, str, tuple[FindingCode, ...], str]:
    """Pure verdict: no VPN, split tunnel (good), full tunnel, mixed, or unknown; returns status, summary, codes, tunnel."""
    if not vpns:
        return Status.PASS, "No VPN is connected.", (), "none"
    label = ", ".join(describe(a, m) for a, m in vpns)
    known = [r for r in routed if r.route.interface is not None]
    through = [r for r in known if r.via_vpn]
    wire_via = wire.get("stun_via_vpn")
    if not known:
        return (
            Status.SKIP,
            f"A VPN is connected ({label}); could not tell whether video would go through it.",
            (FindingCode.VPN_DETECTED,),
            "unknown",
        )
    if len(through) == len(known):
        return (
            Status.WARN,
            f"A VPN is connected ({label}) and video would go through it.",
            (
                FindingCode.VPN_DETECTED,
                FindingCode.VPN_FULL_TUNNEL,
            ),
            "full",
        )
    if through or wire_via is True:
        names = ", ".join(dict.fromkeys(r.destination.label for r in through)) or "the STUN server (seen on the wire)"
        return (
            Status.WARN,
            f"A VPN is connected ({label}) and part of the video would go through it: {names}.",
            (
                FindingCode.VPN_DETECTED,
                FindingCode.VPN_FULL_TUNNEL,
            ),
            "mixed",
        )
    return (
        Status.PASS,
        f"A VPN is connected ({label}), but video goes around it (split tunnel).",
        (
            FindingCode.VPN_DETECTED,
            FindingCode.VPN_SPLIT_TUNNEL,
        ),
        "split",
    )


def wire_evidence(
    stun_results: Iterable[CheckResult],
    route_of: Callable[[str], routes.Route],
    vpn_names: set[str],
    vpn_addresses: set[str],
) -> dict[str, Any]:
    """What STUN saw on the wire (RFC 8489 XOR-MAPPED-ADDRESS) and which interface its answered packets used."""
    for r in stun_results:
        mapped = _host_of(r.details.get("mapped_address"))
        server = r.details.get("address")
        if r.status is not Status.PASS or not mapped or not isinstance(server, str):
            continue
        route = route_of(server)
        via = route.interface in vpn_names or mapped in vpn_addresses
        return {
            "stun_check": r.id, "stun_server": server, "mapped_address": mapped,
            "stun_interface": route.interface, "stun_via_vpn": via,
        }  # fmt: skip
    return {}


def exemption(profile: Profile) -> str:
    """The exact split-tunnel exemption for IT, from the profile's published ports and TURN ranges (guide's advice)."""
    udp = [str(p).split(" ", 1)[1] for p in profile.ports if p.protocol == "udp"]
    turn_ports = sorted({s.url.port for s in profile.turn if s.url.transport != "udp"})
    ranges = profile.range_summary("turn")
    text = "exclude all UDP from the VPN" + (f" (at least UDP {', '.join(udp)})" if udp else "")
    if ranges:
        ports = ", ".join(str(p) for p in turn_ports) or "443"
        text += f"; or route TCP {ports} to the TURN ranges {ranges} outside the VPN"
    return text


async def media_destinations(ctx: RunContext) -> tuple[list[Destination], dict[str, Any]]:
    """STUN/TURN hosts' addresses, one address per published range, and samples of the published IP list."""
    profile = ctx.profile
    hosts = list(dict.fromkeys(s.url.host for s in (*profile.stun, *profile.turn)))
    notes: dict[str, Any] = {}

    async def resolve(host: str) -> list[Destination]:
        try:
            ipaddress.ip_address(host)
            return [Destination(host, host)]
        except ValueError:
            pass
        try:
            res = await asyncio.wait_for(ctx.services.resolver.resolve(host), RESOLVE_TIMEOUT_S)
        except TimeoutError:
            return []
        return [Destination(host, a) for a in res.addresses[:2]]

    found = await asyncio.gather(*(resolve(h) for h in hosts), _ip_list_samples(ctx, notes))
    dests = [d for group in found for d in group] + range_samples(profile)
    unique = list({d.address: d for d in dests}.values())
    return unique, notes


async def _ip_list_samples(ctx: RunContext, notes: dict[str, Any]) -> list[Destination]:
    """Addresses from the platform's published IP list, only if fetched within a short deadline; else none."""
    if not ctx.profile.ip_lists:
        return []
    if ctx.options.proxy is not None:
        notes["ip_list"] = "not fetched (a proxy is configured)"
        return []
    url = ctx.profile.ip_lists[0].url
    try:
        text = await asyncio.wait_for(_fetch(url, ctx), IP_LIST_TIMEOUT_S)
    except Exception as exc:  # any failure: that part stays unknown
        notes["ip_list"] = f"not fetched: {type(exc).__name__}"
        return []
    samples = addresses_in_text(text)
    notes["ip_list"] = f"{len(samples)} address(es) sampled from {url}"
    return [Destination(f"published IP list ({a})", a) for a in samples]


async def _fetch(url: str, ctx: RunContext) -> str:
    """GET the platform's published address list (https only, TLS verified by the OS store); body as text."""
    if not url.startswith("https://"):
        raise OSError("not an https URL")
    resp = await http.get(url, ctx.services.resolve, IP_LIST_TIMEOUT_S)
    if resp.status != 200:
        raise OSError(f"HTTP {resp.status}")
    return resp.body.decode("utf-8", "replace")


def _process_names() -> list[str]:
    names = []
    for p in psutil.process_iter(["name"]):
        name = p.info.get("name")
        if name:
            names.append(name)
    return names


async def probe_vpn(ctx: RunContext) -> Outcome:
    """Inventory adapters and agents, route every media destination, read STUN's reflexive address, judge."""
    try:
        adapters, names = await asyncio.wait_for(
            asyncio.gather(asyncio.to_thread(routes.list_adapters), asyncio.to_thread(_process_names)),
            INVENTORY_TIMEOUT_S,
        )
    except TimeoutError:
        return Outcome(Status.SKIP, f"Could not list the network adapters within {INVENTORY_TIMEOUT_S:g} s.", {})
    agents = running_agents(names)
    vpns = vpn_adapters(adapters, agents)
    details: dict[str, Any] = {
        "adapters": [
            {"name": a.name, "description": a.description, "kind": a.kind, "up": a.is_up,
             "addresses": [x for x in a.addresses if routable(x)]}
            for a in adapters
        ],
        "agents": list(agents),
        "vpn_adapters": [{"name": a.name, "product": m.product, "reason": m.reason} for a, m in vpns],
    }  # fmt: skip
    if not vpns:
        status, summary, codes, tunnel = judge(vpns, [], {})
        details["tunnel"] = tunnel
        return Outcome(status, summary, details, codes)
    details["vpn"] = ", ".join(describe(a, m) for a, m in vpns)
    vpn_names = {a.name for a, _ in vpns}
    by_address = routes.address_map(adapters)
    dests, notes = await media_destinations(ctx)
    routed = []
    for d in dests:
        route = routes.route_to(d.address, by_address, MEDIA_PORT)
        routed.append(RoutedDestination(d, route, route.interface in vpn_names))
    vpn_addrs = {x for a, _ in vpns for x in a.addresses}
    wire = wire_evidence(
        ctx.results(Category.STUN), lambda ip: routes.route_to(ip, by_address, MEDIA_PORT), vpn_names, vpn_addrs
    )
    status, summary, codes, tunnel = judge(vpns, routed, wire)
    details.update(notes)
    details["routes"] = [
        {"target": r.destination.label, "address": r.destination.address, "source": r.route.source,
         "interface": r.route.interface, "via_vpn": r.via_vpn, "error": r.route.error}
        for r in routed
    ]  # fmt: skip
    details["wire"] = wire or "no STUN reflexive address to compare"
    if wire:
        path = "through the VPN" if wire["stun_via_vpn"] else "outside the VPN"
        summary += f" On the wire, the STUN server saw this computer as {wire['mapped_address']} ({path})."
    details["tunnel"] = tunnel
    if tunnel in ("full", "mixed"):
        details["vpn_exemption"] = exemption(ctx.profile)
        summary += " Disconnect the VPN for the interview, or ask your IT team to exempt video from it."
    return Outcome(status, summary, details, codes)


def _host_of(value: Any) -> str | None:
    """The address part of `ip`, `ip:port` or `[v6]:port` (or a (ip, port) pair)."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.startswith("["):
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One VPN check; it runs after STUN so it can compare the server-reflexive address."""

    async def run(ctx: RunContext) -> Outcome:
        return await probe_vpn(ctx)

    return [Check("vpn:adapters", Category.VPN, "VPN", "Look for a VPN", run, timeout_s=8.0, needs=(Category.STUN,),
                  contacts=plan_contacts(profile, options))]  # fmt: skip


def plan_contacts(profile: Profile, options: RunOptions) -> tuple[Contact, ...]:
    """Only with a VPN up: the media hosts' names (`media_destinations`) and the first published IP list
    (`_ip_list_samples`: https, not with --proxy); routes are read from connected UDP sockets, no packet sent."""
    when = "only when a VPN is found"
    found = [c for s in (*profile.stun, *profile.turn) for c in contacts.lookup(s.url.host, when=when)]
    for ip_list in profile.ip_lists[:1]:
        if options.proxy is None and ip_list.url.startswith("https://"):
            why = f"the published address list ({ip_list.url})"
            found += contacts.web("HTTPS", parse_web_url(ip_list.url, ("https",)), why, when)
    return tuple(found)
