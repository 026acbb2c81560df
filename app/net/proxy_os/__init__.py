"""System proxy settings behind one interface: each OS module parses recorded inputs into `SystemProxy`.

`read_system()` returns what this OS says, with an explicit `unknown` state when it gives no answer.
Pure parsers (registry values, `scutil --proxy` output, environment variables) are tested with plain data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.engine.urls import ProxyUrl, UrlError, parse_proxy_url

CONFIGURED, NONE, UNKNOWN = "configured", "none", "unknown"


@dataclass(frozen=True)
class SystemProxy:
    """One source of proxy settings: fixed proxies, bypass list, PAC URL, WPAD auto-detect, or unknown.

    `wpad_urls` are the auto-detect candidates in the order browsers try them (DHCP option 252 first, then
    DNS `http://wpad/wpad.dat`); `socks` is a SOCKS proxy (`socks4://host:port`) this check cannot test through.
    """

    source: str
    state: str
    http: ProxyUrl | None = None
    https: ProxyUrl | None = None
    bypass: tuple[str, ...] = ()
    pac_url: str | None = None
    auto_detect: bool = False
    note: str = ""
    raw: Mapping[str, str] = field(default_factory=dict)
    wpad_urls: tuple[str, ...] = ()
    socks: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON evidence; proxy URLs are shown by str(), which hides passwords."""
        return {
            "source": self.source,
            "state": self.state,
            "http": str(self.http) if self.http else None,
            "https": str(self.https) if self.https else None,
            "bypass": list(self.bypass),
            "pac_url": self.pac_url,
            "auto_detect": self.auto_detect,
            "note": self.note,
            "wpad_urls": list(self.wpad_urls),
            "socks": self.socks,
        }


def unknown(source: str, note: str) -> SystemProxy:
    """The explicit 'the OS gave no answer' result."""
    return SystemProxy(source=source, state=UNKNOWN, note=note)


def proxy_from_text(text: str, default_scheme: str = "http") -> ProxyUrl | None:
    """`host:port` or `scheme://[user:pass@]host:port` -> ProxyUrl; None for empty or unusable text."""
    text = text.strip()
    if not text:
        return None
    if "://" not in text:
        text = f"{default_scheme}://{text}"
    try:
        return parse_proxy_url(text)
    except UrlError:
        return None


def state_of(
    http: ProxyUrl | None, https: ProxyUrl | None, pac_url: str | None, auto_detect: bool, socks: str | None = None
) -> str:
    """configured when anything routes traffic through a proxy or PAC, else none."""
    return CONFIGURED if (http or https or pac_url or auto_detect or socks) else NONE


DNS_WPAD_URL = "http://wpad/wpad.dat"


def wpad_candidates(dhcp_url: str | None) -> tuple[str, ...]:
    """Auto-detect order of browsers and WinHTTP: the DHCP option 252 URL first, then DNS (`wpad` + search suffix)."""
    first = (dhcp_url.strip(),) if dhcp_url and dhcp_url.strip() else ()
    return tuple(dict.fromkeys((*first, DNS_WPAD_URL)))


def file_url_path(url: str, windows: bool | None = None) -> str:
    """The local path of a `file:` PAC URL: `file:///C:/p.pac` -> `C:\\p.pac`, `file://srv/share/p.pac` ->
    `\\\\srv\\share\\p.pac` (UNC, RFC 8089 appendix E) on Windows; `/etc/p.pac` elsewhere."""
    from urllib.parse import unquote, urlsplit

    windows = sys.platform.startswith("win") if windows is None else windows
    parts = urlsplit(url)
    path = unquote(parts.path)
    host = parts.netloc if parts.netloc.lower() not in ("", "localhost") else ""
    if not windows:
        return path
    if len(host) == 2 and host[1] in ":|" and host[0].isalpha():  # file://C:/p.pac (two slashes)
        return f"{host[0]}:{path}".replace("/", "\\")
    if len(path) >= 3 and path[0] == "/" and path[1].isalpha() and path[2] in ":|":
        return f"{path[1]}:{path[3:]}".replace("/", "\\")
    if host:
        return f"\\\\{host}{path}".replace("/", "\\")
    if path.startswith("//"):  # file:////srv/share/p.pac (four slashes)
        return "\\" + path.replace("/", "\\")[1:]
    return path.replace("/", "\\")


def read_system(platform: str | None = None, environ: Mapping[str, str] | None = None) -> tuple[SystemProxy, ...]:
    """Every source of settings on this OS, the one browsers use first, then the environment variables."""
    from app.net.proxy_os import linux, macos, windows

    platform = platform or sys.platform
    env = linux.parse_environment(os.environ if environ is None else environ)
    if platform.startswith("win"):
        return (*windows.read(), env)
    if platform == "darwin":
        return (macos.read(), env)
    if platform.startswith("linux"):
        return (env,)
    return (unknown(platform, f"proxy settings of {platform} are not read"), env)
