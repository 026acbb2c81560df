"""The media paths a call can take and what running over one needs, shared by the STUN, TURN, media-quality and
call-rate checks: the relays to test (profile and IT-given, with their credentials: given, minted from a REST secret
(RFC 8489 §9.2 long-term), or the platform's short-lived ones), the HTTP proxies TURN over TCP/TLS goes through as
a browser's would, a credentialed allocation (RFC 8656) and the relay loop A → relay → B → relay → A, every path's
contacts, and the best proven path to measure."""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from app.engine import contacts
from app.engine.model import Category, CheckResult, Contact, Status
from app.engine.options import RunOptions, explicit_proxy
from app.engine.profile import IceServer, Profile
from app.engine.runner import RunContext
from app.engine.urls import IceServerUrl, ProxyUrl
from app.net import ice, turnclient
from app.net.trust import os_trust_context
from app.probes import ice_document

ALLOCATE_TIMEOUT_S = 4.0


LOOP_PACKETS = 5


LOOP_ROUNDS, LOOP_ROUND_S = 3, 0.4  # another round of LOOP_PACKETS while none came back (loss, not a block)


LOOP_WAIT_S = 2.0


UDP_ALLOCATE_S = 2 * ice.UDP_GIVE_UP_S + 0.5  # two transactions (401, then authenticated), each with its resends


CATEGORY = {"udp": Category.TURN_UDP, "tcp": Category.TURN_TCP, "tls": Category.TURN_TLS}


RANK = {"udp": 0, "tcp": 1, "tls": 2}  # preference among relay transports (UDP best, TLS last)


@dataclass(frozen=True)
class TurnTarget:
    """A relay to probe: its URL and optional credentials (static, or a REST API shared secret)."""

    url: IceServerUrl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    origin: str = "profile"

    @property
    def has_credentials(self) -> bool:
        """True when a full Allocate can be tried."""
        return bool(self.secret) or bool(self.username and self.password)

    def credentials(self) -> tuple[str, str] | None:
        """(username, password); REST credentials are minted from the secret for this run."""
        if self.secret:
            return ice.rest_credentials(self.secret)
        if self.username and self.password:
            return self.username, self.password
        return None

    @property
    def check_id(self) -> str:
        """`turn_<transport>:<host>:<port>`."""
        return f"{CATEGORY[self.url.transport].value}:{self.url.host}:{self.url.port}"


def targets(profile: Profile, options: RunOptions) -> list[TurnTarget]:
    """Profile relays and relays given by IT/CLI, one per (transport, host, port); given credentials win."""
    found: dict[str, TurnTarget] = {}
    for s in profile.turn:
        t = TurnTarget(s.url, s.username, s.password, s.secret, "profile")
        found.setdefault(t.check_id, t)
    for c in options.turn:
        t = TurnTarget(c.url, c.username, c.password, c.secret, "given")
        found[t.check_id] = t
    return list(found.values())


class AuthFailed(Exception):
    """The relay rejected our credentials (401 after authenticating, RFC 8656 §9.2)."""


class AllocationRefused(Exception):
    """The relay refused the allocation for another reason (403, 437, 486, 508, ...)."""


async def allocate(
    address: str, url: IceServerUrl, username: str, password: str, proxy: ProxyUrl | None = None
) -> turnclient.TurnSession:
    """A full Allocate with long-term credentials (through `proxy`'s CONNECT tunnel when given); raise AuthFailed,
    AllocationRefused, TimeoutError or OSError."""
    tls = os_trust_context() if url.transport == "tls" else None
    transport = "udp" if url.transport == "udp" else "tcp"
    budget = UDP_ALLOCATE_S if transport == "udp" else ALLOCATE_TIMEOUT_S
    try:
        return await turnclient.open_turn_session(
            address, url.port, transport, username, password, tls, url.host, budget, proxy
        )
    except turnclient.ErrorResponse as exc:
        raise (AuthFailed(str(exc)) if exc.code == 401 else AllocationRefused(str(exc))) from None
    except ice.NoAnswer:
        raise TimeoutError("no answer to the authenticated Allocate") from None


def bind_now(session: turnclient.TurnSession, data: bytes, peer: tuple[str, int]) -> bool:
    """Send ChannelData on an already bound channel without awaiting (RFC 8656 §12.4); False if not bound."""
    return session.send_now(data, peer)


