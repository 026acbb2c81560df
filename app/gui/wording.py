"""What the result page says: headline, one sentence why, steps for the interviewer, technical details.

Pure functions over a RunResult; Qt-free.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.engine import audience
from app.engine.ittable import ItRow
from app.engine.model import RunResult, Status, Verdict
from app.gui.rows import RowState, state_of_status


@dataclass(frozen=True)
class Headline:
    """The one answer: words, the state its icon shows, and one sentence why."""

    text: str
    state: RowState
    reason: str


_STATES = {
    Verdict.READY: RowState.PASSED,
    Verdict.DEGRADED: RowState.WARNING,
    Verdict.BLOCKED: RowState.FAILED,
    Verdict.INCOMPLETE: RowState.NOT_CHECKED,
}


def headline(result: RunResult) -> Headline:
    """The headline of a run's result (the same words as the CLI, HTML, PDF and email: app.engine.audience)."""
    return Headline(audience.verdict_words(result.verdict), _STATES[result.verdict], result.reason)


MAX_ADVICE = audience.MAX_STEPS


def steps(result: RunResult, browser_advice: str = "", support: str = "") -> list[str]:
    """What the interviewer should do next: their own fixes first; IT and support only when IT must change something."""
    return audience.steps(result.verdict, result.findings, browser_advice, support)


def needs_it(result: RunResult) -> bool:
    """True when IT must change something (offline, a sign-in page, a VPN or an unfinished run are not IT's)."""
    return audience.needs_it(result.findings)


def interviewer_can_fix(result: RunResult) -> bool:
    """True when every problem is the interviewer's to fix: "Run again" becomes the main action."""
    return audience.interviewer_can_fix(result.findings) or result.verdict is Verdict.INCOMPLETE


def _value(v: Any) -> str:
    if isinstance(v, Mapping):
        return ", ".join(f"{k}={_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset)):
        return ", ".join(_value(x) for x in v)
    return str(v)


def details_html(result: RunResult) -> str:
    """Technical evidence per check, as simple HTML for a text browser (status in words, not colour)."""
    parts = [
        f"<p><b>Run:</b> {html.escape(result.started_at)}, {result.duration_s:.1f} s, "
        f"ended: {html.escape(result.ended_by)}; verdict: {html.escape(result.verdict.value)}</p>"
    ]
    for c in result.checks:
        word = state_of_status(c.status).value
        parts.append(
            f"<h4>{html.escape(word)}: {html.escape(c.title)}</h4>"
            f"<p><b>Target:</b> {html.escape(c.target)}<br/>"
            f"<b>Check:</b> {html.escape(c.id)} ({c.duration_ms} ms{'' if c.finished else ', not finished'})<br/>"
            f"<b>Result:</b> {html.escape(c.summary)}</p>"
        )
        rows = [f"<li><b>{html.escape(str(k))}</b>: {html.escape(_value(v))}</li>" for k, v in c.details.items()]
        if c.findings:
            rows.append(f"<li><b>findings</b>: {html.escape(', '.join(c.findings))}</li>")
        if rows:
            parts.append("<ul>" + "".join(rows) + "</ul>")
    if result.findings:
        parts.append("<h4>Findings</h4><ul>")
        for f in result.findings:
            parts.append(f"<li>[{html.escape(f.severity.value)}] {html.escape(f.title)} ({html.escape(f.code)})</li>")
        parts.append("</ul>")
    return "\n".join(parts)


def details_text(result: RunResult) -> str:
    """The same evidence as plain text (for copying)."""
    lines = [f"Verdict: {result.verdict.value} - {result.reason}", ""]
    for c in result.checks:
        lines.append(f"[{c.status.value.upper()}] {c.title} - {c.target} ({c.id}, {c.duration_ms} ms)")
        lines.append(f"    {c.summary}")
        for k, v in c.details.items():
            lines.append(f"    {k}: {_value(v)}")
    return "\n".join(lines) + "\n"


def status_counts(result: RunResult) -> dict[Status, int]:
    """How many checks ended in each status."""
    counts = {s: 0 for s in Status}
    for c in result.checks:
        counts[c.status] += 1
    return counts


def it_table_html(rows: Iterable[ItRow]) -> str:
    """The IT table as simple HTML for a text browser: one header row, rows grouped per destination."""
    e = html.escape
    out = ["<table cellspacing='0' cellpadding='4' width='100%'>",
           "<tr><th align='left'>Destination</th><th align='left'>Protocol and port</th>"
           "<th align='left'>What happened</th><th align='left'>Change to make</th></tr>"]  # fmt: skip
    last = None
    for r in rows:
        dest = "" if r.destination == last else f"<b>{e(r.destination)}</b>"
        last = r.destination
        out.append(f"<tr><td>{dest}</td><td>{e(r.protocol)}</td><td>{e(r.happened)}</td><td>{e(r.action)}</td></tr>")
    out.append("</table>")
    return "".join(out)
