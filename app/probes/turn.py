"""TURN probe: per relay and transport, an unauthenticated Allocate (RFC 8656 §7) proving the path; with credentials
a full Allocate and a relay loop through two allocations proving media can flow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Outcome, Signals, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import IceServerUrl, ProxyUrl
from app.net import connect, ice, turnclient
from app.net.trust import certificate_facts, os_trust_context
from app.probes import ice_document
from app.probes.media_paths import (
    ALLOCATE_TIMEOUT_S,
    CATEGORY,
    AllocationRefused,
    AuthFailed,
    TurnTarget,
    allocate,
    credentials_for,
    open_loop,
    proxies_for,
    relay_contacts,
    relay_loop,
    relay_purposes,
    relay_why,
    targets,
)

CONNECT_TIMEOUT_S = 3.5
PATH_BUDGET_S = 10.0  # one path (direct, or through a proxy) of an unauthenticated check, all phases

BLOCKED_CODE = {
    "udp": FindingCode.TURN_UDP_BLOCKED,
    "tcp": FindingCode.TURN_TCP_BLOCKED,
    "tls": FindingCode.TURN_TLS_BLOCKED,
}


@dataclass
class Reach:
    """What an unauthenticated Allocate showed about the path to a relay (directly or through a proxy)."""

    ok: bool
    summary: str
    details: dict[str, Any]
    proxy: ProxyUrl | None = None


async def reach(address: str, url: IceServerUrl, proxy: ProxyUrl | None = None) -> Reach:
    """Unauthenticated Allocate over url.transport; 401 + REALM + NONCE proves the relay is reachable (RFC 8656 §7).

    With `proxy` (TCP/TLS only; UDP never goes through an HTTP proxy) the stream is a CONNECT tunnel to url.host,
    as Chromium sends TURN over the browser's proxy; the proxy resolves the name and `address` is not used.
    """
    where = f"{url.host}:{url.port}"
    d: dict[str, Any] = {"address": address, "port": url.port, "transport": url.transport}
    through = f" through the proxy {proxy}" if proxy is not None else ""
    start = time.perf_counter()
    if url.transport == "udp":
        sock = await ice.open_udp(address, url.port)
        try:
            reply = await sock.transact(ice.allocate_request(), (address, url.port))
        except (TimeoutError, OSError, ice.WrongProtocol) as exc:
            d["udp_answered"] = sock.udp_answered
            if isinstance(exc, ice.NoAnswer):
                d["tries"] = exc.tries
            return _failed(exc, "allocate", where, f"UDP {url.port}", d)
        finally:
            sock.close()
        d["udp_answered"] = True
        d["tries"] = reply.tries
    else:
        tls = os_trust_context() if url.transport == "tls" else None
        port_text = f"{url.transport.upper()} {url.port}"
        try:
            if proxy is None:
                conn = await ice.open_stream(address, url.port, tls, url.host, CONNECT_TIMEOUT_S)
            else:
                d["proxy"] = str(proxy)
                conn = await ice.open_stream_via_proxy(proxy, url.host, url.port, tls, CONNECT_TIMEOUT_S)
        except connect.PhaseError as err:
            d.update(err.evidence())
            d["address"] = address
            if err.kind == connect.TLS:
                d["tls_reason"] = connect.describe_error(err.cause)
            if proxy is not None and err.phase.startswith("proxy"):
                return _proxy_failed(err, proxy, where, d)
            return _failed(err.cause, err.phase, where, port_text, d, through=through)
        d.update({k: v for k, v in conn.facts.items() if k != "via_proxy"})  # the proxy is `d["proxy"]`
        d["timings_ms"] = dict(conn.timings_ms)
        ssl_obj = conn.writer.get_extra_info("ssl_object")
        if ssl_obj is not None:
            d["certificate_issuer"] = certificate_facts(ssl_obj.getpeercert(binary_form=True)).get("issuer", "")
        try:
            reply = await ice.stream_transact(conn, ice.allocate_request(), ALLOCATE_TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ice.WrongProtocol) as exc:
            r = _failed(exc, "allocate", where, port_text, d, after_tls=tls is not None, through=through)
            if proxy is not None:
                seen = f" (the certificate seen was issued by {d['certificate_issuer']!r})" if tls else ""
                r.summary = (
                    f"The proxy {proxy} opened a tunnel to {where}, but no TURN answer came back through it{seen}: "
                    f"{d['error']}; a proxy that inspects or filters tunnels does not pass TURN."
                )
            return r
        finally:
            ice.close_now(conn.writer.transport)
    d["rtt_ms"] = int((time.perf_counter() - start) * 1000)
    d["answer"] = f"{reply.error_code or 200} {reply.error_reason}".strip()
    if reply.realm:
        d["realm"] = reply.realm
    if reply.software:
        d["software"] = reply.software
    proof = reply.error_code == 401 and reply.realm is not None and reply.has_nonce
    how = f"{url.transport.upper()} {url.port}{through}"
    if proof:
        return Reach(True, f"Relay reachable over {how}: {url.host} asked for credentials.", d, proxy)
    if reply.klass == "RESPONSE" and reply.relayed_address is not None and reply.mapped_address is not None:
        return Reach(True, f"Relay reachable over {how} (it allocated without credentials).", d, proxy)
    if reply.klass == "RESPONSE" or reply.error_code is None:  # RFC 8656 §7.3: a success names both addresses
        d.update(
            {"error_kind": connect.PROTOCOL, "error": "an Allocate answer without the relayed and mapped addresses"}
        )
        return Reach(False, f"{where} answered on {how}, but not as a TURN relay (no relayed address).", d, proxy)
    return Reach(
        True, f"A STUN server answered on {where}{through} ({d['answer']}), though not with the usual TURN challenge.",
        d, proxy,
    )  # fmt: skip


def _proxy_failed(err: connect.PhaseError, proxy: ProxyUrl, where: str, d: dict[str, Any]) -> Reach:
    """The proxy could not be reached or would not open the tunnel (407 is recorded as evidence only: the HTTPS
    check reports proxy_auth_required for the same proxy)."""
    why = connect.describe_error(err.cause)
    if err.phase == "proxy_connect":
        return Reach(False, f"Cannot reach the proxy {proxy}: {why}.", d, proxy)
    if err.kind == connect.PROXY_AUTH:
        return Reach(False, f"The proxy {proxy} asks for a login (HTTP 407) before opening a tunnel to {where}.", d,
                     proxy)  # fmt: skip
    if isinstance(err.cause, connect.ProxyRefusal):
        answer = f"HTTP {err.cause.status} {err.cause.reason}".strip()
        return Reach(False, f"The proxy {proxy} refused a tunnel to {where} ({answer}).", d, proxy)
    return Reach(False, f"The proxy {proxy} did not open a tunnel to {where}: {why}.", d, proxy)


def _failed(
    exc: BaseException, phase: str, where: str, port: str, d: dict[str, Any], after_tls: bool = False, through: str = ""
) -> Reach:
    port = f"{port}{through}"
    kind = connect.PROTOCOL if isinstance(exc, ice.WrongProtocol) else connect.classify_os_error(exc)
    d.setdefault("failed_phase", phase)
    d["error_kind"] = kind
    d["error"] = str(exc) if isinstance(exc, ice.WrongProtocol) else connect.describe_error(exc)
    if isinstance(exc, ice.WrongTransaction):
        return Reach(False, f"{where} answered on {port}, but never to the request sent (another transaction id).", d)
    if isinstance(exc, ice.WrongProtocol):
        d["answer_start"] = ice.printable_start(exc.data)
        return Reach(False, f"{where} answered on {port}, but not as a TURN relay ({d['answer_start']!r}).", d)
    if kind == connect.RESET and after_tls:
        d["failed_phase"] = "after_tls"
        return Reach(False, f"The connection to {where} was cut right after the TLS handshake (a filtering proxy?).", d)
    if kind == connect.RESET:
        return Reach(False, f"The connection to {where} ({port}) was cut.", d)
    if kind == connect.TLS:
        return Reach(False, f"The secure connection to {where} failed: {d.get('tls_reason', d['error'])}.", d)
    if kind == connect.REFUSED:
        return Reach(False, f"{where} refused {port}.", d)
    if kind == connect.UNREACHABLE:
        return Reach(False, f"{where} is unreachable on {port}: {d['error']}.", d)
    if kind == connect.TIMEOUT:
        tries = f" ({d['tries']} tries)" if d.get("tries") else ""
        return Reach(False, f"No answer from {where} on {port}{tries}: a firewall drops it.", d)
    return Reach(False, f"{where} on {port}: {d['error']}.", d)


# ---------------------------------------------------------------- credentials: allocation and relay loop


async def probe_with_credentials(
    target: TurnTarget,
    address: str,
    d: dict[str, Any],
    proxy: ProxyUrl | None = None,
    creds: tuple[str, str] | None = None,
    kind: str = "",
) -> Outcome:
    """Two allocations and a relay loop between them (through `proxy` when that is the working path);
    401 -> turn_auth_failed."""
    if creds is None:
        creds, kind = target.credentials(), "rest" if target.secret else "static"
    assert creds is not None
    d["credentials"] = kind
    url = target.url
    through = f" through the proxy {proxy}" if proxy is not None else ""
    sessions: list[turnclient.TurnSession] = []
    try:
        try:
            for _ in range(2):
                sessions.append(await allocate(address, url, *creds, proxy=proxy))
        except AuthFailed as exc:
            d["turn_error"] = str(exc)
            if kind == "platform":  # the platform's own short-lived credentials: its problem, not this network's
                return Outcome(
                    Status.PASS,
                    f"{url.host} answered over {url.transport.upper()} {url.port}{through}, but refused the platform's "
                    f"credentials ({exc}); the relay loop was not measured.",
                    d,
                    (FindingCode.PLATFORM_CREDENTIALS_REFUSED,),
                )
            return Outcome(
                Status.FAIL,
                f"{url.host} rejects the given TURN credentials ({exc}).",
                d,
                (FindingCode.TURN_AUTH_FAILED,),
            )
        except AllocationRefused as exc:
            d["turn_error"] = str(exc)
            return Outcome(Status.WARN, f"{url.host} is reachable but refused an allocation ({exc}).", d)
        except (TimeoutError, OSError) as exc:
            d["turn_error"] = connect.describe_error(exc)
            return Outcome(
                Status.FAIL, f"Allocation on {url.host} failed: {d['turn_error']}.", d, (BLOCKED_CODE[url.transport],)
            )
        a, b = sessions
        d["relayed_address"] = _fmt(a.relayed)
        d["mapped_address"] = _fmt(a.mapped)
        try:
            async with asyncio.timeout(ALLOCATE_TIMEOUT_S):
                await open_loop(a, b)
        except (TimeoutError, OSError, turnclient.ErrorResponse) as exc:
            d["turn_error"] = f"channel binding failed: {exc}"
            return Outcome(
                Status.FAIL,
                f"Allocated on {url.host}, but no channel could be bound.",
                d,
                (BLOCKED_CODE[url.transport],),
            )
        d.update(await relay_loop(a, b))
    finally:
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)
    d["relay_loop"] = d["loop_echoed"] > 0
    if d["relay_loop"]:
        return Outcome(
            Status.PASS,
            f"Relay works over {url.transport.upper()} {url.port}{through}: media looped through two allocations "
            f"({d['loop_echoed']}/{d['loop_sent']} back).",
            d,
        )
    return Outcome(
        Status.FAIL,
        f"Allocated on {url.host}, but nothing came back through the relay.",
        d,
        (BLOCKED_CODE[url.transport],),
    )


async def _bounded(attempt: Any, address: str, url: IceServerUrl, proxy: ProxyUrl | None) -> Reach:
    """One path attempt under an overall budget (its own phase timeouts are shorter and more precise)."""
    try:
        async with asyncio.timeout(PATH_BUDGET_S):
            r: Reach = await attempt
    except TimeoutError:
        where = f"{url.host}:{url.port}"
        d = {"address": address, "port": url.port, "transport": url.transport, "error_kind": connect.TIMEOUT,
             "error": "no answer (timed out)"}  # fmt: skip
        if proxy is not None:
            d["proxy"] = str(proxy)
        through = f" through the proxy {proxy}" if proxy is not None else ""
        return Reach(False, f"No answer from {where}{through} within {PATH_BUDGET_S:g} s.", d, proxy)
    r.proxy = proxy
    return r


def _path_evidence(r: Reach) -> dict[str, Any]:
    """A path's result for `details.direct` / `details.via_proxy`."""
    return {"ok": r.ok, "summary": r.summary, **r.details}