async def open_loop(a: turnclient.TurnSession, b: turnclient.TurnSession) -> None:
    """Bind channels both ways (each installs the permission, RFC 8656 §9) and make `b` echo what `a` sends."""
    assert a.relayed is not None and b.relayed is not None
    await asyncio.gather(a.send(b"CRDY-bind", b.relayed), b.send(b"CRDY-bind", a.relayed))  # each bind resent alone
    a_relayed = a.relayed

    def echo(data: bytes, peer: tuple[str, int]) -> None:
        if data.startswith(b"CRDY") and data != b"CRDY-bind":
            bind_now(b, data, a_relayed)

    b.on_data.append(echo)


async def relay_loop(a: turnclient.TurnSession, b: turnclient.TurnSession, count: int = LOOP_PACKETS) -> dict[str, Any]:
    """A few packets A -> relay -> B -> relay -> A; evidence that media flows through the relay. While none has come
    back after LOOP_ROUND_S another round is sent (up to LOOP_ROUNDS): random loss alone never fails the loop."""
    assert b.relayed is not None
    got: dict[int, float] = {}
    sent: dict[int, float] = {}
    done = asyncio.Event()

    def on_echo(data: bytes, peer: tuple[str, int]) -> None:
        if len(data) >= 8 and data.startswith(b"CRDY"):
            seq = struct.unpack("!I", data[4:8])[0]
            if seq in sent and seq not in got:
                got[seq] = time.perf_counter()
                if len(got) == len(sent):
                    done.set()

    a.on_data.append(on_echo)
    try:
        async with asyncio.timeout(LOOP_WAIT_S):
            for round_ in range(LOOP_ROUNDS):
                for seq in range(round_ * count, (round_ + 1) * count):
                    sent[seq] = time.perf_counter()
                    bind_now(a, b"CRDY" + struct.pack("!I", seq) + bytes(32), b.relayed)
                    await asyncio.sleep(0.02)
                try:
                    async with asyncio.timeout(LOOP_ROUND_S):
                        await done.wait()
                except TimeoutError:
                    pass
                if got:
                    break
            await done.wait()
    except TimeoutError:
        pass
    finally:
        a.on_data.remove(on_echo)
    rtts = sorted(int((got[s] - sent[s]) * 1000) for s in got)
    return {"loop_sent": len(sent), "loop_echoed": len(got), "loop_rtt_ms": rtts[len(rtts) // 2] if rtts else None}


async def credentials_for(target: TurnTarget, ctx: RunContext) -> tuple[tuple[str, str] | None, str]:
    """(username, password) for a full Allocate and where they came from: given (static or minted from a REST
    secret), the platform's own ICE servers (short-lived), or none ("")."""
    given = target.credentials()
    if given is not None:
        return given, "rest" if target.secret else "static"
    found = ice_document.credentials_for(await ice_document.platform_ice(ctx), target.url)
    return (found, "platform") if found is not None else (None, "")


async def proxies_for(url: IceServerUrl, ctx: RunContext) -> list[ProxyUrl]:
    """HTTP proxies a browser would send TURN over TCP/TLS through: the system route for https://host:port
    (Chromium asks its proxy resolver for that URL) and the proxy IT gave (`--proxy`); none for UDP."""
    if url.transport == "udp":
        return []
    found: list[ProxyUrl] = []
    host = f"[{url.host}]" if ":" in url.host else url.host
    route = await ctx.services.route_for(f"https://{host}:{url.port}/")
    if route.proxy is not None:
        found.append(route.proxy)
    extra = explicit_proxy(ctx.profile, ctx.options)
    if extra is not None and extra not in found:
        found.append(extra)
    return [p for p in found if p.scheme == "http"]


# ---------------------------------------------------------------- the best proven path


@dataclass(frozen=True)
class PathChoice:
    """The path to measure: how (binding train or relay loop), over what transport, to which server."""

    method: str  # "binding" | "relay_loop"
    kind: str  # "direct" | "relay"
    transport: str  # udp | tcp | tls
    host: str
    address: str
    port: int
    check_id: str
    proxy: str = ""  # the HTTP proxy whose CONNECT tunnel carries the path (password hidden), "" when direct

    @property
    def label(self) -> str:
        """Plain words for reports: which path was measured."""
        how = "relay loop through two allocations" if self.method == "relay_loop" else "STUN Binding train"
        where = "direct UDP" if self.kind == "direct" else f"TURN over {self.transport.upper()}"
        through = f" through the proxy {self.proxy}" if self.proxy else ""
        return f"{where} to {self.host}:{self.port}{through} ({how})"


def choose_path(results: list[CheckResult]) -> PathChoice | None:
    """Best working path: a proven relay loop when credentials exist, else direct UDP, else TURN UDP > TCP > TLS."""
    ok = [r for r in results if r.status is Status.PASS and r.details.get("address")]

    def pick(r: CheckResult, method: str, kind: str) -> PathChoice:
        d = r.details
        host = r.id.split(":", 1)[1].rsplit(":", 1)[0]
        via = str(d.get("via", "")) if d.get("path") == "proxy" else ""
        return PathChoice(
            method, kind, str(d.get("transport", "udp")), host, str(d["address"]), int(d["port"]), r.id, via
        )

    def rank(r: CheckResult) -> tuple[int, int, int]:
        # direct relay paths before tunnelled ones (a proxy adds a hop), then UDP > TCP > TLS, then RTT
        through = 1 if r.details.get("path") == "proxy" else 0
        return through, RANK.get(str(r.details.get("transport")), 9), int(r.details.get("rtt_ms") or 0)

    relays = sorted((r for r in ok if r.category is not Category.STUN), key=rank)
    looped = [r for r in relays if r.details.get("relay_loop")]
    if looped:
        return pick(looped[0], "relay_loop", "relay")
    direct = sorted((r for r in ok if r.category is Category.STUN and r.details.get("transport") == "udp"), key=rank)
    if direct:
        return pick(direct[0], "binding", "direct")
    if relays:
        return pick(relays[0], "binding", "relay")
    other = [r for r in ok if r.category is Category.STUN]
    return pick(other[0], "binding", "direct") if other else None


def nat_servers(stun_results: list[CheckResult]) -> list[tuple[str, int]]:
    """Distinct UDP STUN servers that answered, for the NAT-behaviour test."""
    found = []
    for r in stun_results:
        d = r.details
        if r.status is Status.PASS and d.get("transport") == "udp" and d.get("address"):
            found.append((str(d["address"]), int(d["port"])))
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- what each path contacts


def stun_contacts(server: IceServer) -> tuple[Contact, ...]:
    """Where a STUN check goes: the server's name and its UDP (or TCP/TLS) port."""
    return contacts.ice("STUN", server.url, server.purpose)


def relay_contacts(target: TurnTarget, profile: Profile, options: RunOptions, why: str) -> tuple[Contact, ...]:
    """Where a TURN check goes: the relay, the HTTP proxy a browser would use for TCP/TLS, and the platform's ICE
    servers document when the relay has no credentials of its own."""
    found = contacts.ice("TURN", target.url, why)
    if target.url.transport != "udp":  # TCP and TLS also through the HTTP proxy a browser would use
        found += contacts.routed(explicit_proxy(profile, options))
    if not target.has_credentials:  # the platform's short-lived credentials, when it publishes ICE servers
        found += ice_document.document_contacts(profile)
    return found


def relay_purposes(profile: Profile) -> dict[str, str]:
    """The profile's stated purpose per relay check id (the first entry wins)."""
    purposes: dict[str, str] = {}
    for s in profile.turn:
        purposes.setdefault(TurnTarget(s.url).check_id, s.purpose)
    return purposes


def relay_why(target: TurnTarget, purposes: dict[str, str]) -> str:
    """Why a relay is contacted: the profile's purpose, or that IT gave it."""
    return purposes.get(target.check_id, "") if target.origin == "profile" else "the TURN relay IT gave"


def path_contacts(profile: Profile, options: RunOptions, direct: bool = True) -> tuple[Contact, ...]:
    """Every media path's contacts (the STUN servers when `direct`, every relay): what the media train and the load
    may use, since they run over whichever path the STUN and TURN checks proved."""
    found: list[Contact] = []
    if direct:
        for server in profile.stun:
            found += stun_contacts(server)
    purposes = relay_purposes(profile)
    for target in targets(profile, options):
        found += relay_contacts(target, profile, options, relay_why(target, purposes))
    return tuple(found)
