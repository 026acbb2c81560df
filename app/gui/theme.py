"""Look and feel: Fusion style, dark palette when the OS is in dark mode (QStyleHints.colorScheme)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def is_dark(app: QApplication) -> bool:
    """True when the OS asks for dark mode (Qt 6.5+), else judged from the window colour."""
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A calm dark palette with enough contrast for text and disabled text."""
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#202226", roles.WindowText: "#eceff3", roles.Base: "#16181b",
        roles.AlternateBase: "#262a2f", roles.ToolTipBase: "#2c3036", roles.ToolTipText: "#eceff3",
        roles.Text: "#eceff3", roles.Button: "#2c3036", roles.ButtonText: "#eceff3",
        roles.BrightText: "#ff6b6b", roles.Highlight: "#3d86e0", roles.HighlightedText: "#ffffff",
        roles.Link: "#7fb3ff", roles.PlaceholderText: "#9aa1ab", roles.Mid: "#3a3f46", roles.Dark: "#111315",
        roles.Light: "#5a616b", roles.Midlight: "#474d55", roles.Shadow: "#0b0c0d",
    }  # fmt: skip
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d848e"))
    return p


def style_sheet(dark: bool) -> str:
    """Visible keyboard focus on every control (a 2 px highlight ring), the default button filled rather than a
    focus-like frame, and highlighted fields with problems (colour plus words under the field, never colour alone)."""
    error, warning = ("#ff8a80", "#ffb74d") if dark else ("#b3261e", "#8a4b00")
    return f"""
QPushButton {{ border: 1px solid palette(mid); border-radius: 4px; padding: 0.3em 0.9em; min-height: 1.3em;
  background: palette(button); color: palette(button-text); }}
QPushButton:hover {{ background: palette(midlight); }}
QPushButton:pressed, QPushButton:checked {{ background: palette(mid); }}
QPushButton:default {{ background: palette(highlight); color: palette(highlighted-text); border-color: palette(highlight); }}
QPushButton:focus {{ border: 2px solid palette(highlight); }}
QPushButton:default:focus {{ border: 2px solid palette(window-text); }}
QPushButton:disabled {{ color: palette(mid); }}
QCheckBox, QToolButton {{ border: 2px solid transparent; border-radius: 4px; padding: 1px 3px; }}
QCheckBox:focus, QToolButton:focus {{ border-color: palette(highlight); }}
QComboBox {{ border: 1px solid palette(mid); border-radius: 3px; padding: 3px 18px 3px 4px; background: palette(button);
  color: palette(button-text); }}
QComboBox:focus {{ border: 2px solid palette(highlight); padding: 2px 17px 2px 3px; }}
QTextBrowser {{ border: 1px solid palette(mid); }}
QTextBrowser:focus {{ border: 2px solid palette(highlight); }}
QLineEdit {{ border: 1px solid palette(mid); border-radius: 3px; padding: 3px; background: palette(base); }}
QLineEdit:focus {{ border: 2px solid palette(highlight); padding: 2px; }}
QLineEdit[problem="error"] {{ border: 2px solid {error}; padding: 2px; }}
QLineEdit[problem="warning"] {{ border: 2px solid {warning}; padding: 2px; }}
QLabel#field-error {{ color: {error}; }}
"""


def apply_theme(app: QApplication, dark: bool | None = None) -> bool:
    """Use Fusion and follow the OS colour scheme (or `dark` when given); returns whether dark is on."""
    app.setStyle("Fusion")
    on = is_dark(app) if dark is None else dark
    app.setPalette(dark_palette() if on else app.style().standardPalette())
    app.setStyleSheet(style_sheet(on))
    if dark is None:
        hints = app.styleHints()
        changed = getattr(hints, "colorSchemeChanged", None)
        if changed is not None and not getattr(app, "_callready_theme_hooked", False):
            changed.connect(lambda _scheme: apply_theme(app, _scheme == Qt.ColorScheme.Dark))
            app._callready_theme_hooked = True  # type: ignore[attr-defined]
    return on
