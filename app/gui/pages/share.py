"""Page 4: save the report bundle, email support (with the bundle revealed for attaching), run again."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.gui.rows import RowState
from app.gui.widgets import StatusIcon, heading, page_layout, paragraph


class SharePage(QWidget):
    """Save / Email to support / Run again; the window does the work, this page only asks and shows."""

    save_requested = Signal()
    email_requested = Signal()
    again_requested = Signal()
    back_requested = Signal()
    anonymize_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-share")
        self.title = heading("Save or send the report")
        self.intro = paragraph(
            "The report lets your IT team or support see exactly what happened. It holds the results of "
            "this check and technical facts about this computer's network connection."
        )
        self.anonymize = QCheckBox("&Hide personal details (your name, computer name and local addresses)")
        self.anonymize.setAccessibleName("Hide personal details in the report")
        self.anonymize.setChecked(True)
        self.anonymize.toggled.connect(self.anonymize_changed)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder to save the report in")
        folder_label = QLabel("Save &in:")
        folder_label.setBuddy(self.folder)
        self.choose = QPushButton("C&hoose folder…")
        self.choose.setAccessibleName("Choose folder")
        self.choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(folder_label)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose)
        self.name = paragraph("The report is saved as one .zip file named with the date and time of the check.")
        self.name.setAccessibleName("Report name")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contents = paragraph("")
        self.contents.setAccessibleName("What the report contains")

        self.status_icon = StatusIcon(RowState.PASSED, 1.1)
        self.status = paragraph("")
        self.status.setAccessibleName("Report status")
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self.status, 1)
        self.status_box = QWidget()
        self.status_box.setLayout(status_row)
        self.status_box.setVisible(False)

        self.save = QPushButton("&Save report")
        self.save.setAccessibleName("Save report")
        self.save.setDefault(True)
        self.save.clicked.connect(self.save_requested)
        self.email = QPushButton("&Email to support")
        self.email.setAccessibleName("Email to support")
        self.email.clicked.connect(self.email_requested)
        actions = QHBoxLayout()
        actions.addWidget(self.save)
        actions.addWidget(self.email)
        actions.addStretch(1)

        self.back = QPushButton("&Back to the result")
        self.back.setAccessibleName("Back to the result")
        self.back.clicked.connect(self.back_requested)
        self.again = QPushButton("&Run again")
        self.again.setAccessibleName("Run the check again")
        self.again.clicked.connect(self.again_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addStretch(1)
        bottom.addWidget(self.again)

        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.anonymize)
        layout.addLayout(row)
        layout.addWidget(self.name)
        layout.addWidget(self.contents)
        layout.addLayout(actions)
        layout.addWidget(self.status_box)
        layout.addStretch(1)
        layout.addLayout(bottom)

    def set_contents(self, lines: list[str]) -> None:
        """Show what the bundle will hold."""
        if lines:
            self.contents.setText("The report contains:\n" + "\n".join(f"•  {x}" for x in lines))
        else:
            self.contents.setText("")
        self.contents.setVisible(bool(lines))

    def set_status(self, text: str, state: RowState = RowState.PASSED) -> None:
        """Show what happened (icon plus words); empty hides it."""
        self.status.setText(text)
        self.status_icon.set_state(state)
        self.status_box.setVisible(bool(text))

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the report in", self.folder.text())
        if folder:
            self.folder.setText(folder)
