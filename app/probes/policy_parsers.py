"""Pure readers and judges of managed browser policies: `reg export` text, plists (XML or binary), JSON files.

Sources: Chromium's policy list (chromeenterprise.google/policies: WebRtcIPHandling, WebRtcIPHandlingUrl, WebRtcUdpPortRange,
AudioCaptureAllowed, VideoCaptureAllowed and their …AllowedUrls, URLBlocklist/URLAllowlist, ProxyMode/ProxyServer/
ProxyPacUrl/ProxySettings; the URL blocklist filter format), Microsoft Edge's policy list (WebRtcLocalhostIpHandling,
WebRtcIPHandlingUrl). `WebRtcIPHandlingPolicy` is no policy: Chromium 156 lists it as an error and ignores it (seen in
chrome://policy in the lab), so it is not read as one.
and Mozilla's policy-templates (Permissions, WebsiteFilter, Preferences, Proxy; policies.json and the registry form).
No function here reads a file or the registry: callers pass text or bytes.
"""

from __future__ import annotations

import json
import plistlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.codes import FindingCode
from app.engine.inputs import InputError, bounded_json

MAX_POLICY_BYTES = 1024 * 1024
MAX_LIST = 2000
CHROME, EDGE, CHROMIUM, FIREFOX = "Google Chrome", "Microsoft Edge", "Chromium", "Firefox"

# Registry keys (under HKLM and HKCU) holding each browser's policies.
REGISTRY_KEYS = {
    CHROME: r"SOFTWARE\Policies\Google\Chrome",
    EDGE: r"SOFTWARE\Policies\Microsoft\Edge",
    CHROMIUM: r"SOFTWARE\Policies\Chromium",
    FIREFOX: r"SOFTWARE\Policies\Mozilla\Firefox",
}
# macOS preference domains (files under /Library/Managed Preferences[/<user>]/<domain>.plist).
PLIST_DOMAINS = {
    CHROME: "com.google.Chrome",
    EDGE: "com.microsoft.Edge",
    CHROMIUM: "org.chromium.Chromium",
    FIREFOX: "org.mozilla.firefox",
}


class PolicyError(ValueError):
    """A policy source that cannot be read (too large, malformed); the message is one line."""


# ---------------------------------------------------------------- readers


def parse_reg_export(text: str) -> dict[str, dict[str, Any]]:
    """`reg export` / regedit text -> {key path without hive: {value name: value}} (REG_SZ, DWORD, QWORD,
    EXPAND_SZ, MULTI_SZ; binary values kept as hex text). Hive prefixes HKEY_LOCAL_MACHINE/HKEY_CURRENT_USER
    are kept in the path so callers can tell machine from user policy."""
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"registry export larger than {MAX_POLICY_BYTES} characters")
    keys: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in _logical_lines(text.lstrip("\ufeff")):
        if not line or line.startswith(";") or line.startswith("Windows Registry Editor") or line == "REGEDIT4":
            continue
        if line.startswith("[") and line.endswith("]"):
            path = line[1:-1]
            current = None if path.startswith("-") else keys.setdefault(path, {})
            continue
        if current is None:
            continue
        name, value = _reg_value(line)
        if name is not None:
            current[name] = value
    return keys


def _logical_lines(text: str) -> Iterable[str]:
    buf = ""
    for raw in text.splitlines():
        line = raw.strip()
        if buf:
            line = buf + line
            buf = ""
        if line.endswith("\\") and "=hex" in line:
            buf = line[:-1]
            continue
        yield line
    if buf:
        yield buf


_REG_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*=\s*(.*)$|^@\s*=\s*(.*)$')


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _reg_value(line: str) -> tuple[str | None, Any]:
    m = _REG_STRING.match(line)
    if not m:
        return None, None
    name = _unescape(m.group(1)) if m.group(1) is not None else ""
    raw = (m.group(2) if m.group(1) is not None else m.group(3)).strip()
    if raw == "-":
        return None, None
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return name, _unescape(raw[1:-1])
    low = raw.lower()
    if low.startswith("dword:"):
        return name, int(low[6:] or "0", 16)
    kind, _, data = low.partition(":")
    octets = bytes(int(b, 16) for b in data.replace(" ", "").split(",") if b)
    if kind == "hex(b)":
        return name, int.from_bytes(octets[:8], "little")
    if kind in ("hex(2)", "hex(7)"):
        text = octets.decode("utf-16-le", "replace")
        parts = [p for p in text.split("\x00") if p]
        return name, parts if kind == "hex(7)" else (parts[0] if parts else "")
    return name, octets.hex()


