"""One run from start to end: plan the checks, run them, assess them, announce the result."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from app import __version__
from app.engine.model import Event, ProfileRef, RunFinished, RunResult, RunStarted
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, EventSink, Runner
from app.engine.verdict import assess

log = logging.getLogger("callready.session")

Planner = Callable[[Profile, RunOptions], Sequence[Check]]


def plan_run(profile: Profile, options: RunOptions, planners: Sequence[Planner] | None = None) -> list[Check]:
    """Every check of a run, in the order planners list them; skipped categories left out."""
    if planners is None:
        from app.probes import PLANNERS

        planners = PLANNERS
    checks = [c for planner in planners for c in planner(profile, options)]
    return [c for c in checks if c.category.value not in options.skip_categories]


def profile_ref(profile: Profile) -> ProfileRef:
    """The profile identity recorded in a result."""
    return ProfileRef(profile.id, profile.name, profile.region, profile.version)


class Session:
    """A cancellable run that reports events to a front end and ends in a RunResult."""

    def __init__(
        self,
        profile: Profile,
        options: RunOptions,
        on_event: EventSink | None = None,
        planners: Sequence[Planner] | None = None,
    ) -> None:
        self.profile = profile
        self.options = options
        self._sink = on_event or (lambda _e: None)
        self._planners = planners
        self._runner = Runner(profile, options, self._emit)

    def _emit(self, event: Event) -> None:
        try:
            self._sink(event)
        except Exception:  # a front end's bug must not kill the run
            log.exception("event handler failed for %r", type(event).__name__)

    def cancel(self) -> None:
        """Stop now and keep the partial result."""
        self._runner.cancel()

    async def run(self) -> RunResult:
        """Plan, run and assess; returns even when the deadline or a cancel ends the run early."""
        checks = plan_run(self.profile, self.options, self._planners)
        started = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        ref = profile_ref(self.profile)
        self._emit(RunStarted(ref, tuple(c.started_event() for c in checks)))
        log.info("run started: profile %s (%s), %d checks", ref.id, ref.region or "-", len(checks))
        try:
            results = await self._runner.run(checks)
        except asyncio.CancelledError:
            log.info("run cancelled from outside")
            raise
        ended_by = self._runner.ended_by
        a = assess(results, self.profile, ended_by)
        result = RunResult(
            tool_version=__version__,
            profile=ref,
            started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
            duration_s=time.perf_counter() - t0,
            verdict=a.verdict,
            reason=a.reason,
            checks=results,
            findings=a.findings,
            it_message=a.it_message,
            finished=ended_by == "completed",
            ended_by=ended_by,
        )
        log.info("run ended (%s) in %.2f s: %s", ended_by, result.duration_s, result.verdict)
        self._emit(RunFinished(result))
        return result
