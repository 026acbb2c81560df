"""Page 2: one plain row per group of checks with a live state, a progress bar, elapsed time and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.rows import Row, RowBoard
from app.gui.widgets import CheckRowWidget, heading, page_layout, paragraph


def elapsed_text(seconds: float) -> str:
    """`0:07` style elapsed time."""
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


class CheckingPage(QWidget):
    """The live view of a run; emits `cancel_requested`."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-checking")
        self.title = heading("Checking your network…")
        self.note = paragraph("Results appear as they come in. You can cancel at any moment.")
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.rows_box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress of the check")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m checks done")
        self.elapsed = QLabel("Elapsed: 0:00")
        self.elapsed.setAccessibleName("Elapsed time")
        self.cancel = QPushButton("&Cancel")
        self.cancel.setAccessibleName("Cancel the check")
        self.cancel.clicked.connect(self.cancel_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.elapsed)
        bottom.addStretch(1)
        bottom.addWidget(self.cancel)
        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.progress)
        layout.addLayout(bottom)
        self.widgets: dict[str, CheckRowWidget] = {}

    def reset(self, title: str = "Checking your network…") -> None:
        """Empty rows and progress, ready for a new run."""
        self.title.setText(title)
        for w in self.widgets.values():
            self.rows_layout.removeWidget(w)
            w.deleteLater()
        self.widgets.clear()
        self.progress.setRange(0, 0)  # busy until the plan is known
        self.progress.setValue(0)
        self.elapsed.setText("Elapsed: 0:00")
        self.cancel.setEnabled(True)
        self.cancel.setText("&Cancel")

    def show_board(self, board: RowBoard) -> None:
        """Make sure every planned row has a widget (in order) and refresh progress."""
        for i, row in enumerate(board.rows):
            w = self.widgets.get(row.key)
            if w is None:
                w = self.widgets[row.key] = CheckRowWidget(row)
                self.rows_layout.insertWidget(i, w)
        self.progress.setRange(0, max(1, board.total))
        self.progress.setValue(board.done)

    def update_row(self, row: Row, board: RowBoard) -> None:
        """Refresh one row and the progress bar."""
        if row.key not in self.widgets:
            self.show_board(board)
        self.widgets[row.key].update_from(row)
        self.progress.setRange(0, max(1, board.total))
        self.progress.setValue(board.done)

    def set_elapsed(self, seconds: float) -> None:
        """Show the elapsed time."""
        self.elapsed.setText(f"Elapsed: {elapsed_text(seconds)}")

    def cancelling(self) -> None:
        """Cancel was pressed: say so until the partial result arrives."""
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
        self.title.setText("Stopping the check…")
