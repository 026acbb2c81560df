"""Page 3: one headline, one sentence why, steps for the interviewer, the IT table (only when IT must act), Details."""

from __future__ import annotations

import html
from types import MappingProxyType

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.engine.gauge import CapacityGauge, capacity_gauge
from app.engine.ittable import it_rows, table_csv
from app.engine.model import RunResult
from app.gui.rows import RowBoard, RowState, final_rows
from app.gui.widgets import CheckRowWidget, FittedBrowser, StatusIcon, button, heading, page_layout, paragraph
from app.gui.wording import details_html, headline, interviewer_can_fix, it_table_html, needs_it, steps

BAND_COLOURS = MappingProxyType({"low": "#d93025", "fair": "#f9ab00", "good": "#1e8e3e"})  # red, amber, green


class ResultPage(QWidget):
    """Shows a RunResult; emits `share_requested` and `again_requested`."""

    share_requested = Signal()
    again_requested = Signal()
    settings_requested = Signal()
    browser_requested = Signal()  # the optional browser step (issue 18)

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

        self.gauge_box = QGroupBox("Your connection's capacity")
        self.gauge_text = paragraph("")
        self.gauge_bar = QProgressBar()
        self.gauge_bar.setRange(0, 1000)
        self.gauge_bar.setTextVisible(False)
        self.gauge_bar.setFixedHeight(self.fontMetrics().height())
        self.gauge_bar.setAccessibleName("Capacity carried compared with what video needs")
        gauge_layout = QVBoxLayout(self.gauge_box)
        gauge_layout.addWidget(self.gauge_text)
        gauge_layout.addWidget(self.gauge_bar)
        self.gauge_box.setVisible(False)

        self.rows_box = QGroupBox("Summary")
        self.rows_layout = QVBoxLayout(self.rows_box)

        self.it_box = QGroupBox("For your IT team")
        self.it_table = FittedBrowser()
        self.it_table.setAccessibleName("What IT must change: destination, protocol and port, what happened, action")
        self.it_text = QPlainTextEdit()  # the whole message (copied; not shown)
        self.it_text.setReadOnly(True)
        self.it_text.setAccessibleName("Message for your IT team")
        self.it_text.setVisible(False)
        self.copy_it = button("C&opy message", "Copy the message for your IT team", self._copy_it)
        self.copy_csv = button("Copy as CS&V", "Copy the table for IT as CSV", self._copy_csv)
        self._csv = ""
        it_layout = QVBoxLayout(self.it_box)
        it_layout.addWidget(paragraph("Only your IT team can change these. Send them this table: it names each server, "
                                      "its protocol and port, what happened, and the change to make."))  # fmt: skip
        it_layout.addWidget(self.it_table)
        it_buttons = QHBoxLayout()
        it_buttons.addWidget(self.copy_it)
        it_buttons.addWidget(self.copy_csv)
        it_buttons.addStretch(1)
        it_layout.addLayout(it_buttons)

        self.details_toggle = QPushButton("Show &details")
        self.details_toggle.setAccessibleName("Show technical details")
        self.details_toggle.setCheckable(True)
        self.details_toggle.toggled.connect(self._toggle_details)
        self.details = QTextBrowser()
        self.details.setAccessibleName("Technical details per check")
        self.details.setOpenLinks(False)
        self.details.setMinimumHeight(self.fontMetrics().height() * 14)
        self.details.setVisible(False)

        self.browser = button(
            "Check &camera, microphone and browser…", "Check camera, microphone and the browser", self.browser_requested
        )
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(top)
        inner.addWidget(self.steps_box)
        inner.addWidget(self.gauge_box)
        inner.addWidget(self.it_box)
        inner.addWidget(self.rows_box)
        inner.addWidget(self.browser, 0, Qt.AlignmentFlag.AlignLeft)  # the optional browser step
        inner.addWidget(self.details_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.details)
        inner.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(body)

        self.settings = button("Chan&ge settings", "Change settings: back to the first page", self.settings_requested)
        self.again = button("&Run again", "Run the check again", self.again_requested)
        self.share = QPushButton("&Save or send the report…")
        self.share.setAccessibleName("Save or send the report")
        self.share.setDefault(True)
        self.share.clicked.connect(self.share_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.settings)
        buttons.addStretch(1)
        buttons.addWidget(self.again)
        buttons.addWidget(self.share)
        layout = page_layout(self)
        layout.addWidget(self.scroller, 1)
        layout.addLayout(buttons)
        self._row_widgets: list[CheckRowWidget] = []
        self.primary: QPushButton = self.share

    def show_result(self, result: RunResult, board: RowBoard, browser_advice: str = "", support: str = "") -> None:
        """Fill the page from a result and the rows of its run."""
        h = headline(result)
        self.icon.set_state(h.state)
        self.headline.setText(h.text)
        self.headline.setAccessibleName(f"Result: {h.text}")
        self.reason.setText(h.reason)
        items = "".join(f"<li>{html.escape(s, quote=False)}</li>" for s in steps(result, browser_advice, support))
        self.steps.setText(f"<ol style='margin-left:0'>{items}</ol>")
        self.show_gauge(capacity_gauge(result))
        self.it_box.setVisible(needs_it(result))
        self.it_text.setPlainText(result.it_message)
        table = it_rows(result.findings, result.checks)
        self.it_table.setHtml(it_table_html(table))
        self._csv = table_csv(table)
        for w in self._row_widgets:
            self.rows_layout.removeWidget(w)
            w.deleteLater()
        self._row_widgets = [CheckRowWidget(r) for r in final_rows(result)]
        for w in self._row_widgets:
            self.rows_layout.addWidget(w)
        self.details.setHtml(details_html(result))
        self.details_toggle.setChecked(False)
        self.copy_it.setText("C&opy message")
        self.copy_csv.setText("Copy as CS&V")
        self.scroller.verticalScrollBar().setValue(0)
        # The interviewer can fix it (offline, sign-in page, VPN, unfinished): running again is the main action.
        own = interviewer_can_fix(result)
        self.primary = self.again if own else self.share
        self.again.setDefault(own)
        self.share.setDefault(not own)
        self.share.setText("&Save or send the report…" if not own else "&Save the report…")

    def show_gauge(self, gauge: CapacityGauge | None) -> None:
        """The carried rate against what video needs (issue 22); hidden when capacity was not measured."""
        self.gauge_box.setVisible(gauge is not None)
        if gauge is None:
            return
        self.gauge_text.setText(gauge.text())
        self.gauge_bar.setValue(round(gauge.fraction * 1000))
        self.gauge_bar.setAccessibleDescription(gauge.text())
        colour = BAND_COLOURS[gauge.band]
        self.gauge_bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}")

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

    def _copy_csv(self) -> None:
        QGuiApplication.clipboard().setText(self._csv)
        self.copy_csv.setText("Copied as CSV")
