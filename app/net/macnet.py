"""macOS facts that change what a failure means: Local Network privacy (macOS 15 and later ask before an app may
reach devices on the local network; until the person allows it, such connections fail with "no route to host")."""

from __future__ import annotations

import ipaddress
import platform
import re
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass

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


def parse_sw_vers(text: str) -> str:
    """`sw_vers` output -> the ProductVersion (`15.1.1`), '' when absent."""
    for line in text[:10_000].splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "ProductVersion":
            return value.strip()
    return ""


@dataclass(frozen=True)
class Interface:
    """One `ifconfig` interface: name, up (flags UP and not `status: inactive`), addresses, networks."""

    name: str
    is_up: bool
    addresses: tuple[str, ...]
    networks: tuple[str, ...]


_IF_HEAD = re.compile(r"^([A-Za-z0-9]+): flags=[0-9a-f]+<([^>]*)>")


def parse_ifconfig(text: str) -> list[Interface]:
    """macOS `ifconfig` output -> interfaces; odd lines are skipped, never raised (recorded inputs, support)."""
    found: list[Interface] = []
    name, up = "", False
    addrs: list[str] = []
    nets: list[str] = []

    def close() -> None:
        if name:
            found.append(Interface(name, up, tuple(addrs), tuple(nets)))

    for line in text[:1_000_000].splitlines():
        head = _IF_HEAD.match(line)
        if head:
            close()
            name, up, addrs, nets = head.group(1), "UP" in head.group(2).split(","), [], []
            continue
        words = line.split()
        if not name or not words:
            continue
        if words[0] == "status:" and words[1:] == ["inactive"]:
            up = False
        elif words[0] in ("inet", "inet6") and len(words) > 1:
            address = words[1].split("%", 1)[0]
            try:
                ipaddress.ip_address(address)
            except ValueError:
                continue
            addrs.append(address)
            try:
                if words[0] == "inet" and "netmask" in words:
                    mask = int(words[words.index("netmask") + 1], 16)
                    nets.append(str(ipaddress.ip_network(f"{address}/{bin(mask).count('1')}", strict=False)))
                elif words[0] == "inet6" and "prefixlen" in words:
                    nets.append(str(ipaddress.ip_network(f"{address}/{words[words.index('prefixlen') + 1]}", False)))
            except (ValueError, IndexError):
                continue
    close()
    return found


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
