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


ICU_CASES = {
    "icudt73l/root.res": True,
    "icudt73l/coll/root.res": True,
    "icudt73l/coll/ucadata.icu": True,
    "icudt73l/zoneinfo64.res": True,
    "icudt73l/zone/en.res": True,
    "icudt73l/cnvalias.icu": True,
    "icudt73l/de.res": False,
    "icudt73l/coll/sv.res": False,
    "icudt73l/zone/de.res": False,
    "icudt73l/ibm-5348_P100-1997.cnv": False,
    "icudt73l/brkitr/cjdict.dict": False,
    "icudt73l/translit/root.res": False,
    "icudt73l/unames.icu": False,
}


@pytest.mark.parametrize(("name", "kept"), ICU_CASES.items())
def test_icu_data_keeps_locale_fallback_root_collation_and_time_zones(name: str, kept: bool) -> None:
    assert _rules()["icu_item_kept"](name) is kept


def _wheel_icudata() -> Path:
    qt_lib = Path(pytest.importorskip("PySide6").__file__).parent / "Qt" / "lib"
    found = sorted(qt_lib.glob("libicudata.so.*"))
    if not sys.platform.startswith("linux") or not found:
        pytest.skip("no ICU data library in this PySide6 wheel (only Linux wheels carry one)")
    return found[0]


def test_icu_package_round_trip_is_byte_exact() -> None:
    rules = _rules()
    lib = _wheel_icudata()
    _, offset, size = rules["elf_symbol"](str(lib), r"icudt\d+_dat")
    dat = lib.read_bytes()[offset : offset + size]
    header, items = rules["icu_items"](dat)
    assert header[12:16] == b"CmnD" and len(items) > 1000
    assert rules["icu_package"](header, items) == dat
    kept = [it for it in items if rules["icu_item_kept"](it[0])]
    again = rules["icu_items"](rules["icu_package"](header, kept))[1]
    assert again == kept and sum(len(i) for _, i in kept) < 3_000_000


QT_ICU_PROBE = """
import functools
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone
icu = [line.split()[-1] for line in open("/proc/self/maps") if "libicudata" in line][0]
words = ["Zürich", "zebra", "Äpfel", "apple", "東京", "Ångström", "Oz", "file10", "file9"]
c = QCollator(QLocale("en_US"))
c.setNumericMode(True)
print(icu)
print(sorted(words, key=functools.cmp_to_key(c.compare)))
print(QLocale("tr_TR").toUpper("istanbul"), QLocale("en_US").toUpper("straße"))
tz = QTimeZone(b"Europe/Zurich")
print(tz.isValid(), tz.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US")))
print(QStringDecoder("UTF-8").isValid(), QStringDecoder("ISO-8859-1").isValid())
"""


def test_qt_collates_maps_case_and_names_time_zones_with_the_slimmed_icu(tmp_path: Path) -> None:
    """What Qt asks ICU for, answered alike by the wheel's data and the slimmed library build.spec ships."""
    import shutil
    import subprocess

    lib = _wheel_icudata()
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler to build the slimmed ICU data library")
    slim = _rules()["slim_icu_data"](str(lib), tmp_path)
    assert slim and Path(slim).stat().st_size < 3_000_000

    def probe(library_path: str | None) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
        if library_path:
            env["LD_LIBRARY_PATH"] = library_path
        out = subprocess.run([sys.executable, "-c", QT_ICU_PROBE], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.splitlines()

    whole, slimmed = probe(None), probe(str(tmp_path))
    assert Path(whole[0]) == lib and Path(slimmed[0]) == Path(slim)  # each run used the library meant
    assert slimmed[1:] == whole[1:]
    assert "İSTANBUL" in slimmed[2] and "Central European" in slimmed[3] and slimmed[4] == "True True"
