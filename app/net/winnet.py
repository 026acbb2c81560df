"""Windows network facts: adapters with their own state (`OperStatus`, RFC 2863 ifOperStatus), DNS servers of the
adapters that are up, and the Windows product name from the build number.

Pure parsers take recorded inputs (`ipconfig /all`, `Get-NetAdapter | ConvertTo-Json` as
tools/collect_machine_facts.ps1 saves them); the thin ctypes wrapper over `GetAdaptersAddresses` (iphlpapi, no
admin rights) runs only on Windows.
"""

from __future__ import annotations

import ipaddress
import json
import re
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

OPER_UP = 1  # IfOperStatusUp (RFC 2863 ifOperStatus; IP_ADAPTER_ADDRESSES.OperStatus)
WIN_KINDS = {6: "ethernet", 23: "ppp", 24: "loopback", 71: "wireless", 131: "tunnel", 53: "virtual"}
WINDOWS_11_FIRST_BUILD = 22000
MAX_INPUT_CHARS = 1_000_000


@dataclass(frozen=True)
class WinAdapter:
    """One adapter as Windows lists it: friendly name, description, IfType kind, whether up, its DNS servers."""

    name: str
    description: str = ""
    kind: str = ""
    is_up: bool = False
    dns_servers: tuple[str, ...] = ()


def _address(text: str) -> str | None:
    """A DNS server address as printed (`fd00::1`, `fec0::1%1`, `10.0.0.1(Preferred)`) without zone, or None."""
    text = text.strip().split("(", 1)[0].strip().split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def up_dns_servers(adapters: Iterable[WinAdapter]) -> list[str]:
    """DNS servers of the adapters that are up, in adapter order, distinct (Windows asks only these); the
    deprecated site-local defaults `fec0:0:0:ffff::1..3` Windows lists without IPv6 DNS are left out."""
    found: list[str] = []
    for a in adapters:
        if a.is_up:
            found += [s for s in a.dns_servers if s not in found and not s.lower().startswith("fec0:")]
    return found


_HEADER = re.compile(r"^(\S.*?) adapter (.+):\s*$")
_ENTRY = re.compile(r"^\s+([^.:][^:]*?)[ .]*:\s?(.*)$")


def parse_ipconfig_all(text: str) -> list[WinAdapter]:
    """`ipconfig /all` (English) -> adapters; 'Media disconnected' is down, and so is an adapter with no address."""
    adapters: list[WinAdapter] = []
    current: dict[str, Any] | None = None
    last_key = ""

    def close() -> None:
        if current is not None:
            f = current["fields"]
            has_address = any(k.startswith(("IPv4 Address", "IP Address", "IPv6 Address", "Autoconfiguration IPv4"))
                              for k in f)  # fmt: skip
            up = "media disconnected" not in str(f.get("Media State", "")).lower() and has_address
            kind = "wireless" if current["type"].lower().startswith("wireless") else current["type"].split()[0].lower()
            dns = tuple(a for v in f.get("DNS Servers", []) if (a := _address(v)))
            adapters.append(WinAdapter(current["name"], str(f.get("Description", "")), kind, up, dns))

    for line in text[:MAX_INPUT_CHARS].splitlines():
        header = _HEADER.match(line)
        if header:
            close()
            current, last_key = {"type": header.group(1), "name": header.group(2), "fields": {}}, ""
            continue
        if current is None or not line.strip():
            continue
        entry = _ENTRY.match(line) if " : " in line or line.rstrip().endswith(":") else None
        if entry:
            last_key = entry.group(1).strip()
            value = entry.group(2).strip()
            current["fields"][last_key] = [value] if last_key == "DNS Servers" else value
        elif last_key == "DNS Servers":
            current["fields"][last_key].append(line.strip())
    close()
    return adapters


def parse_get_netadapter_json(text: str) -> list[WinAdapter]:
    """`Get-NetAdapter | Select Name,InterfaceDescription,Status,InterfaceOperationalStatus,... | ConvertTo-Json`
    -> adapters (no DNS servers); unreadable text gives [] and an odd entry is skipped, never raised."""
    try:
        data = json.loads(text[:MAX_INPUT_CHARS].lstrip("\ufeff") or "[]")
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            continue
        oper = item.get("InterfaceOperationalStatus")
        status = str(item.get("Status") or "")
        up = oper == OPER_UP if isinstance(oper, int) else status.lower() == "up"
        if_type = item.get("InterfaceType")
        kind = WIN_KINDS.get(if_type, "") if isinstance(if_type, int) else ""
        out.append(WinAdapter(item["Name"], str(item.get("InterfaceDescription") or ""), kind, up))
    return out


