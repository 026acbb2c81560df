"""`python -m app` with no arguments: the wizard window on a qasync event loop."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import TOOL_NAME, __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.gui.preset import WizardPreset


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Wizard options: the platform and region to preselect."""
    parser = argparse.ArgumentParser(prog="callready gui", description=f"{TOOL_NAME} wizard")
    parser.add_argument("--profile", default=None, help="platform profile to preselect (default: flo-recruit)")
    parser.add_argument("--region", default=None, help="region to preselect (KUDO: us, eu, ca)")
    parser.add_argument("--config", default=None, help="IT preset file (default: callready.toml beside the program)")
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    return parser.parse_args(list(argv))


def create_app() -> QApplication:
    """The QApplication (made once): name, icon, high-DPI rounding, theme following the OS."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from app.gui.theme import apply_theme
    from app.gui.widgets import icon

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv else TOOL_NAME])
    app.setApplicationName(TOOL_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("callready"))
    app.setQuitOnLastWindowClosed(False)  # the loop ends when the wizard says it has closed
    apply_theme(app)
    return app


def main(argv: Sequence[str] = ()) -> int:
    """Open the wizard and run until its window closes; returns the process exit code."""
    args = parse_args(argv)
    import qasync
    from PySide6.QtCore import QTimer

    from app.gui.window import MainWindow
    from app.logs import setup_logging

    app = create_app()
    memory = setup_logging()
    preset = _it_preset(args)
    if preset is None:
        return 3
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(preset=preset, memory_log=memory)
    window.reporter.install(loop)
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    if os.environ.get("CALLREADY_BENCH_SHOWN"):  # bench/bench_gui.py: report when the window is on screen

        def shown() -> None:
            handle = window.windowHandle()
            if handle is not None and handle.isExposed():
                sys.stderr.write(f"callready-visible {time.monotonic():.6f}\n")
                sys.stderr.flush()
                window.close()
            else:
                QTimer.singleShot(5, shown)

        QTimer.singleShot(0, shown)
    try:
        loop.run_until_complete(closed)
        _finish_tasks(loop)
    finally:
        window.reporter.uninstall()
        loop.close()
    return 0


def _it_preset(args: argparse.Namespace) -> WizardPreset | None:
    """The wizard's settings with IT's preset (app/presets.py) applied; a bad preset is shown plainly, never ignored."""
    from PySide6.QtWidgets import QMessageBox

    from app.gui.preset import wizard_preset
    from app.presets import PresetError, load_preset

    try:
        return wizard_preset(load_preset(args.config), args.profile, args.region)
    except PresetError as exc:
        sys.stderr.write(f"callready: {exc}\n")
        QMessageBox.critical(None, TOOL_NAME, f"The settings file from your IT team cannot be used:\n\n{exc}")
        return None


def _finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel and await anything still pending, so nothing is left behind at exit."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
