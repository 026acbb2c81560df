"""The whole wizard flow, offscreen, driven by recorded engine results (ready, degraded, blocked, cancelled, error)."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QTextBrowser,
    QWidget,
)

from app.engine.model import Status, Verdict
from app.gui.rows import RowState
from app.gui.window import MainWindow
from tests.gui import recorded

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


class Opened(list):  # type: ignore[type-arg]
    """Stands in for the desktop's URL opener (mail program, file manager) and records the URLs."""

    def __call__(self, url: QUrl) -> bool:
        self.append(url.toString())
        return True


@pytest.fixture
def make(qtbot: Any, qloop: Any, tmp_path: Path):  # type: ignore[no-untyped-def]
    windows: list[MainWindow] = []

    def build(outcome: str, **kw: Any) -> MainWindow:
        win = MainWindow(planners=recorded.planners(outcome), open_url=Opened(), **kw)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitActive(win)
        windows.append(win)
        return win

    yield build
    for w in windows:
        if w.running and w.session:
            w.session.cancel()
            qtbot.waitUntil(lambda w=w: not w.running, timeout=5000)


def press(qtbot: Any, widget: QWidget, key: Qt.Key = Qt.Key.Key_Space) -> None:
    """Keyboard only: focus the control as Tab would, then press a key on it."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    assert widget.window().focusWidget() is widget, f"{widget} cannot take keyboard focus"
    qtbot.keyClick(widget, key)


def wait_result(qtbot: Any, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.result_page, timeout=15000)


def test_ready_flow_end_to_end_with_the_keyboard(make: Any, qtbot: Any, tmp_path: Path) -> None:
    win = make("ready")
    snapshots: list[dict[str, Any]] = []
    update_row = win.checking.update_row

    def spy(row: Any, board: Any) -> None:
        update_row(row, board)
        snapshots.append({"page": win.stack.currentWidget().objectName(), "done": board.done, "total": board.total,
                          "states": [w.state_label.text() for w in win.checking.widgets.values()]})  # fmt: skip

    win.checking.update_row = spy
    assert win.windowTitle() == "Flo Recruit network check"
    assert win.focusWidget() is win.welcome.start  # Enter starts right away
    win.welcome.email.setFocus()
    qtbot.keyClicks(win.welcome.email, "jordan@example.com")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.checking
    qtbot.waitUntil(lambda: bool(win.checking.widgets), timeout=3000)
    # every planned row is listed up front, before anything finished
    assert list(win.checking.widgets) == ["reach", "live", "direct", "relay", "relay_tls", "quality",
                                          "security", "vpn", "email"]  # fmt: skip
    # results appear as they come: rows turn Passed on screen while the run is still going
    wait_result(qtbot, win)
    live = [snap for snap in snapshots if snap["page"] == "page-checking" and 0 < snap["done"] < snap["total"]]
    assert live, snapshots
    assert snapshots[0]["done"] == 0 and len(snapshots[0]["states"]) == 9  # all rows shown before any result
    assert any("Passed" in snap["states"] and {"Checking…", "Waiting"} & set(snap["states"]) for snap in live)
    assert win.result is not None and win.result.verdict is Verdict.READY
    assert win.result_page.headline.text() == "Ready"
    assert win.result_page.icon.state is RowState.PASSED
    assert win.result_page.it_box.isHidden()
    press(qtbot, win.result_page.details_toggle)
    assert win.result_page.details.isVisible()
    details = win.result_page.details.toPlainText()
    for c in win.result.checks:
        assert c.id in details and c.summary in details
    # Share page, keyboard only
    press(qtbot, win.result_page.share, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.share
    assert win.share.anonymize.isChecked()  # anonymize is on by default and shown
    assert "report.json" in win.share.contents.text()
    win.share.folder.setText(str(tmp_path))
    press(qtbot, win.share.save)
    qtbot.waitUntil(lambda: win.share.status.text().startswith("Saved"), timeout=15000)
    assert win.bundle_path is not None and win.bundle_path.parent == tmp_path
    assert "report.json" in zipfile.ZipFile(win.bundle_path).namelist()
    press(qtbot, win.share.email)
    qtbot.waitUntil(lambda: len(win.open_url) == 2, timeout=5000)
    mail, folder = win.open_url
    assert mail.startswith("mailto:support@florecruit.com?subject=")
    assert folder == QUrl.fromLocalFile(str(tmp_path)).toString()
    assert "support@florecruit.com" in win.share.status.text()
    # Run again from the share page starts a fresh run
    press(qtbot, win.share.again)
    assert win.stack.currentWidget() is win.checking
    wait_result(qtbot, win)


def test_degraded_result_names_what_failed_for_it(make: Any, qtbot: Any) -> None:
    win = make("degraded")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert win.result.verdict is Verdict.DEGRADED  # type: ignore[union-attr]
    assert win.result_page.headline.text() == "Works with reduced quality"
    assert win.result_page.icon.state is RowState.WARNING
    states = {k: w.state_label.text() for k, w in win.checking.widgets.items()}
    assert states["direct"] == "Failed" and states["quality"] == "Warning" and states["reach"] == "Passed"
    assert win.result_page.it_box.isVisibleTo(win)
    it = win.result_page.it_text.toPlainText()
    assert "[stun_blocked]" in it and "[high_latency]" in it
    assert "https_blocked" not in it and "websocket" not in it  # only what failed
    press(qtbot, win.result_page.copy_it)
    assert QApplication.clipboard().text() == it


def test_blocked_result(make: Any, qtbot: Any) -> None:
    win = make("blocked")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert win.result_page.headline.text() == "Will not work"
    assert win.result_page.icon.state is RowState.FAILED
    assert win.result_page.icon.accessibleName() == "Failed"  # icon plus words, never colour alone
    assert "[https_blocked]" in win.result_page.it_text.toPlainText()
    assert "Your network blocks Flo Recruit's web servers" in win.result_page.steps.text()


def test_cancel_keeps_the_partial_result(make: Any, qtbot: Any) -> None:
    win = make("cancelled")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.board.done >= 2, timeout=10000)
    press(qtbot, win.checking.cancel)
    wait_result(qtbot, win)
    r = win.result
    assert r is not None and r.ended_by == "cancelled" and not r.finished
    assert win.result_page.headline.text() == "Check not finished"
    assert win.result_page.it_box.isHidden()
    done = [c for c in r.checks if c.finished]
    assert done and all(c.status is Status.PASS for c in done)  # kept
    assert any(not c.finished for c in r.checks)
    assert not win.running


def test_engine_error_shows_a_copyable_report_not_a_silent_exit(make: Any, qtbot: Any) -> None:
    win = make("error")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(win.reporter.dialogs), timeout=5000)
    dialog = win.reporter.dialogs[0]
    assert dialog.isVisible()
    assert "recorded engine failure" in dialog.text.toPlainText()
    assert "support@florecruit.com" in dialog.findChildren(QWidget)[0].parent().findChild(
        type(win.welcome.title)
    ).text() or any("support@florecruit.com" in w.text() for w in dialog.findChildren(type(win.welcome.title)))
    press(qtbot, dialog.copy_button)
    assert "recorded engine failure" in QApplication.clipboard().text()
    assert win.stack.currentWidget() is win.welcome
    assert "unexpected problem" in win.welcome.error.text()
    dialog.close()
    assert not win.running


def test_exception_in_a_slot_reaches_the_dialog(make: Any, qtbot: Any) -> None:
    win = make("ready")
    try:
        raise ValueError("boom in a slot")
    except ValueError as exc:
        win.reporter.excepthook(ValueError, exc, exc.__traceback__)
    assert "boom in a slot" in win.reporter.dialogs[-1].text.toPlainText()
    win.reporter.dialogs[-1].close()


def test_closing_mid_run_cancels_cleanly(make: Any, qtbot: Any, qloop: Any) -> None:
    win = make("cancelled")
    closed: list[bool] = []
    win.closed.connect(lambda: closed.append(True))
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.board.done >= 1, timeout=10000)
    task = win.task
    win.close()
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    assert task is not None and task.done() and not task.cancelled() and task.exception() is None
    assert win.session is not None and win.session._runner.ended_by == "cancelled"
    stray = [t for t in asyncio.all_tasks(qloop) if not t.done() and "check:" in t.get_name()]
    assert stray == []
    assert not win.reporter.dialogs


def test_bad_settings_stay_on_welcome_with_words(make: Any, qtbot: Any) -> None:
    win = make("ready")
    press(qtbot, win.welcome.advanced_toggle)
    assert win.welcome.advanced.isVisible()
    win.welcome.turn_url.setText("turn:relay.example.com:3478")
    win.welcome.turn_password.setText("pw-without-user")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.welcome and not win.running
    assert "username" in win.welcome.error.text()
    assert win.welcome.error_box.isVisible() and win.welcome.error_icon.accessibleName() == "Failed"
    assert "pw-without-user" not in win.welcome.error.text()


def test_platform_choice_drives_title_and_region(make: Any, qtbot: Any) -> None:
    win = make("ready")
    assert win.welcome.region.isHidden()  # Flo Recruit has no regions
    combo = win.welcome.platform
    combo.setCurrentIndex(combo.findData("kudo"))
    assert win.welcome.region.isVisibleTo(win)
    assert [win.welcome.region.itemData(i) for i in range(win.welcome.region.count())] == ["us", "eu", "ca"]
    assert "KUDO" in win.windowTitle()
    assert "KUDO" in win.welcome.intro.text()


def test_every_control_has_an_accessible_name(make: Any, qtbot: Any) -> None:
    win = make("degraded")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    win.show_share()
    kinds = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QTextBrowser, QProgressBar, QCheckBox)
    missing = []
    for page in (win.welcome, win.checking, win.result_page, win.share):
        for w in page.findChildren(QWidget):
            if isinstance(w, kinds) and not w.accessibleName().strip() and w.parent() is not None:
                if isinstance(w.parent(), QLineEdit) and w.focusPolicy() == Qt.FocusPolicy.NoFocus:
                    continue  # a line edit's own mouse-only clear button
                missing.append(f"{page.objectName()}: {type(w).__name__} {w.objectName()!r}")
    assert missing == []
    for row in win.checking.widgets.values():
        assert ":" in row.accessibleName() and row.state_label.text() in row.accessibleName()


def test_a_preset_profile_file_is_offered_preselected_and_used(make: Any, qtbot: Any, tmp_path: Path) -> None:
    from app.gui.preset import WizardPreset

    own = tmp_path / "acme.toml"
    text = (Path(__file__).resolve().parents[2] / "app" / "profiles" / "whereby.toml").read_text()
    own.write_text(text.replace('id = "whereby"', 'id = "acme"').replace('window_title = "Whereby network check"',
                                                                          'window_title = "Acme network check"'))
    win = make("ready", preset=WizardPreset(profile_id=str(own), source="your IT team"))
    assert win.welcome.platform.currentData() == "acme"
    assert win.windowTitle() == "Acme network check"
    press(qtbot, win.welcome.start)
    wait_result(qtbot, win)
    assert win.profile is not None and win.profile.id == "acme" and win.profile.path == str(own)
