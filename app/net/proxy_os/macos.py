"""macOS: the System Configuration proxy dictionary as printed by `scutil --proxy`."""

from __future__ import annotations

import subprocess
from typing import Any

from app.net.proxy_os import SystemProxy, proxy_from_text, state_of, unknown

SOURCE = "macos-system-configuration"


def parse_scutil_dict(text: str) -> dict[str, Any]:
    """Parse scutil's `<dictionary> { key : value ... }` text; arrays become lists, nested dictionaries dicts."""
    root: dict[str, Any] = {}
    stack: list[Any] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line == "}":
            if stack:
                stack.pop()
            continue
        if not stack:
            if line == "<dictionary> {":
                stack.append(root)
            continue
        key, sep, value = line.partition(" : ")
        if not sep:
            continue
        top = stack[-1]
        item: Any = value.strip()
        if item in ("<array> {", "<dictionary> {"):
            item = [] if item.startswith("<array>") else {}
        if isinstance(top, list):
            top.append(item)
        else:
            top[key.strip()] = item
        if isinstance(item, (list, dict)):
            stack.append(item)
    return root


def parse_scutil_proxy(text: str) -> SystemProxy:
    """`scutil --proxy` output -> SystemProxy; text without a dictionary is `unknown`."""
    d = parse_scutil_dict(text)
    if not d:
        return unknown(SOURCE, "scutil printed no proxy dictionary")

    def fixed(prefix: str) -> Any:
        if d.get(f"{prefix}Enable") != "1" or not d.get(f"{prefix}Proxy"):
            return None
        port = d.get(f"{prefix}Port") or "80"
        return proxy_from_text(f"{d[f'{prefix}Proxy']}:{port}")

    http, https = fixed("HTTP"), fixed("HTTPS")
    pac = d.get("ProxyAutoConfigURLString") if d.get("ProxyAutoConfigEnable") == "1" else None
    auto = d.get("ProxyAutoDiscoveryEnable") == "1"
    exceptions = d.get("ExceptionsList")
    bypass = tuple(exceptions) if isinstance(exceptions, list) else ()
    if d.get("ExcludeSimpleHostnames") == "1":
        bypass = ("<local>", *bypass)
    raw = {k: v for k, v in d.items() if isinstance(v, str)}
    return SystemProxy(SOURCE, state_of(http, https, pac, auto), http, https, bypass, pac, auto, "", raw)


def read(timeout_s: float = 3.0) -> SystemProxy:
    """Run `scutil --proxy` (macOS only); any failure is an explicit unknown."""
    try:
        out = subprocess.run(["scutil", "--proxy"], capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return unknown(SOURCE, f"scutil could not run: {exc}")
    if out.returncode != 0:
        return unknown(SOURCE, f"scutil exited {out.returncode}")
    return parse_scutil_proxy(out.stdout)