def registry_tree(keys: Mapping[str, Mapping[str, Any]], base: str) -> dict[str, Any]:
    """The policies below `base` (e.g. `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome`) as one nested dict:
    values become entries, subkeys become dicts, and a subkey whose values are all named 1, 2, 3 … becomes a list
    (how Chrome, Edge and Firefox store list policies in the registry)."""
    prefix = base.lower().rstrip("\\")
    tree: dict[str, Any] = {}
    for path in sorted(keys, key=lambda p: p.count("\\")):
        low = path.lower()
        if low != prefix and not low.startswith(prefix + "\\"):
            continue
        rel = [p for p in path[len(prefix) :].split("\\") if p]
        node = tree
        for part in rel:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node.update(keys[path])
    return _lists(tree)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v) for k, v in node.items()}
    if out and all(k.isdigit() for k in out):
        return [out[k] for k in sorted(out, key=int)][:MAX_LIST]
    return out


def parse_plist(data: bytes) -> dict[str, Any]:
    """A managed preference plist (XML or binary) -> its top-level dict."""
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyError(f"plist larger than {MAX_POLICY_BYTES} bytes")
    try:
        value = plistlib.loads(data)
    except Exception as exc:
        raise PolicyError(f"not a property list ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise PolicyError("property list is not a dictionary")
    return value


def parse_json_policies(data: bytes | str) -> dict[str, Any]:
    """A Chrome/Chromium/Edge managed policy file (one JSON object) -> its dict."""
    try:
        value = bounded_json(data, MAX_POLICY_BYTES)
    except InputError as exc:
        raise PolicyError(str(exc)) from None
    if not isinstance(value, dict):
        raise PolicyError("JSON policy file is not an object")
    return value


def parse_firefox_policies(data: bytes | str) -> dict[str, Any]:
    """Firefox's policies.json (`{"policies": {...}}`) -> the policies dict."""
    value = parse_json_policies(data)
    policies = value.get("policies")
    if not isinstance(policies, dict):
        raise PolicyError('policies.json has no "policies" object')
    return policies


def firefox_from_plist(values: Mapping[str, Any]) -> dict[str, Any]:
    """org.mozilla.firefox.plist: policies sit at the top level, enabled by EnterprisePoliciesEnabled."""
    if not values.get("EnterprisePoliciesEnabled"):
        return {}
    return {k: v for k, v in values.items() if k != "EnterprisePoliciesEnabled"}


# ---------------------------------------------------------------- judging


@dataclass(frozen=True)
class PolicySet:
    """One browser's managed policies from one source (a file, a plist, a registry hive)."""

    browser: str
    source: str
    policies: Mapping[str, Any]


@dataclass(frozen=True)
class PolicyIssue:
    """A policy that changes calls: the finding code, where it was set, and the exact policy and value."""

    code: FindingCode
    browser: str
    policy: str
    value: str
    source: str

    def describe(self) -> str:
        """`Google Chrome: WebRtcIPHandling = disable_non_proxied_udp (/etc/opt/chrome/…/x.json)`."""
        return f"{self.browser}: {self.policy} = {self.value} ({self.source})"


@dataclass(frozen=True)
class PlatformNames:
    """What policies are matched against: the interview page's hosts and every host and domain the platform uses."""

    web_hosts: tuple[str, ...]
    all_hosts: tuple[str, ...]


def _text(value: Any) -> str:
    """A policy value as short text, any user:password@ in a proxy URL removed."""
    if isinstance(value, bool):
        s = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        s = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        s = str(value)
    s = re.sub(r"(?<=://)[^/@\s]+@", "", s)
    return s if len(s) <= 300 else s[:297] + "..."


def _is_false(value: Any) -> bool:
    return value is False or value == 0 or (isinstance(value, str) and value.strip().lower() in ("false", "0"))


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):  # Windows may hold a JSON list as a string
        try:
            value = json.loads(value) if value.strip().startswith("[") else [value]
        except ValueError:
            value = [value]
    if isinstance(value, Mapping):
        value = list(value.values())
    return [str(v) for v in value][:MAX_LIST] if isinstance(value, (list, tuple)) else []


