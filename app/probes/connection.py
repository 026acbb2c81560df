"""A secure connection's outcome, shared by the checks that open one (HTTPS, WebSocket, the platform's JSON
endpoints): the connection opened as the route says (`app.net.http`), a failed step judged in plain words with its
finding code, and one check per target for each way there (as the browser goes, and through `--proxy`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Signals, Status
from app.engine.profile import Profile, WebTarget, WssTarget
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl
from app.net import connect, macnet
from app.net.http import DnsFailed, open_secure
from app.net.routing import Via


def judge_failure(
    err: connect.PhaseError, host: str, port: int, via: Via, profile: Profile
) -> tuple[Status, str, tuple[FindingCode, ...], dict[str, Any]]:
    """Pure: a failed connection step -> status, plain summary, finding codes and extra evidence."""
    proxy = str(via.route.proxy) if via.route.proxy else ""
    why = connect.describe_error(err.cause)
    if err.phase == "proxy_connect":
        # macOS 15+: Local Network privacy, not the network, may be what stops a proxy on the local network
        hint = macnet.local_network_hint(err.kind, via.route.proxy.host if via.route.proxy else "")
        summary = f"Cannot reach the proxy {proxy}: {why}." + (f" {hint}" if hint else "")
        return Status.FAIL, summary, (FindingCode.PROXY_FAILED,), ({"local_network_privacy": hint} if hint else {})
    if err.phase == "proxy":
        if err.kind == connect.PROXY_AUTH:
            sign_in = getattr(err.cause, "sign_in", None)  # Negotiate/NTLM: signed in as a browser would (proxyauth)
            if sign_in is not None and not sign_in.tried:
                return Status.SKIP, (f"The proxy {proxy} asks for Windows sign-in ({sign_in.scheme}), which browsers "
                                     f"do by themselves; this check could not try it: {sign_in.detail}."), (), {}  # fmt: skip
            if sign_in is not None:
                note = f"Signing in to the proxy as this computer's user ({sign_in.scheme}) did not work: {sign_in.detail}."
                extra = {"proxy_auth_note": note}
                return Status.FAIL, f"{note} (HTTP 407 from {proxy})", (FindingCode.PROXY_AUTH_REQUIRED,), extra
            has_login = via.route.proxy is not None and via.route.proxy.username is not None
            if not profile.authenticating_proxy_supported:
                note = f"{profile.name} does not support proxies requiring authentication."
                return Status.FAIL, note, (FindingCode.PROXY_AUTH_REQUIRED,), {"proxy_auth_note": note}
            if has_login:
                note = "The proxy rejected the login given in the proxy address."
            else:
                note = "The proxy asks for a login that this check cannot give; the browser may ask you for it."
            return (
                Status.FAIL,
                f"{note} (HTTP 407 from {proxy})",
                (FindingCode.PROXY_AUTH_REQUIRED,),
                {"proxy_auth_note": note},
            )
        return (
            Status.FAIL,
            f"The proxy {proxy} did not open a connection to {host}:{port}: {why}.",
            (FindingCode.PROXY_FAILED,),
            {},
        )
    if err.phase == "tls" and err.kind == connect.TLS:
        return Status.FAIL, f"Secure connection failed: {why}.", (FindingCode.TLS_ERROR,), {}
    if err.phase == "tls":
        return Status.FAIL, f"Connection to {host} cut during TLS: {why}.", (FindingCode.HTTPS_BLOCKED,), {}
    return Status.FAIL, f"Cannot connect to {host}:{port}: {why}.", (FindingCode.HTTPS_BLOCKED,), {}


async def open_or_outcome(
    host: str, port: int, via: Via, ctx: RunContext, details: dict[str, Any], blocked_code: FindingCode
) -> connect.Connection | Outcome:
    """Open TLS as chosen by `via`; a failure comes back as the check's Outcome (`blocked_code` for a blocked path)."""
    try:
        return await open_secure(host, port, via.route.proxy, ctx.services.resolver, details)
    except DnsFailed:
        return Outcome(Status.SKIP, f"Not tried: {host} could not be looked up.", details)
    except connect.PhaseError as err:
        details.update(err.evidence())
        status, summary, codes, extra = judge_failure(err, host, port, via, ctx.profile)
        details.update(extra)
        codes = tuple(blocked_code if c is FindingCode.HTTPS_BLOCKED else c for c in codes)
        return Outcome(status, summary, details, codes, Signals(via_proxy=via.route.proxy is not None))


_T = TypeVar("_T", WebTarget, WssTarget)


def per_route_checks(
    category: Category,
    targets: Sequence[_T],
    explicit: ProxyUrl | None,
    title: Callable[[_T], str],
    probe: Callable[[_T, RunContext, ProxyUrl | None], Awaitable[Outcome]],
) -> list[Check]:
    """One check per target as the browser would go; one more per target through an explicit proxy (--proxy)."""

    def make(target: _T, through: ProxyUrl | None) -> Check:
        async def run(ctx: RunContext) -> Outcome:
            return await probe(target, ctx, through)

        suffix, title_via = ("+proxy", " through the given proxy") if through else ("", "")
        port = "" if target.url.port == 443 else f":{target.url.port}"  # two targets may differ only by port
        return Check(
            f"{category.value}:{target.url.host}{port}{target.url.path}{suffix}",
            category,
            f"{target.url} via {through}" if through else str(target.url),
            f"{title(target)}{title_via}",
            run,
            timeout_s=20.0,
            # the target, through the given proxy or the browser's way (the computer's proxy, PAC, WPAD)
            contacts=(
                *contacts.web(category.value.upper(), target.url, target.purpose),
                *(contacts.proxy(through) if through else contacts.routed()),
            ),
        )

    routes: list[ProxyUrl | None] = [None] if explicit is None else [None, explicit]
    return [make(t, through) for through in routes for t in targets]
