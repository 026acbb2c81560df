"""Windows: the proxy settings Chrome and Edge use, as WinHTTP resolves them, with the registry as fallback.

Order browsers apply: the browser's own proxy policy (`SOFTWARE\\Policies\\Google\\Chrome`, `...\\Microsoft\\Edge`,
machine before user), then the current user's Internet Settings as WinHTTP returns them
(`WinHttpGetIEProxyConfigForCurrentUser`: the active connection's settings, auto-detect, PAC URL), then WinHTTP's
own service settings (`netsh winhttp`). Pure parsers take recorded inputs: `reg export` files, registry values,
the binary `DefaultConnectionSettings` / `WinHttpSettings` blobs and `netsh winhttp show proxy` output. The thin
OS wrappers at the end (ctypes WinHTTP, winreg) run only on Windows.
"""

from __future__ import annotations

import json
import re
import struct
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.urls import ProxyUrl
from app.net.proxy_os import SystemProxy, proxy_from_text, state_of, unknown, wpad_candidates

HKCU, HKLM = "HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE"
INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = INTERNET_SETTINGS + r"\Connections"
BROWSER_POLICIES = (("chrome-policy", r"SOFTWARE\Policies\Google\Chrome"),
                    ("edge-policy", r"SOFTWARE\Policies\Microsoft\Edge"))  # fmt: skip
# Every key the readers use (also what tools/collect_machine_facts.ps1 exports).
KEYS = (
    f"{HKCU}\\{INTERNET_SETTINGS}", f"{HKLM}\\{INTERNET_SETTINGS}", f"{HKCU}\\{CONNECTIONS}", f"{HKLM}\\{CONNECTIONS}",
    f"{HKLM}\\{POLICY}", f"{HKCU}\\{POLICY}",
    *(f"{hive}\\{path}" for _, path in BROWSER_POLICIES for hive in (HKLM, HKCU)),
)  # fmt: skip

FLAG_DIRECT, FLAG_PROXY, FLAG_AUTO_PROXY_URL, FLAG_AUTO_DETECT = 0x01, 0x02, 0x04, 0x08
_NOT_CONNECTIONS = {"defaultconnectionsettings", "savedlegacysettings", "winhttpsettings"}
REG_MAX_CHARS = 2_000_000


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


def parse_proxy_rules(text: str) -> tuple[ProxyUrl | None, ProxyUrl | None, str | None]:
    """`host:port` (all protocols), `http=h:p;https=h:p;socks=h:p` (WinINET) or Chrome's `scheme://h:p` rules ->
    (http proxy, https proxy, SOCKS proxy). `socks=` is SOCKS4 for every scheme without its own proxy, as
    Chromium reads Windows settings."""
    text = text.strip()
    if not text:
        return None, None, None
    per: dict[str, str] = {}
    everything = ""
    for item in text.replace(" ", ";").split(";"):
        key, sep, value = item.partition("=")
        if sep and "://" not in key:
            per.setdefault(key.strip().lower(), value.strip())
        elif item.strip() and not everything:
            everything = item.strip()
    socks: str | None = None
    if "socks" in per:
        socks = f"socks4://{per['socks'].split('://')[-1]}"
    if everything.lower().startswith(("socks", "socks4://", "socks5://")):
        socks = socks or (everything if "://" in everything else f"socks4://{everything}")
        everything = ""
    http = proxy_from_text(per.get("http", "") or everything)
    https = proxy_from_text(per.get("https", "") or everything)
    return http, https, socks


def parse_proxy_server(text: str) -> tuple[ProxyUrl | None, ProxyUrl | None]:
    """`host:port` (all protocols) or `http=h:p;https=h:p;...` -> (http proxy, https proxy)."""
    http, https, _socks = parse_proxy_rules(text)
    return http, https


def parse_bypass(text: str) -> tuple[str, ...]:
    """`ProxyOverride` (`<local>;*.corp.example;10.*`) or Chrome's comma list -> patterns."""
    return tuple(p.strip() for p in re.split(r"[;,\s]+", text) if p.strip())