async def probe_turn(target: TurnTarget, ctx: RunContext) -> Outcome:
    """Resolve, prove the path with an unauthenticated Allocate directly and, where a proxy applies (TCP/TLS), through
    its CONNECT tunnel; pass when either works; then (with credentials) the relay loop over the working path."""
    platform = asyncio.ensure_future(_platform_credentials(target, ctx))  # fetched while the path is proved
    try:
        outcome = await _probe_path(target, ctx, platform)
    finally:
        if platform.done() and not platform.cancelled():
            platform.exception()  # retrieved: a failure there is already in the outcome (or moot)
        platform.cancel()
    return replace(outcome, signals=path_signals(outcome.details))


def path_signals(d: Mapping[str, Any]) -> Signals:
    """The verdict's signals from the path this check proved: did UDP answer (UDP only), did it go through a proxy."""
    answered = d.get("udp_answered")
    return Signals(
        udp_answered=answered if isinstance(answered, bool) else None,
        via_proxy=bool(d.get("proxy")) or d.get("path") == "proxy",
    )


async def _platform_credentials(
    target: TurnTarget, ctx: RunContext
) -> tuple[tuple[str, str] | None, str, dict[str, Any]]:
    """Credentials for the relay loop, and evidence of the platform's ICE servers (URLs only) when it has them."""
    creds, kind = await credentials_for(target, ctx)
    ice_found = await ice_document.platform_ice(ctx) if kind != "static" and kind != "rest" else None
    return creds, kind, ice_found.evidence() if ice_found is not None else {}


