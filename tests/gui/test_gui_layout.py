"""No clipped text and no overlapping widgets on any page, in every outcome (the screenshots' check, in process)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.gui.layoutcheck import layout_problems
from app.gui.window import MainWindow
from tests.gui import recorded

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


def test_the_checker_sees_clipping_and_overlap(qtbot: Any, qloop: Any) -> None:
    w = QWidget()
    qtbot.addWidget(w)
    QHBoxLayout(w).addWidget(QLabel("fits"))
    tight = QLabel("a label much wider than its box", w)
    tight.setGeometry(0, 0, 20, 20)
    button = QPushButton("overlapping button", w)
    button.setGeometry(5, 5, 200, 40)
    w.resize(300, 100)
    w.show()
    qtbot.waitExposed(w)
    problems = layout_problems(w)
    assert any(p.startswith("clipped: QLabel") for p in problems)
    assert any(p.startswith("overlap:") for p in problems)


@pytest.mark.parametrize("outcome", ["ready", "degraded", "blocked", "offline", "captive", "cancelled"])
def test_every_page_fits(outcome: str, qtbot: Any, qloop: Any, tmp_path: Any) -> None:
    win = MainWindow(planners=recorded.planners(outcome, scale=0.05), open_url=lambda _u: True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    seen: dict[str, list[str]] = {"welcome": layout_problems(win)}
    win.welcome.advanced_toggle.setChecked(True)
    seen["welcome-advanced"] = layout_problems(win)
    win.welcome.email.setText("jordan@example.com")
    win.start()
    qtbot.waitUntil(lambda: win.board.done >= 1, timeout=10000)
    seen["checking"] = layout_problems(win)
    if outcome == "cancelled":
        win.cancel()
    qtbot.waitUntil(lambda: win.result is not None, timeout=15000)
    seen["result"] = layout_problems(win)
    win.result_page.details_toggle.setChecked(True)
    seen["result-details"] = layout_problems(win)
    win.show_share()
    seen["share"] = layout_problems(win)
    assert {k: v for k, v in seen.items() if v} == {}


def test_pages_fit_at_200_percent(tmp_path: Any) -> None:
    """The screenshot tool at QT_SCALE_FACTOR=2 (a fresh process) finds no clipped or overlapping widget."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from tools.screenshots import screen_config

    env = dict(os.environ, QT_QPA_PLATFORM=screen_config(tmp_path), QT_SCALE_FACTOR="2")  # a 1280x800 laptop
    cmd = [sys.executable, str(root / "tools" / "screenshots.py"), "--scale", "2", "--out", str(tmp_path),
           "--outcome", "blocked", "--outcome", "error"]  # fmt: skip
    proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shots = sorted(tmp_path.glob("*.png"))
    assert len(shots) >= 8
    from PySide6.QtGui import QImage

    img = QImage(str(tmp_path / "blocked-3-result@2x.png"))
    assert img.width() >= 1200  # really rendered at twice the logical size
    assert img.width() <= 1280 and img.height() <= 800  # and never larger than the 1280x800 screen


def test_text_and_icons_follow_the_system_font(qtbot: Any, qloop: Any, qapp: Any) -> None:
    """A larger system font makes rows, icons and the window larger, and nothing gets clipped."""
    from PySide6.QtGui import QFont

    def build() -> MainWindow:
        win = MainWindow(planners=recorded.planners("degraded", scale=0.05), open_url=lambda _u: True)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.start()
        qtbot.waitUntil(lambda: win.result is not None, timeout=15000)
        return win

    normal = build()
    small_icon = normal.result_page.icon.width()
    small_window = normal.width()
    before = QFont(qapp.font())
    big = QFont(before)
    big.setPointSizeF(before.pointSizeF() * 1.6)
    qapp.setFont(big)
    try:
        large = build()
        assert large.result_page.icon.width() > small_icon * 1.4
        screen = large.screen().availableGeometry().width()
        assert large.width() > small_window * 1.4 or large.width() == screen  # larger, up to the screen's width
        assert layout_problems(large) == []
    finally:
        qapp.setFont(before)


def test_the_smallest_window_with_advanced_open_scrolls_instead_of_clipping(qtbot: Any, qloop: Any) -> None:
    win = MainWindow(planners=recorded.planners("ready", scale=0.05), open_url=lambda _u: True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.resize(win.minimumSize())
    win.welcome.advanced_toggle.setChecked(True)
    win.welcome.email.setText("not-an-email")
    win.welcome.proxy.setText("ftp://proxy.example")
    win.start()  # two problems shown under their fields make the page taller still
    assert layout_problems(win) == []
    assert win.welcome.scroller.verticalScrollBar().maximum() > 0  # it scrolls
    start = win.welcome.start
    assert win.rect().contains(start.mapTo(win, start.rect().bottomRight()))  # Start stays in the window
