"""The wizard window: four pages on a stack, driven by engine events from a Session on the qasync loop."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QStandardPaths, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from app.engine.codes import FindingCode
from app.engine.model import Event, RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile, ProfileError, load_profile, shipped_profiles
from app.gui import reporting
from app.gui.errors import ErrorReporter
from app.gui.pages.browsercheck import BrowserCheckPage
from app.gui.pages.checking import CheckingPage
from app.gui.pages.result import ResultPage
from app.gui.pages.share import SharePage
from app.gui.pages.welcome import ProfileChoice, WelcomePage, choice_of
from app.gui.preset import WizardPreset
from app.gui.rows import RowBoard, RowState
from app.gui.settings import SettingsError, options_from_values
from app.gui.widgets import em, icon
from app.gui.wording import needs_it
from app.logs import MemoryLog, redactor, setup_logging

if TYPE_CHECKING:  # the engine's run machinery (DNS, TLS, STUN...) is imported when a check starts, not before the
    from app.engine.session import Planner, Session  # first screen shows (issue 19)

log = logging.getLogger("callready.gui")


def _load_choices(wanted: str | None = None) -> tuple[list[ProfileChoice], dict[str, Profile], str | None]:
    """The platforms to offer: the shipped profiles plus a profile file IT named (which wins over a same id)."""
    profiles: dict[str, Profile] = {}
    for pid in shipped_profiles():
        try:
            profiles[pid] = load_profile(pid)
        except ProfileError:
            log.exception("shipped profile %s does not load", pid)
    if wanted and wanted not in profiles:
        try:
            own = load_profile(wanted)
        except ProfileError:
            log.exception("preset profile %s does not load", wanted)
            wanted = None
        else:
            profiles[own.id] = own
            wanted = own.id
    return [choice_of(p) for p in profiles.values()], profiles, wanted


class MainWindow(QMainWindow):
    """The wizard. `planners` and `base_options` let tests drive it with recorded checks."""

    closed = Signal()
    run_finished = Signal(object)  # RunResult

    def __init__(
        self,
        profile_id: str | None = None,
        preset: WizardPreset | None = None,
        planners: Sequence[Planner] | None = None,
        base_options: RunOptions | None = None,
        memory_log: MemoryLog | None = None,
        open_url: Callable[[str], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.preset = preset or WizardPreset(profile_id=profile_id)
        self._planners = planners
        self._base_options = base_options or RunOptions()
        self.memory = memory_log or setup_logging()
        # Opens mailto: and file: URLs and says whether a program took them (the OS opener's exit status).
        self.open_url: Callable[[str], bool] = reporting.open_external if open_url is None else open_url
        # Mail: xdg-email attaches the report where it can; a test's open_url stands in for both.
        self.open_mail: Callable[[str, Path | None], bool] = (
            reporting.open_mail if open_url is None else (lambda url, _path: open_url(url))
        )
        self.reporter = ErrorReporter(lambda: self, lambda: self.support_email)
        choices, self._profiles, wanted = _load_choices(self.preset.profile_id)
        if wanted and wanted != self.preset.profile_id:
            self.preset = dataclasses.replace(self.preset, profile_id=wanted)

        self.welcome = WelcomePage(choices, self.preset)
        self.checking = CheckingPage()
        self.result_page = ResultPage()
        self.share = SharePage()
        self.browser_page = BrowserCheckPage()
        self.stack = QStackedWidget()
        for page in (self.welcome, self.checking, self.result_page, self.share, self.browser_page):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.setWindowIcon(icon("callready"))
        self.resize(em(self, 46), em(self, 40))
        self.setMinimumSize(em(self, 30), em(self, 26))
        self.fit_to_screen()

        self.session: Session | None = None
        self.task: asyncio.Task[None] | None = None
        self.board = RowBoard()
        self.result: RunResult | None = None
        self.profile: Profile | None = None
        self.options: RunOptions | None = None
        self.bundle_path: Path | None = None
        self._log_start = 0
        self._t0 = 0.0
        self._close_after_run = False
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)

        self.welcome.start_requested.connect(self.start)
        self.welcome.platform_changed.connect(self._brand)
        self.checking.cancel_requested.connect(self.cancel)
        self.result_page.again_requested.connect(self.start)
        self.result_page.share_requested.connect(self.show_share)
        self.result_page.settings_requested.connect(self.change_settings)
        self.result_page.browser_requested.connect(self.show_browser_check)
        self.browser_page.back_requested.connect(lambda: self._go(self.result_page, self.result_page.primary))
        self.browser_page.finished.connect(self._browser_checked)
        self.share.back_requested.connect(lambda: self._go(self.result_page, self.result_page.primary))
        self.share.again_requested.connect(self.start)
        self.share.settings_requested.connect(self.change_settings)
        self.share.save_requested.connect(self.save_report)
        self.share.email_requested.connect(self.email_support)
        self.share.email_it_requested.connect(self.email_it)
        self.share.show_file_requested.connect(self.show_report_file)
        self.share.anonymize_changed.connect(lambda _on: self._preview())
        self._brand(str(self.welcome.platform.currentData()))
        self._go(self.welcome, self.welcome.start)

    # ------------------------------------------------------------ state

    @property
    def support_email(self) -> str:
        """Where people send reports: the IT preset's address, else the platform's."""
        if self.preset.support_email:
            return self.preset.support_email
        p = self.profile or self._profiles.get(str(self.welcome.platform.currentData()))
        return p.support_email if p else ""

    @property
    def running(self) -> bool:
        """True while a run's task is alive."""
        return self.task is not None and not self.task.done()

    def _brand(self, profile_id: str) -> None:
        p = self._profiles.get(profile_id)
        self.setWindowTitle(p.window_title if p else "Network check")

    def _go(self, page: QWidget, focus: QWidget | None = None) -> None:
        self.stack.setCurrentWidget(page)
        if focus is not None:
            focus.setFocus()

    def fit_to_screen(self, available: QRect | None = None) -> None:
        """Never larger than the screen's free area (200 % on a small laptop), and placed inside it."""
        if available is None:
            screen = self.screen()
            if screen is None:
                return
            available = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders, where known
        width = max(1, available.width() - frame.width())
        height = max(1, available.height() - frame.height())
        self.setMinimumSize(min(self.minimumWidth(), width), min(self.minimumHeight(), height))
        self.resize(min(self.width(), width), min(self.height(), height))
        x = min(max(self.x(), available.left()), available.right() - self.width() - frame.width() + 1)
        y = min(max(self.y(), available.top()), available.bottom() - self.height() - frame.height() + 1)
        self.move(max(available.left(), x), max(available.top(), y))

    def change_settings(self) -> None:
        """Back to the first page with every entry kept (to add a work email or fix a proxy address)."""
        if self.running:
            return
        self._go(self.welcome, self.welcome.start)

    # ------------------------------------------------------------ run

    def start(self) -> None:
        """Validate the entries, then run a Session and show its events live."""
        if self.running:
            return
        values = self.welcome.values()
        self._go(self.welcome)
        checked = self.welcome.check(self._base_options)
        if checked is None:
            return
        try:
            chosen = self._profiles.get(values.profile_id)
            profile = load_profile(chosen.path if chosen else values.profile_id, values.region)
            options = options_from_values(values, self._base_options)
        except (ProfileError, SettingsError) as exc:
            self.welcome.show_error(str(exc))
            return
        self.welcome.show_error("")
        redactor().add(*options.secrets())
        redactor().add(*(s for t in profile.turn for s in (t.password, t.secret) if s))
        self.profile, self.options, self.result, self.bundle_path = profile, options, None, None
        self._brand(profile.id)
        self._log_start = len(self.memory.lines)
        self.board = RowBoard()
        self.checking.reset()
        self._go(self.checking, self.checking.cancel)
        self._t0 = time.monotonic()
        self._timer.start()
        from app.engine.session import Session

        self.session = Session(profile, options, self._on_event, planners=self._planners)
        self.task = asyncio.get_event_loop().create_task(self._run(self.session), name="callready-wizard-run")

    async def _run(self, session: Session) -> None:
        try:
            result = await session.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._run_failed(exc)
            return
        finally:
            self._timer.stop()
            self._tick()
            if self._close_after_run:
                QTimer.singleShot(0, self.close)
        if not self._close_after_run:
            self._show_result(result)

    def _on_event(self, event: Event) -> None:
        row = self.board.apply(event)
        if row is None:
            self.checking.show_board(self.board)
        else:
            self.checking.update_row(row, self.board)

    def _tick(self) -> None:
        if self._t0:
            self.checking.set_elapsed(time.monotonic() - self._t0)

    def cancel(self) -> None:
        """Stop the run now; the partial result is shown when it arrives."""
        if self.session is not None and self.running:
            self.checking.cancelling()
            self.session.cancel()

    def _show_result(self, result: RunResult) -> None:
        self.result = result
        assert self.profile is not None
        self.result_page.show_result(result, self.board, self.profile.browser_advice, self.support_email)
        self._go(self.result_page, self.result_page.primary)
        self.run_finished.emit(result)

    def show_browser_check(self) -> None:
        """The optional step: camera, microphone and the browser's call path (issue 18)."""
        if self.result and self.profile and self.options:
            self.browser_page.prepare(self.profile, self.options, self.result)
            self._go(self.browser_page, self.browser_page.start)

    def _browser_checked(self, result: RunResult) -> None:
        """The run with the browser checks joined: shown, and saved in the next report."""
        self.result, self.bundle_path = result, None
        assert self.profile is not None
        self.result_page.show_result(result, self.board, self.profile.browser_advice, self.support_email)
        self._go(self.result_page, self.result_page.primary)

    def _run_failed(self, exc: BaseException) -> None:
        self.welcome.show_error("The last check stopped because of an unexpected problem. You can try again.")
        self._go(self.welcome, self.welcome.start)
        self.reporter.show(exc, "while checking")

    # ------------------------------------------------------------ share

    def show_share(self) -> None:
        """Open the Share page with the default folder and a contents preview."""
        if not self.share.folder.text():
            locs = [
                QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DesktopLocation),
                QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation),
            ]
            self.share.folder.setText(str(reporting.default_folder(locs)))
        self.share.set_status("")
        self.share.set_it_visible(self.result is not None and needs_it(self.result))
        self.share.set_offline(
            self.result is not None and any(f.code == FindingCode.OFFLINE for f in self.result.findings)
        )
        self._preview()
        self._go(self.share, self.share.save)

    def _preview(self) -> None:
        if self.result and self.profile and self.options:
            lines = reporting.contents_preview(self.result, self.share.anonymize.isChecked())
            self.share.set_contents(lines)

    def save_report(self) -> None:
        """Write the bundle without freezing the window."""
        asyncio.get_event_loop().create_task(self._save(), name="callready-save-report")

    async def _save(self) -> Path | None:
        if not (self.result and self.profile and self.options):
            return None
        folder = Path(self.share.folder.text().strip() or str(Path.home())).expanduser()
        log_text = "\n".join(self.memory.lines[self._log_start :]) + "\n"
        self.share.save.setEnabled(False)
        self.share.set_status("Saving the report…", RowState.RUNNING)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            profile = dataclasses.replace(self.profile, support_email=self.support_email)  # IT's address, as shown
            args = (self.result, profile, self.options, log_text, folder, self.share.anonymize.isChecked())
            with ThreadPoolExecutor(1, thread_name_prefix="callready-save") as pool:
                path = await asyncio.get_running_loop().run_in_executor(pool, reporting.write_bundle, *args)
        except reporting.ReportUnavailable as exc:
            self.share.set_status(f"The report could not be saved: {exc}.", RowState.FAILED)
            return None
        except OSError as exc:
            self.share.set_status(f"The report could not be saved in {folder}: {exc.strerror or exc}.", RowState.FAILED)
            return None
        finally:
            self.share.save.setEnabled(True)
        self.bundle_path = path
        self.share.set_status(f"Saved: {path}", RowState.PASSED, show_file=True)
        return path

    def email_support(self) -> None:
        """Open a message to support (report saved first; its location in the text) and say what happened."""
        asyncio.get_event_loop().create_task(self._email(to_it=False), name="callready-email-support")

    def email_it(self) -> None:
        """Open a message to the person's IT team with the IT table as its body, and say what happened."""
        asyncio.get_event_loop().create_task(self._email(to_it=True), name="callready-email-it")

    async def _open(self, url: str, attachment: Path | None = None, mail: bool = False) -> bool:
        """The opener runs in a worker thread (it waits for the OS opener's exit status)."""
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="callready-open") as pool:  # a plain thread, joined here
                loop = asyncio.get_running_loop()
                if mail:
                    return bool(await loop.run_in_executor(pool, self.open_mail, url, attachment))
                return bool(await loop.run_in_executor(pool, self.open_url, url))
        except Exception:
            log.exception("opening %s failed", url.split(":", 1)[0])
            return False

    async def _email(self, to_it: bool) -> None:
        if not (self.result and self.profile):
            return
        path = self.bundle_path or await self._save()
        to = (self.preset.support_email or "") if to_it else self.support_email
        subject, body = reporting.email_text(self.result, self.profile, path, to_it)
        url = (reporting.it_mailto if to_it else reporting.support_mailto)(self.result, self.profile, to, path)
        message = (f"To: {to}\n" if to else "") + f"Subject: {subject}\n\n{body}"
        opened = await self._open(url, path, mail=True)
        who = f" to {to}" if to else ""
        attach = (
            f" If the report is not attached, attach the file {path}" if path else " The report could not be saved."
        )
        if opened:
            fill = " Add your IT team's address." if to_it and not to else ""
            self.share.set_status(f"Your email program opened a message{who}.{fill}{attach}", RowState.PASSED,
                                  message, show_file=path is not None)  # fmt: skip
            return
        log.warning("no email program opened the %s message", "IT" if to_it else "support")
        self.share.set_status(
            "No email program opened on this computer. Copy the message and paste it into your webmail"
            f"{who or ' (to your IT team)'}, then attach the report file." + (f" It is saved as {path}" if path else
            " The report could not be saved, so the message has the result in words."),
            RowState.WARNING,
            message,
            show_file=path is not None,
        )  # fmt: skip

    def show_report_file(self) -> None:
        """Open the folder that holds the saved report."""
        asyncio.get_event_loop().create_task(self._show_file(), name="callready-show-report")

    async def _show_file(self) -> None:
        path = self.bundle_path
        if path is None:
            return
        if not await self._open(QUrl.fromLocalFile(str(path.parent)).toString()):
            self.share.set_status(f"The folder could not be opened here. The report is saved as {path}",
                                  RowState.WARNING, str(path))  # fmt: skip

    # ------------------------------------------------------------ close

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing mid-run cancels the run first, then closes once the partial result is in."""
        if self.running and self.session is not None:
            self._close_after_run = True
            self.session.cancel()
            self.hide()
            event.ignore()
            return
        self._timer.stop()
        self.reporter.uninstall()
        super().closeEvent(event)
        self.closed.emit()
