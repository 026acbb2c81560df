"""What the result page says: headline, one sentence why, steps for the interviewer, technical details.

Pure functions over a RunResult; Qt-free.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.model import RunResult, Severity, Status, Verdict
from app.gui.rows import RowState, state_of_status


@dataclass(frozen=True)
class Headline:
    """The one answer: words, the state its icon shows, and one sentence why."""

    text: str
    state: RowState
    reason: str


_HEADLINES = {
    Verdict.READY: ("Ready", RowState.PASSED),
    Verdict.DEGRADED: ("Works with reduced quality", RowState.WARNING),
    Verdict.BLOCKED: ("Will not work", RowState.FAILED),
    Verdict.INCOMPLETE: ("Check not finished", RowState.NOT_CHECKED),
}


def headline(result: RunResult) -> Headline:
    """The headline of a run's result."""
    text, state = _HEADLINES[result.verdict]
    return Headline(text, state, result.reason)


MAX_ADVICE = 3
_NOT_FOR_STEPS = {"check_unfinished"}  # said once, in the interviewer's own step ("run it again")


def steps(result: RunResult, browser_advice: str = "", support: str = "") -> list[str]:
    """What the interviewer should do next: the most important advice first (at most 3), no repeats."""
    out: list[str] = []
    if result.verdict is Verdict.INCOMPLETE or any(f.code in _NOT_FOR_STEPS for f in result.findings):
        out.append("Run the check again and let it finish (it takes under a minute).")
    for f in result.findings:
        if f.code in _NOT_FOR_STEPS:
            continue
        if f.severity in (Severity.ERROR, Severity.WARNING) and f.advice and f.advice not in out:
            if len(out) < MAX_ADVICE:
                out.append(f.advice)
    if result.verdict in (Verdict.BLOCKED, Verdict.DEGRADED):
        out.append("Send the message below to your IT team; it says exactly what to change.")
    if result.verdict is Verdict.READY:
        out.append("You are all set. Nothing needs to change.")
    if browser_advice and result.verdict in (Verdict.READY, Verdict.DEGRADED):
        out.append(browser_advice)
    if support and result.verdict is not Verdict.READY:
        out.append(f"Still stuck? Save the report and send it to {support}.")
    return out


def needs_it(result: RunResult) -> bool:
    """True when there is something for IT to fix (an unfinished check alone is not IT's business)."""
    return any(
        f.severity in (Severity.ERROR, Severity.WARNING) and f.code not in _NOT_FOR_STEPS for f in result.findings
    )


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
