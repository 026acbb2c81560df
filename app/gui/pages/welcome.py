"""Page 1: what will be checked, the platform (and region), an optional work email, Advanced settings, Start.

Entries are checked all at once on Start; each problem is shown under its own field, which is highlighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.options import RunOptions
from app.engine.profile import DEFAULT_PROFILE, Profile
from app.gui.preset import WizardPreset
from app.gui.rows import RowState
from app.gui.settings import SettingsError, WelcomeValues, options_from_values
from app.gui.widgets import StatusIcon, heading, page_layout, paragraph, scrolling

# `proxy.corp:8080` (no scheme) is an http proxy, as browsers and curl read it.
_HOST_PORT = re.compile(r"(?![A-Za-z][A-Za-z0-9+.-]*://)[^\s/]+:[0-9]{1,5}")
_PREFIXES = ("Proxy URL:", "TURN server address:", "TURN server password:", "TURN server username:", "TURN server:")


def proxy_text(text: str) -> str:
    """The proxy entry as a URL: `host:port` gets http:// in front; anything else is left as typed."""
    text = text.strip()
    return f"http://{text}" if _HOST_PORT.fullmatch(text) else text


def _problem(exc: Exception) -> str:
    """A settings error without the field's name (the message sits under the field already)."""
    text = str(exc).strip()
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :].strip()
                changed = True
    return text[:1].upper() + text[1:] if text else "Not valid."


@dataclass(frozen=True)
class ProfileChoice:
    """One platform in the list: id, display name, selectable regions (id, name)."""

    id: str
    name: str
    regions: tuple[tuple[str, str], ...]
    default_region: str | None


def choice_of(profile: Profile) -> ProfileChoice:
    """The list entry for a loaded profile."""
    regions = tuple((r.id, r.name) for r in profile.regions if r.selectable)
    return ProfileChoice(profile.id, profile.name, regions, profile.default_region)


