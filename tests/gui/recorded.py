"""Recorded engine runs for driving the wizard without a network: planners of Checks that replay real Outcomes.

Every outcome is a whole real run of the app (tests/gui/data/<outcome>.json): `ready`, `degraded`, `blocked` and
`captive` from the network lab, re-made with `flock /tmp/cr-lab.lock .venv/bin/python tools/record_gui_runs.py`;
`offline` with no network at all (`unshare -n python -m app check --json`). The checks keep their ids, targets,
titles, summaries, details and finding codes as the probes wrote them and finish in the order they did; the
verdict is still computed by the real verdict rules from these results. Nothing here is written by hand, so the
wizard and the screenshots show only hosts the app really contacts (tests/gui/test_recorded_hosts.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.engine.model import Category, Outcome, Signals, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext

DATA = Path(__file__).with_name("data")
REPLAY_S = 1.2  # the last check of a replayed run finishes after this many seconds (times `scale`)

# outcome -> its recording; `cancelled` replays `ready` (the test or the screenshot tool cancels mid-run)
FILES = {
    "ready": "ready.json",
    "degraded": "degraded.json",
    "blocked": "blocked.json",
    "offline": "offline.json",
    "captive": "captive.json",
    "cancelled": "ready.json",
}


@dataclass(frozen=True)
class Recorded:
    """One recorded check: its id, where, what came back, and when it finished (seconds, before scaling)."""

    id: str
    category: Category
    target: str
    title: str
    outcome: Outcome
    delay_s: float


def document(name: str) -> dict[str, Any]:
    """A recording as stored (tests/gui/data/`name`)."""
    doc: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return doc


def _signals(check: dict[str, Any]) -> Signals:
    """What the verdict rules read besides the details (`signals`)."""
    if "signals" in check:
        return Signals.of_json(check["signals"])
    return Signals.of_legacy_details(check["details"])  # offline.json was recorded before checks carried signals


def _from_json(name: str) -> tuple[Recorded, ...]:
    """A whole real run, replayed check by check, each finishing at its recorded share of the run."""
    known = {c.value for c in Category}
    checks = [c for c in document(name)["checks"] if c["category"] in known]
    ends = [float(c.get("finished_at_s", 0.1 + 0.04 * i)) for i, c in enumerate(checks)]
    last = max(ends, default=1.0) or 1.0
    out = []
    for c, end in zip(checks, ends, strict=True):
        outcome = Outcome(Status(c["status"]), c["summary"], c["details"], tuple(c["findings"]), signals=_signals(c))
        out.append(Recorded(c["id"], Category(c["category"]), c["target"], c["title"], outcome, REPLAY_S * end / last))
    return tuple(out)


@cache
def scenario(name: str) -> tuple[Recorded, ...]:
    """The recorded checks of outcome `name` (see FILES)."""
    return _from_json(FILES[name])


def _check(r: Recorded, scale: float) -> Check:
    async def run(_ctx: RunContext) -> Outcome:
        await asyncio.sleep(r.delay_s * scale)
        return r.outcome

    return Check(r.id, r.category, r.target, r.title, run, timeout_s=30.0)


def planners(name: str, scale: float = 0.2) -> list[Callable[[Profile, RunOptions], list[Check]]]:
    """Planners replaying outcome `name`; `error` is a planner that fails like an engine bug would."""
    if name == "error":

        def broken(_profile: Profile, _options: RunOptions) -> list[Check]:
            raise RuntimeError("recorded engine failure: planner crashed")

        return [broken]
    if name == "cancelled":
        scale *= 20  # long enough that a cancel always lands mid-run
    recs = scenario(name)

    def plan(_profile: Profile, options: RunOptions) -> list[Check]:
        return [_check(r, scale) for r in recs if r.category is not Category.EMAIL or options.email]

    return [plan]