def _int(value: Any) -> int:
    """A DWORD value as recorded (int, or text from an odd export); 0 when unusable."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def parse_wininet(
    values: Mapping[str, Any], source: str = "windows-wininet-user", dhcp_wpad_url: str | None = None
) -> SystemProxy:
    """WinINET `Internet Settings` values (+ optional `DefaultConnectionSettings` bytes) -> SystemProxy.

    The blob is what the Settings app writes; values set by policy or `reg add` also apply: a plain `AutoConfigURL`
    (a documented GPO method) is used when the blob names no PAC, and `ProxyEnable`/`ProxyServer` when the blob
    says direct only.
    """
    blob = values.get("DefaultConnectionSettings")
    decoded = parse_connection_blob(bytes(blob)) if isinstance(blob, (bytes, bytearray)) else None
    plain_pac = str(values.get("AutoConfigURL") or "").strip()
    plain_on = _int(values.get("ProxyEnable")) == 1
    plain_server, plain_bypass = str(values.get("ProxyServer") or ""), str(values.get("ProxyOverride") or "")
    notes: list[str] = []
    if decoded is not None:
        use_proxy = bool(decoded.flags & FLAG_PROXY)
        server, bypass_text = decoded.proxy, decoded.bypass
        pac = decoded.pac_url if decoded.flags & FLAG_AUTO_PROXY_URL else ""
        auto = bool(decoded.flags & FLAG_AUTO_DETECT)
        if not pac and plain_pac:
            pac = plain_pac
            notes.append("PAC from the AutoConfigURL value (policy)")
        if not (use_proxy or pac or auto) and plain_on and plain_server:
            use_proxy, server, bypass_text = True, plain_server, plain_bypass
            notes.append("proxy from the ProxyEnable/ProxyServer values")
    else:
        use_proxy, server, bypass_text, pac = plain_on, plain_server, plain_bypass, plain_pac
        auto = _int(values.get("AutoDetect")) == 1
    http, https, socks = parse_proxy_rules(server) if use_proxy else (None, None, None)
    if use_proxy and server and not (http or https or socks):
        notes.append("ProxyServer is unusable")
    raw = {k: str(v) for k, v in values.items() if isinstance(v, (str, int))}
    return SystemProxy(source, state_of(http, https, pac or None, auto, socks), http, https,
                       parse_bypass(bypass_text), pac or None, auto, "; ".join(notes), raw,
                       wpad_candidates(dhcp_wpad_url) if auto else (), socks)  # fmt: skip


def parse_winhttp(blob: bytes | None) -> SystemProxy:
    """`WinHttpSettings` bytes (as `netsh winhttp show proxy` reads them) -> SystemProxy; absent means direct."""
    source = "windows-winhttp"
    if blob is None:
        return SystemProxy(source, "none", note="no WinHTTP proxy (direct access)")
    decoded = parse_connection_blob(blob)
    if decoded is None:
        return unknown(source, "WinHttpSettings could not be decoded")
    http, https, socks = parse_proxy_rules(decoded.proxy) if decoded.flags & FLAG_PROXY else (None, None, None)
    return SystemProxy(source, state_of(http, https, None, False, socks), http, https, parse_bypass(decoded.bypass),
                       socks=socks)  # fmt: skip


_NETSH_PROXY = re.compile(r"^\s*Proxy Server\(s\)\s*:\s*(.*?)\s*$", re.MULTILINE)
_NETSH_BYPASS = re.compile(r"^\s*Bypass List\s*:\s*(.*?)\s*$", re.MULTILINE)


def parse_netsh_winhttp(text: str) -> SystemProxy:
    """`netsh winhttp show proxy` (English) -> SystemProxy of WinHTTP's service settings; other text is unknown."""
    source = "windows-winhttp"
    if re.search(r"Direct access \(no proxy server\)", text):
        return SystemProxy(source, "none", note="no WinHTTP proxy (direct access)")
    m = _NETSH_PROXY.search(text)
    if not m:
        return unknown(source, "netsh output not understood")
    http, https, socks = parse_proxy_rules(m.group(1))
    b = _NETSH_BYPASS.search(text)
    bypass = parse_bypass(b.group(1)) if b and b.group(1) != "(none)" else ()
    return SystemProxy(source, state_of(http, https, None, False, socks), http, https, bypass, socks=socks)