def _field(placeholder: str, name: str, secret: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    edit.setClearButtonEnabled(not secret)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class WelcomePage(QWidget):
    """The first page; emits `start_requested` when Start is pressed."""

    start_requested = Signal()
    platform_changed = Signal(str)

    def __init__(self, choices: list[ProfileChoice], preset: WizardPreset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-welcome")
        self._choices = {c.id: c for c in choices}
        self.field_errors: dict[QLineEdit, QLabel] = {}
        self.title = heading("Is this computer ready for video interviews?")
        self.intro = paragraph("")
        self.promise = paragraph(
            "Nothing is installed or changed on your computer. The check only tries to reach the video "
            "service's servers, the way a video call would."
        )
        self.from_it = paragraph("")
        self.from_it.setVisible(bool(preset.source))
        if preset.source:
            self.from_it.setText(f"Settings came from {preset.source}.")

        self.platform = QComboBox()
        self.platform.setAccessibleName("Interview platform")
        for c in choices:
            self.platform.addItem(c.name, c.id)
        self.region = QComboBox()
        self.region.setAccessibleName("Region of your account")
        self.region_label = QLabel("&Region:")
        self.region_label.setBuddy(self.region)
        self.email = _field("name@company.com (optional)", "Your work email (optional)")
        self.email_label = QLabel("Work &email:")
        self.email_label.setBuddy(self.email)
        self.email_hint = paragraph("Optional: lets us check that interview emails will reach you.")
        platform_label = QLabel("&Platform:")
        platform_label.setBuddy(self.platform)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(platform_label, self.platform)
        form.addRow(self.region_label, self.region)
        email_box = QWidget()
        email_col = QVBoxLayout(email_box)
        email_col.setContentsMargins(0, 0, 0, 0)
        email_col.setSpacing(2)
        email_col.addWidget(self.email)
        email_col.addWidget(self.email_hint)
        self.field_errors[self.email] = self._error_label(self.email)
        email_col.addWidget(self.field_errors[self.email])
        form.addRow(self.email_label, email_box)
        show_email = preset.show_email_step
        for w in (self.email_label, self.email, self.email_hint):
            w.setVisible(show_email)

        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("&Advanced settings (for IT)")
        self.advanced_toggle.setAccessibleName("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        self.proxy = _field("http://proxy.example.com:8080", "Proxy URL")
        self.turn_url = _field("turns:turn.example.com:443?transport=tcp", "TURN server URL")
        self.turn_username = _field("username", "TURN username")
        self.turn_password = _field("password", "TURN password", secret=True)
        self.turn_secret = _field("shared secret (instead of a password)", "TURN shared secret", secret=True)
        self.advanced = QGroupBox("Advanced settings")
        adv = QFormLayout(self.advanced)
        adv.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        adv.addRow("Pro&xy URL:", self._with_error(self.proxy))
        adv.addRow("&TURN server:", self._with_error(self.turn_url))
        adv.addRow("TURN &username:", self.turn_username)
        adv.addRow("TURN pass&word:", self.turn_password)
        adv.addRow("TURN s&hared secret:", self.turn_secret)
        self.advanced.setVisible(False)
        self._warned_turn: tuple[str, ...] | None = None

        self.error_icon = StatusIcon(RowState.FAILED, 1.1)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with the settings")
        err = QHBoxLayout()
        err.addWidget(self.error_icon, 0, Qt.AlignmentFlag.AlignTop)
        err.addWidget(self.error, 1)
        self.error_box = QWidget()
        self.error_box.setLayout(err)
        self.error_box.setVisible(False)

        self.start = QPushButton("&Start the check")
        self.start.setAccessibleName("Start the check")
        self.start.setDefault(True)
        self.start.clicked.connect(self.start_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.title)
        inner.addWidget(self.intro)
        inner.addWidget(self.promise)
        inner.addWidget(self.from_it)
        inner.addSpacing(self.fontMetrics().height() // 2)
        inner.addLayout(form)
        inner.addWidget(self.advanced_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.advanced)
        inner.addStretch(1)
        self.scroller = scrolling(body)
        layout = page_layout(self)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.error_box)
        layout.addLayout(buttons)

        self.platform.currentIndexChanged.connect(self._platform_changed)
        self._fill(preset)

    def _with_error(self, edit: QLineEdit) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(edit)
        self.field_errors[edit] = self._error_label(edit)
        col.addWidget(self.field_errors[edit])
        return box

    def _error_label(self, edit: QLineEdit) -> QLabel:
        label = paragraph("")
        label.setObjectName("field-error")
        label.setAccessibleName(f"Problem with {edit.accessibleName()}")
        label.setVisible(False)
        return label

    def _fill(self, preset: WizardPreset) -> None:
        wanted = preset.profile_id or DEFAULT_PROFILE
        if wanted in self._choices:
            self.platform.setCurrentIndex(self.platform.findData(wanted))
        self._platform_changed()
        if preset.region:
            i = self.region.findData(preset.region)
            if i >= 0:
                self.region.setCurrentIndex(i)
        self.proxy.setText(preset.proxy_url or "")
        self.turn_url.setText(preset.turn_url or "")
        self.turn_username.setText(preset.turn_username or "")
        self.turn_password.setText(preset.turn_password or "")
        self.turn_secret.setText(preset.turn_secret or "")
        if any((preset.proxy_url, preset.turn_url)):
            self.advanced_toggle.setChecked(True)

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _platform_changed(self, *_args: object) -> None:
        choice = self._choices.get(self.platform.currentData())
        if choice is None:
            return
        self.region.clear()
        for rid, name in choice.regions:
            self.region.addItem(name, rid)
        if choice.default_region:
            i = self.region.findData(choice.default_region)
            if i >= 0:
                self.region.setCurrentIndex(i)
        has_regions = bool(choice.regions)
        self.region.setVisible(has_regions)
        self.region_label.setVisible(has_regions)
        self.intro.setText(
            f"In about half a minute this checks whether {choice.name} video interviews can get through "
            "your network: reaching the video service, the live call connection, the routes video takes, "
            "security devices on the network, and (if you enter your work email) that interview emails arrive."
        )
        self.platform_changed.emit(choice.id)

    def values(self) -> WelcomeValues:
        """The current entries, trimmed."""
        return WelcomeValues(
            profile_id=str(self.platform.currentData()),
            region=self.region.currentData() if self.region.count() else None,
            email=self.email.text().strip(),
            proxy_url=proxy_text(self.proxy.text()),
            turn_url=self.turn_url.text().strip(),
            turn_username=self.turn_username.text().strip(),
            turn_password=self.turn_password.text(),
            turn_secret=self.turn_secret.text(),
        )

    def show_error(self, text: str) -> None:
        """Show a problem beside Start (icon plus words); empty text hides it."""
        self.error.setText(text)
        self.error_box.setVisible(bool(text))
        if text:
            self.error.setFocus()

    def set_field_error(self, edit: QLineEdit, text: str, warning: bool = False) -> None:
        """Show `text` under `edit` and highlight the field (empty text clears both)."""
        label = self.field_errors[edit]
        label.setText(text)
        label.setVisible(bool(text))
        edit.setProperty("problem", "warning" if warning and text else "error" if text else "")
        edit.setAccessibleDescription(text)
        edit.style().unpolish(edit)
        edit.style().polish(edit)

    def check(self, base: RunOptions | None = None) -> RunOptions | None:
        """Every entry checked at once: problems under their fields (Advanced opened if needed), None if any.

        A TURN server given without a username, password or secret is warned about once; Start again runs."""
        v = self.values()
        found: dict[QLineEdit, str] = {}
        for edit, part in (
            (self.email, WelcomeValues(v.profile_id, email=v.email)),
            (self.proxy, WelcomeValues(v.profile_id, proxy_url=v.proxy_url)),
            (self.turn_url, replace(v, email="", proxy_url="")),
        ):
            try:
                options_from_values(part, base)
            except SettingsError as exc:
                found[edit] = _problem(exc)
        for edit in self.field_errors:
            self.set_field_error(edit, found.get(edit, ""))
        creds = (v.turn_url, v.turn_username, v.turn_password, v.turn_secret)
        no_login = bool(v.turn_url) and not (v.turn_username or v.turn_password or v.turn_secret)
        if not found and no_login and self._warned_turn != creds:
            self._warned_turn = creds
            self.set_field_error(self.turn_url, "No username or password given: most TURN servers need them. "
                                 "Enter them below, or press Start again to check without them.", warning=True)  # fmt: skip
            self.advanced_toggle.setChecked(True)
            self.show_error("Check the highlighted entry, then press Start again.")
            self.turn_url.setFocus()
            return None
        if found:
            if self.proxy in found or self.turn_url in found:
                self.advanced_toggle.setChecked(True)
            n = len(found)
            self.show_error(f"Correct the {n} highlighted entr{'ies' if n > 1 else 'y'}, then press Start again.")
            first = next(e for e in (self.email, self.proxy, self.turn_url) if e in found)
            first.setFocus()
            self.scroller.ensureWidgetVisible(first)
            return None
        self.show_error("")
        return options_from_values(v, base)
