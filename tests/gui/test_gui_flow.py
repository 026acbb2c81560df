"""The whole wizard flow, offscreen, driven by recorded engine results (ready, degraded, blocked, offline, captive,
cancelled, error)."""

from __future__ import annotations

import asyncio
import os
import shutil
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

from app.engine.model import Verdict
from app.gui.rows import RowState
from app.gui.window import MainWindow
from tests.gui import recorded

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


class Opened(list):  # type: ignore[type-arg]
    """Stands in for the desktop's URL opener (mail program, file manager) and records the URLs."""

    def __call__(self, url: str) -> bool:
        self.append(url)
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
    # every planned row is listed up front, before anything finished (Flo Recruit names no TURN over TLS)
    assert list(win.checking.widgets) == ["reach", "live", "direct", "relay", "quality", "security", "vpn",
                                          "email", "system", "browser"]  # fmt: skip
    # results appear as they come: rows turn Passed on screen while the run is still going
    wait_result(qtbot, win)
    live = [snap for snap in snapshots if snap["page"] == "page-checking" and 0 < snap["done"] < snap["total"]]
    assert live, snapshots
    assert snapshots[0]["done"] == 0 and len(snapshots[0]["states"]) == 10  # all rows shown before any result
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
    assert "result of each" in win.share.contents.text()
    assert "SHA-256" not in win.share.contents.text() and "report.json" not in win.share.contents.text()  # plain words
    assert win.share.email_it.isHidden()  # nothing for IT when it is ready
    win.share.folder.setText(str(tmp_path))
    press(qtbot, win.share.save)
    qtbot.waitUntil(lambda: win.share.status.text().startswith("Saved"), timeout=15000)
    assert win.bundle_path is not None and win.bundle_path.parent == tmp_path
    assert "report.json" in zipfile.ZipFile(win.bundle_path).namelist()
    press(qtbot, win.share.email)
    qtbot.waitUntil(lambda: "opened a message" in win.share.status.text(), timeout=5000)
    (mail,) = win.open_url
    assert mail.startswith("mailto:support@florecruit.com?subject=")
    assert "support@florecruit.com" in win.share.status.text() and str(win.bundle_path) in win.share.status.text()
    press(qtbot, win.share.show_file)
    qtbot.waitUntil(lambda: len(win.open_url) == 2, timeout=5000)
    assert win.open_url[1] == QUrl.fromLocalFile(str(tmp_path)).toString()
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
    assert states["direct"] == "Failed" and states["relay"] == "Failed" and states["reach"] == "Passed"
    assert states["quality"] == "Passed"  # measured through the relay over TCP: the lab's link is clean
    assert win.result_page.it_box.isVisibleTo(win)
    it = win.result_page.it_text.toPlainText()
    assert (
        "global.stun.twilio.com\n  - STUN, UDP 3478 | no answer (timed out) | "
        "Allow outbound UDP 3478 to global.stun.twilio.com." in it
    )
    assert "TURN, UDP 3478 | no answer (timed out) | Allow outbound UDP 3478 to global.turn.twilio.com." in it
    # only what failed: not the web, the live call connection or TURN over TCP, which worked
    assert "gs.daily.co" not in it and "HTTPS" not in it and "WebSocket" not in it and "TCP 3478" not in it
    press(qtbot, win.result_page.copy_it)
    assert QApplication.clipboard().text() == it


def test_blocked_result(make: Any, qtbot: Any) -> None:
    win = make("blocked")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert win.result_page.headline.text() == "Will not work"
    assert win.result_page.icon.state is RowState.FAILED
    assert win.result_page.icon.accessibleName() == "Failed"  # icon plus words, never colour alone
    assert "*.daily.co\n  - HTTPS, TCP 443 | no answer (timed out) (2 servers)" in win.result_page.it_text.toPlainText()
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
    stopped = [w for w in win.result_page._row_widgets if w.state_label.text() == "Not checked"]
    assert stopped and all(w.detail.text() == "The check was stopped before this part." for w in stopped)
    done = [c for c in r.checks if c.finished]
    played = {rec.id: rec.outcome for rec in recorded.scenario("cancelled")}
    assert done and all((c.status, c.summary) == (played[c.id].status, played[c.id].summary) for c in done)  # kept
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
    turn_error = win.welcome.field_errors[win.welcome.turn_url]
    assert turn_error.isVisible() and "username" in turn_error.text()  # under its field
    assert win.welcome.turn_url.property("problem") == "error"  # and the field highlighted
    assert win.welcome.error_box.isVisible() and win.welcome.error_icon.accessibleName() == "Failed"
    assert "pw-without-user" not in win.welcome.error.text() + turn_error.text()


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
    own.write_text(
        text.replace('id = "whereby"', 'id = "acme"').replace(
            'window_title = "Whereby network check"', 'window_title = "Acme network check"'
        )
    )
    win = make("ready", preset=WizardPreset(profile_id=str(own), source="your IT team"))
    assert win.welcome.platform.currentData() == "acme"
    assert win.windowTitle() == "Acme network check"
    press(qtbot, win.welcome.start)
    wait_result(qtbot, win)
    assert win.profile is not None and win.profile.id == "acme" and win.profile.path == str(own)