# ---------------------------------------------------------------- registry exports (`reg export` .reg text)

RegistryView = Mapping[str, Mapping[str, Any]]


def _reg_value(data: str) -> Any:
    """One .reg value: `"text"`, `dword:0000000a`, `hex:46,00,...`, `hex(2):...`/`hex(7):...` (UTF-16 text)."""
    if data.startswith('"'):
        return data[1:-1].replace('\\"', '"').replace("\\\\", "\\") if data.endswith('"') else None
    if data.startswith("dword:"):
        try:
            return int(data[6:], 16)
        except ValueError:
            return None
    m = re.match(r"hex(?:\((\w+)\))?:(.*)$", data, re.DOTALL)
    if not m:
        return None
    try:
        raw = bytes(int(h, 16) for h in m.group(2).replace(" ", "").split(",") if h)
    except ValueError:
        return None
    kind = (m.group(1) or "3").lower()
    if kind in ("2", "7", "1"):
        text = raw.decode("utf-16-le", "replace").rstrip("\x00")
        return text.split("\x00") if kind == "7" else text
    if kind == "b" and len(raw) == 8:
        return struct.unpack("<Q", raw)[0]
    return raw


def parse_reg_export(text: str) -> dict[str, dict[str, Any]]:
    """`reg export` output (`Windows Registry Editor Version 5.00`, UTF-16 decoded) -> {key path: {name: value}};
    lines that cannot be read are skipped, never raised."""
    text = text[:REG_MAX_CHARS].lstrip("\ufeff")
    keys: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    logical: list[str] = []
    for line in text.splitlines():
        if logical:
            logical.append(line.strip())
        else:
            logical = [line.rstrip()]
        if logical[-1].endswith("\\") and not logical[-1].endswith('"'):
            logical[-1] = logical[-1][:-1]
            continue
        full, logical = "".join(logical), []
        if full.startswith("[") and full.endswith("]"):
            current = keys.setdefault(full[1:-1], {})
            continue
        if current is None:
            continue
        m = re.match(r'^(@|"((?:[^"\\]|\\.)*)")=(.*)$', full)
        if m:
            name = "" if m.group(1) == "@" else m.group(2).replace('\\"', '"').replace("\\\\", "\\")
            value = _reg_value(m.group(3).strip())
            if value is not None:
                current[name] = value
    return keys


def key_values(view: RegistryView, hive: str, path: str) -> dict[str, Any]:
    """The values of one key (hive names compared case-insensitively, `HKCU`/`HKLM` accepted); {} when absent."""
    short = {"HKCU": HKCU, "HKLM": HKLM}
    want = f"{short.get(hive.upper(), hive)}\\{path}".lower()
    for key, values in view.items():
        head, _, rest = key.partition("\\")
        if f"{short.get(head.upper(), head)}\\{rest}".lower() == want:
            return dict(values)
    return {}


# ---------------------------------------------------------------- browser policies (Chrome and Edge)

_MODES = {"direct", "auto_detect", "pac_script", "fixed_servers", "system"}
_SERVER_MODES = {0: "direct", 1: "auto_detect", 3: "system"}  # 2: manual (PAC URL or servers)