def windows_name(version: str, release: str = "10") -> str:
    """`Windows 11` for builds 22000 and later (Python 3.11's platform.release() still says 10), else
    `Windows <release>`; `version` is `10.0.22631` or `Microsoft Windows [Version 10.0.22631.4460]`."""
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", version)
    if m and (int(m.group(1)), int(m.group(2))) == (10, 0):
        return "Windows 11" if int(m.group(3)) >= WINDOWS_11_FIRST_BUILD else "Windows 10"
    return f"Windows {release}".strip()


def sockaddr_text(raw: bytes) -> str | None:
    """A Windows SOCKADDR (AF_INET 2 or AF_INET6 23) as text; None for anything else."""
    if len(raw) >= 8 and struct.unpack_from("<H", raw)[0] == 2:
        return str(ipaddress.IPv4Address(raw[4:8]))
    if len(raw) >= 24 and struct.unpack_from("<H", raw)[0] == 23:
        return str(ipaddress.IPv6Address(raw[8:24]))
    return None


# ---------------------------------------------------------------- thin OS wrapper (Windows only; not run here)


def adapters() -> list[WinAdapter]:
    """Every adapter from `GetAdaptersAddresses` with OperStatus and DNS servers; [] off Windows or on failure."""
    if sys.platform != "win32":
        return []
    try:
        return _get_adapters_addresses()
    except Exception:  # any ctypes/OS surprise: callers fall back
        return []


def _get_adapters_addresses() -> list[WinAdapter]:
    import ctypes
    from ctypes import wintypes

    class _SocketAddress(ctypes.Structure):
        _fields_ = [("lpSockaddr", ctypes.c_void_p), ("iSockaddrLength", ctypes.c_int)]

    class _Dns(ctypes.Structure):
        pass

    _Dns._fields_ = [("Length", wintypes.ULONG), ("Reserved", wintypes.DWORD), ("Next", ctypes.POINTER(_Dns)),
                     ("Address", _SocketAddress)]  # fmt: skip

    class _Addresses(ctypes.Structure):
        pass

    _Addresses._fields_ = [
        ("Length", wintypes.ULONG), ("IfIndex", wintypes.DWORD), ("Next", ctypes.POINTER(_Addresses)),
        ("AdapterName", ctypes.c_char_p), ("FirstUnicastAddress", ctypes.c_void_p),
        ("FirstAnycastAddress", ctypes.c_void_p), ("FirstMulticastAddress", ctypes.c_void_p),
        ("FirstDnsServerAddress", ctypes.POINTER(_Dns)), ("DnsSuffix", ctypes.c_wchar_p),
        ("Description", ctypes.c_wchar_p), ("FriendlyName", ctypes.c_wchar_p),
        ("PhysicalAddress", ctypes.c_ubyte * 8), ("PhysicalAddressLength", wintypes.ULONG),
        ("Flags", wintypes.ULONG), ("Mtu", wintypes.ULONG), ("IfType", wintypes.ULONG),
        ("OperStatus", ctypes.c_int),
    ]  # fmt: skip
    get = ctypes.windll.iphlpapi.GetAdaptersAddresses  # type: ignore[attr-defined]
    size = wintypes.ULONG(32 * 1024)
    for _ in range(3):
        buf = ctypes.create_string_buffer(size.value)
        rc = get(0, 0x07, None, buf, ctypes.byref(size))  # AF_UNSPEC; skip unicast, anycast, multicast
        if rc == 0:
            break
        if rc != 111:  # ERROR_BUFFER_OVERFLOW: size now holds what is needed
            return []
    else:
        return []
    out: list[WinAdapter] = []
    node = ctypes.cast(buf, ctypes.POINTER(_Addresses))
    while node:
        item = node.contents
        servers: list[str] = []
        dns = item.FirstDnsServerAddress
        while dns:
            addr = dns.contents.Address
            if addr.lpSockaddr and 0 < addr.iSockaddrLength <= 128:
                text = sockaddr_text(ctypes.string_at(addr.lpSockaddr, addr.iSockaddrLength))
                if text and text not in servers:
                    servers.append(text)
            dns = dns.contents.Next
        out.append(WinAdapter(item.FriendlyName or "", item.Description or "", WIN_KINDS.get(item.IfType, ""),
                              item.OperStatus == OPER_UP, tuple(servers)))  # fmt: skip
        node = item.Next
    return out


def system_nameservers() -> list[str] | None:
    """DNS servers of the adapters that are up (Windows); None when the adapter list could not be read."""
    found = adapters()
    return up_dns_servers(found) if found else None