def _row_words(win: MainWindow) -> dict[str, tuple[str, str]]:
    return {w.key: (w.state_label.text(), w.detail.text()) for w in win.result_page._row_widgets}


def test_offline_gives_the_interviewer_their_own_steps_only(make: Any, qtbot: Any) -> None:
    win = make("offline")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    page = win.result_page
    assert page.headline.text() == "Will not work" and page.reason.text() == "No internet connection."
    steps = page.steps.text()
    assert "cable or Wi-Fi" in steps
    assert "IT" not in steps and "support" not in steps and "@" not in steps  # nothing anyone else can do
    assert page.it_box.isHidden()
    assert page.primary is page.again and page.again.isDefault() and win.focusWidget() is page.again
    rows = _row_words(win)
    assert rows["reach"][0] == "Failed" and rows["reach"][1].startswith("No internet connection.")
    assert "Not checked" not in [state for state, _w in rows.values()]  # not-tried rows fold into the failed one
    assert rows["system"][0] == "Passed"  # Chromium instead of Chrome is a tip, not a warning
    shown = " ".join(words for _s, words in rows.values())
    assert "daily.co" not in shown and "looked up" not in shown  # no host names or probe jargon for the interviewer
    assert "Nothing for IT to change" in win.result.it_message  # type: ignore[union-attr]
    win.show_share()
    assert win.share.email_it.isHidden() and win.share.email.isHidden()  # no email leaves an offline computer
    assert win.share.offline_note.isVisibleTo(win) and win.share.save.isVisibleTo(win)


def test_captive_portal_sends_the_interviewer_to_sign_in_not_to_it(make: Any, qtbot: Any) -> None:
    win = make("captive")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    page = win.result_page
    assert page.headline.text() == "Will not work"
    assert "sign in" in page.steps.text() and "IT team" not in page.steps.text()
    assert page.it_box.isHidden() and page.primary is page.again
    rows = _row_words(win)
    assert rows["reach"][0] == "Failed" and rows["reach"][1].startswith("Blocked until you sign in to this network.")
    assert rows["security"] == ("Failed", "This network wants you to sign in first.")


def test_blocked_by_the_firewall_gives_it_a_table(make: Any, qtbot: Any) -> None:
    win = make("blocked")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    page = win.result_page
    assert page.it_box.isVisibleTo(win) and page.primary is page.share
    table = page.it_table.toPlainText()
    for cell in ("Destination", "*.daily.co", "HTTPS, TCP 443", "no answer (timed out)",
                 "Allow outbound TCP 443 to *.daily.co.", "prod-ks.pluot.blue", "global.turn.twilio.com",
                 "TURN, UDP 3478", "TURN, TCP 3478", "TURN, TCP 443"):  # fmt: skip
        assert cell in table
    assert "global.stun.twilio.com" in table
    assert "DNS" not in table and "floevents.email" not in table  # only what failed
    press(qtbot, page.copy_csv)
    csv_text = QApplication.clipboard().text()
    assert csv_text.startswith("destination,protocol_port,what_happened,action\r\n")
    assert (
        'prod-ks.pluot.blue,"HTTPS, TCP 443",no answer (timed out),Allow outbound TCP 443 to prod-ks.pluot.blue.'
        in csv_text
    )
    press(qtbot, page.share, Qt.Key.Key_Return)
    assert win.share.email_it.isVisibleTo(win)
    win.share.folder.setText(str(Path(win.share.folder.text() or "/tmp")))
    press(qtbot, win.share.email_it)
    qtbot.waitUntil(lambda: bool(win.open_url), timeout=10000)
    from urllib.parse import parse_qs, urlsplit

    mail = urlsplit(win.open_url[0])
    assert mail.scheme == "mailto" and mail.path == ""  # the person adds their IT team's address
    body = parse_qs(mail.query)["body"][0].replace("\r\n", "\n")
    assert "Hello IT team" in body and "prod-ks.pluot.blue\n  - HTTPS, TCP 443 | no answer (timed out)" in body