def parse_browser_policy(machine: Mapping[str, Any], user: Mapping[str, Any], source: str) -> SystemProxy | None:
    """Chrome/Edge proxy policy (`ProxySettings` JSON, else `ProxyMode`/`ProxyServerMode`, `ProxyServer`,
    `ProxyPacUrl`, `ProxyBypassList`; machine policy wins over user policy) -> SystemProxy, or None when the
    policy leaves proxies to the system."""
    merged: dict[str, Any] = {**dict(user), **dict(machine)}
    settings = merged.get("ProxySettings")
    if isinstance(settings, str) and settings.strip():
        try:
            decoded = json.loads(settings)
        except ValueError:
            return unknown(source, "ProxySettings policy is not valid JSON")
        if isinstance(decoded, dict):
            merged = {**merged, **decoded}
    mode = str(merged.get("ProxyMode") or "").strip().lower()
    if not mode and "ProxyServerMode" in merged:
        number = _int(merged["ProxyServerMode"])
        mode = _SERVER_MODES.get(number) or ("pac_script" if merged.get("ProxyPacUrl") else "fixed_servers")
    if not mode or mode == "system":
        return None
    if mode not in _MODES:
        return unknown(source, f"ProxyMode policy {mode!r} is not a known mode")
    raw = {k: str(v) for k, v in merged.items() if k.startswith("Proxy") and isinstance(v, (str, int))}
    bypass = parse_bypass(str(merged.get("ProxyBypassList") or ""))
    note = f"browser policy ProxyMode={mode}"
    if mode == "direct":
        return SystemProxy(source, "none", note=note, raw=raw)
    if mode == "auto_detect":
        return SystemProxy(source, "configured", bypass=bypass, auto_detect=True, note=note, raw=raw,
                           wpad_urls=wpad_candidates(None))  # fmt: skip
    if mode == "pac_script":
        pac = str(merged.get("ProxyPacUrl") or "").strip()
        if not pac:
            return unknown(source, "ProxyMode pac_script without ProxyPacUrl")
        return SystemProxy(source, "configured", bypass=bypass, pac_url=pac, note=note, raw=raw)
    http, https, socks = parse_proxy_rules(str(merged.get("ProxyServer") or ""))
    if not (http or https or socks):
        return unknown(source, "ProxyMode fixed_servers without a usable ProxyServer")
    return SystemProxy(source, "configured", http, https, bypass, note=note, raw=raw, socks=socks)


def browser_policies(view: RegistryView) -> tuple[SystemProxy, ...]:
    """The Chrome and Edge proxy policies that override the system settings (Chrome first)."""
    found = []
    for source, path in BROWSER_POLICIES:
        policy = parse_browser_policy(key_values(view, HKLM, path), key_values(view, HKCU, path), source)
        if policy is not None:
            found.append(policy)
    return tuple(found)


# ---------------------------------------------------------------- the registry as a whole


def active_connection(conns: Mapping[str, Any], connected: Iterable[str]) -> str | None:
    """The per-connection settings WinINET uses: a connected VPN/dial-up entry's own blob (`Connections\\<name>`)
    when one is up, else None (the LAN's DefaultConnectionSettings)."""
    names = {n.lower(): n for n in conns if n.lower() not in _NOT_CONNECTIONS}
    for c in connected:
        if c.lower() in names and isinstance(conns[names[c.lower()]], (bytes, bytearray)):
            return names[c.lower()]
    return None


def wininet_from_registry(
    view: RegistryView, connected: Iterable[str] = (), dhcp_wpad_url: str | None = None
) -> SystemProxy:
    """WinINET settings as Windows applies them: per user unless machine-wide by policy, the active connection's
    blob (a connected VPN's own entry) over the LAN's."""
    per_user = _int(key_values(view, HKLM, POLICY).get("ProxySettingsPerUser", 1)) != 0
    hive, source = (HKCU, "windows-wininet-user") if per_user else (HKLM, "windows-wininet-machine")
    settings = key_values(view, hive, INTERNET_SETTINGS)
    conns = key_values(view, hive, CONNECTIONS)
    policy_pac = key_values(view, hive, POLICY).get("AutoConfigURL")
    if policy_pac and not settings.get("AutoConfigURL"):
        settings["AutoConfigURL"] = policy_pac
    name = active_connection(conns, connected)
    blob_name = name or "DefaultConnectionSettings"
    if blob_name in conns:
        settings["DefaultConnectionSettings"] = conns[blob_name]
    if not settings:
        return unknown(source, "Internet Settings not readable")
    found = parse_wininet(settings, source, dhcp_wpad_url)
    if name:
        extra = f"settings of the connected connection {name!r}"
        found = _with_note(found, extra)
    return found


