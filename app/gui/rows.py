"""Plain-words rows of the wizard: checks grouped by category, each row showing its checks' worst state.

Pure and Qt-free, so it is tested with plain engine events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.engine.model import Category, CheckFinished, CheckResult, CheckStarted, Event, RunStarted, Status

C = Category

# (row key, plain title, categories); the order is the order of rows on screen.
ROW_GROUPS: tuple[tuple[str, str, tuple[Category, ...]], ...] = (
    ("reach", "Can reach the video service", (C.DNS, C.HTTPS)),
    ("live", "Live call connection", (C.WSS,)),
    ("direct", "Video can flow directly", (C.STUN,)),
    ("relay", "Backup video routes", (C.TURN_UDP, C.TURN_TCP)),
    ("relay_tls", "Backup video route over the web port", (C.TURN_TLS,)),
    ("quality", "Call quality", (C.MEDIA,)),
    ("security", "Network security devices", (C.PROXY, C.TLS_INSPECTION, C.CAPTIVE_PORTAL)),
    ("vpn", "Company VPN", (C.VPN,)),
    ("email", "Interview emails will arrive", (C.EMAIL,)),
    ("system", "This computer", (C.SYSTEM,)),
    ("browser", "Your web browser", (C.BROWSER,)),
)
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
            states = {state_of_status(r.status) for r in self.results.values()}
            return next(s for s in _WORST_FIRST if s in states)
        if self.started or self.results:
            return RowState.RUNNING
        return RowState.WAITING

    @property
    def summary(self) -> str:
        """One short line under the title: the first non-passing check's summary, else a count."""
        if not self.state.finished:
            done = len(self.results)
            total = len(self.check_ids)
            return f"{done} of {total} done" if total > 1 else ""
        bad = [r for r in self.results.values() if r.status is not Status.PASS]
        if bad:
            return bad[0].summary
        n = len(self.results)
        return "All good." if n == 1 else f"All {n} checks passed."


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