async def _probe_path(target: TurnTarget, ctx: RunContext, platform: asyncio.Future[Any]) -> Outcome:
    url = target.url
    res = await ctx.services.resolver.resolve(url.host)
    d: dict[str, Any] = {"url": str(url), "resolved": list(res.addresses), "origin": target.origin}
    proxies = await proxies_for(url, ctx)
    if not res.addresses:
        d["dns_error"] = res.error
        if not proxies:
            return Outcome(Status.SKIP, f"Not tried: {url.host} could not be looked up.", d)
    address = res.addresses[0] if res.addresses else ""
    attempts = [_bounded(reach(address, url), address, url, None)] if address else []
    attempts += [_bounded(reach(address or url.host, url, p), address or url.host, url, p) for p in proxies]
    results = list(await asyncio.gather(*attempts))
    direct = results[0] if address else None
    via = results[1:] if address else results
    if direct is not None and proxies:
        d["direct"] = _path_evidence(direct)
    if via:
        d["via_proxy"] = [_path_evidence(r) for r in via]
    winner = direct if direct is not None and direct.ok else next((r for r in via if r.ok), None)
    if winner is None:
        first = direct if direct is not None else via[0]
        d.update(first.details)
        summary = first.summary
        if direct is not None and via:
            summary += " " + " ".join(r.summary for r in via)
        elif direct is None:
            summary = f"{url.host} could not be looked up here, and through the proxy: {first.summary}"
        d["path"] = "none"
        return Outcome(Status.FAIL, summary, d, (BLOCKED_CODE[url.transport],))
    d.update(winner.details)
    d["path"] = "proxy" if winner.proxy is not None else "direct"
    if winner.proxy is not None:
        d["address"] = address or url.host
        d["via"] = str(winner.proxy)
    try:
        async with asyncio.timeout(max(0.5, ALLOCATE_TIMEOUT_S)):
            creds, kind, ice_evidence = await asyncio.shield(platform)
    except TimeoutError:
        creds, kind, ice_evidence = None, "", {"ice_servers_problem": "no answer in time"}
    d.update(ice_evidence)
    if creds is not None:
        return await probe_with_credentials(target, address or url.host, d, winner.proxy, creds, kind)
    if ice_evidence:
        d["credentials"] = (
            "none: the platform's ICE servers gave none for this relay, so an unauthenticated Allocate (401) proved it"
        )
    return Outcome(Status.PASS, winner.summary, d)


def _fmt(addr: tuple[str, int] | None) -> str:
    if addr is None:
        return ""
    return f"[{addr[0]}]:{addr[1]}" if ":" in addr[0] else f"{addr[0]}:{addr[1]}"


_TITLES = {
    "udp": "Backup video route (UDP) via",
    "tcp": "Backup video route (TCP) via",
    "tls": "Backup video route (TLS) via",
}


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One TURN check per relay and transport (profile entries plus relays given by IT or the CLI)."""

    def make(target: TurnTarget) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe_turn(target, ctx)

        u = target.url
        timeout = 20.0 if target.has_credentials else 12.0
        found = relay_contacts(target, profile, options, relay_why(target, purposes))
        return Check(
            target.check_id, CATEGORY[u.transport], str(u), f"{_TITLES[u.transport]} {u.host}:{u.port}", run, timeout,
            contacts=found,
        )  # fmt: skip

    purposes = relay_purposes(profile)
    return [make(t) for t in targets(profile, options)]
