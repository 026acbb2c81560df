"""Plain-words rows of the wizard: checks grouped by category, each row showing its checks' worst state.

Pure and Qt-free, so it is tested with plain engine events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.engine.audience import EXPLAINED_BY_PORTAL
from app.engine.codes import FindingCode
from app.engine.findings import CATALOGUE
from app.engine.model import (
    Category,
    CheckFinished,
    CheckResult,
    CheckStarted,
    Event,
    Finding,
    RunResult,
    RunStarted,
    Severity,
    Status,
)

C = Category

# (row key, plain title, categories); the order is the order of rows on screen.
ROW_GROUPS: tuple[tuple[str, str, tuple[Category, ...]], ...] = (
    ("reach", "Can reach the video service", (C.DNS, C.HTTPS)),
    ("live", "Live call connection", (C.WSS,)),
    ("direct", "Video can flow directly", (C.STUN,)),
    ("relay", "Backup video routes", (C.TURN_UDP, C.TURN_TCP)),
    ("relay_tls", "Backup video route over the web port", (C.TURN_TLS,)),
    ("quality", "Call quality", tuple(c for c in Category if c.value in ("media", "media_load"))),
    ("security", "Network security devices", (C.PROXY, C.TLS_INSPECTION, C.CAPTIVE_PORTAL)),
    ("vpn", "Company VPN", (C.VPN,)),
    ("email", "Interview emails will arrive", (C.EMAIL,)),
    ("system", "This computer", (C.SYSTEM,)),
    ("browser", "Your web browser", (C.BROWSER,)),
)
# Plain words per row, by what the row shows: no host names, no probe jargon (the details have those).
_PASS_WORDS = {
    "reach": "The video service answers.",
    "live": "The live call connection opens and stays up.",
    "direct": "Video can go straight to the video service.",
    "relay": "The backup routes for video work.",
    "relay_tls": "The backup route over the web port works.",
    "quality": "Call quality is good.",
    "security": "Nothing on the network gets in the way.",
    "vpn": "No VPN is in the way.",
    "email": "Interview emails will reach you.",
    "system": "This computer is ready.",
    "browser": "No browser setting gets in the way.",
}
_BAD_WORDS = {
    "reach": "The video service cannot be reached.",
    "live": "The live call connection cannot be opened.",
    "direct": "Video cannot go straight to the video service.",
    "relay": "A backup route for video is blocked.",
    "relay_tls": "The backup route over the web port is blocked.",
    "quality": "Call quality may suffer.",
    "security": "Something on the network gets in the way.",
    "vpn": "The VPN is in the way of video.",
    "email": "Interview emails may not reach you.",
    "system": "Something on this computer needs a look.",
    "browser": "A browser setting may get in the way of video.",
}
PORTAL_WORDS = "Blocked until you sign in to this network."
NOT_TRIED = "Not tried this time."
STOPPED = "The check was stopped before this part."
_ROW_OF: dict[Category, str] = {cat: key for key, _t, cats in ROW_GROUPS for cat in cats}
_TITLE_OF: dict[str, str] = {key: title for key, title, _c in ROW_GROUPS}


class RowState(enum.Enum):
    """What a row shows; always an icon plus these words, never colour alone."""

    WAITING = "Waiting"
    RUNNING = "Checking…"
    PASSED = "Passed"
    WARNING = "Warning"
    FAILED = "Failed"
    NOT_CHECKED = "Not checked"

    @property
    def icon(self) -> str:
        """Name of the status icon in resources/icons."""
        return _ICONS[self]

    @property
    def finished(self) -> bool:
        """True once the row will not change any more."""
        return self in (RowState.PASSED, RowState.WARNING, RowState.FAILED, RowState.NOT_CHECKED)


_ICONS = {
    RowState.WAITING: "status-waiting",
    RowState.RUNNING: "status-running",
    RowState.PASSED: "status-pass",
    RowState.WARNING: "status-warn",
    RowState.FAILED: "status-fail",
    RowState.NOT_CHECKED: "status-skip",
}
_FROM_STATUS = {
    Status.PASS: RowState.PASSED,
    Status.WARN: RowState.WARNING,
    Status.FAIL: RowState.FAILED,
    Status.SKIP: RowState.NOT_CHECKED,
}
_WORST_FIRST = (RowState.FAILED, RowState.WARNING, RowState.NOT_CHECKED, RowState.PASSED)


def state_of_status(status: Status) -> RowState:
    """The row state a single finished check shows."""
    return _FROM_STATUS[status]


def state_of_check(r: CheckResult) -> RowState:
    """A finished check's row state: a warning that only carries information (e.g. another browser) passes."""
    if r.status is Status.WARN and r.findings and all(_info(code) for code in r.findings):
        return RowState.PASSED
    return _FROM_STATUS[r.status]