def test_no_mail_program_is_said_plainly_with_copy_and_the_file(
    make: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS opener (xdg-open) exists but fails, as on a desktop with webmail and no mail program."""
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the stub stands in for xdg-open")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(
        '#!/bin/sh\necho "$@" >> "$(dirname "$0")/calls"\necho "xdg-open: no method available for opening" >&2\nexit 3\n'
    )
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '')}")
    monkeypatch.delenv("BROWSER", raising=False)  # xdg-email would try browsers after a failed xdg-open
    win = MainWindow(planners=recorded.planners("blocked"))  # the real opener: reporting.open_external
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    wait_result(qtbot, win)
    win.show_share()
    win.share.folder.setText(str(tmp_path))
    press(qtbot, win.share.email)
    qtbot.waitUntil(lambda: "No email program opened" in win.share.status.text(), timeout=15000)
    from urllib.parse import unquote

    called = unquote((bin_dir / "calls").read_text())  # via xdg-email, which asks xdg-open in the end
    assert called.startswith("mailto:support@florecruit.com?subject=Flo Recruit network check")
    if shutil.which("xdg-email", path="/usr/bin:/usr/local/bin"):
        assert f"attach={win.bundle_path}" in called  # the report attached where the mail program allows
    assert win.share.status_icon.state is RowState.WARNING  # never a green tick when nothing opened
    assert win.bundle_path is not None and str(win.bundle_path) in win.share.status.text()
    assert win.share.copy.isVisibleTo(win) and win.share.show_file.isVisibleTo(win)
    press(qtbot, win.share.copy)
    copied = QApplication.clipboard().text()
    assert copied.startswith("To: support@florecruit.com\nSubject: Flo Recruit network check: Will not work")
    assert "prod-ks.pluot.blue" in copied


def test_change_settings_returns_to_the_first_page_with_entries_kept(make: Any, qtbot: Any) -> None:
    win = make("offline")
    w = win.welcome
    w.email.setText("jordan@example.com")
    press(qtbot, w.advanced_toggle)
    w.proxy.setText("proxy.corp:8080")  # host:port is read as an http proxy
    w.turn_url.setText("turn:relay.corp.example:3478")
    w.turn_username.setText("jordan")
    w.turn_password.setText("pw-kept")
    press(qtbot, w.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert win.options is not None and win.options.proxy is not None
    assert (win.options.proxy.scheme, win.options.proxy.host, win.options.proxy.port) == ("http", "proxy.corp", 8080)
    press(qtbot, win.result_page.settings)
    assert win.stack.currentWidget() is w and win.focusWidget() is w.start
    assert (w.email.text(), w.proxy.text(), w.turn_url.text(), w.turn_username.text(), w.turn_password.text()) == (
        "jordan@example.com", "proxy.corp:8080", "turn:relay.corp.example:3478", "jordan", "pw-kept")  # fmt: skip
    w.email.setText("jordan@corp.example")  # the reason to come back: a work email added
    press(qtbot, w.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert win.options.email == "jordan@corp.example"
    win.show_share()
    press(qtbot, win.share.settings)
    assert win.stack.currentWidget() is w and w.email.text() == "jordan@corp.example"


def test_every_entry_problem_is_shown_under_its_field_at_once(make: Any, qtbot: Any) -> None:
    win = make("ready")
    w = win.welcome
    w.email.setText("not-an-email")
    w.proxy.setText("ftp://proxy.corp")
    press(qtbot, w.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is w and not win.running
    assert w.advanced.isVisible()  # opened to show the proxy's problem
    for edit, words in ((w.email, "email address"), (w.proxy, "http:// or https://")):
        label = w.field_errors[edit]
        assert label.isVisible() and words in label.text() and edit.property("problem") == "error"
    assert not w.field_errors[w.proxy].text().startswith("Proxy URL")  # the field's name is not said twice
    assert "2 highlighted entries" in w.error.text()
    assert win.focusWidget() is w.email  # the first problem has the focus
    w.email.setText("")
    w.proxy.setText("")
    press(qtbot, w.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.checking
    assert not w.field_errors[w.email].isVisible() and w.email.property("problem") == ""


def test_turn_without_login_is_warned_once(make: Any, qtbot: Any) -> None:
    win = make("ready")
    w = win.welcome
    press(qtbot, w.advanced_toggle)
    w.turn_url.setText("turns:relay.corp.example:443?transport=tcp")
    press(qtbot, w.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is w
    assert "No username or password" in w.field_errors[w.turn_url].text()
    assert w.turn_url.property("problem") == "warning"
    press(qtbot, w.start, Qt.Key.Key_Return)  # a relay that needs no login: the second Start runs
    assert win.stack.currentWidget() is win.checking


def test_window_never_opens_larger_than_the_screen(make: Any, qtbot: Any) -> None:
    from PySide6.QtCore import QRect

    win = make("ready")
    small = QRect(0, 0, 400, 300)  # a 1280x800 screen at 200 % and more
    win.fit_to_screen(small)
    assert win.width() <= 400 and win.height() <= 300
    assert win.x() >= 0 and win.y() >= 0 and win.x() + win.width() <= 400
    assert win.welcome.start.isVisibleTo(win)  # Start stays on screen: the page scrolls instead


def test_summary_rows_are_not_tab_stops_and_buttons_show_focus(make: Any, qtbot: Any) -> None:
    win = make("degraded")
    press(qtbot, win.welcome.start, Qt.Key.Key_Return)
    wait_result(qtbot, win)
    assert all(w.focusPolicy() == Qt.FocusPolicy.NoFocus for w in win.result_page._row_widgets)
    sheet = QApplication.instance().styleSheet()  # type: ignore[union-attr]
    for kind in ("QPushButton", "QComboBox", "QLineEdit", "QTextBrowser"):
        assert f"{kind}:focus" in sheet, kind
    assert "QCheckBox:focus, QToolButton:focus" in sheet
    assert "&Advanced" in win.welcome.advanced_toggle.text()
