"""The page's result judged: media errors told apart, direct and relay paths per transport, 401 as proof of reach."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.browsercheck.judge import browser_name, judge_ice, judge_media, judge_result
from app.browsercheck.run import PLACEHOLDER_PASSWORD, ice_plan, join_run, public_plan, to_check_result
from app.engine.audience import steps
from app.engine.model import Category, CheckResult, Status
from app.engine.options import RunOptions, turn_credentials
from app.engine.profile import load_profile
from tests.unit.report_fakes import run_result

DATA = Path(__file__).resolve().parents[1] / "data" / "browsercheck"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"
STUN = "stun:global.stun.twilio.com:3478"
UDP = "turn:global.turn.twilio.com:3478?transport=udp"
TCP = "turn:global.turn.twilio.com:3478?transport=tcp"
PLAN = [
    {"url": STUN, "kind": "stun", "transport": "udp", "policy": "all", "with_credentials": False},
    {"url": UDP, "kind": "turn", "transport": "udp", "policy": "relay", "with_credentials": True},
    {"url": TCP, "kind": "turn", "transport": "tcp", "policy": "relay", "with_credentials": False},
]


def raw(media: dict[str, Any], ice: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": 1, "user_agent": UA, "media": media, "devices": {"videoinput": 1, "audioinput": 1}, "ice": ice}


def ice(url: str, cands: list[str], errors: tuple[int, ...] = ()) -> dict[str, Any]:
    return {"url": url, "candidates": [{"type": t, "protocol": "udp", "address": "198.18.2.1"} for t in cands],
            "errors": [{"code": c, "text": "x"} for c in errors], "ms": 200}  # fmt: skip


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("NotAllowedError", Status.FAIL, "browser_permission_denied"),
        ("SecurityError", Status.FAIL, "browser_permission_denied"),
        ("NotFoundError", Status.FAIL, "browser_no_device"),
        ("OverconstrainedError", Status.FAIL, "browser_no_device"),
        ("NotReadableError", Status.WARN, "browser_device_busy"),
        ("AbortError", Status.WARN, "browser_device_busy"),
        ("TypeError", Status.FAIL, None),
    ],
)
def test_media_errors_are_told_apart(error: str, status: Status, code: str | None) -> None:
    j = judge_media(raw({"ok": False, "error_name": error}, []))
    assert j.outcome.status is status and j.outcome.findings == ((code,) if code else ())
    assert j.outcome.details["media_error"] == error and j.outcome.details["browser_name"] == "Chromium (headless) 156"


def test_media_ok_and_a_missing_track() -> None:
    assert judge_media(raw({"ok": True, "audio_tracks": 1, "video_tracks": 1}, [])).outcome.status is Status.PASS
    j = judge_media(raw({"ok": True, "audio_tracks": 1, "video_tracks": 0}, []))
    assert (j.outcome.status, j.outcome.findings) == (Status.FAIL, ("browser_no_device",))


def test_open_network_direct_and_relay() -> None:
    rows = judge_ice(raw({}, [ice(STUN, ["host", "srflx"]), ice(UDP, ["relay"]), ice(TCP, [], (401,))]), PLAN)
    by = {r.id: r.outcome for r in rows}
    assert by["browser:direct"].status is Status.PASS and by["browser:direct"].details["public_addresses"] == [
        "198.18.2.1"
    ]
    assert by[f"browser:relay:{UDP}"].status is Status.PASS
    assert by[f"browser:relay:{TCP}"].status is Status.PASS and "401" in by[f"browser:relay:{TCP}"].summary
    assert not any(o.findings for o in by.values())


def test_udp_blocked_and_no_relay_at_all() -> None:
    rows = judge_ice(raw({}, [ice(STUN, ["host"]), ice(UDP, [], (701,)), ice(TCP, ["relay"])]), PLAN)
    by = {r.id: r.outcome for r in rows}
    assert by["browser:direct"].findings == ("browser_direct_blocked",)
    assert by[f"browser:relay:{UDP}"].status is Status.FAIL and not by[f"browser:relay:{UDP}"].findings
    rows = judge_ice(raw({}, [ice(STUN, []), ice(UDP, []), ice(TCP, [])]), PLAN)
    assert {r.id: r.outcome.findings for r in rows if r.id.startswith("browser:relay")} == {
        f"browser:relay:{UDP}": ("browser_relay_unreachable",),
        f"browser:relay:{TCP}": ("browser_relay_unreachable",),
    }


def test_missing_entries_and_hostile_shapes_never_crash() -> None:
    rows = judge_ice({"ice": "x", "user_agent": 5}, PLAN)
    assert [r.outcome.status for r in rows] == [Status.FAIL, Status.SKIP, Status.SKIP]
    weird = {"media": [], "devices": {"videoinput": -3}, "ice": [{"url": UDP, "candidates": [1, {"type": 2}]}]}
    assert judge_media(weird).outcome.status is Status.FAIL
    assert judge_ice(weird, PLAN)[1].outcome.status is Status.FAIL


def test_no_result_is_one_unfinished_row() -> None:
    (only,) = judge_result(None, PLAN, "no result within 60 s")
    assert only.id == "browser:page" and only.outcome.status is Status.SKIP
    assert only.outcome.findings == ("browser_check_unfinished",)


@pytest.mark.parametrize(
    ("ua", "name"),
    [
        (UA, "Chromium (headless) 156"),
        ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge 131"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128"),
        ("", "the browser"),
    ],
)
def test_browser_name(ua: str, name: str) -> None:
    assert browser_name(ua) == name


def test_ice_plan_uses_the_runs_servers_and_keeps_credentials_out_of_results() -> None:
    profile = load_profile("flo-recruit")
    options = RunOptions(turn=(turn_credentials(UDP, "callready", "lab-secret", None),))
    plan = ice_plan(profile, options)
    by = {e["url"]: e for e in plan}
    assert by[STUN]["kind"] == "stun" and by[STUN]["policy"] == "all"
    assert by[UDP]["credential"] == "lab-secret" and by[UDP]["policy"] == "relay" and by[UDP]["with_credentials"]
    assert by[TCP]["credential"] == PLACEHOLDER_PASSWORD and not by[TCP]["with_credentials"]
    assert "lab-secret" not in json.dumps(public_plan(plan))


def test_join_run_adds_the_browser_category_and_reassesses() -> None:
    run = run_result()
    profile = load_profile("flo-recruit")
    j = judge_media(raw({"ok": False, "error_name": "NotAllowedError"}, []))
    check = to_check_result(j, 5)
    joined = join_run(run, [check], profile)
    assert joined.checks[-1].category is Category.BROWSER and len(joined.checks) == len(run.checks) + 1
    assert joined.verdict.value == "blocked" and "browser_permission_denied" in {f.code for f in joined.findings}
    assert "getUserMedia" not in joined.it_message  # the interviewer's own step, not IT's
    assert any("choose Allow" in s for s in steps(joined.verdict, joined.findings))
    assert join_run(joined, [check], profile).checks == joined.checks  # joined again: replaced, not doubled


def test_recorded_lab_results() -> None:
    """Raw results Debian's Chromium posted in the lab (tests/lab/test_browser_lab.py), judged again."""
    for path in sorted(DATA.glob("*.json")):
        case = json.loads(path.read_text())
        rows = judge_result(case["raw"], case["plan"], "")
        got = {r.id: [r.outcome.status.value, list(r.outcome.findings)] for r in rows}
        assert got == case["expect"], path.name


