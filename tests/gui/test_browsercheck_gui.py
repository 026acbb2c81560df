"""The optional browser step of the wizard (issue 18): from the result page, run, rows, back to the joined result.

The browser itself is replaced by a runner that answers with a recorded page result, so no socket is opened here;
tests/lab/test_browser_lab.py drives the real page with Chromium. CR_RECORD_BROWSER=1 saves
docs/screenshots/browser-step@1x.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.browsercheck.judge import judge_result
from app.browsercheck.run import join_run, to_check_result
from app.engine.model import Category, RunResult, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.gui.rows import RowState
from app.gui.window import MainWindow
from tests.gui import recorded

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
PLAN = [
    {"url": "stun:global.stun.twilio.com:3478", "kind": "stun", "transport": "udp"},
    {"url": "turn:global.turn.twilio.com:3478?transport=udp", "kind": "turn", "transport": "udp"},
    {"url": "turn:global.turn.twilio.com:443?transport=tcp", "kind": "turn", "transport": "tcp"},
]
RAW = {
    "user_agent": UA,
    "media": {"ok": False, "error_name": "NotAllowedError"},
    "devices": {"videoinput": 1, "audioinput": 1},
    "ice": [
        {"url": PLAN[0]["url"], "candidates": [{"type": "srflx", "address": "203.0.113.7"}], "errors": []},
        {"url": PLAN[1]["url"], "candidates": [], "errors": [{"code": 401, "text": "Unauthorized."}]},
        {"url": PLAN[2]["url"], "candidates": [{"type": "relay", "address": "203.0.113.9"}], "errors": []},
    ],
}


async def fake_runner(profile: Profile, options: RunOptions, run: RunResult, on_url: Any) -> RunResult:
    on_url("http://127.0.0.1:49152/TOKEN")
    checks = [to_check_result(j, 7) for j in judge_result(RAW, PLAN, "")]
    return join_run(run, checks, profile)


def test_browser_step_joins_the_run(qtbot: Any, qloop: Any, tmp_path: Path) -> None:
    win = MainWindow(planners=recorded.planners("ready"), open_url=lambda url: True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.welcome.start.click()
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.result_page, timeout=15000)
    assert win.result is not None and win.result.verdict.value == "ready"
    assert win.result_page.browser.isVisible()
    qtbot.mouseClick(win.result_page.browser, Qt.MouseButton.LeftButton)
    page = win.browser_page
    assert win.stack.currentWidget() is page and win.focusWidget() is page.start
    page._runner = fake_runner
    qtbot.mouseClick(page.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.done.isVisible(), timeout=10000)
    titles = {w.title.text(): w.state_label.text() for w in page._row_widgets}
    assert titles == {
        "Browser settings from IT": "Passed",  # the run's own managed-policy check, shown beside the page's
        "Camera and microphone": "Failed",
        "Video can flow directly from the browser": "Passed",
        "Backup video route from the browser (relays)": "Passed",
    }
    assert page.status_icon.state is RowState.FAILED and "problem" in page.status.text()
    folder = SHOTS if os.environ.get("CR_RECORD_BROWSER") else tmp_path  # docs/screenshots only when asked
    assert page.grab().save(str(folder / "browser-step@1x.png"), "PNG", 0)
    qtbot.mouseClick(page.done, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.result_page
    assert win.result.verdict.value == "blocked"
    assert "browser_permission_denied" in {f.code for f in win.result.findings}
    assert any(c.category is Category.BROWSER and c.status is Status.FAIL for c in win.result.checks)
    assert win.result_page.headline.text() != "Ready"
    win.close()


def test_back_keeps_the_result(qtbot: Any, qloop: Any) -> None:
    win = MainWindow(planners=recorded.planners("ready"), open_url=lambda url: True)
    qtbot.addWidget(win)
    win.show()
    win.welcome.start.click()
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.result_page, timeout=15000)
    before = win.result
    win.show_browser_check()
    qtbot.mouseClick(win.browser_page.back, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.result_page and win.result is before
    win.close()
