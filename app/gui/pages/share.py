"""Page 4: save the report, email the person's IT team or support, and say plainly whether a mail program opened."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.rows import RowState
from app.gui.widgets import StatusIcon, button, heading, page_layout, paragraph, scrolling


class SharePage(QWidget):
    """Save / Email my IT team / Email support; the window does the work, this page only asks and shows."""

    save_requested = Signal()
    email_requested = Signal()  # to support
    email_it_requested = Signal()
    show_file_requested = Signal()
    again_requested = Signal()
    back_requested = Signal()
    settings_requested = Signal()
    anonymize_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-share")
        self.title = heading("Save or send the report")
        self.intro = paragraph(
            "The report shows your IT team, or the video service's support, exactly what happened in this check."
        )
        self.anonymize = QCheckBox("&Hide personal details (your name, computer name and local addresses)")
        self.anonymize.setAccessibleName("Hide personal details in the report")
        self.anonymize.setChecked(True)
        self.anonymize.toggled.connect(self.anonymize_changed)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder to save the report in")
        folder_label = QLabel("Save &in:")
        folder_label.setBuddy(self.folder)
        self.choose = button("C&hoose folder…", "Choose folder", self._choose)
        row = QHBoxLayout()
        row.addWidget(folder_label)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose)
        self.contents = paragraph("")
        self.contents.setAccessibleName("What the report contains")

        self.save = QPushButton("&Save report")
        self.save.setAccessibleName("Save report")
        self.save.setDefault(True)
        self.save.clicked.connect(self.save_requested)
        self.email_it = button("Email my &IT team", "Email my IT team", self.email_it_requested)
        self.email = button("&Email support", "Email support", self.email_requested)
        actions = QHBoxLayout()
        actions.addWidget(self.save)
        actions.addWidget(self.email_it)
        actions.addWidget(self.email)
        actions.addStretch(1)

        self.offline_note = paragraph(
            "This computer is offline, so no email can leave it now. Save the report, and send it once you are "
            "connected again, if the check still fails then."
        )
        self.offline_note.setVisible(False)
        self.status_icon = StatusIcon(RowState.PASSED, 1.1)
        self.status = paragraph("")
        self.status.setAccessibleName("Report status")
        self.copy = button("C&opy the message", "Copy the email's text", self._copy)
        self.show_file = button("Show the report &file", "Show the report file in its folder", self.show_file_requested)
        follow = QHBoxLayout()
        follow.addWidget(self.copy)
        follow.addWidget(self.show_file)
        follow.addStretch(1)
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.addWidget(self.status)
        words.addLayout(follow)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addLayout(words, 1)
        self.status_box = QWidget()
        self.status_box.setLayout(status_row)
        self.status_box.setVisible(False)
        self.message = ""  # the text Copy puts on the clipboard

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.intro, self.anonymize):
            inner.addWidget(w)
        inner.addLayout(row)
        inner.addWidget(self.contents)
        inner.addLayout(actions)
        inner.addWidget(self.offline_note)
        inner.addWidget(self.status_box)
        inner.addStretch(1)

        self.back = button("&Back to the result", "Back to the result", self.back_requested)
        self.settings = button("Chan&ge settings", "Change settings: back to the first page", self.settings_requested)
        self.again = button("&Run again", "Run the check again", self.again_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addWidget(self.settings)
        bottom.addStretch(1)
        bottom.addWidget(self.again)

        layout = page_layout(self)
        layout.addWidget(scrolling(body), 1)
        layout.addLayout(bottom)

    def set_contents(self, lines: list[str]) -> None:
        """Show what the report holds, in plain words."""
        if lines:
            self.contents.setText("The report holds:\n" + "\n".join(f"•  {x}" for x in lines))
        else:
            self.contents.setText("")
        self.contents.setVisible(bool(lines))

    def set_it_visible(self, on: bool) -> None:
        """Offer "Email my IT team" only when IT must change something."""
        self.email_it.setVisible(on)

    def set_offline(self, offline: bool) -> None:
        """Offline no email can leave: offer saving only, and say when to send it."""
        self.email.setVisible(not offline)
        if offline:
            self.email_it.setVisible(False)
        self.offline_note.setVisible(offline)

    def set_status(
        self, text: str, state: RowState = RowState.PASSED, message: str = "", show_file: bool = False
    ) -> None:
        """Show what happened (icon plus words); `message` offers Copy, `show_file` offers the report file."""
        self.status.setText(text)
        self.status_icon.set_state(state)
        self.status_box.setVisible(bool(text))
        self.message = message
        self.copy.setText("C&opy the message")
        self.copy.setVisible(bool(message))
        self.show_file.setVisible(show_file)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.message)
        self.copy.setText("Copied")

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the report in", self.folder.text())
        if folder:
            self.folder.setText(folder)
