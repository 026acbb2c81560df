"""Unexpected errors: a friendly dialog with a copyable report (secrets scrubbed), never a silent exit."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import TOOL_NAME, __version__
from app.logs import REDACTED, redactor

log = logging.getLogger("callready.gui")


def error_report(exc: BaseException, where: str = "") -> str:
    """The text a user can copy: versions, where it happened and the traceback, with secrets replaced."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = (
        f"{TOOL_NAME} {__version__} - unexpected error{f' ({where})' if where else ''}\n"
        f"Python {platform.python_version()} on {platform.platform()}\n\n{tb}"
    )
    for secret in redactor().secrets:
        text = text.replace(secret, REDACTED)
    return text


class ErrorDialog(QDialog):
    """'Something went wrong' with the report in a read-only box and a Copy button."""

    def __init__(self, report: str, support: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setAccessibleName("Something went wrong")
        self.setMinimumWidth(480)
        ask = f" and send it to {support}" if support else ""
        intro = QLabel(
            "Sorry, the check hit an unexpected problem. Nothing on your computer was changed.\n"
            f"Please copy the report below{ask}. You can then run the check again."
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(report)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Error report")
        self.text.setMinimumHeight(intro.fontMetrics().height() * 10)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setAccessibleName("Copy error report")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def copy(self) -> None:
        """Put the report on the clipboard."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")


class ErrorReporter:
    """Shows one ErrorDialog per unexpected error; installed as sys.excepthook and the loop's handler."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None, support: Callable[[], str] = str) -> None:
        self._parent = parent
        self._support = support
        self.dialogs: list[ErrorDialog] = []
        self._previous_hook = sys.excepthook

    def show(self, exc: BaseException, where: str = "") -> ErrorDialog:
        """Log the error and open the dialog (non-blocking, so the event loop keeps running)."""
        log.error("unexpected error (%s)", where or "-", exc_info=(type(exc), exc, exc.__traceback__))
        dialog = ErrorDialog(error_report(exc, where), self._support(), self._parent())
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        dialog.open()
        return dialog

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """sys.excepthook: exceptions escaping Qt slots end up here."""
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, exc, tb)
            return
        exc.__traceback__ = tb
        try:
            self.show(exc, "in the window")
        except Exception:  # never lose the original error
            self._previous_hook(kind, exc, tb)

    def loop_handler(self, loop: Any, context: dict[str, Any]) -> None:
        """asyncio exception handler: errors of tasks nobody awaited."""
        exc = context.get("exception")
        if exc is None:
            log.error("asyncio: %s", context.get("message"))
            return
        self.show(exc, "in a background task")

    def install(self, loop: Any | None = None) -> None:
        """Become sys.excepthook (and the loop's exception handler when a loop is given)."""
        sys.excepthook = self.excepthook
        if loop is not None:
            loop.set_exception_handler(self.loop_handler)

    def uninstall(self) -> None:
        """Restore the previous sys.excepthook."""
        sys.excepthook = self._previous_hook
