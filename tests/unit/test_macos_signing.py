"""installers/macos/sign_app.sh signs inside out (loose Mach-O files deepest first, then frameworks and nested
apps as bundles, the app last): run here on a fake app tree with a `codesign` that records its calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "macos" / "sign_app.sh"
MACHO = bytes.fromhex("cffaedfe07000001030000000200000000000000000000000000000000000000")  # 64-bit Mach-O header


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("file") is None, reason="needs bash and file(1)")
def test_inside_out_order(tmp_path: Path) -> None:
    app = tmp_path / "CallReady.app"
    files = {
        "Contents/MacOS/CallReady": MACHO,
        "Contents/Frameworks/libpython3.11.dylib": MACHO,
        "Contents/Frameworks/PySide6/QtCore.abi3.so": MACHO,
        "Contents/Frameworks/PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore": MACHO,
        "Contents/Frameworks/PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui": MACHO,
        "Contents/Resources/base_library.zip": b"PK\x03\x04",
        "Contents/Info.plist": b"<plist/>",
    }
    for rel, data in files.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_bytes(data)
    log = tmp_path / "calls"
    fake = tmp_path / "bin" / "codesign"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nfor last; do :; done\necho "$1 $last" >> {log}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}
    subprocess.run(["bash", str(SCRIPT), str(app), "Developer ID Application: Test (TEAM123456)"], env=env,
                   check=True, timeout=60)  # fmt: skip
    signed = [line.split(" ", 1)[1].removeprefix(str(app)) for line in log.read_text().splitlines()]
    assert signed == [
        "/Contents/Frameworks/PySide6/QtCore.abi3.so",
        "/Contents/Frameworks/libpython3.11.dylib",
        *sorted(["/Contents/Frameworks/PySide6/Qt/lib/QtGui.framework",
                 "/Contents/Frameworks/PySide6/Qt/lib/QtCore.framework"], reverse=True),
        "",  # the app itself
        "",  # codesign --verify of the app
    ]  # fmt: skip
    assert log.read_text().splitlines()[-1].startswith("--verify")
