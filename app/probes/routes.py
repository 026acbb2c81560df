"""Which interface the OS would use towards an address (connected UDP socket, no packet sent) and the adapter list."""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from app.probes.vpn_classify import Adapter


@dataclass(frozen=True)
class Route:
    """The OS's choice for one destination: local source address and its interface (or an error)."""

    destination: str
    source: str | None = None
    interface: str | None = None
    error: str | None = None


def source_address(destination: str, port: int = 3478) -> str:
    """Local address the OS picks for `destination` (UDP connect sets the route; nothing is sent); raises OSError."""
    family = socket.AF_INET6 if ":" in destination else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((destination, port))
        return str(sock.getsockname()[0]).split("%", 1)[0]


def route_to(destination: str, by_address: Mapping[str, str], port: int = 3478) -> Route:
    """The route to `destination`, the source address mapped to its interface name."""
    try:
        source = source_address(destination, port)
    except OSError as exc:
        no_route = exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL)
        return Route(destination, error="no route" if no_route else (exc.strerror or str(exc)))
    return Route(destination, source, by_address.get(_norm(source)))


def address_map(adapters: Iterable[Adapter]) -> dict[str, str]:
    """Address -> interface name (first interface wins when an address repeats)."""
    out: dict[str, str] = {}
    for a in adapters:
        for addr in a.addresses:
            out.setdefault(_norm(addr), a.name)
    return out


def list_adapters() -> list[Adapter]:
    """Every interface with its addresses, state, and (per OS) description and kind; no admin rights needed."""
    addrs = psutil.net_if_addrs()
    stats = psutil.net_if_stats()
    extra = _windows_adapters() if sys.platform == "win32" else {}
    adapters = []
    for name, entries in addrs.items():
        ips = tuple(_norm(e.address) for e in entries if e.family in (socket.AF_INET, socket.AF_INET6) and e.address)
        st = stats.get(name)
        description, kind, up = extra.get(name, ("", "", bool(st and st.isup)))
        if sys.platform.startswith("linux"):
            kind = linux_kind(name)
        elif sys.platform == "darwin":
            kind = darwin_kind(name)
        adapters.append(Adapter(name, ips, up, description, kind))
    return adapters


# ARPHRD_* from linux/if_arp.h
_LINUX_TYPES = {1: "ethernet", 512: "ppp", 768: "tunnel", 769: "tunnel", 772: "loopback", 776: "tunnel", 778: "tunnel",
                823: "tunnel", 65534: "tun"}  # fmt: skip


def linux_kind(name: str, sysfs: Path = Path("/sys/class/net")) -> str:
    """Interface kind from sysfs: tun/tap devices have `tun_flags`; otherwise the ARPHRD type."""
    base = sysfs / name
    if (base / "tun_flags").exists():
        return "tun"
    if (base / "wireless").exists():
        return "wireless"
    try:
        return _LINUX_TYPES.get(int((base / "type").read_text().strip()), "")
    except (OSError, ValueError):
        return ""


def darwin_kind(name: str) -> str:
    """Interface kind from the macOS naming convention."""
    for prefix, kind in (("utun", "tun"), ("ipsec", "tunnel"), ("ppp", "ppp"), ("lo", "loopback"), ("en", "ethernet")):
        if name.startswith(prefix):
            return kind
    return ""


def _windows_adapters() -> dict[str, tuple[str, str, bool]]:
    """FriendlyName -> (Description, kind, up from the adapter's own OperStatus) via app.net.winnet; {} on
    failure."""
    from app.net import winnet

    return {a.name: (a.description, a.kind, a.is_up) for a in winnet.adapters()}


def _norm(address: str) -> str:
    """Address without IPv6 zone id, in canonical form."""
    text = address.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text
