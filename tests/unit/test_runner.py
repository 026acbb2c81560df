"""The runner: concurrency, per-check timeouts, run deadline, cancel, dependencies, events."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.engine.model import Category, CheckFinished, CheckStarted, Outcome, RunFinished, RunStarted, Status, Verdict
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.runner import Check, RunContext
from app.engine.session import Session

PROFILE = load_profile("flo-recruit")


def sleeper(seconds: float, status: Status = Status.PASS, codes: tuple[str, ...] = ()):
    async def run(ctx: RunContext) -> Outcome:
        await asyncio.sleep(seconds)
        return Outcome(status, f"slept {seconds}", {"slept": seconds}, codes)

    return run


def planner(*checks: Check):
    return lambda profile, options: list(checks)


def run(checks, timeout=10.0, cancel_after=None):
    events: list[object] = []
    session = Session(PROFILE, RunOptions(timeout_s=timeout), events.append, [planner(*checks)])

    async def main():
        if cancel_after is not None:
            asyncio.get_running_loop().call_later(cancel_after, session.cancel)
        return await session.run()

    start = time.perf_counter()
    result = asyncio.run(main())
    return result, events, time.perf_counter() - start


def test_checks_run_concurrently_and_events_arrive_in_order() -> None:
    checks = [Check(f"dns:h{i}", Category.DNS, f"h{i}", "t", sleeper(0.3), 5) for i in range(5)]
    result, events, elapsed = run(checks)
    assert elapsed < 1.0  # five 0.3 s checks in parallel
    assert isinstance(events[0], RunStarted) and len(events[0].checks) == 5
    assert isinstance(events[-1], RunFinished) and events[-1].result is result
    started = [e for e in events if isinstance(e, CheckStarted)]
    finished = [e for e in events if isinstance(e, CheckFinished)]
    assert len(started) == len(finished) == 5
    assert all(c.status is Status.PASS and c.finished for c in result.checks)


def test_per_check_timeout_is_a_failed_result() -> None:
    result, _, elapsed = run([Check("https:x", Category.HTTPS, "x", "t", sleeper(5), 0.2)])
    check = result.checks[0]
    assert check.status is Status.FAIL and check.details["timed_out"] is True and elapsed < 1.5


def test_a_bug_in_a_probe_is_unknown_not_pass() -> None:
    async def boom(ctx: RunContext) -> Outcome:
        raise ZeroDivisionError("bug")

    result, _, _ = run([Check("dns:x", Category.DNS, "x", "t", boom, 1)])
    assert result.checks[0].status is Status.SKIP and "internal error" in result.checks[0].summary


def test_deadline_keeps_finished_and_marks_the_rest() -> None:
    checks = [
        Check("dns:fast", Category.DNS, "fast", "t", sleeper(0.05), 5),
        Check("https:slow", Category.HTTPS, "slow", "t", sleeper(10), 20),
    ]
    result, _, elapsed = run(checks, timeout=0.5)
    assert elapsed < 1.5 and result.ended_by == "deadline"
    fast, slow = result.checks
    assert fast.finished and fast.status is Status.PASS
    assert not slow.finished and slow.status is Status.SKIP and "time limit" in slow.summary
    assert result.verdict is Verdict.INCOMPLETE


def test_cancel_keeps_partial_results() -> None:
    checks = [
        Check("dns:fast", Category.DNS, "fast", "t", sleeper(0.05), 5),
        Check("stun:slow", Category.STUN, "slow", "t", sleeper(10), 20),
    ]
    result, _, elapsed = run(checks, cancel_after=0.3)
    assert elapsed < 1.5 and result.ended_by == "cancelled" and not result.finished
    assert result.checks[0].finished and not result.checks[1].finished
    assert "cancelled" in result.checks[1].summary


def test_outer_cancellation_propagates_after_cleanup() -> None:
    checks = [Check("stun:slow", Category.STUN, "slow", "t", sleeper(10), 20)]
    session = Session(PROFILE, RunOptions(timeout_s=10), None, [planner(*checks)])

    async def main():
        task = asyncio.ensure_future(session.run())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(main()) == []  # no stray tasks


def test_needs_waits_for_other_categories() -> None:
    seen: list[list[str]] = []

    async def media(ctx: RunContext) -> Outcome:
        seen.append([r.id for r in ctx.results(Category.STUN)])
        return Outcome(Status.PASS, "ok")

    checks = [
        Check("media:best", Category.MEDIA, "best", "t", media, 5, needs=(Category.STUN,)),
        Check("stun:a", Category.STUN, "a", "t", sleeper(0.2), 5),
        Check("stun:b", Category.STUN, "b", "t", sleeper(0.1), 5),
    ]
    run(checks)
    assert sorted(seen[0]) == ["stun:a", "stun:b"]


def test_duplicate_ids_are_a_programming_error() -> None:
    c = Check("dns:x", Category.DNS, "x", "t", sleeper(0), 1)
    with pytest.raises(ValueError):
        run([c, c])


def test_failing_event_sink_does_not_kill_the_run() -> None:
    def sink(event):
        raise RuntimeError("GUI bug")

    session = Session(PROFILE, RunOptions(), sink, [planner(Check("dns:x", Category.DNS, "x", "t", sleeper(0), 1))])
    result = asyncio.run(session.run())
    assert result.checks[0].status is Status.PASS