def _info(code: FindingCode) -> bool:
    return CATALOGUE[code].severity is Severity.INFO


def row_key(category: Category) -> str:
    """The row a category belongs to (every category has one)."""
    return _ROW_OF.get(category, str(category))


@dataclass
class Row:
    """One plain row and the checks behind it."""

    key: str
    title: str
    check_ids: list[str] = field(default_factory=list)
    started: set[str] = field(default_factory=set)
    results: dict[str, CheckResult] = field(default_factory=dict)

    @property
    def state(self) -> RowState:
        """Worst finished state once every check is done; running while any is under way."""
        if self.check_ids and len(self.results) == len(self.check_ids):
            states = {state_of_check(r) for r in self.results.values()}
            return next(s for s in _WORST_FIRST if s in states)
        if self.started or self.results:
            return RowState.RUNNING
        return RowState.WAITING

    @property
    def summary(self) -> str:
        """One short line under the title, in plain words that match the state (no host names)."""
        state = self.state
        if not state.finished:
            done = len(self.results)
            total = len(self.check_ids)
            return f"{done} of {total} done" if total > 1 else ""
        return row_words(self.key, state)


class RowBoard:
    """Rows for one run, updated by engine events in the order they arrive."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self._by_check: dict[str, Row] = {}
        self.total = 0
        self.done = 0

    def plan(self, planned: tuple[CheckStarted, ...]) -> None:
        """Lay out one row per group that has checks in the plan, in the fixed row order."""
        by_key: dict[str, Row] = {}
        for c in planned:
            key = row_key(c.category)
            row = by_key.get(key)
            if row is None:
                row = by_key[key] = Row(key, _TITLE_OF.get(key, c.title))
            row.check_ids.append(c.check_id)
            self._by_check[c.check_id] = row
        order = {key: i for i, (key, _t, _c) in enumerate(ROW_GROUPS)}
        self.rows = sorted(by_key.values(), key=lambda r: order.get(r.key, len(order)))
        self.total = len(planned)
        self.done = 0

    def apply(self, event: Event) -> Row | None:
        """Update from one event; returns the row that changed (None if none did)."""
        if isinstance(event, RunStarted):
            self.plan(event.checks)
            return None
        if isinstance(event, CheckStarted):
            row = self._by_check.get(event.check_id)
            if row is not None:
                row.started.add(event.check_id)
            return row
        if isinstance(event, CheckFinished):
            r = event.result
            row = self._by_check.get(r.id)
            if row is None:  # a check that was not announced: give it a row rather than hide it
                self.plan_extra(r)
                row = self._by_check[r.id]
            if r.id not in row.results:
                self.done += 1
            row.results[r.id] = r
            return row
        return None

    def plan_extra(self, r: CheckResult) -> None:
        """Add an unannounced check to its row (creating the row at the end if needed)."""
        key = row_key(r.category)
        row = next((x for x in self.rows if x.key == key), None)
        if row is None:
            row = Row(key, _TITLE_OF.get(key, r.title))
            self.rows.append(row)
        row.check_ids.append(r.id)
        self._by_check[r.id] = row
        self.total += 1

    def row(self, key: str) -> Row | None:
        """The row with this key, if planned."""
        return next((r for r in self.rows if r.key == key), None)


def row_words(key: str, state: RowState) -> str:
    """The plain sentence a finished row shows for its state."""
    if state is RowState.PASSED:
        return _PASS_WORDS.get(key, "Passed.")
    if state is RowState.NOT_CHECKED:
        return NOT_TRIED
    return _BAD_WORDS.get(key, "Needs a look.")


@dataclass(frozen=True)
class FinalRow:
    """A row of the result page: state and words settled with the verdict's findings."""

    key: str
    title: str
    state: RowState
    summary: str


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def final_rows(result: RunResult) -> list[FinalRow]:
    """Rows for the result: a failed check whose findings were all demoted to information passes; each problem row
    says its finding's title; rows wholly not tried because an earlier step failed fold into that step's row."""
    worst: dict[str, Severity] = {}
    by_check: dict[str, list[Finding]] = {}  # check id -> findings naming it, most severe first
    for f in sorted(result.findings, key=lambda f: _SEVERITY_RANK[f.severity]):
        for cid in f.checks:
            by_check.setdefault(cid, []).append(f)
            if cid not in worst:
                worst[cid] = f.severity
    grouped: dict[str, list[CheckResult]] = {}
    for c in result.checks:
        grouped.setdefault(row_key(c.category), []).append(c)

    def state(c: CheckResult) -> RowState:
        if c.status in (Status.PASS, Status.SKIP):
            return _FROM_STATUS[c.status]
        sev = worst.get(c.id)
        if sev is Severity.ERROR:
            return RowState.FAILED
        if sev is Severity.WARNING:
            return RowState.WARNING
        if sev is Severity.INFO or (c.status is Status.WARN and c.findings and all(_info(x) for x in c.findings)):
            return RowState.PASSED
        return _FROM_STATUS[c.status]

    portal = any(f.code == FindingCode.CAPTIVE_PORTAL for f in result.findings)
    rows: list[FinalRow] = []
    order = {key: i for i, (key, _t, _c) in enumerate(ROW_GROUPS)}
    for key in sorted(grouped, key=lambda k: order.get(k, len(order))):
        checks = grouped[key]
        states = {state(c) for c in checks}
        row_state = next(s for s in _WORST_FIRST if s in states)
        named = [f for c in checks for f in by_check.get(c.id, [])]
        named.sort(key=lambda f: _SEVERITY_RANK[f.severity])
        serious = [f for f in named if f.severity is not Severity.INFO]
        if (
            portal
            and row_state is not RowState.PASSED
            and serious
            and all(f.code in EXPLAINED_BY_PORTAL for f in serious)
        ):
            words = PORTAL_WORDS
        elif row_state in (RowState.FAILED, RowState.WARNING) and named and named[0].severity is not Severity.INFO:
            words = named[0].title.rstrip(".") + "."
        elif row_state is RowState.PASSED and any(f.advice for f in named):
            words = next(f.advice for f in named if f.advice)
        elif row_state is RowState.NOT_CHECKED and result.ended_by == "cancelled":
            words = STOPPED
        else:
            words = row_words(key, row_state)
        rows.append(FinalRow(key, _TITLE_OF.get(key, checks[0].title), row_state, words))
    failed = next((r for r in rows if r.state is RowState.FAILED), None)
    skipped = [r for r in rows if r.state is RowState.NOT_CHECKED]
    if failed is not None and skipped and result.ended_by == "completed":
        n = len(skipped)
        note = f" {n} other part{'s' if n > 1 else ''} of the check could not be tried until this is fixed."
        rows = [
            FinalRow(r.key, r.title, r.state, r.summary + note) if r is failed else r
            for r in rows
            if r.state is not RowState.NOT_CHECKED
        ]
    return rows