def test_ice_plan_takes_the_platforms_ice_servers_and_credentials() -> None:
    from app.engine.urls import parse_ice_url
    from app.probes.ice_document import IceEntry, PlatformIce

    platform = PlatformIce("https://prod-ks.pluot.blue/tt-150331.json", True, (
        IceEntry(parse_ice_url(STUN)),
        IceEntry(parse_ice_url(TCP), "tok-user", "tok-secret"),
        IceEntry(parse_ice_url("turn:global.turn.twilio.com:443?transport=tcp"), "tok-user", "tok-secret"),
    ))  # fmt: skip
    given = RunOptions(turn=(turn_credentials(UDP, "it-user", "it-secret", None),))
    by = {e["url"]: e for e in ice_plan(load_profile("flo-recruit"), given, None, platform)}
    assert (by[UDP]["credential"], by[UDP]["credentials_from"]) == ("it-secret", "given")  # IT's win
    assert (by[TCP]["credential"], by[TCP]["credentials_from"]) == ("tok-secret", "platform")
    assert by["turn:global.turn.twilio.com:443?transport=tcp"]["with_credentials"]
    none = {e["url"]: e for e in ice_plan(load_profile("flo-recruit"), RunOptions(), None, None)}
    assert none[TCP]["credential"] == PLACEHOLDER_PASSWORD and none[TCP]["credentials_from"] == ""


@pytest.mark.parametrize(("ua", "kept"), [(UA.replace("HeadlessChrome", "Chrome"), False), ("Firefox/128.0", True)])
def test_a_refusal_explained_by_a_capture_policy_is_its_doing(ua: str, kept: bool) -> None:
    from app.probes.browser_policy import judge_policies, platform_names
    from app.probes.policy_parsers import PolicySet

    profile = load_profile("flo-recruit")
    oc = judge_policies([PolicySet("Google Chrome", "/etc/opt/chrome/policies/managed/x.json",
                                   {"VideoCaptureAllowed": False})], [], platform_names(profile))  # fmt: skip
    policy = CheckResult("browser:policy", Category.BROWSER, "managed browser policies", "t", oc.status, oc.summary, 1,
                         oc.details, oc.findings)  # fmt: skip
    media = to_check_result(judge_media({"user_agent": ua, "media": {"ok": False, "error_name": "NotAllowedError"}}), 1)
    joined = join_run(run_result(), [policy, media], profile)
    codes = {f.code for f in joined.findings}
    assert "browser_policy_capture_blocked" in codes and ("browser_permission_denied" in codes) is kept
    if not kept:
        assert "policy set by IT" in next(c for c in joined.checks if c.id == "browser:media").summary


def test_a_browser_without_icecandidateerror_proves_no_relay_without_credentials() -> None:
    data = raw({}, [ice(STUN, ["srflx"]), ice(UDP, []), ice(TCP, [])])
    data["ice_error_events"] = False  # Firefox before 150
    by = {r.id: r.outcome for r in judge_ice(data, PLAN)}
    assert by[f"browser:relay:{TCP}"].status is Status.SKIP  # no credentials: unknown, never a failure
    assert by[f"browser:relay:{UDP}"].status is Status.FAIL  # with credentials a relay candidate was due
