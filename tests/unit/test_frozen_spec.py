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


# ---------------------------------------------------------------- the packed single file (tools/onefile, issue 19)


def _crpack():
    import importlib.util

    spec = importlib.util.spec_from_file_location("crpack", SPEC.parent / "tools" / "onefile" / "pack.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tools/onefile/launcher.c compiled as build.spec compiles it."""
    import shutil
    import subprocess

    if not sys.platform.startswith("linux") or not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("the launcher is Linux C (needs cc)")
    out = tmp_path_factory.mktemp("launcher") / "launcher"
    src = SPEC.parent / "tools" / "onefile" / "launcher.c"
    cmd = ["cc", "-O2", "-Wall", "-Werror", "-D_FILE_OFFSET_BITS=64", "-o", str(out), str(src), "-Wl,-Bstatic",
           "-llzma", "-Wl,-Bdynamic", "-pthread"]  # fmt: skip
    made = subprocess.run(cmd, capture_output=True, text=True)
    if made.returncode != 0 and "lzma.h" in made.stderr:
        pytest.skip("liblzma headers missing (liblzma-dev)")
    assert made.returncode == 0, made.stderr
    return out


PROGRAM = """#!/bin/sh
[ "$1" = fail ] && exit 7
echo "args:$*"
echo "program:$CALLREADY_PROGRAM"
echo "here:$(cd "$(dirname "$0")" && pwd)"
cat "$(dirname "$0")/data/link"
"""


def _folder(root: Path, greeting: str) -> Path:
    folder = root / f"build-{greeting}"
    (folder / "data" / "deep").mkdir(parents=True)
    (folder / "callready").write_text(PROGRAM, encoding="ascii")
    (folder / "callready").chmod(0o755)
    (folder / "data" / "hello.txt").write_text(greeting + "\n", encoding="ascii")
    (folder / "data" / "link").symlink_to("hello.txt")
    (folder / "data" / "deep" / "big.bin").write_bytes(bytes(range(256)) * 12_000)
    (folder / "data" / "libfake.so.1").write_bytes(bytes(range(256)) * 50)  # a second stream ("other native")
    return folder


def _run_packed(binary: Path, cache: Path, *args: str, **env: str):
    import subprocess

    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CALLREADY_CACHE_DIR": str(cache), **env}
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60, env=full)


def test_packed_file_unpacks_once_then_runs_from_the_cache(launcher: Path, tmp_path: Path) -> None:
    crpack = _crpack()
    table = crpack.pack(_folder(tmp_path, "hello"), tmp_path / "callready", launcher, "9.9.9")
    assert crpack.read_table(tmp_path / "callready") == table and len(table["streams"]) >= 3
    cache = tmp_path / "cache"
    first = _run_packed(tmp_path / "callready", cache, "check", "--json", "a b")
    build = cache / table["build"]
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "args:check --json a b", f"program:{tmp_path / 'callready'}", f"here:{build}", "hello"
    ]  # fmt: skip
    assert (build / ".complete").read_text() == table["build"] and (build / "data" / "link").is_symlink()
    assert (build / "data" / "deep" / "big.bin").read_bytes() == bytes(range(256)) * 12_000
    (build / "data" / "hello.txt").write_text("from the cache\n")  # a later start must not unpack again
    again = _run_packed(tmp_path / "callready", cache)
    assert again.stdout.splitlines()[-1] == "from the cache"
    assert _run_packed(tmp_path / "callready", cache, "fail").returncode == 7  # the program's exit code
    python_copy = tmp_path / "python-unpack"
    python_copy.mkdir()
    assert crpack.unpack(tmp_path / "callready", python_copy) == table["build"]
    assert (python_copy / "data" / "hello.txt").read_text() == "hello\n"


