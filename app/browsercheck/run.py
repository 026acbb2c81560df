"""The browser check end to end: plan the ICE servers, serve the page, open the browser, judge, join the run.

The ICE servers are the run's: the profile's STUN and TURN servers, the relays IT gave (with credentials, minted
per run for a REST shared secret), the platform's own ICE servers document (its short-lived credentials, as its
pre-call test uses them in the browser) and any STUN/TURN URL the run's checks contacted. TURN is gathered with
`iceTransportPolicy: "relay"` (only relay candidates count); a relay without credentials gets placeholder ones, so
its 401 answer (RFC 8656 §6.4) proves it was reached. Credentials go only into the loopback page, never a result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable, Sequence
from typing import Any

from app.browsercheck.judge import JudgedCheck, judge_result
from app.browsercheck.server import LocalPageServer
from app.engine.codes import FindingCode
from app.engine.model import Category, CheckResult, Outcome, RunResult, Severity, Verdict
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import RunContext
from app.engine.urls import UrlError, parse_ice_url
from app.engine.verdict import assess
from app.logs import redactor
from app.net.services import RunServices
from app.probes import browser_policy, ice_document, media_paths
from app.probes.browsers import Browser, find_browsers
from app.probes.ice_document import PlatformIce, credentials_for

log = logging.getLogger("callready.browsercheck")

GATHER_TIMEOUT_MS = 10_000
MIN_LEVEL_MS = 3_000
DEFAULT_TIMEOUT_S = 180.0
PLACEHOLDER_USER, PLACEHOLDER_PASSWORD = "callready-check", "no-credentials"  # only to provoke the 401
ICE_CATEGORIES = (Category.STUN, Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS)


def ice_plan(
    profile: Profile, options: RunOptions, run: RunResult | None = None, platform: PlatformIce | None = None
) -> list[dict[str, Any]]:
    """The page's ICE entries: {url, kind, transport, policy, username, credential, with_credentials}: the
    profile's and given servers, the run's STUN/TURN targets, and the platform's own ICE servers, with the
    platform's short-lived credentials for its relays where no other credentials were given."""
    entries: dict[str, dict[str, Any]] = {}
    for s in profile.stun:
        entries.setdefault(str(s.url), _entry(str(s.url), "stun", s.url.transport, None))
    given: set[str] = set()
    for t in media_paths.targets(profile, options):
        creds = t.credentials()
        entries[str(t.url)] = _entry(str(t.url), "turn", t.url.transport, creds, t.origin)
        if creds:
            given.add(str(t.url))
    urls = [e.url for e in platform.entries] if platform and platform.ok else []
    for c in run.checks if run else ():
        if c.category in ICE_CATEGORIES:
            try:
                urls.append(parse_ice_url(c.target.split(" via ", 1)[0]))
            except UrlError:
                continue
    for url in urls:
        entries.setdefault(str(url), _entry(str(url), "turn" if url.is_turn else "stun", url.transport, None))
    for key, e in entries.items():
        creds = credentials_for(platform, parse_ice_url(key)) if e["kind"] == "turn" and key not in given else None
        if creds:
            entries[key] = _entry(key, "turn", e["transport"], creds, "platform")
    return list(entries.values())


async def fetch_platform_ice(profile: Profile, options: RunOptions, timeout_s: float = 15.0) -> PlatformIce | None:
    """The platform's ICE servers document, fetched as the network check fetches it (its credentials are
    registered with the log redactor), or None when the profile names none or it cannot be had in time."""
    if profile.ice_servers is None:
        return None
    loop = asyncio.get_running_loop()
    services = RunServices(timeout_s, profile.ipv4_only, options.nameservers)
    ctx = RunContext(profile, options, services, loop.time() + timeout_s)
    try:
        return await asyncio.wait_for(ice_document.platform_ice(ctx), timeout_s)
    except (TimeoutError, OSError) as exc:
        log.info("platform ICE servers not fetched for the browser check: %s", type(exc).__name__)
        return None
    finally:
        await services.aclose()


