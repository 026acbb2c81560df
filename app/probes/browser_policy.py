"""Browser policy check: the managed policies IT set in Chrome, Edge, Chromium and Firefox, read without admin rights.

Where browsers read them: Linux `/etc/opt/chrome/policies/managed/*.json`, `/etc/chromium/policies/managed/`,
`/etc/opt/edge/policies/managed/`, Firefox `policies.json` in `/etc/firefox/policies/` or its `distribution` folder
(Chromium's "Linux Quick Start", Mozilla's policy-templates README); macOS managed preferences
(`/Library/Managed Preferences[/<user>]/<domain>.plist`); Windows `HKLM` and `HKCU` `SOFTWARE\\Policies\\…`.
The root folder is injectable (`CALLREADY_POLICY_ROOT`, or the `root` argument) so tests read recorded trees.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.engine.codes import FindingCode
from app.engine.inputs import InputError, read_regular_file
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.probes import policy_parsers as pp
from app.probes.policy_parsers import CHROME, CHROMIUM, EDGE, FIREFOX, PolicyError, PolicySet

MAX_FILES = 64
ROOT_ENV = "CALLREADY_POLICY_ROOT"

LINUX_CHROMIUM_DIRS = {
    CHROME: ("etc/opt/chrome/policies/managed",),
    CHROMIUM: ("etc/chromium/policies/managed", "etc/chromium-browser/policies/managed"),
    EDGE: ("etc/opt/edge/policies/managed",),
}
LINUX_FIREFOX_FILES = (
    "etc/firefox/policies/policies.json",
    "usr/lib/firefox/distribution/policies.json",
    "usr/lib/firefox-esr/distribution/policies.json",
    "usr/lib64/firefox/distribution/policies.json",
    "opt/firefox/distribution/policies.json",
)
MAC_FIREFOX_FILE = "Applications/Firefox.app/Contents/Resources/distribution/policies.json"

# Detail keys (string facts for the finding templates) per finding code.
DETAIL_KEYS = {
    FindingCode.BROWSER_POLICY_RELAY_ONLY: "relay_policy",
    FindingCode.BROWSER_POLICY_UDP_PORTS: "udp_port_policy",
    FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED: "capture_policy",
    FindingCode.BROWSER_POLICY_URL_BLOCKED: "blocklist_policy",
    FindingCode.BROWSER_POLICY_PROXY: "proxy_policy",
    FindingCode.BROWSER_POLICY_WEBRTC_OFF: "webrtc_off_policy",
}


def policy_root() -> Path:
    """`/` (or the system drive), unless CALLREADY_POLICY_ROOT names another root (tests, the lab)."""
    env = os.environ.get(ROOT_ENV)
    return Path(env) if env else Path(os.path.abspath(os.sep))


def _read(path: Path) -> bytes:
    try:
        return read_regular_file(path, pp.MAX_POLICY_BYTES)
    except InputError as exc:
        raise PolicyError(str(exc)) from None


def linux_sets(root: Path) -> tuple[list[PolicySet], list[str]]:
    """Policy sets from a Linux tree: each managed JSON file, each Firefox policies.json; problems as lines."""
    sets: list[PolicySet] = []
    problems: list[str] = []
    for browser, dirs in LINUX_CHROMIUM_DIRS.items():
        for d in dirs:
            folder = root / d
            if not folder.is_dir():
                continue
            for f in sorted(folder.glob("*.json"))[:MAX_FILES]:
                _add(sets, problems, browser, f, root, pp.parse_json_policies)
    for rel in LINUX_FIREFOX_FILES:
        _add(sets, problems, FIREFOX, root / rel, root, pp.parse_firefox_policies, optional=True)
    return sets, problems


def mac_sets(root: Path, user: str | None = None) -> tuple[list[PolicySet], list[str]]:
    """Policy sets from macOS managed preferences (machine-wide, then the user's) and Firefox's policies.json."""
    sets: list[PolicySet] = []
    problems: list[str] = []
    base = root / "Library" / "Managed Preferences"
    folders = [base] + ([base / user] if user else [])
    for folder in folders:
        for browser, domain in pp.PLIST_DOMAINS.items():
            f = folder / f"{domain}.plist"
            if browser == FIREFOX:
                _add(sets, problems, browser, f, root, lambda b: pp.firefox_from_plist(pp.parse_plist(b)), True)
            else:
                _add(sets, problems, browser, f, root, pp.parse_plist, optional=True)
    _add(sets, problems, FIREFOX, root / MAC_FIREFOX_FILE, root, pp.parse_firefox_policies, optional=True)
    return sets, problems


def _add(sets: list[PolicySet], problems: list[str], browser: str, path: Path, root: Path, parse: Any,
         optional: bool = False) -> None:  # fmt: skip
    if optional and not path.is_file():
        return
    shown = "/" + str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        policies = parse(_read(path))
    except PolicyError as exc:
        problems.append(f"{shown}: {exc}")
        return
    if policies:
        sets.append(PolicySet(browser, shown, policies))


def windows_sets_from_export(keys: dict[str, dict[str, Any]]) -> list[PolicySet]:
    """Policy sets from registry keys (a parsed `reg export`, or the live registry walked into the same shape)."""
    sets = []
    for hive, short in (("HKEY_LOCAL_MACHINE", "HKLM"), ("HKEY_CURRENT_USER", "HKCU")):
        for browser, key in pp.REGISTRY_KEYS.items():
            tree = pp.registry_tree(keys, f"{hive}\\{key}")
            if tree:
                sets.append(PolicySet(browser, f"{short}\\{key}", tree))
    return sets


def windows_live_keys() -> dict[str, dict[str, Any]]:  # pragma: no cover - Windows only
    """Walk HKLM/HKCU SOFTWARE\\Policies\\<browser> with winreg (read access, no admin rights needed)."""
    if sys.platform != "win32":
        return {}
    import winreg

    out: dict[str, dict[str, Any]] = {}
    hives = (("HKEY_LOCAL_MACHINE", winreg.HKEY_LOCAL_MACHINE), ("HKEY_CURRENT_USER", winreg.HKEY_CURRENT_USER))
    for name, hive in hives:
        for key in pp.REGISTRY_KEYS.values():
            stack = [key]
            while stack and len(out) < 4096:
                sub = stack.pop()
                try:
                    with winreg.OpenKey(hive, sub, 0, winreg.KEY_READ) as h:
                        n_keys, n_values, _ = winreg.QueryInfoKey(h)
                        values = {}
                        for i in range(min(n_values, pp.MAX_LIST)):
                            vname, data, _kind = winreg.EnumValue(h, i)
                            values[vname] = data
                        out[f"{name}\\{sub}"] = values
                        stack += [f"{sub}\\{winreg.EnumKey(h, i)}" for i in range(min(n_keys, 256))]
                except OSError:
                    continue
    return out


def read_policy_sets(root: Path | None = None, platform: str | None = None) -> tuple[list[PolicySet], list[str]]:
    """Every managed policy source on this machine (or under `root`) for the OS `platform` (sys.platform)."""
    platform = platform or sys.platform
    root = root or policy_root()
    if platform == "win32":
        sets, problems = windows_sets_from_export(windows_live_keys()), list[str]()
        pf = os.environ.get("PROGRAMFILES")
        if pf:
            _add(sets, problems, FIREFOX, Path(pf) / "Mozilla Firefox/distribution/policies.json", Path(pf),
                 pp.parse_firefox_policies, optional=True)  # fmt: skip
        return sets, problems
    if platform == "darwin":
        try:
            user: str | None = getpass.getuser()
        except Exception:
            user = None
        return mac_sets(root, user)
    return linux_sets(root)


def platform_names(profile: Profile) -> pp.PlatformNames:
    """The interview page's hosts and every platform host and published domain, for matching policy lists."""
    web = tuple(dict.fromkeys(t.url.host.lower() for t in profile.web))
    domains = [d.pattern.lower().lstrip("*.") for d in profile.domains]
    hosts = tuple(dict.fromkeys([*profile.concrete_hosts(), *(d for d in domains if "*" not in d)]))
    return pp.PlatformNames(web_hosts=web, all_hosts=hosts)


def judge_policies(sets: Iterable[PolicySet], problems: list[str], names: pp.PlatformNames) -> Outcome:
    """Pure: policy sets -> one Outcome (warn when a policy changes calls; fail when it blocks them)."""
    sets = list(sets)
    issues = pp.judge(sets, names)
    codes = tuple(dict.fromkeys(i.code for i in issues))
    details: dict[str, Any] = {
        "sources": [{"browser": s.browser, "source": s.source, "policies": sorted(s.policies)} for s in sets],
        "issues": [
            {"code": i.code, "browser": i.browser, "policy": i.policy, "value": i.value, "source": i.source}
            for i in issues
        ],
        "problems": problems,
    }
    for code in codes:
        details[DETAIL_KEYS[code]] = "; ".join(i.describe() for i in issues if i.code == code)
    blocking = {
        FindingCode.BROWSER_POLICY_CAPTURE_BLOCKED,
        FindingCode.BROWSER_POLICY_URL_BLOCKED,
        FindingCode.BROWSER_POLICY_WEBRTC_OFF,
    }
    if not sets and not problems:
        return Outcome(Status.PASS, "No managed browser policies are set on this computer.", details)
    if not issues:
        browsers = ", ".join(dict.fromkeys(s.browser for s in sets))
        tail = f" ({len(problems)} policy file(s) could not be read)" if problems else ""
        return Outcome(Status.PASS, f"Browser policies found ({browsers or 'none readable'}); none affects calls{tail}.",
                       details)  # fmt: skip
    status = Status.FAIL if blocking & set(codes) else Status.WARN
    summary = "Browser policies change calls: " + "; ".join(f"{i.browser} {i.policy}" for i in issues[:4])
    return Outcome(status, summary + ("…" if len(issues) > 4 else "") + ".", details, codes)


async def probe_policies(ctx: RunContext) -> Outcome:
    """Read the policy files/keys in a worker thread and judge them for this platform."""
    sets, problems = await asyncio.to_thread(read_policy_sets)
    return judge_policies(sets, problems, platform_names(ctx.profile))


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One check: the browsers' managed policies."""
    return [
        Check(
            "browser:policy",
            Category.BROWSER,
            "managed browser policies",
            "Browser policies set by IT",
            probe_policies,
            8.0,
        )
    ]