def from_registry(view: RegistryView, connected: Iterable[str] = ()) -> tuple[SystemProxy, ...]:
    """Browser policies, WinINET and WinHTTP service settings from a registry view (recorded or live)."""
    winhttp = parse_winhttp(_bytes_or_none(key_values(view, HKLM, CONNECTIONS).get("WinHttpSettings")))
    return (*browser_policies(view), wininet_from_registry(view, connected), winhttp)


def _bytes_or_none(value: Any) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray)) else None


def _with_note(found: SystemProxy, extra: str) -> SystemProxy:
    from dataclasses import replace

    return replace(found, note="; ".join(n for n in (found.note, extra) if n))


# ---------------------------------------------------------------- WinHTTP's answer (what Chrome and Edge ask)


@dataclass(frozen=True)
class IeProxyConfig:
    """`WINHTTP_CURRENT_USER_IE_PROXY_CONFIG`: the current user's active settings as WinHTTP reads them."""

    auto_detect: bool
    auto_config_url: str | None
    proxy: str | None
    bypass: str | None


def from_ie_config(cfg: IeProxyConfig, dhcp_wpad_url: str | None = None) -> SystemProxy:
    """WinHTTP's view of the user's settings (active connection, policy AutoConfigURL included) -> SystemProxy."""
    http, https, socks = parse_proxy_rules(cfg.proxy or "")
    pac = (cfg.auto_config_url or "").strip() or None
    note = "ProxyServer is unusable" if cfg.proxy and not (http or https or socks) else ""
    raw = {"api": "WinHttpGetIEProxyConfigForCurrentUser", "fAutoDetect": str(int(cfg.auto_detect)),
           "lpszAutoConfigUrl": pac or "", "lpszProxy": cfg.proxy or "", "lpszProxyBypass": cfg.bypass or ""}  # fmt: skip
    return SystemProxy("windows-wininet-user", state_of(http, https, pac, cfg.auto_detect, socks), http, https,
                       parse_bypass(cfg.bypass or ""), pac, cfg.auto_detect, note, raw,
                       wpad_candidates(dhcp_wpad_url) if cfg.auto_detect else (), socks)  # fmt: skip


def differences(api: SystemProxy, registry: SystemProxy) -> list[str]:
    """Where the registry reading disagrees with WinHTTP's own answer (PAC, auto-detect, proxies, bypass);
    the release workflow sets proxy states with `reg add` and fails on any difference."""
    fields = {
        "pac_url": (api.pac_url, registry.pac_url),
        "auto_detect": (api.auto_detect, registry.auto_detect),
        "http": (str(api.http or ""), str(registry.http or "")),
        "https": (str(api.https or ""), str(registry.https or "")),
        "socks": (api.socks, registry.socks),
        "bypass": (api.bypass, registry.bypass),
    }
    return [f"{name}: WinHTTP {a!r}, registry {b!r}" for name, (a, b) in fields.items() if a != b]


# ---------------------------------------------------------------- thin OS wrappers (Windows only; not run here)

WINHTTP_AUTO_DETECT_TYPE_DHCP = 0x1
DETECT_TIMEOUT_S = 3.0


def winhttp_ie_config() -> IeProxyConfig | None:
    """`WinHttpGetIEProxyConfigForCurrentUser` via ctypes; None when the call fails."""
    import ctypes
    from ctypes import wintypes

    class _Config(ctypes.Structure):
        _fields_ = [("fAutoDetect", wintypes.BOOL), ("lpszAutoConfigUrl", wintypes.LPWSTR),
                    ("lpszProxy", wintypes.LPWSTR), ("lpszProxyBypass", wintypes.LPWSTR)]  # fmt: skip

    winhttp = ctypes.WinDLL("winhttp", use_last_error=True)  # type: ignore[attr-defined]
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    kernel32.GlobalFree.argtypes = [ctypes.c_void_p]
    winhttp.WinHttpGetIEProxyConfigForCurrentUser.argtypes = [ctypes.POINTER(_Config)]
    winhttp.WinHttpGetIEProxyConfigForCurrentUser.restype = wintypes.BOOL
    cfg = _Config()
    if not winhttp.WinHttpGetIEProxyConfigForCurrentUser(ctypes.byref(cfg)):
        return None
    try:
        return IeProxyConfig(bool(cfg.fAutoDetect), cfg.lpszAutoConfigUrl, cfg.lpszProxy, cfg.lpszProxyBypass)
    finally:
        for name in ("lpszAutoConfigUrl", "lpszProxy", "lpszProxyBypass"):
            pointer = ctypes.cast(getattr(cfg, name), ctypes.c_void_p)
            if pointer.value:
                kernel32.GlobalFree(pointer)


