"""macOS facts that change what a failure means: Local Network privacy (macOS 15 and later ask before an app may
reach devices on the local network; until the person allows it, such connections fail with "no route to host")."""

from __future__ import annotations

import ipaddress
import platform
import socket
import sys
from collections.abc import Iterable

LOCAL_NETWORK_FIRST_MAJOR = 15
HINT = (
    "macOS may be keeping CallReady off the local network: allow CallReady in System Settings > Privacy & Security "
    "> Local Network, then run the check again."
)


def macos_major(version: str) -> int | None:
    """`15.1.1` -> 15; None for an empty or odd version."""
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isdigit() else None


def on_local_network(host: str, networks: Iterable[str]) -> bool:
    """True when `host` is an address on one of this computer's networks (`192.168.1.0/24`, ...) or link-local;
    a name counts as possibly local (its address is not known where this is asked)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return True
    if ip.is_link_local:
        return True
    for text in networks:
        try:
            if ip in ipaddress.ip_network(text, strict=False):
                return True
        except ValueError:
            continue
    return False


def hint_for(kind: str, host: str, mac_version: str, networks: Iterable[str]) -> str | None:
    """The Local Network privacy hint for an 'unreachable' failure towards a local host on macOS 15+, else None."""
    major = macos_major(mac_version)
    if kind != "unreachable" or major is None or major < LOCAL_NETWORK_FIRST_MAJOR:
        return None
    return HINT if on_local_network(host, networks) else None


def local_networks() -> list[str]:
    """This computer's IPv4/IPv6 networks from its interface addresses and netmasks (psutil)."""
    import psutil

    found = []
    for entries in psutil.net_if_addrs().values():
        for e in entries:
            if e.family in (socket.AF_INET, socket.AF_INET6) and e.address and e.netmask:
                try:
                    net = ipaddress.ip_network(f"{e.address.split('%', 1)[0]}/{e.netmask}", strict=False)
                except ValueError:
                    continue
                if not net.is_loopback:
                    found.append(str(net))
    return found


def local_network_hint(kind: str, host: str) -> str | None:
    """hint_for on this computer (macOS only; None elsewhere or when the facts cannot be read)."""
    if sys.platform != "darwin":
        return None
    try:
        return hint_for(kind, host, platform.mac_ver()[0], local_networks())
    except Exception:  # a hint is optional; never let it break a result
        return None
