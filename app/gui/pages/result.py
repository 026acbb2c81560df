"""Page 3: one headline, one sentence why, steps for the interviewer, the message for IT, and Details."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.engine.model import RunResult
from app.gui.rows import RowBoard, RowState
from app.gui.widgets import CheckRowWidget, StatusIcon, heading, page_layout, paragraph
from app.gui.wording import details_html, headline, needs_it, steps


class ResultPage(QWidget):
    """Shows a RunResult; emits `share_requested` and `again_requested`."""

    share_requested = Signal()
    again_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-result")
        self.icon = StatusIcon(RowState.WAITING, 2.6)
        self.headline = heading("", 1.8)
        self.reason = paragraph("")
        top = QHBoxLayout()
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.addWidget(self.headline)
        words.addWidget(self.reason)
        top.addLayout(words, 1)

        self.steps_box = QGroupBox("What to do")
        self.steps = paragraph("")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.steps.setAccessibleName("What to do")
        QVBoxLayout(self.steps_box).addWidget(self.steps)

        self.rows_box = QGroupBox("Summary")
        self.rows_layout = QVBoxLayout(self.rows_box)

        self.it_box = QGroupBox("Message for your IT team")
        self.it_text = QPlainTextEdit()
        self.it_text.setReadOnly(True)
        self.it_text.setAccessibleName("Message for your IT team")
        self.it_text.setMinimumHeight(self.fontMetrics().height() * 8)
        self.copy_it = QPushButton("C&opy message")
        self.copy_it.setAccessibleName("Copy the message for your IT team")
        self.copy_it.clicked.connect(self._copy_it)
        it_layout = QVBoxLayout(self.it_box)
        it_layout.addWidget(paragraph("Send this to your IT team; it lists only what needs to change."))
        it_layout.addWidget(self.it_text)
        it_layout.addWidget(self.copy_it, 0, Qt.AlignmentFlag.AlignLeft)

        self.details_toggle = QPushButton("Show &details")
        self.details_toggle.setAccessibleName("Show technical details")
        self.details_toggle.setCheckable(True)
        self.details_toggle.toggled.connect(self._toggle_details)
        self.details = QTextBrowser()
        self.details.setAccessibleName("Technical details per check")
        self.details.setOpenLinks(False)
        self.details.setMinimumHeight(self.fontMetrics().height() * 14)
        self.details.setVisible(False)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(top)
        inner.addWidget(self.steps_box)
        inner.addWidget(self.it_box)
        inner.addWidget(self.rows_box)
        inner.addWidget(self.details_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.details)
        inner.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(body)

        self.again = QPushButton("&Run again")
        self.again.setAccessibleName("Run the check again")
        self.again.clicked.connect(self.again_requested)
        self.share = QPushButton("&Save or send the report…")
        self.share.setAccessibleName("Save or send the report")
        self.share.setDefault(True)
        self.share.clicked.connect(self.share_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.again)
        buttons.addStretch(1)
        buttons.addWidget(self.share)
        layout = page_layout(self)
        layout.addWidget(self.scroller, 1)
        layout.addLayout(buttons)
        self._row_widgets: list[CheckRowWidget] = []

    def show_result(self, result: RunResult, board: RowBoard, browser_advice: str = "", support: str = "") -> None:
        """Fill the page from a result and the rows of its run."""
        h = headline(result)
        self.icon.set_state(h.state)
        self.headline.setText(h.text)
        self.headline.setAccessibleName(f"Result: {h.text}")
        self.reason.setText(h.reason)
        items = "".join(f"<li>{html.escape(s, quote=False)}</li>" for s in steps(result, browser_advice, support))
        self.steps.setText(f"<ol style='margin-left:0'>{items}</ol>")
        self.it_box.setVisible(needs_it(result))
        self.it_text.setPlainText(result.it_message)
        for w in self._row_widgets:
            self.rows_layout.removeWidget(w)
            w.deleteLater()
        self._row_widgets = [CheckRowWidget(r) for r in board.rows]
        for w in self._row_widgets:
            self.rows_layout.addWidget(w)
        self.details.setHtml(details_html(result))
        self.details_toggle.setChecked(False)
        self.copy_it.setText("C&opy message")
        self.scroller.verticalScrollBar().setValue(0)

    def _toggle_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_toggle.setText("Hide &details" if on else "Show &details")
        if on:
            QTimer.singleShot(0, self._scroll_to_details)

    def _scroll_to_details(self) -> None:
        bar = self.scroller.verticalScrollBar()
        bar.setValue(min(bar.maximum(), self.details_toggle.y() - self.fontMetrics().height()))

    def _copy_it(self) -> None:
        QGuiApplication.clipboard().setText(self.it_text.toPlainText())
        self.copy_it.setText("Copied")
