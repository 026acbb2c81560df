"""Optional step after the network check: camera, microphone and the browser's own call path, in a local page.

The page only asks and shows; the local page server and the browser live in app.browsercheck (no socket here).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.engine.findings import CATALOGUE
from app.engine.model import CheckResult, RunResult, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.gui.rows import RowState
from app.gui.widgets import CheckRowWidget, StatusIcon, button, heading, page_layout, paragraph, scrolling

log = logging.getLogger("callready.gui")

_STATE = {Status.PASS: RowState.PASSED, Status.WARN: RowState.WARNING, Status.FAIL: RowState.FAILED,
          Status.SKIP: RowState.NOT_CHECKED}  # fmt: skip
_TITLES = {"browser:policy": "Browser settings from IT", "browser:media": "Camera and microphone",
           "browser:direct": "Video can flow directly from the browser", "browser:page": "The browser page"}  # fmt: skip

Runner = Callable[[Profile, RunOptions, RunResult, Callable[[str], None]], Awaitable[RunResult]]


@dataclass(frozen=True)
class BrowserRow:
    """A row of this page (RowLike): one browser check in plain words."""

    key: str
    title: str
    state: RowState
    summary: str


def rows_of(checks: tuple[CheckResult, ...] | list[CheckResult]) -> list[BrowserRow]:
    """Plain rows for the browser checks of a run (relays folded into one row: the best of them)."""
    rows, relays = [], []
    for c in checks:
        if c.id.startswith("browser:relay:"):
            relays.append(c)
        elif c.id.startswith("browser:"):
            rows.append(BrowserRow(c.id, _TITLES.get(c.id, c.title), _STATE[c.status], _with_step(c)))
    if relays:
        order = [Status.PASS, Status.WARN, Status.FAIL, Status.SKIP]
        best = min(relays, key=lambda c: (order.index(c.status), -int(c.details.get("relay_candidates") or 0)))
        ok = sum(1 for c in relays if c.status is Status.PASS)
        rows.append(BrowserRow("browser:relay", "Backup video route from the browser (relays)", _STATE[best.status],
                               f"{ok} of {len(relays)} relay routes answered. {best.summary}"))  # fmt: skip
    return rows


def _with_step(c: CheckResult) -> str:
    """The check's summary plus the plain step of its first finding that has one (permission, device, busy)."""
    steps = [CATALOGUE[code].advice for code in c.findings if code in CATALOGUE and CATALOGUE[code].advice]
    return f"{c.summary} {steps[0]}" if steps and "{" not in steps[0] else c.summary


async def default_runner(
    profile: Profile, options: RunOptions, run: RunResult, on_url: Callable[[str], None]
) -> RunResult:
    """Serve the page, open the browser, and join its checks to the run."""
    from app.browsercheck.run import join_run, run_browser_check

    checks = await run_browser_check(profile, options, run, on_url=on_url)
    return join_run(run, checks, profile)


