"""Real RunResults for report tests: the engine's Session run with small planners whose checks return Outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from app.engine.model import Category, Outcome, RunResult, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile, load_profile
from app.engine.runner import Check, RunContext

Row = tuple[Category, str, Status, str, dict[str, Any], tuple[str, ...]]

MIXED: list[Row] = [
    (Category.DNS, "a.daily.co", Status.PASS, "Resolved to 198.18.0.5 in 12 ms.", {"addresses": ["198.18.0.5"]}, ()),
    (
        Category.HTTPS,
        "https://a.daily.co/",
        Status.WARN,
        "Re-signed by Corp CA.",
        {"issuer": "Corp CA"},
        ("tls_inspection",),
    ),
    (
        Category.STUN,
        "stun.daily.co:3478",
        Status.FAIL,
        "No answer in 3 s.",
        {"udp_answered": False, "sent": 3},
        ("stun_blocked",),
    ),
    (
        Category.TURN_TLS,
        "turn.daily.co:443",
        Status.PASS,
        "Relay allocated.",
        {"mapped_address": "203.0.113.7:4242"},
        (),
    ),
    (Category.SYSTEM, "browser", Status.SKIP, "Could not be checked.", {"nested": {"list": [1, 2], "none": None}}, ()),
]


def planner_for(
    rows: Sequence[Row], slow: frozenset[str] = frozenset()
) -> Callable[[Profile, RunOptions], list[Check]]:
    """A planner whose checks return the given outcomes (targets in `slow` never finish)."""

    def plan(profile: Profile, options: RunOptions) -> list[Check]:
        checks = []
        for cat, target, status, summary, details, codes in rows:
            checks.append(_check(cat, target, Outcome(status, summary, details, codes), target in slow))
        return checks

    return plan


def _check(cat: Category, target: str, outcome: Outcome, slow: bool) -> Check:
    async def run(ctx: RunContext) -> Outcome:
        if slow:
            await asyncio.sleep(60)
        return outcome

    return Check(f"{cat.value}:{target}", cat, target, f"Check {target}", run, 30)


def run_result(
    rows: Sequence[Row] = MIXED,
    options: RunOptions | None = None,
    slow: frozenset[str] = frozenset(),
    profile: Profile | None = None,
) -> RunResult:
    """Run the engine's Session over fake checks and return its RunResult."""
    from app.engine.session import Session

    prof = profile or load_profile("flo-recruit")
    opts = options or RunOptions(timeout_s=5)
    return asyncio.run(Session(prof, opts, planners=[planner_for(rows, slow)]).run())


def fleet_bundle(base: Any, host: str | None, fail: frozenset[str] = frozenset(), seq: int = 0) -> bytes:
    """A variant of a real bundle as another machine would make it: other host, some categories failed."""
    import json

    from app.report.bundle import Bundle, pack

    report = json.loads(base.files["report.json"])
    for c in report["checks"]:
        if c["category"] in fail:
            c["status"], c["findings"] = "fail", [f"{c['category']}_blocked"]
    report["findings"] = [
        {
            "code": f"{cat}_blocked",
            "severity": "error",
            "title": f"{cat} is blocked",
            "advice": "",
            "it_action": "",
            "checks": [],
        }
        for cat in sorted(fail)
    ] + report["findings"]
    report["verdict"] = "blocked" if fail else report["verdict"]
    report["started_at"] = f"2024-05-{1 + seq % 28:02d}T10:{seq % 60:02d}:00Z"
    system = json.loads(base.files["system.json"])
    system["hostname"] = host
    files = dict(base.files)
    files["report.json"] = json.dumps(report).encode()
    files["system.json"] = json.dumps(system).encode()
    return pack(Bundle(f"callready-x-{host}-{seq}.zip", files, {}, host is None, base.created_at))
