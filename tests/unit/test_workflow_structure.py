"""The release workflow cannot run here, so its structure is checked: unit tests on Windows and macOS runners,
an Intel and an Apple-silicon macOS build targeting the Info.plist minimum, each windowed program started and
waited for, Windows proxy states set with `reg add` and compared with WinHTTP, and the tools those steps call
exist. A step removed or reordered fails here."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def build_job() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    return data["jobs"]["build"]


def steps() -> list[dict[str, Any]]:
    return build_job()["steps"]


def step(pattern: str) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(steps()) if re.search(pattern, s.get("name", ""), re.IGNORECASE)]
    assert len(found) == 1, f"one step named like {pattern!r}, found {[s.get('name') for _, s in found]}"
    return found[0]


def test_matrix_has_windows_and_both_mac_architectures() -> None:
    oses = build_job()["strategy"]["matrix"]["os"]
    assert any(o.startswith("windows") for o in oses)
    assert "macos-14" in oses  # Apple silicon
    assert "macos-15-intel" in oses  # Intel (x86_64): the last Intel runner image
    assert build_job()["runs-on"] == "${{ matrix.os }}"


def test_unit_tests_run_on_windows_and_macos_before_the_build() -> None:
    index, unit = step(r"^unit tests on windows and macos")
    assert unit["if"] == "runner.os != 'Linux'"
    assert re.search(r"python -m pytest .*tests/unit", unit["run"])
    install, _ = step(r"^python packages")
    build_win, _ = step(r"^windows build$")
    build_mac, _ = step(r"^macos build$")
    assert install < index < build_win and index < build_mac


def test_windowed_programs_are_started_and_waited_for() -> None:
    for pattern, platform in ((r"^windows windowed program shows its window", "Windows"),
                              (r"^macos windowed program shows its window", "macOS")):  # fmt: skip
        index, found = step(pattern)
        assert found["if"] == f"runner.os == '{platform}'"
        assert "tools/wait_for_window.py" in found["run"] and "QT_QPA_PLATFORM" in found["run"]
        assert index > step(rf"^{platform} build$")[0]
    assert "dist\\CallReady.exe" in step(r"^windows windowed program")[1]["run"]
    assert "CallReady.app/Contents/MacOS/CallReady" in step(r"^macos windowed program")[1]["run"]


def test_windows_proxy_states_are_compared_with_winhttp() -> None:
    _, found = step(r"reg add read the same as winhttp")
    run = found["run"]
    assert found["if"] == "runner.os == 'Windows'" and found["shell"] == "pwsh"
    assert "reg export" in run and "reg import" in run  # the runner's own settings are put back
    assert "reg add" in run and "tools/winhttp_compare.py" in run
    for value in ("ProxyServer", "ProxyOverride", "AutoConfigURL", "socks="):
        assert value in run
    assert "throw" in run  # a difference fails the job


def test_macos_targets_the_info_plist_minimum() -> None:
    plist = plistlib.loads((ROOT / "installers" / "macos" / "Info.plist").read_bytes())
    minimum = plist["LSMinimumSystemVersion"]
    index, target = step(r"^macos deployment target")
    assert f"MACOSX_DEPLOYMENT_TARGET={minimum}" in target["run"]
    assert index < step(r"^python packages")[0]  # before anything is compiled
    check_index, check = step(r"^macos every binary in the app loads")
    assert "tools/macho_minos.py dist/CallReady.app" in check["run"] and "LSMinimumSystemVersion" in check["run"]
    assert check_index > step(r"^macos build$")[0] and check_index < step(r"^macos dmg$")[0]
    pins = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"PySide6-Essentials[^"]*<6\.10; sys_platform == .darwin.', pins)
    assert minimum == "12.0"  # PySide6 6.9's macOS wheel (macosx_12_0) is what the pin above allows


def test_tools_the_steps_call_exist() -> None:
    text = WORKFLOW.read_text()
    for tool in re.findall(r"tools/[\w./-]+\.(?:py|sh)", text) + re.findall(r"installers/[\w./-]+\.(?:sh|iss)", text):
        assert (ROOT / tool).is_file(), tool
