"""The engine and probes never import Qt: checked on the source and in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT = ("PySide6", "qasync", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_qt_import_in_engine_or_probes_source() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("app/engine", "app/probes")
        for p in (ROOT / folder).rglob("*.py")
        if imported_modules(p) & set(QT)
    ]
    assert offenders == []


def test_running_the_engine_does_not_load_qt() -> None:
    code = (
        "import sys, app.engine.session, app.probes, app.cli\n"
        "from app.engine.session import plan_run\n"
        "from app.engine.profile import load_profile\n"
        "from app.engine.options import RunOptions\n"
        "plan_run(load_profile('flo-recruit'), RunOptions())\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {QT!r}])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_display_falls_back_to_the_cli_help_instead_of_aborting() -> None:
    from app.__main__ import display_available

    assert display_available("linux", {"DISPLAY": ":0"}) and display_available("darwin", {})
    assert not display_available("linux", {})
    env = {
        k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    out = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "no display" in out.stderr and "usage: callready" in out.stdout