def winhttp_dhcp_wpad_url() -> str | None:
    """The PAC URL DHCP option 252 gives (`WinHttpDetectAutoProxyConfigUrl`, DHCP only), None when none."""
    import ctypes
    from ctypes import wintypes

    winhttp = ctypes.WinDLL("winhttp", use_last_error=True)  # type: ignore[attr-defined]
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    kernel32.GlobalFree.argtypes = [ctypes.c_void_p]
    winhttp.WinHttpDetectAutoProxyConfigUrl.argtypes = [wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p)]
    winhttp.WinHttpDetectAutoProxyConfigUrl.restype = wintypes.BOOL
    out = ctypes.c_void_p()
    if not winhttp.WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DHCP, ctypes.byref(out)):
        return None  # ERROR_WINHTTP_AUTODETECTION_FAILED (12180): DHCP gave no URL
    try:
        return ctypes.wstring_at(out.value) if out.value else None
    finally:
        if out.value:
            kernel32.GlobalFree(out)


def _with_deadline(fn: Any, timeout_s: float) -> Any:
    """Run a blocking OS call in a daemon thread; None when it raises or does not return in time."""
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(fn())
        except Exception:  # any ctypes/OS surprise: no answer
            box.append(None)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout_s)
    return box[0] if box else None


def registry_view(keys: Iterable[str] = KEYS) -> dict[str, dict[str, Any]]:
    """The live registry keys the readers use, in the shape `parse_reg_export` gives (winreg; no admin rights)."""
    import winreg

    hives = {HKCU: winreg.HKEY_CURRENT_USER, HKLM: winreg.HKEY_LOCAL_MACHINE}  # type: ignore[attr-defined]
    view: dict[str, dict[str, Any]] = {}
    for key in keys:
        hive, _, path = key.partition("\\")
        found: dict[str, Any] = {}
        try:
            with winreg.OpenKey(hives[hive], path) as handle:  # type: ignore[attr-defined]
                i = 0
                while True:
                    try:
                        name, value, _kind = winreg.EnumValue(handle, i)  # type: ignore[attr-defined]
                    except OSError:
                        break
                    found[name] = value
                    i += 1
        except OSError:
            continue
        view[key] = found
    return view


def connected_adapter_names() -> tuple[str, ...]:
    """Names of connected adapters (a Windows VPN/dial-up connection's adapter carries its entry's name)."""
    import psutil

    return tuple(name for name, st in psutil.net_if_stats().items() if st.isup)


def read() -> tuple[SystemProxy, ...]:
    """Browser policies, then the user's settings from WinHTTP (registry when the call fails), then WinHTTP's own."""
    if not sys.platform.startswith("win"):
        return (unknown("windows-wininet-user", "not running on Windows"),)
    try:
        view = registry_view()
    except Exception as exc:  # winreg surprise: still try WinHTTP
        view = {}
        registry_error = str(exc)
    else:
        registry_error = ""
    cfg = _with_deadline(winhttp_ie_config, DETECT_TIMEOUT_S)
    dhcp = _with_deadline(winhttp_dhcp_wpad_url, DETECT_TIMEOUT_S) if cfg is None or cfg.auto_detect else None
    if cfg is not None:
        wininet = from_ie_config(cfg, dhcp)
    elif view:
        try:
            names = connected_adapter_names()
        except Exception:
            names = ()
        wininet = wininet_from_registry(view, names, dhcp)
    else:
        wininet = unknown("windows-wininet-user", f"WinHTTP and the registry gave no answer {registry_error}".strip())
    winhttp = parse_winhttp(_bytes_or_none(key_values(view, HKLM, CONNECTIONS).get("WinHttpSettings")))
    return (*browser_policies(view), wininet, winhttp)
