"""System check: is the browser the platform recommends installed (found on disk, no admin rights)?"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.probes.browsers import Browser, find_browsers


def judge_browsers(found: list[Browser], recommended: str) -> tuple[Status, str, tuple[FindingCode, ...]]:
    """Pure judgement: the recommended browser present (pass) or absent (warn with browser_missing)."""
    if not recommended:
        return Status.PASS, "No browser recommendation in this profile.", ()
    match = next((b for b in found if b.name.lower() == recommended.lower()), None)
    if match is not None:
        version = f" {match.version}" if match.version else ""
        return Status.PASS, f"{match.name}{version} is installed.", ()
    others = ", ".join(b.name for b in found) or "none found"
    return Status.WARN, f"{recommended} is not installed (browsers found: {others}).", (FindingCode.BROWSER_MISSING,)


async def probe_browsers(ctx: RunContext) -> Outcome:
    """Look for installed browsers in a worker thread (version queries run small subprocesses)."""
    found = await asyncio.to_thread(find_browsers)
    status, summary, codes = judge_browsers(found, ctx.profile.recommended_browser)
    details = {"browsers": [asdict(b) for b in found], "recommended_browser": ctx.profile.recommended_browser}
    return Outcome(status, summary, details, codes)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One check for the recommended browser."""
    title = f"{profile.recommended_browser or 'A supported browser'} is installed"
    return [
        Check("system:browser", Category.SYSTEM, profile.recommended_browser or "browser", title, probe_browsers, 8.0)
    ]
