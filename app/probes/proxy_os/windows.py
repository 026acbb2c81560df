"""Windows: WinINET (per-user or machine-wide, what browsers use) and WinHTTP (services) proxy settings.

Parsers take recorded registry values: the `Internet Settings` values (ProxyEnable, ProxyServer,
ProxyOverride, AutoConfigURL) and the binary `DefaultConnectionSettings` / `WinHttpSettings` blobs.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.urls import ProxyUrl
from app.probes.proxy_os import SystemProxy, proxy_from_text, state_of, unknown

INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = INTERNET_SETTINGS + r"\Connections"

FLAG_DIRECT, FLAG_PROXY, FLAG_AUTO_PROXY_URL, FLAG_AUTO_DETECT = 0x01, 0x02, 0x04, 0x08


@dataclass(frozen=True)
class ConnectionBlob:
    """The decoded `DefaultConnectionSettings`/`WinHttpSettings` value."""

    flags: int
    proxy: str
    bypass: str
    pac_url: str


def parse_connection_blob(blob: bytes) -> ConnectionBlob | None:
    """Decode the binary settings: version, counter, flags, then length-prefixed proxy, bypass and PAC URL."""
    if len(blob) < 12:
        return None
    _version, _counter, flags = struct.unpack_from("<III", blob, 0)
    strings: list[str] = []
    offset = 12
    for _ in range(3):
        if offset + 4 > len(blob):
            strings.append("")
            continue
        (length,) = struct.unpack_from("<I", blob, offset)
        offset += 4
        if length > len(blob) - offset:
            return None
        strings.append(blob[offset : offset + length].decode("latin-1"))
        offset += length
    return ConnectionBlob(flags, *strings)


def parse_proxy_server(text: str) -> tuple[ProxyUrl | None, ProxyUrl | None]:
    """`host:port` (all protocols) or `http=h:p;https=h:p;...` -> (http proxy, https proxy)."""
    text = text.strip()
    if not text:
        return None, None
    if "=" not in text:
        single = proxy_from_text(text.split(";")[0])
        return single, single
    parts: dict[str, str] = {}
    for item in text.replace(" ", ";").split(";"):
        key, sep, value = item.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    return proxy_from_text(parts.get("http", "")), proxy_from_text(parts.get("https", ""))


def parse_bypass(text: str) -> tuple[str, ...]:
    """`ProxyOverride` (`<local>;*.corp.example;10.*`) -> patterns."""
    return tuple(p.strip() for p in text.replace(" ", ";").split(";") if p.strip())


def parse_wininet(values: Mapping[str, Any], source: str = "windows-wininet-user") -> SystemProxy:
    """WinINET `Internet Settings` values (+ optional `DefaultConnectionSettings` bytes) -> SystemProxy."""
    blob = values.get("DefaultConnectionSettings")
    decoded = parse_connection_blob(bytes(blob)) if isinstance(blob, (bytes, bytearray)) else None
    if decoded is not None:
        use_proxy = bool(decoded.flags & FLAG_PROXY)
        server, bypass_text = decoded.proxy, decoded.bypass
        pac = decoded.pac_url if decoded.flags & FLAG_AUTO_PROXY_URL else ""
        auto = bool(decoded.flags & FLAG_AUTO_DETECT)
    else:
        use_proxy = int(values.get("ProxyEnable") or 0) == 1
        server, bypass_text = str(values.get("ProxyServer") or ""), str(values.get("ProxyOverride") or "")
        pac = str(values.get("AutoConfigURL") or "")
        auto = int(values.get("AutoDetect") or 0) == 1
    http, https = parse_proxy_server(server) if use_proxy else (None, None)
    note = "ProxyServer is unusable" if use_proxy and server and not (http or https) else ""
    raw = {k: str(v) for k, v in values.items() if isinstance(v, (str, int))}
    return SystemProxy(source, state_of(http, https, pac or None, auto), http, https, parse_bypass(bypass_text),
                       pac or None, auto, note, raw)  # fmt: skip


def parse_winhttp(blob: bytes | None) -> SystemProxy:
    """`WinHttpSettings` bytes (as `netsh winhttp show proxy` reads them) -> SystemProxy; absent means direct."""
    source = "windows-winhttp"
    if blob is None:
        return SystemProxy(source, "none", note="no WinHTTP proxy (direct access)")
    decoded = parse_connection_blob(blob)
    if decoded is None:
        return unknown(source, "WinHttpSettings could not be decoded")
    http, https = parse_proxy_server(decoded.proxy) if decoded.flags & FLAG_PROXY else (None, None)
    return SystemProxy(source, state_of(http, https, None, False), http, https, parse_bypass(decoded.bypass))


def read() -> tuple[SystemProxy, ...]:
    """Read the registry (Windows only): WinINET per-user or machine-wide by policy, then WinHTTP."""
    if not sys.platform.startswith("win"):
        return (unknown("windows-wininet-user", "not running on Windows"),)
    import winreg

    def values(hive: Any, path: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        try:
            with winreg.OpenKey(hive, path) as key:  # type: ignore[attr-defined]
                i = 0
                while True:
                    try:
                        name, value, _kind = winreg.EnumValue(key, i)  # type: ignore[attr-defined]
                    except OSError:
                        break
                    found[name] = value
                    i += 1
        except OSError:
            pass
        return found

    hkcu, hklm = winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE  # type: ignore[attr-defined]
    per_user = int(values(hklm, POLICY).get("ProxySettingsPerUser", 1) or 0) != 0
    hive, source = (hkcu, "windows-wininet-user") if per_user else (hklm, "windows-wininet-machine")
    settings = values(hive, INTERNET_SETTINGS)
    conns = values(hive, CONNECTIONS)
    if "DefaultConnectionSettings" in conns:
        settings["DefaultConnectionSettings"] = conns["DefaultConnectionSettings"]
    wininet = parse_wininet(settings, source) if settings else unknown(source, "Internet Settings not readable")
    winhttp = parse_winhttp(values(hklm, CONNECTIONS).get("WinHttpSettings"))
    return wininet, winhttp