def test_a_new_build_removes_old_ones_nobody_runs(launcher: Path, tmp_path: Path) -> None:
    import fcntl

    crpack = _crpack()
    cache = tmp_path / "cache"
    old = crpack.pack(_folder(tmp_path, "one"), tmp_path / "one", launcher, "1.0")["build"]
    busy = crpack.pack(_folder(tmp_path, "two"), tmp_path / "two", launcher, "2.0")["build"]
    new = crpack.pack(_folder(tmp_path, "three"), tmp_path / "three", launcher, "3.0")["build"]
    assert _run_packed(tmp_path / "one", cache).returncode == 0
    assert _run_packed(tmp_path / "two", cache).returncode == 0
    (cache / f".tmp-{old}-999999999").mkdir()  # an unpacking that was killed half-way
    with (cache / busy / ".complete").open() as running:  # a start of build two still running
        fcntl.flock(running, fcntl.LOCK_SH)
        result = _run_packed(tmp_path / "three", cache)
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "three"
    assert sorted(p.name for p in cache.iterdir()) == sorted([busy, new])


def test_without_a_usable_cache_it_runs_from_a_temporary_folder_and_removes_it(launcher: Path, tmp_path: Path) -> None:
    crpack = _crpack()
    crpack.pack(_folder(tmp_path, "hello"), tmp_path / "callready", launcher, "9.9.9")
    (tmp_path / "file").write_text("not a folder")
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = _run_packed(tmp_path / "callready", tmp_path / "file" / "cache", "x", TMPDIR=str(temp))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].startswith(f"here:{temp}/callready-")
    assert list(temp.iterdir()) == []  # deleted after the run


def test_a_damaged_file_says_so_and_leaves_nothing_behind(launcher: Path, tmp_path: Path) -> None:
    crpack = _crpack()
    binary = tmp_path / "callready"
    table = crpack.pack(_folder(tmp_path, "hello"), binary, launcher, "9.9.9")
    data = bytearray(binary.read_bytes())
    sizes = [stream["compressed"] for stream in table["streams"]]
    data[table["launcher"] + sum(sizes[:1]) + sizes[1] // 2] ^= 0xFF  # inside the second stream
    binary.write_bytes(bytes(data))
    cache = tmp_path / "cache"
    result = _run_packed(binary, cache)
    assert result.returncode == 70 and "callready: cannot start: cannot unpack" in result.stderr, result.stderr
    assert list(cache.iterdir()) == []
    cut = tmp_path / "cut"
    cut.write_bytes(bytes(data[:-10]))
    cut.chmod(0o755)
    result = _run_packed(cut, cache)
    assert result.returncode == 70 and "damaged" in result.stderr


def test_a_cache_that_cannot_run_programs_falls_back_to_a_temporary_folder(launcher: Path, tmp_path: Path) -> None:
    """As on a home folder mounted noexec: exec from the cache fails, so the run goes through a temporary folder."""
    crpack = _crpack()
    build = crpack.pack(_folder(tmp_path, "hello"), tmp_path / "callready", launcher, "9.9.9")["build"]
    cache, temp = tmp_path / "cache", tmp_path / "tmp"
    temp.mkdir()
    assert _run_packed(tmp_path / "callready", cache).returncode == 0
    (cache / build / "callready").chmod(0o600)
    result = _run_packed(tmp_path / "callready", cache, "fail", TMPDIR=str(temp))
    assert result.returncode == 7, result.stderr
    result = _run_packed(tmp_path / "callready", cache, TMPDIR=str(temp))
    assert result.stdout.splitlines()[2].startswith(f"here:{temp}/callready-") and list(temp.iterdir()) == []


def test_first_starts_at_the_same_time_share_one_copy(launcher: Path, tmp_path: Path) -> None:
    """Two first starts race: each unpacks on its own, one rename wins, both run, one copy stays."""
    import subprocess

    crpack = _crpack()
    build = crpack.pack(_folder(tmp_path, "hello"), tmp_path / "callready", launcher, "9.9.9")["build"]
    cache = tmp_path / "cache"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CALLREADY_CACHE_DIR": str(cache)}
    procs = [
        subprocess.Popen([str(tmp_path / "callready")], env=env, stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4 and all(o.splitlines()[-1] == "hello" for o in outs)
    assert [p.name for p in cache.iterdir()] == [build]
