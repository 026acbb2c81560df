"""This computer's addresses as PAC scripts see them (`myIpAddress`, Microsoft's `myIpAddressEx`), and IP-literal
parsing shared by the PAC modules. The helper functions themselves are JavaScript (`library.py`)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

_IPV4_DOTTED = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IPv4 dotted quad or an IPv6 literal (no brackets, no zone, no surrounding spaces), else None."""
    if not isinstance(text, str) or not text or len(text) > 45:
        return None
    if _IPV4_DOTTED.match(text):
        return ipaddress.IPv4Address(text)
    if ":" not in text or "%" in text or text != text.strip():
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class LocalAddresses:
    """`myIpAddress` (IPv4) and `myIpAddressEx` (every address, IPv6 first, RFC 6724 preference aside)."""

    ipv4: str = "127.0.0.1"  # Chromium's answer when no address is found
    all: tuple[str, ...] = ()  # empty: myIpAddressEx() is "", as in Chromium


def local_addresses(extra: Iterable[str] = ()) -> LocalAddresses:
    """The source addresses of this computer's default routes, as Chromium picks them (a UDP connect to a
    documentation address sends no packet; RFC 3849 and RFC 5737 addresses)."""
    found: list[str] = []
    for family, target in ((socket.AF_INET6, "2001:db8::1"), (socket.AF_INET, "198.51.100.1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((target, 9))
                found.append(str(s.getsockname()[0]).split("%")[0])
        except OSError:
            continue
    found.extend(a for a in extra if parse_ip(a) is not None and a not in found)
    ipv4 = next((a for a in found if isinstance(parse_ip(a), ipaddress.IPv4Address)), "127.0.0.1")
    ordered = sorted(found, key=lambda a: isinstance(parse_ip(a), ipaddress.IPv4Address))
    return LocalAddresses(ipv4, tuple(ordered))