class BrowserCheckPage(QWidget):
    """Start / skip the browser check, show its rows; `finished` carries the run with the browser checks joined."""

    finished = Signal(object)  # RunResult
    back_requested = Signal()

    def __init__(self, runner: Runner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-browser")
        self._runner = runner or default_runner
        self._task: asyncio.Task[None] | None = None
        self._run: tuple[Profile, RunOptions, RunResult] | None = None
        self._joined: RunResult | None = None
        self.title = heading("Check camera, microphone and your browser")
        self.intro = paragraph(
            "CallReady opens a page in your web browser, on this computer only. Allow the camera and microphone "
            "when the browser asks. The page shows your camera and a microphone level, then tries the same video "
            "routes the interview uses, from inside the browser. Nothing is recorded."
        )
        self.status_icon = StatusIcon(RowState.WAITING, 1.1)
        self.status = paragraph("")
        self.status.setAccessibleName("Browser check status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self.status, 1)
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self._row_widgets: list[CheckRowWidget] = []

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.title)
        inner.addWidget(self.intro)
        inner.addLayout(status_row)
        inner.addWidget(self.rows_box)
        inner.addStretch(1)

        self.back = button("&Back to the result", "Back to the result without this check", self.back_requested)
        self.start = button("&Open the check in my browser", "Open the camera and browser check", self.begin)
        self.start.setDefault(True)
        self.done = button("Show the &result", "Show the result with the browser check", self._finish)
        self.done.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.start)
        buttons.addWidget(self.done)
        layout = page_layout(self)
        layout.addWidget(scrolling(body), 1)
        layout.addLayout(buttons)
        self.set_status("", RowState.WAITING)

    def prepare(self, profile: Profile, options: RunOptions, run: RunResult) -> None:
        """Get ready for a run's browser check (shows the rows of an earlier one, if the run has them)."""
        self._run = (profile, options, run)
        self._joined = None
        self.start.setEnabled(True)
        self.start.setText("&Open the check in my browser")
        self.done.setVisible(False)
        self.show_rows(rows_of(run.checks) if any(c.id.startswith("browser:") and c.id != "browser:policy"
                                                  for c in run.checks) else [])  # fmt: skip
        self.set_status("When you are ready, open the check. It takes about half a minute.", RowState.WAITING)

    def set_status(self, text: str, state: RowState) -> None:
        """One status line with its icon."""
        self.status.setText(text)
        self.status_icon.set_state(state)
        self.status_icon.setVisible(bool(text))

    def show_rows(self, rows: list[BrowserRow]) -> None:
        """Replace the rows shown."""
        for w in self._row_widgets:
            self.rows_layout.removeWidget(w)
            w.deleteLater()
        self._row_widgets = [CheckRowWidget(r) for r in rows]
        for w in self._row_widgets:
            self.rows_layout.addWidget(w)

    @property
    def running(self) -> bool:
        """True while the browser check runs."""
        return self._task is not None and not self._task.done()

    def begin(self) -> None:
        """Start the browser check on the event loop."""
        if self.running or self._run is None:
            return
        self.start.setEnabled(False)
        self.set_status("Opening your browser…", RowState.RUNNING)
        self._task = asyncio.get_event_loop().create_task(self._go(), name="callready-browser-check")

    def _on_url(self, url: str) -> None:
        self.set_status(
            "Waiting for the page in your browser. Allow the camera and microphone there, and keep the page open "
            f"until it says Done. If no browser opened, paste this address into one: {url}",
            RowState.RUNNING,
        )

    async def _go(self) -> None:
        assert self._run is not None
        profile, options, run = self._run
        try:
            joined = await self._runner(profile, options, run, self._on_url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown, never swallowed: the network result stays as it was
            log.exception("browser check failed")
            self.set_status(f"The browser check stopped because of an unexpected problem ({type(exc).__name__}).",
                            RowState.FAILED)  # fmt: skip
            self.start.setEnabled(True)
            return
        self._joined = joined
        rows = rows_of(joined.checks)
        self.show_rows(rows)
        worst = max((r.state for r in rows), key=_rank, default=RowState.PASSED)
        words = {RowState.PASSED: "Done: your browser is ready for the call.",
                 RowState.WARNING: "Done: your browser works, with the warnings below.",
                 RowState.FAILED: "Done: your browser has a problem; see below.",
                 RowState.NOT_CHECKED: "The browser page did not answer; see below."}  # fmt: skip
        self.set_status(words.get(worst, "Done."), worst)
        self.start.setText("Check &again")
        self.start.setEnabled(True)
        self.start.setDefault(False)
        self.done.setVisible(True)
        self.done.setDefault(True)
        self.done.setFocus()

    def _finish(self) -> None:
        if self._joined is not None:
            self.finished.emit(self._joined)

    def cancel(self) -> None:
        """Stop a running check (the window is closing)."""
        if self.running and self._task is not None:
            self._task.cancel()


def _rank(state: RowState) -> int:
    order = [RowState.PASSED, RowState.NOT_CHECKED, RowState.WARNING, RowState.FAILED]
    return order.index(state) if state in order else 0