def _as_dict(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _split_host(pattern: str) -> tuple[str, str, bool]:
    """(scheme, host, has_path) of a URL-ish pattern: `https://*.example.com:443/path`."""
    p = pattern.strip()
    scheme, sep, rest = p.partition("://")
    if not sep:
        scheme, rest = "", p
    host = re.split(r"[/:@?]", rest, maxsplit=1)[0] if not rest.startswith("[") or rest.startswith("[*.]") else rest
    if host.startswith("[*.]"):
        host = "*." + re.split(r"[/:@?]", host[4:], maxsplit=1)[0]
    has_path = "/" in rest and rest.split("/", 1)[1] not in ("", "*")
    return scheme.lower(), host.lower(), has_path


_WEB_SCHEMES = ("", "*", "http", "https", "ws", "wss")


def chrome_url_pattern_matches(pattern: str, host: str) -> bool:
    """Chrome's URLBlocklist/URLAllowlist filter format `[scheme://][.]host[:port][/path]`: `*` is every URL, a
    leading `.` turns off subdomain matching; `*.example.com` (often written) is read as example.com and below."""
    scheme, h, _ = _split_host(pattern)
    if scheme not in _WEB_SCHEMES:
        return False
    if h in ("*", ""):
        return h == "*" or pattern.strip() == "*"
    exact = h.startswith(".")
    h = h.lstrip(".")
    if h.startswith("*."):
        h, exact = h[2:], False
    host = host.lower()
    return host == h or (not exact and host.endswith("." + h))


def content_pattern_matches(pattern: str, host: str) -> bool:
    """Chrome content-setting patterns (`https://[*.]example.com`, `example.com`, `*`) for …AllowedUrls."""
    scheme, h, _ = _split_host(pattern)
    if scheme not in _WEB_SCHEMES:
        return False
    if h == "*":
        return True
    host = host.lower()
    if h.startswith("*."):
        return host == h[2:] or host.endswith(h[1:])
    return host == h


def firefox_pattern_matches(pattern: str, host: str) -> bool:
    """Firefox WebsiteFilter match patterns (`<all_urls>`, `*://*.example.com/*`, `https://example.com/*`)."""
    p = pattern.strip()
    if p == "<all_urls>":
        return True
    scheme, h, _ = _split_host(p)
    if scheme not in _WEB_SCHEMES:
        return False
    host = host.lower()
    if h == "*":
        return True
    if h.startswith("*."):
        return host == h[2:] or host.endswith(h[1:])
    return host == h


def _origin_host(origin: str) -> str:
    return _split_host(origin)[1]


def _platform_host(host: str, names: PlatformNames) -> bool:
    """True when `host` is one of the platform's hosts or lies below one of its domains."""
    return any(host == h or host.endswith("." + h) for h in (*names.web_hosts, *names.all_hosts))


def _blocked(blocklist: list[str], allowlist: list[str], hosts: Iterable[str], match: Any) -> list[str]:
    return [h for h in hosts if any(match(p, h) for p in blocklist) and not any(match(p, h) for p in allowlist)]


_RELAY_ONLY = "disable_non_proxied_udp"


def _relay_only(value: Any) -> bool:
    """`disable_non_proxied_udp` (Chrome's value; Edge's ADMX also names it DisableNonProxiedUdp)."""
    return isinstance(value, str) and value.strip().lower().replace("disablenonproxiedudp", _RELAY_ONLY) == _RELAY_ONLY


def _records(value: Any) -> list[Mapping[str, Any]]:
    """A list-of-dictionaries policy (a JSON string on Windows) -> its dictionaries."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [r for r in value[:MAX_LIST] if isinstance(r, Mapping)] if isinstance(value, list) else []


def judge_chromium(ps: PolicySet, names: PlatformNames) -> list[PolicyIssue]:
    """Policies of Chrome, Edge or Chromium that change calls on the platform."""
    p, out = ps.policies, []

    def issue(code: FindingCode, policy: str, value: Any) -> None:
        out.append(PolicyIssue(code, ps.browser, policy, _text(value), ps.source))

    per_url = next((r for r in _records(p.get("WebRtcIPHandlingUrl"))
                    if any(content_pattern_matches(str(r.get("url", "")), h) for h in names.web_hosts)), None)  # fmt: skip
    if per_url is not None:  # the first entry matching the platform's page decides, not the global policy
        if _relay_only(per_url.get("handling")):
            issue(
                FindingCode.BROWSER_POLICY_RELAY_ONLY,
                "WebRtcIPHandlingUrl",
                f"{per_url.get('url')}: {per_url.get('handling')}",
            )
    else:
        for name in ("WebRtcIPHandling", "WebRtcLocalhostIpHandling"):
            if _relay_only(p.get(name)):
                issue(FindingCode.BROWSER_POLICY_RELAY_ONLY, name, p[name])
    if p.get("WebRtcUdpPortRange"):
        issue(FindingCode.BROWSER_POLICY_UDP_PORTS, "WebRtcUdpPortRange", p["WebRtcUdpPortRange"])
    for kind in ("Audio", "Video"):
        if _is_false(p.get(f"{kind}CaptureAllowed")):
            allowed = _as_list(p.get(f"{kind}CaptureAllowedUrls"))
            if not any(content_pattern_matches(a, h) for a in allowed for h in names.web_hosts):
                issue(FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED, f"{kind}CaptureAllowed", p[f"{kind}CaptureAllowed"])
    block = _as_list(p.get("URLBlocklist")) + _as_list(p.get("URLBlacklist"))
    allow = _as_list(p.get("URLAllowlist")) + _as_list(p.get("URLWhitelist"))
    hit = _blocked(block, allow, names.all_hosts, chrome_url_pattern_matches)
    if hit:
        patterns = [b for b in block if any(chrome_url_pattern_matches(b, h) for h in hit)]
        issue(
            FindingCode.BROWSER_POLICY_URL_BLOCKED,
            "URLBlocklist",
            f"{', '.join(patterns[:5])} (blocks {', '.join(hit[:5])})",
        )
    settings = _as_dict(p.get("ProxySettings"))
    mode = p.get("ProxyMode") or settings.get("ProxyMode")
    server = p.get("ProxyServer") or settings.get("ProxyServer")
    pac = p.get("ProxyPacUrl") or settings.get("ProxyPacUrl")
    if mode in ("fixed_servers", "pac_script", "direct", "auto_detect") or server or pac:
        shown = "; ".join(f"{k}={_text(v)}" for k, v in (("ProxyMode", mode), ("ProxyServer", server),
                                                          ("ProxyPacUrl", pac)) if v)  # fmt: skip
        issue(FindingCode.BROWSER_POLICY_PROXY, "ProxyMode", shown)
    return out


def judge_firefox(ps: PolicySet, names: PlatformNames) -> list[PolicyIssue]:
    """Firefox enterprise policies that change calls: camera/microphone permissions, WebsiteFilter, WebRTC off,
    a browser-only proxy."""
    p, out = ps.policies, []

    def issue(code: FindingCode, policy: str, value: Any) -> None:
        out.append(PolicyIssue(code, ps.browser, policy, _text(value), ps.source))

    perms = _as_dict(p.get("Permissions"))
    for kind in ("Camera", "Microphone"):
        rule = _as_dict(perms.get(kind))
        blocked_origins = [o for o in _as_list(rule.get("Block")) if _platform_host(_origin_host(o), names)]
        allowed = any(_origin_host(o) in names.web_hosts for o in _as_list(rule.get("Allow")))
        if blocked_origins:
            issue(FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED, f"Permissions.{kind}.Block", blocked_origins)
        elif rule.get("BlockNewRequests") and not _is_false(rule.get("BlockNewRequests")) and not allowed:
            issue(FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED, f"Permissions.{kind}.BlockNewRequests", True)
    wf = _as_dict(p.get("WebsiteFilter"))
    hit = _blocked(_as_list(wf.get("Block")), _as_list(wf.get("Exceptions")), names.all_hosts, firefox_pattern_matches)
    if hit:
        issue(FindingCode.BROWSER_POLICY_URL_BLOCKED, "WebsiteFilter.Block", f"blocks {', '.join(hit[:5])}")
    prefs = _as_dict(p.get("Preferences"))
    pc = prefs.get("media.peerconnection.enabled")
    value = pc.get("Value") if isinstance(pc, Mapping) else pc
    if pc is not None and _is_false(value):
        status = pc.get("Status", "default") if isinstance(pc, Mapping) else "locked"
        issue(FindingCode.BROWSER_POLICY_WEBRTC_OFF, "Preferences.media.peerconnection.enabled", f"false ({status})")
    proxy = _as_dict(p.get("Proxy"))
    mode = proxy.get("Mode")
    if mode in ("manual", "autoConfig", "none", "autoDetect"):
        shown = {k: proxy[k] for k in ("Mode", "HTTPProxy", "SSLProxy", "SOCKSProxy", "AutoConfigURL") if k in proxy}
        issue(FindingCode.BROWSER_POLICY_PROXY, "Proxy", shown)
    return out


def judge(sets: Iterable[PolicySet], names: PlatformNames) -> list[PolicyIssue]:
    """Every issue of every policy source."""
    out: list[PolicyIssue] = []
    for ps in sets:
        out += judge_firefox(ps, names) if ps.browser == FIREFOX else judge_chromium(ps, names)
    return out


def decode_reg_export(data: bytes) -> str:
    """`reg export` writes UTF-16 LE with a BOM; regedit's REGEDIT4 format is ANSI. Both to text."""
    if len(data) > 2 * MAX_POLICY_BYTES:
        raise PolicyError("registry export too large")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8", "replace")
