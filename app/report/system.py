"""System facts for the bundle: OS, interfaces, proxies, DNS resolvers, public address, browsers."""

from __future__ import annotations

import os
import platform
import plistlib
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app import TOOL_NAME, __version__
from app.engine.model import Category, RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile

_VERSION = re.compile(r"(\d+(?:\.\d+){1,3})")
_VERSION_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Browser:
    """A browser found on this machine."""

    name: str
    version: str | None
    path: str


def collect(result: RunResult, profile: Profile, options: RunOptions) -> dict[str, Any]:
    """Every system fact for system.json; each part degrades to null/[] rather than failing."""
    return {
        "os": os_facts(),
        "callready": {
            "name": TOOL_NAME,
            "version": __version__,
            "frozen": bool(getattr(sys, "frozen", False)),
            "python": platform.python_version(),
            "profile": {"id": profile.id, "name": profile.name, "version": profile.version, "region": profile.region},
        },
        "hostname": _safe(socket.gethostname, ""),
        "interfaces": _safe(interfaces, []),
        "proxies": _safe(proxies, {}),
        "dns_resolvers": _safe(lambda: dns_resolvers(options), []),
        "public_address": public_address(result),
        "browsers": [asdict(b) for b in _safe(find_browsers, [])],
        "recommended_browser": profile.recommended_browser,
    }


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except Exception:  # a fact we cannot read is absent, never a crash
        return default


def os_facts() -> dict[str, Any]:
    """Operating system name, release and build."""
    facts: dict[str, Any] = {
        "system": platform.system(),
        "release": platform.release(),
        "version": platform.version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
    }
    if sys.platform == "darwin":
        facts["macos"] = platform.mac_ver()[0]
    elif sys.platform == "win32":
        facts["windows"] = " ".join(x for x in platform.win32_ver() if x)
    else:
        facts["distribution"] = _os_release()
    return facts


def _os_release() -> str | None:
    try:
        data = platform.freedesktop_os_release()
    except OSError:
        return None
    return data.get("PRETTY_NAME") or data.get("NAME")


def interfaces() -> list[dict[str, Any]]:
    """Network interfaces with state and addresses (psutil)."""
    import psutil

    stats = psutil.net_if_stats()
    out = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        st = stats.get(name)
        out.append(
            {
                "name": name,
                "up": bool(st.isup) if st else None,
                "mtu": st.mtu if st else None,
                "speed_mbps": st.speed if st and st.speed else None,
                "addresses": [
                    {"family": _family(a.family), "address": a.address, "netmask": a.netmask}
                    for a in addrs
                    if a.address
                ],
            }
        )
    return out


def _family(family: Any) -> str:
    return {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}.get(family, "link")


def strip_credentials(url: str) -> str:
    """A proxy URL with any user name and password replaced by *** (passwords never reach a report)."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.username is None and parts.password is None:
            return url
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://***@{host}{port}{parts.path}"
    except ValueError:
        return "(unreadable proxy setting)"


def proxies(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Proxy settings from the environment and the OS (registry / System Configuration), credentials removed."""
    env = os.environ if env is None else env
    names = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    from_env = {}
    for key, value in env.items():
        if key.lower() in names and value:
            from_env[key] = value if key.lower() == "no_proxy" else strip_credentials(value)
    system = {}
    for scheme, url in urllib.request.getproxies().items():
        system[scheme] = url if scheme == "no" else strip_credentials(url)
    return {"environment": from_env, "system": system}


def dns_resolvers(options: RunOptions | None = None) -> list[str]:
    """The resolvers the run used: the ones given to the run, else the OS's (dnspython reads them)."""
    if options is not None and options.nameservers:
        return list(options.nameservers)
    import dns.resolver

    return [str(ns) for ns in dns.resolver.Resolver(configure=True).nameservers]


_PUBLIC_KEYS = ("public_address", "mapped_address", "xor_mapped_address", "reflexive_address", "srflx")


def public_address(result: RunResult) -> str | None:
    """The public address as a STUN/TURN server saw it (RFC 8489 XOR-MAPPED-ADDRESS), from the checks' details."""
    order = (Category.STUN, Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS)
    for check in sorted((c for c in result.checks if c.category in order), key=lambda c: order.index(c.category)):
        for key in _PUBLIC_KEYS:
            value = check.details.get(key)
            if isinstance(value, (list, tuple)) and value:
                value = value[0]
            if isinstance(value, str) and value:
                return _host_only(value)
    return None


def _host_only(value: str) -> str:
    """'203.0.113.5:4242' -> '203.0.113.5'; '[2001:db8::1]:4242' -> '2001:db8::1'."""
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


# ---------------------------------------------------------------- browsers

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
