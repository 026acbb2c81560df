"""The runner: checks run concurrently under one run deadline, with per-check timeouts, events and cancel."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from app.engine.model import (
    Category,
    CheckFinished,
    CheckResult,
    CheckStarted,
    Contact,
    Event,
    Outcome,
    Status,
)
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.logs import redactor
from app.net.services import RunServices

log = logging.getLogger("callready.runner")

EventSink = Callable[[Event], None]


@dataclass
class RunContext:
    """What a check may use while it runs: the profile, options, the run's shared network services and earlier
    results."""

    profile: Profile
    options: RunOptions
    services: RunServices
    deadline: float
    _board: dict[str, CheckResult] = field(default_factory=dict)

    def add_secret(self, *secrets: str | None) -> None:
        """Secrets learnt during the run (short-lived TURN credentials): scrubbed from every log from now on."""
        redactor().add(*secrets)

    def results(self, *categories: Category) -> list[CheckResult]:
        """Finished results of the given categories (only complete for categories this check `needs`)."""
        return [r for r in self._board.values() if r.category in categories]

    def remaining_s(self) -> float:
        """Seconds left before the run deadline."""
        return max(0.0, self.deadline - asyncio.get_running_loop().time())


@dataclass(frozen=True)
class Check:
    """A planned check: what to run, on what, with which timeout, after which categories."""

    id: str
    category: Category
    target: str
    title: str
    run: Callable[[RunContext], Awaitable[Outcome]]
    timeout_s: float
    needs: tuple[Category, ...] = ()
    contacts: tuple[Contact, ...] = ()  # where it goes on the network, declared from the values it runs with

    def started_event(self) -> CheckStarted:
        """The event announcing this check."""
        return CheckStarted(self.id, self.category, self.target, self.title)


class Runner:
    """Runs a plan of checks; `run()` returns every result, finished or not."""

    def __init__(self, profile: Profile, options: RunOptions, on_event: EventSink | None = None) -> None:
        self.profile = profile
        self.options = options
        self._emit = on_event or (lambda _event: None)
        self._main: asyncio.Task[None] | None = None
        self.ended_by = "completed"

    def cancel(self) -> None:
        """Stop the run now; results so far are kept and the rest marked unfinished."""
        if self._main is not None and not self._main.done():
            self.ended_by = "cancelled"
            self._main.cancel()

    async def run(self, checks: Iterable[Check]) -> tuple[CheckResult, ...]:
        """Run `checks` concurrently; on deadline or cancel mark the unfinished ones and return all."""
        plan = list(checks)
        _check_unique(plan)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.timeout_s
        services = RunServices(self.options.timeout_s, self.profile.ipv4_only, self.options.nameservers)
        ctx = RunContext(self.profile, self.options, services, deadline)
        done_events = {c.id: asyncio.Event() for c in plan}
        by_category: dict[Category, list[str]] = {}
        for c in plan:
            by_category.setdefault(c.category, []).append(c.id)

        def emit(event: Event) -> None:
            try:
                self._emit(event)
            except Exception:
                log.exception("event handler failed")

        async def one(check: Check) -> None:
            for cat in check.needs:
                for dep in by_category.get(cat, []):
                    if dep != check.id:
                        await done_events[dep].wait()
            emit(check.started_event())
            result = await _execute(check, ctx)
            ctx._board[check.id] = result
            done_events[check.id].set()
            emit(CheckFinished(result))

        async def all_checks() -> None:
            async with asyncio.TaskGroup() as group:
                for c in plan:
                    group.create_task(one(c), name=f"check:{c.id}")

        self._main = asyncio.ensure_future(all_checks())
        external_cancel = False
        try:
            async with asyncio.timeout_at(deadline):
                await asyncio.shield(self._main)
        except TimeoutError:
            self.ended_by = "deadline"
        except asyncio.CancelledError:
            if self.ended_by != "cancelled":
                external_cancel = True
                self.ended_by = "cancelled"
        finally:
            if not self._main.done():
                self._main.cancel()
            await asyncio.gather(self._main, return_exceptions=True)
            await services.aclose()
        why = {
            "deadline": f"Not finished: the run's time limit ({self.options.timeout_s:g} s) was reached.",
            "cancelled": "Not finished: the check was cancelled.",
        }.get(self.ended_by, "Not finished.")
        results: list[CheckResult] = []
        for c in plan:
            if c.id in ctx._board:
                results.append(ctx._board[c.id])
                continue
            unfinished = CheckResult(
                c.id, c.category, c.target, c.title, Status.SKIP, why, 0, {"unfinished": self.ended_by}, (), False
            )
            results.append(unfinished)
            emit(CheckFinished(unfinished))
        if external_cancel:
            raise asyncio.CancelledError
        return tuple(results)


async def _execute(check: Check, ctx: RunContext) -> CheckResult:
    """Run one check under its timeout; a timeout or a bug becomes a result, never an exception."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(check.timeout_s):
            outcome = await check.run(ctx)
    except TimeoutError:
        outcome = Outcome(
            Status.FAIL, f"No result within {check.timeout_s:g} s.", {"timed_out": True, "timeout_s": check.timeout_s}
        )
    except Exception as exc:  # a bug in a probe must not end the run
        log.exception("check %s raised", check.id)
        outcome = Outcome(
            Status.SKIP, f"Could not be checked (internal error: {type(exc).__name__}).", {"internal_error": repr(exc)}
        )
    duration_ms = int((time.perf_counter() - start) * 1000)
    log.debug("check %s -> %s in %d ms: %s", check.id, outcome.status, duration_ms, outcome.summary)
    return CheckResult(
        id=check.id,
        category=check.category,
        target=check.target,
        title=check.title,
        status=outcome.status,
        summary=outcome.summary,
        duration_ms=duration_ms,
        details=dict(outcome.details),
        findings=tuple(outcome.findings),
        signals=outcome.signals,
    )


def _check_unique(plan: list[Check]) -> None:
    seen: set[str] = set()
    for c in plan:
        if c.id in seen:
            raise ValueError(f"duplicate check id {c.id!r}")
        seen.add(c.id)
