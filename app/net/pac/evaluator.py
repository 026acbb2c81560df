"""A PAC script evaluated for one run without ever blocking the event loop (the GUI thread under qasync).

Each evaluation runs in its own daemon thread (QuickJS releases the GIL; its CPU-time limit stops any loop). Look-ups
never happen inside the script: the URL's host is resolved asynchronously first; a name the script asks for that is
not known yet is answered as a failed look-up, resolved asynchronously, and the script evaluated again (as
Chromium's non-blocking PAC resolver restarts a script on a DNS cache miss). Answers are cached per URL and host;
a script that hits its time limit once is not run again in this run, so a looping script costs one limit, not
one per URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.net.pac import sandbox
from app.net.pac.answer import PacAnswer, parse_answer
from app.net.pac.helpers import LocalAddresses, local_addresses

MAX_PASSES = 8  # evaluations of one URL while the script keeps naming new hosts
MAX_NAMES = 64  # names looked up for one run's PAC script
Resolve = Callable[[str], Awaitable[tuple[str, ...]]]


@dataclass(frozen=True)
class PacResult:
    """The parsed answer for one URL, or why the script gave none (browsers then go direct)."""

    answer: PacAnswer | None
    error: str = ""
    entry: str = "FindProxyForURL"
    passes: int = 0
    ms: int = 0
    names: tuple[str, ...] = ()


class PacEvaluator:
    """One PAC script for one run: `find_proxy(url, host)` answers without blocking the loop."""

    def __init__(
        self,
        script: str,
        resolve: Resolve,
        clock: Callable[[], float] = time.time,
        me: LocalAddresses | None = None,
        time_limit_s: float = sandbox.TIME_LIMIT_S,
    ) -> None:
        self._script = script
        self._resolve = resolve
        self._clock = clock
        self._me = me
        self._limit = time_limit_s
        self._known: dict[str, tuple[str, ...]] = {}
        self._cache: dict[tuple[str, str], asyncio.Task[PacResult]] = {}
        self._broken = ""
        self._lock = asyncio.Lock()

    async def find_proxy(self, url: str, host: str) -> PacResult:
        """The script's answer for `url` (already stripped as browsers strip it), evaluated once per URL and host."""
        key = (url, host)
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._evaluate(url, host))
            self._cache[key] = task
        return await asyncio.shield(task)

    async def _learn(self, names: tuple[str, ...] | list[str]) -> None:
        """Resolve names not known yet, concurrently; a name beyond MAX_NAMES is treated as not resolving."""
        todo = [n for n in dict.fromkeys(names) if n and n not in self._known]
        room = max(0, MAX_NAMES - len(self._known))
        for name in todo[room:]:
            self._known[name] = ()
        todo = todo[:room]
        found = await asyncio.gather(*(self._resolve(_ascii_name(n)) for n in todo), return_exceptions=True)
        for name, addrs in zip(todo, found, strict=True):
            self._known[name] = tuple(addrs) if isinstance(addrs, tuple) else ()

    async def _evaluate(self, url: str, host: str) -> PacResult:
        async with self._lock:  # one evaluation at a time: a script that timed out is known to the next caller
            start = time.perf_counter()
            if self._broken:
                return PacResult(None, self._broken)
            if self._me is None:
                self._me = await asyncio.to_thread(local_addresses)
            await self._learn([host.lower().rstrip(".")])
            now_ms = self._clock() * 1000.0
            budget = self._limit
            passes = 0
            while True:
                passes += 1
                t0 = time.perf_counter()
                ev = await self._in_thread(url, host, now_ms, budget)
                budget -= time.perf_counter() - t0
                if ev.timed_out:
                    self._broken = ev.error
                    return PacResult(None, ev.error, ev.entry, passes, _ms(start))
                new = [n for n in ev.missing if n not in self._known]
                if not new or passes >= MAX_PASSES or budget <= 0:
                    break
                await self._learn(new)
            names = tuple(n for n in self._known if self._known[n] or n in ev.missing)
            if ev.answer is None:
                return PacResult(None, ev.error, ev.entry, passes, _ms(start), names)
            return PacResult(parse_answer(ev.answer, ev.truncated), "", ev.entry, passes, _ms(start), names)

    async def _in_thread(self, url: str, host: str, now_ms: float, budget: float) -> sandbox.Evaluation:
        """Run one evaluation in a daemon thread; past its limit plus a grace second the loop stops waiting."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[sandbox.Evaluation] = loop.create_future()
        me = self._me or LocalAddresses()
        limit = max(0.05, budget)
        known = dict(self._known)

        def work() -> None:
            try:
                result = sandbox.evaluate(self._script, url, host, known, me, now_ms, limit)
            except Exception as exc:  # never expected: the sandbox turns script failures into results
                result = sandbox.Evaluation(None, f"the PAC script could not be run: {sandbox.clean(str(exc))}")

            def deliver() -> None:
                if not done.done():
                    done.set_result(result)

            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(deliver)

        threading.Thread(target=work, name="pac-eval", daemon=True).start()
        try:
            return await asyncio.wait_for(done, limit + 1.0)
        except TimeoutError:
            return sandbox.Evaluation(None, f"the PAC script did not answer within {self._limit:g} s", timed_out=True)


def _ascii_name(name: str) -> str:
    """An internationalised name as DNS carries it (IDNA punycode, as Chromium converts it before resolving)."""
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name  # the resolver then fails it: no such name


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
