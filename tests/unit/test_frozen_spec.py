"""build.spec's Qt trimming rules, applied to the file layouts of the Linux, Windows and macOS PySide6 wheels."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SPEC = Path(__file__).resolve().parents[2] / "build.spec"


def _rules() -> dict:
    """The spec's rule section (it runs only under PyInstaller as a whole)."""
    text = SPEC.read_text(encoding="utf-8")
    ns: dict = {"Path": Path, "sys": sys, "os": os}
    exec(text[text.index("UNUSED_QT = [") : text.index("DATAS = [")], ns)
    return ns


CASES = {
    # Linux wheel
    "PySide6/Qt/lib/libQt6Widgets.so.6": True,
    "PySide6/Qt/lib/libQt6Network.so.6": False,
    "PySide6/Qt/lib/libQt6Quick.so.6": False,
    "PySide6/Qt/lib/libicudata.so.73": True,
    "PySide6/Qt/plugins/platforms/libqxcb.so": True,
    "PySide6/Qt/plugins/platforms/libqoffscreen.so": True,
    "PySide6/Qt/plugins/platforms/libqwayland.so": False,
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so": False,
    "PySide6/Qt/plugins/imageformats/libqsvg.so": True,
    "PySide6/Qt/plugins/imageformats/libqjpeg.so": False,
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so": True,
    "PySide6/Qt/plugins/tls/libqopensslbackend.so": False,
    "PySide6/Qt/translations/qtbase_de.qm": False,
    "PySide6/QtWidgets.abi3.so": True,
    # Windows wheel
    "PySide6/Qt6Core.dll": True,
    "PySide6/Qt6Network.dll": False,
    "PySide6/opengl32sw.dll": False,
    "PySide6/plugins/platforms/qwindows.dll": True,
    "PySide6/plugins/platforms/qdirect2d.dll": False,
    "PySide6/plugins/styles/qmodernwindowsstyle.dll": True,
    "PySide6/translations/qt_fr.qm": False,
    # macOS wheel
    "PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore": True,
    "PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork": False,
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib": True,
    "PySide6/Qt/plugins/styles/libqmacstyle.dylib": True,
    # not Qt at all
    "app/profiles/kudo.toml": True,
    "libpython3.11.so.1.0": True,
}


@pytest.mark.parametrize(("dest", "kept"), CASES.items())
def test_qt_trimming_keeps_only_what_callready_uses(dest: str, kept: bool) -> None:
    assert _rules()["keep"]((dest, "/src/" + dest, "BINARY")) is kept


def test_gui_imports_no_excluded_qt_module() -> None:
    excluded = set(_rules()["UNUSED_QT"])
    root = SPEC.parent / "app"
    used = {
        m
        for f in root.rglob("*.py")
        for m in excluded
        if f"PySide6.{m} " in f.read_text(encoding="utf-8") or f"PySide6.{m}\n" in f.read_text(encoding="utf-8")
    }
    assert not used, f"app imports Qt modules build.spec leaves out: {used}"