def _entry(url: str, kind: str, transport: str, creds: tuple[str, str] | None, source: str = "") -> dict[str, Any]:
    user, password = creds or (PLACEHOLDER_USER, PLACEHOLDER_PASSWORD)
    if creds:
        redactor().add(password)
    return {
        "url": url,
        "kind": kind,
        "transport": transport,
        "policy": "relay" if kind == "turn" else "all",
        "username": user if kind == "turn" else "",
        "credential": password if kind == "turn" else "",
        "with_credentials": bool(creds),
        "credentials_from": (source or "given") if creds else "",
    }


def public_plan(plan: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan without credentials (what results, logs and reports may hold)."""
    return [{k: v for k, v in e.items() if k not in ("username", "credential")} for e in plan]


# ------------------------------------------------------------ opening a browser


def launch_command(browsers: Sequence[Browser], recommended: str, platform: str = sys.platform) -> list[str] | None:
    """argv (without the URL) for the recommended browser when installed, else None (the default browser)."""
    match = next((b for b in browsers if b.name.lower() == (recommended or "").lower()), None)
    if match is None:
        return None
    if platform == "darwin" and match.path.endswith(".app"):
        return ["open", "-a", match.path]
    return [match.path]


class BrowserProcess:
    """A browser this check started itself (`--browser-command` or the recommended browser); stopped at the end
    only when the command was given explicitly (a user's own browser window stays open)."""

    def __init__(self, proc: subprocess.Popen[bytes] | None, owned: bool) -> None:
        self.proc, self.owned = proc, owned

    def stop(self) -> None:
        """Stop the process group of an owned browser (terminate, then kill after 3 s)."""
        if not (self.owned and self.proc and self.proc.poll() is None):
            return
        try:
            if sys.platform != "win32":
                os.killpg(self.proc.pid, signal.SIGTERM)
            else:
                self.proc.terminate()
            self.proc.wait(3)
        except (OSError, subprocess.TimeoutExpired):
            if sys.platform != "win32":
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            else:
                self.proc.kill()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass


def open_page(url: str, profile: Profile, command: str | None = None) -> tuple[BrowserProcess, str]:
    """Open the page: in `command` (`{url}` replaced, else appended), else the recommended browser, else the
    default one. Returns the process handle and a plain description of what was opened."""
    if command:
        argv = [a.replace("{url}", url) for a in shlex.split(command)]
        if not any("{url}" in a for a in shlex.split(command)):
            argv.append(url)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
        return BrowserProcess(proc, owned=True), "the given browser command"
    base = launch_command(find_browsers(), profile.recommended_browser)
    if base:
        proc = subprocess.Popen([*base, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        return BrowserProcess(proc, owned=False), profile.recommended_browser
    webbrowser.open(url)
    return BrowserProcess(None, owned=False), "the default browser"


# ------------------------------------------------------------ the check


async def run_browser_check(
    profile: Profile,
    options: RunOptions,
    run: RunResult | None = None,
    browser_command: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_url: Callable[[str], None] | None = None,
    opener: Callable[[str], BrowserProcess] | None = None,
    on_data: Callable[[dict[str, Any] | None], None] | None = None,
    use_platform_ice: bool = True,
) -> tuple[CheckResult, ...]:
    """Serve the page, open it, wait for its result (bounded by `timeout_s`), return the browser checks."""
    platform = await fetch_platform_ice(profile, options) if use_platform_ice else None
    plan = ice_plan(profile, options, run, platform)
    config = {"ice": plan, "gather_timeout_ms": GATHER_TIMEOUT_MS, "min_level_ms": MIN_LEVEL_MS,
              "post": "", "platform": profile.name}  # fmt: skip
    t0 = time.perf_counter()
    server = LocalPageServer(config)
    browser = BrowserProcess(None, owned=False)
    problem = "no result"
    data: dict[str, Any] | None = None
    try:
        await server.start()
        config["post"] = f"/{server.token}/result"
        if on_url:
            on_url(server.url)
        try:
            if opener is not None:
                browser = opener(server.url)
            else:
                browser, how = await asyncio.to_thread(open_page, server.url, profile, browser_command)
                log.info("browser check page opened in %s", how)
        except OSError as exc:
            problem = f"the browser could not be started: {exc.strerror or exc}"
        else:
            data = await server.result(timeout_s)
            if data is None:
                problem = f"no result within {timeout_s:g} s" + (
                    "" if server.page_served else "; the page was never opened"
                )
        if on_data:
            on_data(data)
    finally:
        await server.close()
        await asyncio.to_thread(browser.stop)
    ms = int((time.perf_counter() - t0) * 1000)
    judged = judge_result(data, public_plan(plan), problem)
    return tuple(to_check_result(j, ms) for j in judged)


def to_check_result(j: JudgedCheck, ms: int) -> CheckResult:
    """A judged browser check as a CheckResult of the `browser` category."""
    oc = j.outcome
    return CheckResult(j.id, Category.BROWSER, j.target, j.title, oc.status, oc.summary, ms, oc.details, oc.findings)


async def policy_check(profile: Profile) -> CheckResult:
    """The policy check on its own (for `callready browser-check`, which does not run the network checks)."""
    t0 = time.perf_counter()
    sets, problems = await asyncio.to_thread(browser_policy.read_policy_sets)
    oc: Outcome = browser_policy.judge_policies(sets, problems, browser_policy.platform_names(profile))
    ms = int((time.perf_counter() - t0) * 1000)
    return CheckResult("browser:policy", Category.BROWSER, "managed browser policies", "Browser policies set by IT",
                       oc.status, oc.summary, ms, oc.details, oc.findings)  # fmt: skip


_POLICY_BROWSER = {"Google Chrome": "Chrome", "Microsoft Edge": "Edge", "Chromium": "Chromium", "Firefox": "Firefox"}


def explained_by_policy(checks: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    """A camera/microphone refusal in a browser whose policy blocks capture is the policy's doing (IT's change),
    not the person's: `browser_permission_denied` is dropped from that media check and the policy named."""
    policy = next((c for c in checks if c.id == "browser:policy"), None)
    issues = policy.details.get("issues", []) if policy else []
    blocked = {
        _POLICY_BROWSER.get(i.get("browser"), "?")
        for i in issues
        if i.get("code") == FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED
    }
    out = []
    for c in checks:
        name = str(c.details.get("browser_name", ""))
        if (
            c.id == "browser:media"
            and FindingCode.BROWSER_PERMISSION_DENIED in c.findings
            and any(name.startswith(b) for b in blocked)
        ):
            summary = f"{c.summary} A browser policy set by IT blocks the camera or microphone (see that check)."
            findings = tuple(f for f in c.findings if f != FindingCode.BROWSER_PERMISSION_DENIED)
            c = dataclasses.replace(c, summary=summary, findings=findings)
        out.append(c)
    return tuple(out)


def join_run(run: RunResult, checks: Sequence[CheckResult], profile: Profile) -> RunResult:
    """The run with the browser checks added (replacing earlier ones of the same id) and assessed again."""
    ids = {c.id for c in checks}
    merged = explained_by_policy(tuple(c for c in run.checks if c.id not in ids) + tuple(checks))
    a = assess(merged, profile, run.ended_by)
    return dataclasses.replace(run, checks=merged, verdict=a.verdict, reason=a.reason, findings=a.findings,
                               it_message=a.it_message)  # fmt: skip


def browser_only_result(run: RunResult, profile: Profile) -> RunResult:
    """A result holding only browser checks: findings as assessed, the verdict from their severities alone
    (the network checks were not run, so they are not 'unknown')."""
    run = dataclasses.replace(run, checks=explained_by_policy(run.checks))
    a = assess(run.checks, profile, run.ended_by)
    severities = {f.severity for f in a.findings}
    if Severity.ERROR in severities:
        verdict = Verdict.BLOCKED
    elif Severity.WARNING in severities:
        verdict = Verdict.DEGRADED
    else:
        verdict = Verdict.READY
    first = next((f for f in a.findings if f.severity is not Severity.INFO), None)
    reason = f"{first.title}." if first else "The browser can use the camera, the microphone and the call path."
    return dataclasses.replace(run, verdict=verdict, reason=reason, findings=a.findings, it_message=a.it_message)
