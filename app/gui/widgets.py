"""Small widgets: status icons (SVG, crisp at any scale), a check row, headings that follow the system font."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

from PySide6.QtCore import QSize, Qt, SignalInstance
from PySide6.QtGui import QFont, QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.assets import icon_path
from app.gui.rows import RowState


class RowLike(Protocol):
    """What a row widget shows: a live Row (checking page) or a FinalRow (result page)."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def state(self) -> RowState: ...
    @property
    def summary(self) -> str: ...


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons (rendered by Qt at the screen's device pixel ratio)."""
    return QIcon(str(icon_path(name)))


def em(widget: QWidget, factor: float = 1.0) -> int:
    """`factor` times the widget's font height in logical pixels (so sizes follow the system font)."""
    return max(1, round(widget.fontMetrics().height() * factor))


class StatusIcon(QLabel):
    """A status icon sized in text lines; its accessible name carries the words too."""

    def __init__(self, state: RowState = RowState.WAITING, lines: float = 1.3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = lines
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_state(state)

    def set_state(self, state: RowState) -> None:
        """Show `state`'s icon."""
        self.state = state
        side = em(self, self._lines)
        self.setFixedSize(side, side)
        dpr = self.devicePixelRatioF()
        self.setPixmap(icon(state.icon).pixmap(QSize(side, side), dpr))
        self.setAccessibleName(state.value)


def page_layout(page: QWidget) -> QVBoxLayout:
    """A page's vertical layout with margins and spacing in text units."""
    layout = QVBoxLayout(page)
    m = em(page, 1.1)
    layout.setContentsMargins(m, m, m, m)
    layout.setSpacing(em(page, 0.6))
    return layout


def button(text: str, name: str, slot: Callable[[], object] | SignalInstance | None = None) -> QPushButton:
    """A push button with its accessible name, connected to `slot` (a signal or a function)."""
    b = QPushButton(text)
    b.setAccessibleName(name)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def scrolling(body: QWidget) -> QScrollArea:
    """`body` in a frameless vertical scroll area, so a page never clips at small sizes or large text."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(body)
    return area


class FittedBrowser(QTextBrowser):
    """A read-only rich-text view as tall as its text (no scroll bar of its own inside a scrolling page)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())

    def setHtml(self, text: str) -> None:
        """Set the text and fit the height to it."""
        super().setHtml(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-fit when the width (and so the wrapping) changes."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        doc = self.document()
        doc.setTextWidth(self.viewport().width())
        height = int(doc.size().height()) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)


def heading(text: str, scale: float = 1.5, parent: QWidget | None = None) -> QLabel:
    """A bold heading scaled from the application font (never a fixed pixel size)."""
    label = QLabel(text, parent)
    font = QFont(label.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def paragraph(text: str, parent: QWidget | None = None) -> QLabel:
    """A wrapping paragraph."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CheckRowWidget(QWidget):
    """One plain-words row: icon, title, state in words, and a short line of detail."""

    def __init__(self, row: RowLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = row.key
        self.setObjectName(f"row-{row.key}")
        self.icon = StatusIcon(row.state)
        self.title = QLabel(row.title)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.title.setWordWrap(True)
        self.state_label = QLabel(row.state.value)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.detail.setForegroundRole(self.detail.foregroundRole())
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        top = QHBoxLayout(self)
        top.setContentsMargins(0, 2, 0, 2)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text, 1)
        top.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignTop)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # rows do not act, so they are not Tab stops
        self.update_from(row)

    def update_from(self, row: RowLike) -> None:
        """Show the row's current state and summary."""
        state = row.state
        self.icon.set_state(state)
        # as wide as the widest state word: a row never clips or shifts when its state changes (a real run ends
        # many checks at once, and a relayout per changed word can lag behind the text)
        metrics = self.state_label.fontMetrics()
        self.state_label.setMinimumWidth(max(metrics.horizontalAdvance(s.value) for s in RowState))
        self.state_label.setText(state.value)
        self.detail.setText(row.summary)
        self.detail.setVisible(bool(row.summary))
        self.setAccessibleName(f"{row.title}: {state.value}")
        self.setAccessibleDescription(row.summary)
        self.setToolTip(row.summary)
