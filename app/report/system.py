"""System facts for the bundle: OS, interfaces, proxies, DNS resolvers, public address, browsers."""

from __future__ import annotations

import os
import platform
import socket
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from app import TOOL_NAME, __version__
from app.engine.model import Category, RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.probes.browsers import find_browsers


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
        "browsers": browsers_seen(result) or [asdict(b) for b in _safe(find_browsers, [])],
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
        from app.net.winnet import windows_name

        name = windows_name(platform.version(), platform.release())  # Python 3.11 says 10 for Windows 11 too
        facts["windows"] = " ".join([name, *(x for x in platform.win32_ver()[1:] if x)])
        facts["windows_name"] = name
        if name == "Windows 11":
            facts["platform"] = str(facts["platform"]).replace("Windows-10-", "Windows-11-", 1)
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
    """The resolvers the run used: the ones given to the run, else the OS's (on Windows: adapters that are up)."""
    if options is not None and options.nameservers:
        return list(options.nameservers)
    from app.net.dnsquery import system_nameservers

    return system_nameservers()


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


def browsers_seen(result: RunResult) -> list[dict[str, Any]]:
    """Browsers the run's system check already found (no second search)."""
    for check in result.checks:
        if check.category is Category.SYSTEM and isinstance(check.details.get("browsers"), list):
            return list(check.details["browsers"])
    return []
