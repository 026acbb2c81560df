"""One PAC evaluation in QuickJS with hard limits: CPU time (an interrupt `try/catch` cannot swallow), memory and
stack. Blocking by design: the evaluator runs it in a worker thread (QuickJS releases the GIL while it runs).

Why QuickJS (the `quickjs` wheel) rather than dukpy: it releases the GIL during evaluation, so the event loop (the
GUI thread under qasync) keeps running; its time and memory limits work in any thread (dukpy's guard was SIGALRM,
main thread only, and a `try/catch` around a helper call swallowed it); stripped, its engine is the same size
as dukpy's (about 1 MB), so the single-file build does not grow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.net.pac import helpers
from app.net.pac.library import CLOCK_JS, PRELUDE_JS

TIME_LIMIT_S = 2.0
MEMORY_LIMIT = 64 * 1024 * 1024
STACK_LIMIT = 256 * 1024  # below the smallest secondary-thread stack (512 KB on macOS)
ANSWER_MAX = 64 * 1024  # characters of an answer kept; the rest is never read
ALERTS_MAX = 20

_CALL_JS = r"""
(function (u, h) {
  var f = typeof FindProxyForURLEx === 'function' ? FindProxyForURLEx
        : typeof FindProxyForURL === 'function' ? FindProxyForURL : null;
  var entry = typeof FindProxyForURLEx === 'function' ? 'FindProxyForURLEx' : 'FindProxyForURL';
  var out = {entry: entry};
  if (f === null) { out.none = true; } else {
    var r = f(u, h);
    if (typeof r !== 'string') { out.type = r === null ? 'null' : typeof r; }
    else { out.long = r.length > %d; out.answer = out.long ? r.slice(0, %d) : r; }
  }
  out.missing = __pac_missing; out.alerts = __pac_alerts;
  return JSON.stringify(out);
})(%s, %s)
"""
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Evaluation:
    """What one run of `FindProxyForURL` gave: the answer, or why not, and names it asked for that were unknown."""

    answer: str | None
    error: str = ""
    missing: tuple[str, ...] = ()
    timed_out: bool = False
    truncated: bool = False
    entry: str = "FindProxyForURL"
    alerts: tuple[str, ...] = ()


def clean(text: str, limit: int = 200) -> str:
    """Outside text made safe for a report: control characters replaced, length capped."""
    text = _UNPRINTABLE.sub("?", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _explain(exc: Exception, time_limit_s: float) -> tuple[str, bool]:
    """A JavaScript exception as one line, and whether it was the time limit."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if first == "null":  # QuickJS throws null when it cannot even allocate the out-of-memory error
        return f"the PAC script ran out of memory ({MEMORY_LIMIT // (1024 * 1024)} MB) or threw null", False
    if first.startswith("InternalError: interrupted"):
        return f"the PAC script did not answer within {time_limit_s:g} s", True
    if first.startswith("InternalError: out of memory"):
        return f"the PAC script used more than {MEMORY_LIMIT // (1024 * 1024)} MB of memory", False
    if first.startswith("InternalError: stack overflow"):
        return "the PAC script recursed too deeply (stack overflow)", False
    return f"the PAC script failed: {clean(first)}", False


def evaluate(
    script: str,
    url: str,
    host: str,
    dns: Mapping[str, Sequence[str]],
    me: helpers.LocalAddresses,
    now_ms: float,
    time_limit_s: float = TIME_LIMIT_S,
) -> Evaluation:
    """Load `script`, then call `FindProxyForURLEx` (Microsoft's IPv6 entry point, preferred when defined, as
    Windows and Chromium do) or `FindProxyForURL`; blocking, bounded by `time_limit_s` of CPU time.

    `dns` maps lower-case names to their addresses (empty: does not resolve); names the script asks for that it
    lacks come back in `missing` (the look-up answered null meanwhile), to be resolved and evaluated again."""
    import quickjs

    table = {k.lower().rstrip("."): list(v) for k, v in dns.items()}
    data = json.dumps({"dns": table, "me": {"v4": me.ipv4, "all": list(me.all)}})
    ctx = quickjs.Context()
    ctx.set_memory_limit(MEMORY_LIMIT)
    ctx.set_max_stack_size(STACK_LIMIT)
    ctx.set_time_limit(time_limit_s)
    try:
        ctx.eval(CLOCK_JS % json.dumps(float(now_ms)))
        ctx.eval(f"var __pac_data = {data}; var __pac_dns = __pac_data.dns, __pac_me = __pac_data.me;"
                 "var __pac_missing = [], __pac_alerts = [];")  # fmt: skip
        ctx.eval(PRELUDE_JS)
        ctx.eval(script)
        raw = ctx.eval(_CALL_JS % (ANSWER_MAX, ANSWER_MAX, json.dumps(url), json.dumps(host)))
    except Exception as exc:  # quickjs.JSException: syntax errors, throws, limits
        error, timed_out = _explain(exc, time_limit_s)
        return Evaluation(None, error, _missing(ctx), timed_out)
    try:
        out = json.loads(raw)
    except (TypeError, ValueError):
        return Evaluation(None, "the PAC script gave no usable answer", _missing(ctx))
    missing = tuple(str(n) for n in out.get("missing", ()))[:64]
    alerts = tuple(clean(str(a)) for a in out.get("alerts", ()))[:ALERTS_MAX]
    entry = str(out.get("entry", "FindProxyForURL"))
    if out.get("none"):
        return Evaluation(None, "the PAC script defines no FindProxyForURL function", missing, alerts=alerts)
    if "type" in out:
        return Evaluation(None, f"{entry} returned {clean(str(out['type']), 20)}, not text", missing, entry=entry,
                          alerts=alerts)  # fmt: skip
    answer = str(out.get("answer", ""))
    if not answer.isascii():  # Chromium fails such a script ("returned a non-ASCII string") rather than guess
        return Evaluation(None, f"{entry} returned text that is not ASCII", missing, entry=entry, alerts=alerts)
    return Evaluation(answer, "", missing, False, bool(out.get("long")), entry, alerts)


def _missing(ctx: object) -> tuple[str, ...]:
    """Names the script asked for before it failed (they may change the outcome once known)."""
    try:
        text = ctx.eval("JSON.stringify(typeof __pac_missing === 'object' ? __pac_missing : [])")  # type: ignore[attr-defined]
        return tuple(str(n) for n in json.loads(text))[:64]
    except Exception:
        return ()
