"""Installed web browsers and their versions, found without admin rights (PATH, app bundles, program folders)."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(r"(\d+(?:\.\d+){1,3})")
_VERSION_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Browser:
    """A browser found on this machine."""

    name: str
    version: str | None
    path: str


_UNIX_COMMANDS = {
    "Google Chrome": ("google-chrome", "google-chrome-stable"),
    "Chromium": ("chromium", "chromium-browser"),
    "Microsoft Edge": ("microsoft-edge", "microsoft-edge-stable"),
    "Firefox": ("firefox", "firefox-esr"),
    "Brave": ("brave-browser", "brave"),
    "Opera": ("opera",),
    "Vivaldi": ("vivaldi", "vivaldi-stable"),
}
_MAC_APPS = {
    "Google Chrome": "Google Chrome.app",
    "Chromium": "Chromium.app",
    "Microsoft Edge": "Microsoft Edge.app",
    "Firefox": "Firefox.app",
    "Safari": "Safari.app",
    "Brave": "Brave Browser.app",
    "Opera": "Opera.app",
    "Vivaldi": "Vivaldi.app",
}
_WIN_EXES = {
    "Google Chrome": ("Google/Chrome/Application/chrome.exe",),
    "Microsoft Edge": ("Microsoft/Edge/Application/msedge.exe",),
    "Firefox": ("Mozilla Firefox/firefox.exe",),
    "Brave": ("BraveSoftware/Brave-Browser/Application/brave.exe",),
    "Opera": ("Opera/opera.exe",),
    "Vivaldi": ("Vivaldi/Application/vivaldi.exe",),
}


def find_browsers() -> list[Browser]:
    """Browsers installed on this machine, with versions where the OS tells them."""
    if sys.platform == "darwin":
        roots = [Path("/Applications"), Path.home() / "Applications"]
        return _mac_browsers(roots)
    if sys.platform == "win32":
        roots = [
            Path(os.environ[v]) for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA") if os.environ.get(v)
        ]
        return _windows_browsers(roots)
    return _unix_browsers()


def _unix_browsers() -> list[Browser]:
    found: list[Browser] = []
    seen: set[str] = set()
    for name, commands in _UNIX_COMMANDS.items():
        for cmd in commands:
            path = shutil.which(cmd)
            if not path or os.path.realpath(path) in seen:
                continue
            seen.add(os.path.realpath(path))
            found.append(Browser(name, _run_version(path), path))
            break
    return found


def _run_version(path: str) -> str | None:
    """`<browser> --version`, bounded by a short timeout."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=_VERSION_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(out.stdout)


def parse_version(text: str) -> str | None:
    """The first dotted version number in a browser's output ('Chromium 120.0.6099.224 built on Debian')."""
    m = _VERSION.search(text or "")
    return m.group(1) if m else None


def _mac_browsers(roots: Iterable[Path]) -> list[Browser]:
    found = []
    for name, app in _MAC_APPS.items():
        for root in roots:
            plist = root / app / "Contents" / "Info.plist"
            if plist.is_file():
                found.append(Browser(name, mac_bundle_version(plist.read_bytes()), str(root / app)))
                break
    return found


def mac_bundle_version(data: bytes) -> str | None:
    """CFBundleShortVersionString of an app's Info.plist."""
    try:
        info = plistlib.loads(data)
    except Exception:
        return None
    value = info.get("CFBundleShortVersionString") or info.get("CFBundleVersion")
    return str(value) if value else None


def _windows_browsers(roots: Iterable[Path]) -> list[Browser]:
    found = []
    roots = list(roots)
    for name, rels in _WIN_EXES.items():
        for root in roots:
            exe = next((root / r for r in rels if (root / r).is_file()), None)
            if exe is not None:
                found.append(Browser(name, windows_version(exe.parent), str(exe)))
                break
    return found


def windows_version(folder: Path) -> str | None:
    """Chromium browsers keep a folder named after their version; Firefox writes application.ini."""
    ini = folder / "application.ini"
    if ini.is_file():
        m = re.search(r"^Version=(\S+)", ini.read_text(errors="replace"), re.MULTILINE)
        return m.group(1) if m else None
    return newest_version([p.name for p in folder.iterdir() if p.is_dir()])


def newest_version(names: Iterable[str]) -> str | None:
    """The highest dotted version among folder names ('120.0.6099.110', 'Locales', ...)."""
    versions = [n for n in names if re.fullmatch(r"\d+(\.\d+){1,3}", n)]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")), default=None)
