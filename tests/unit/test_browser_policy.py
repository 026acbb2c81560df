"""Managed browser policies: recorded Windows (reg export), macOS (XML and binary plists) and Linux (JSON) inputs."""

from __future__ import annotations

import plistlib
import shutil
from pathlib import Path

import pytest

from app.engine.model import Status
from app.engine.profile import load_profile
from app.probes import browser_policy as bp
from app.probes import policy_parsers as pp

DATA = Path(__file__).resolve().parents[1] / "data" / "policies"
NAMES = bp.platform_names(load_profile("daily"))


def codes(issues: list[pp.PolicyIssue]) -> set[tuple[str, str, str]]:
    return {(i.code, i.browser, i.policy) for i in issues}


# ---------------------------------------------------------------- Windows


def test_reg_export_parses_types_and_lists() -> None:
    keys = pp.parse_reg_export(pp.decode_reg_export((DATA / "windows" / "policies-export.reg").read_bytes()))
    chrome = keys[r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Google\Chrome"]
    assert chrome["VideoCaptureAllowed"] == 0 and chrome["AudioCaptureAllowed"] == 1
    assert chrome["WebRtcIPHandling"] == "disable_non_proxied_udp"
    assert keys[r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Edge"]["ExtensionInstallForcelist"] == ["abc"]
    tree = pp.registry_tree(keys, r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Google\Chrome")
    assert tree["URLBlocklist"] == ["*.daily.co", "facebook.com"]
    ff = pp.registry_tree(keys, r"HKEY_CURRENT_USER\SOFTWARE\Policies\Mozilla\Firefox")
    assert ff["Permissions"]["Camera"] == {"BlockNewRequests": 1, "Locked": 1}
    assert ff["WebsiteFilter"]["Block"] == ["<all_urls>"]


def test_windows_export_findings() -> None:
    keys = pp.parse_reg_export(pp.decode_reg_export((DATA / "windows" / "policies-export.reg").read_bytes()))
    sets = bp.windows_sets_from_export(keys)
    assert {(s.browser, s.source) for s in sets} == {
        ("Google Chrome", r"HKLM\SOFTWARE\Policies\Google\Chrome"),
        ("Microsoft Edge", r"HKLM\SOFTWARE\Policies\Microsoft\Edge"),
        ("Firefox", r"HKCU\SOFTWARE\Policies\Mozilla\Firefox"),
    }
    issues = pp.judge(sets, NAMES)
    assert codes(issues) == {
        ("browser_policy_relay_only", "Google Chrome", "WebRtcIPHandling"),
        ("browser_policy_udp_ports", "Google Chrome", "WebRtcUdpPortRange"),
        ("browser_policy_capture_blocked", "Google Chrome", "VideoCaptureAllowed"),
        ("browser_policy_url_blocked", "Google Chrome", "URLBlocklist"),
        ("browser_policy_proxy", "Google Chrome", "ProxyMode"),
        ("browser_policy_capture_blocked", "Firefox", "Permissions.Camera.BlockNewRequests"),
        ("browser_policy_url_blocked", "Firefox", "WebsiteFilter.Block"),
        ("browser_policy_webrtc_off", "Firefox", "Preferences.media.peerconnection.enabled"),
    }
    proxy = next(i for i in issues if i.code == "browser_policy_proxy")
    assert "Secret1" not in proxy.value and "svc-user" not in proxy.value and "proxy.corp.example:8080" in proxy.value
    blocked = next(i for i in issues if i.code == "browser_policy_url_blocked" and i.browser == "Google Chrome")
    assert "gs.daily.co" not in blocked.value.split("(blocks", 1)[1]  # URLAllowlist exempts it
    assert "c.daily.co" in blocked.value


def test_windows_clean_export_has_no_issue() -> None:
    keys = pp.parse_reg_export(pp.decode_reg_export((DATA / "windows" / "clean-export.reg").read_bytes()))
    sets = bp.windows_sets_from_export(keys)
    assert [s.browser for s in sets] == ["Google Chrome"]
    out = bp.judge_policies(sets, [], NAMES)
    assert out.status is Status.PASS and not out.findings


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"A"="x\\"y\\\\z"', ("A", 'x"y\\z')),
        ('"B"=dword:0000000a', ("B", 10)),
        ('"C"=hex(b):01,00,00,00,00,00,00,00', ("C", 1)),
        ('"D"=hex(2):25,00,41,00,00,00', ("D", "%A")),
        ('"E"=hex:de,ad', ("E", "dead")),
        ('@="default"', ("", "default")),
        ('"F"=-', (None, None)),
        ("garbage", (None, None)),
    ],
)
def test_reg_value_forms(line: str, expected: tuple[object, object]) -> None:
    assert pp._reg_value(line) == expected


def test_reg_continuation_lines() -> None:
    text = '[HKEY_CURRENT_USER\\K]\r\n"M"=hex(7):61,00,00,00,\\\r\n  62,00,00,00,00,00\r\n'
    assert pp.parse_reg_export(text) == {"HKEY_CURRENT_USER\\K": {"M": ["a", "b"]}}


# ---------------------------------------------------------------- macOS


def test_mac_managed_preferences_xml_and_binary() -> None:
    root = DATA / "macos"
    assert (root / "Library/Managed Preferences/jordan/com.microsoft.Edge.plist").read_bytes().startswith(b"bplist00")
    sets, problems = bp.mac_sets(root, "jordan")
    assert not problems
    assert {(s.browser, s.source) for s in sets} == {
        ("Google Chrome", "/Library/Managed Preferences/com.google.Chrome.plist"),
        ("Firefox", "/Library/Managed Preferences/org.mozilla.firefox.plist"),
        ("Microsoft Edge", "/Library/Managed Preferences/jordan/com.microsoft.Edge.plist"),
    }
    assert codes(pp.judge(sets, NAMES)) == {
        ("browser_policy_relay_only", "Google Chrome", "WebRtcIPHandling"),
        # audio is allowed for https://[*.]daily.co; video is not
        ("browser_policy_capture_blocked", "Google Chrome", "VideoCaptureAllowed"),
        ("browser_policy_udp_ports", "Microsoft Edge", "WebRtcUdpPortRange"),
        ("browser_policy_proxy", "Microsoft Edge", "ProxyMode"),
        ("browser_policy_capture_blocked", "Firefox", "Permissions.Microphone.Block"),
    }


def test_mac_kudo_blocklist_and_bad_plist(tmp_path: Path) -> None:
    shutil.copytree(DATA / "macos", tmp_path, dirs_exist_ok=True)
    (tmp_path / "Library/Managed Preferences/org.chromium.Chromium.plist").write_bytes(b"<plist><dict><key>")
    sets, problems = bp.mac_sets(tmp_path, None)
    assert len(problems) == 1 and "org.chromium.Chromium.plist: not a property list" in problems[0]
    issues = pp.judge(sets, bp.platform_names(load_profile("kudo")))
    assert ("browser_policy_url_blocked", "Google Chrome", "URLBlocklist") in codes(issues)


def test_firefox_plist_needs_enterprise_policies_enabled() -> None:
    data = plistlib.dumps({"Permissions": {"Camera": {"BlockNewRequests": True}}})
    assert pp.firefox_from_plist(pp.parse_plist(data)) == {}


# ---------------------------------------------------------------- Linux


def test_linux_tree() -> None:
    sets, problems = bp.linux_sets(DATA / "linux")
    assert problems == ["/etc/opt/chrome/policies/managed/broken.json: not valid JSON (JSONDecodeError)"]
    assert {(s.browser, s.source) for s in sets} == {
        ("Google Chrome", "/etc/opt/chrome/policies/managed/corp.json"),
        ("Chromium", "/etc/chromium/policies/managed/blocklist.json"),
        ("Microsoft Edge", "/etc/opt/edge/policies/managed/harmless.json"),
        ("Firefox", "/etc/firefox/policies/policies.json"),
    }
    out = bp.judge_policies(sets, problems, NAMES)
    assert out.status is Status.FAIL
    assert set(out.findings) == {
        "browser_policy_relay_only", "browser_policy_capture_blocked", "browser_policy_url_blocked",
        "browser_policy_webrtc_off", "browser_policy_proxy",
    }  # fmt: skip
    assert out.details["relay_policy"] == (
        "Google Chrome: WebRtcIPHandling = disable_non_proxied_udp (/etc/opt/chrome/policies/managed/corp.json)"
    )
    # Chromium: "*" blocks everything; ".daily.co" allows daily.co itself, not its subdomains
    chromium = next(i for i in out.details["issues"] if i["browser"] == "Chromium")
    assert "blocks c.daily.co" in chromium["value"]
    hit = pp._blocked(
        ["*"], ["[*.]corp.example", ".daily.co"], ["daily.co", "c.daily.co"], pp.chrome_url_pattern_matches
    )
    assert hit == ["c.daily.co"]


def test_no_policies_is_a_pass(tmp_path: Path) -> None:
    sets, problems = bp.linux_sets(tmp_path)
    out = bp.judge_policies(sets, problems, NAMES)
    assert (out.status, out.findings) == (Status.PASS, ())


def test_oversized_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    d = tmp_path / "etc/opt/chrome/policies/managed"
    d.mkdir(parents=True)
    (d / "huge.json").write_text('{"a": "' + "x" * (pp.MAX_POLICY_BYTES + 10) + '"}')
    sets, problems = bp.linux_sets(tmp_path)
    assert not sets and "larger than" in problems[0]


# ---------------------------------------------------------------- patterns


CHROME_URL, CONTENT, FIREFOX_URL = pp.chrome_url_pattern_matches, pp.content_pattern_matches, pp.firefox_pattern_matches


@pytest.mark.parametrize(
    ("match", "pattern", "host", "hit"),
    [
        (CHROME_URL, "*", "gs.daily.co", True),
        (CHROME_URL, "daily.co", "gs.daily.co", True),
        (CHROME_URL, ".daily.co", "gs.daily.co", False),
        (CHROME_URL, ".daily.co", "daily.co", True),
        (CHROME_URL, "https://daily.co/path", "c.daily.co", True),
        (CHROME_URL, "file://*", "c.daily.co", False),
        (CHROME_URL, "*.daily.co", "c.daily.co", True),
        (CHROME_URL, "notdaily.co", "c.daily.co", False),
        (CHROME_URL, "example.com:8080", "example.com", True),
        (CONTENT, "https://[*.]daily.co", "gs.daily.co", True),
        (CONTENT, "https://[*.]daily.co", "daily.co", True),
        (CONTENT, "[*.]daily.co", "evil-daily.co", False),
        (CONTENT, "https://c.daily.co:443", "c.daily.co", True),
        (CONTENT, "*", "x.example", True),
        (FIREFOX_URL, "<all_urls>", "c.daily.co", True),
        (FIREFOX_URL, "*://*.daily.co/*", "c.daily.co", True),
        (FIREFOX_URL, "https://example.com/*", "c.daily.co", False),
    ],
)
def test_url_patterns(match: object, pattern: str, host: str, hit: bool) -> None:
    assert match(pattern, host) is hit  # type: ignore[operator]


def test_policy_root_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(bp.ROOT_ENV, str(tmp_path))
    assert bp.policy_root() == tmp_path
    shutil.copytree(DATA / "linux", tmp_path, dirs_exist_ok=True)
    sets, _ = bp.read_policy_sets(platform="linux")
    assert len(sets) == 4


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        ({"WebRtcIPHandling": "disable_non_proxied_udp"}, [("WebRtcIPHandling", "disable_non_proxied_udp")]),
        ({"WebRtcLocalhostIpHandling": "DisableNonProxiedUdp"}, [("WebRtcLocalhostIpHandling", "DisableNonProxiedUdp")]),
        ({"WebRtcIPHandling": "default_public_interface_only"}, []),
        ({"WebRtcIPHandlingPolicy": "disable_non_proxied_udp"}, []),  # no such policy: Chromium ignores it
        # the first WebRtcIPHandlingUrl entry matching the platform's page decides
        ({"WebRtcIPHandling": "disable_non_proxied_udp",
          "WebRtcIPHandlingUrl": [{"url": "https://[*.]daily.co", "handling": "default"}]}, []),
        ({"WebRtcIPHandling": "default",
          "WebRtcIPHandlingUrl": [{"url": "*.daily.co", "handling": "disable_non_proxied_udp"}]},
         [("WebRtcIPHandlingUrl", "*.daily.co: disable_non_proxied_udp")]),
        ({"WebRtcIPHandling": "disable_non_proxied_udp",
          "WebRtcIPHandlingUrl": '[{"url": "https://example.org", "handling": "default"}]'},
         [("WebRtcIPHandling", "disable_non_proxied_udp")]),
    ],
)  # fmt: skip
def test_webrtc_ip_handling(policies: dict[str, object], expected: list[tuple[str, str]]) -> None:
    issues = pp.judge_chromium(pp.PolicySet("Google Chrome", "test", policies), NAMES)
    assert [(i.policy, i.value) for i in issues if i.code == "browser_policy_relay_only"] == expected
