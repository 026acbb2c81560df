"""The IT table and who acts (issue 17): table tests over plain check results, the verdict rules run for real."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.engine import audience
from app.engine.ittable import CSV_HEADER, ItRow, _check_of_json, it_rows, rows_of_json, table_csv, table_text
from app.engine.model import Category, CheckResult, ProfileRef, RunResult, Signals, Status, Verdict
from app.engine.profile import load_profile
from app.engine.verdict import assess
from tests.unit.check_fakes import result

C, F, P, S, W = Category, Status.FAIL, Status.PASS, Status.SKIP, Status.WARN
PROXY = "http://proxy.corp.example:3128"


def check(cat: Category, target: str, status: Status, *args: Any, **details: Any) -> CheckResult:
    return result(cat, target, status, *args, summary=f"summary of {target}", duration_ms=5, **details)


def table(*checks: CheckResult) -> tuple[ItRow, ...]:
    a = assess(checks, load_profile("flo-recruit"))
    return it_rows(a.findings, checks)


OK_BASE = (
    check(C.DNS, "c.daily.co", P),
    check(C.STUN, "stun:global.stun.twilio.com:3478", P),
)


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        (  # a firewall drops TCP 443 to one host
            check(C.HTTPS, "https://c.daily.co/", F, ("https_blocked",), failed_phase="connect", error_kind="timeout"),
            ItRow("c.daily.co", "HTTPS, TCP 443", "no answer (timed out)", "Allow outbound TCP 443 to c.daily.co."),
        ),
        (  # the proxy refuses CONNECT to that port: the action is on the proxy, not "allow outbound"
            check(C.HTTPS, "https://c.daily.co/", F, ("proxy_failed",), failed_phase="proxy",
                  error_kind="proxy_refused", proxy_status=403, proxy=PROXY),
            ItRow("c.daily.co", "HTTPS, TCP 443", "the proxy refused the connection (HTTP 403)",
                  f"On the proxy {PROXY}: allow CONNECT to c.daily.co port 443."),
        ),
        (  # WebSocket upgrade answered with a page through the proxy
            check(C.WSS, "wss://ip-1.wss.daily.co/", F, ("websocket_blocked",), upgrade="page", http_status=403,
                  proxy=PROXY, url="wss://ip-1.wss.daily.co/"),
            ItRow("ip-1.wss.daily.co", "WebSocket, TCP 443", "WebSocket upgrade not passed (answered HTTP 403)",
                  f"On the proxy {PROXY}: allow CONNECT to ip-1.wss.daily.co port 443 and WebSocket upgrades."),
        ),
        (  # UDP 3478 dropped (a TURN relay on UDP, while STUN works)
            check(C.TURN_UDP, "turn:global.turn.twilio.com:3478?transport=udp", F, ("turn_udp_blocked",),
                  udp_answered=False),
            ItRow("global.turn.twilio.com", "TURN, UDP 3478", "no answer (UDP dropped)",
                  "Allow outbound UDP 3478 to global.turn.twilio.com."),
        ),
        (  # the proxy wants a login
            check(C.HTTPS, "https://c.daily.co/", F, ("proxy_auth_required",), failed_phase="proxy",
                  error_kind="proxy_auth", proxy_status=407, proxy=PROXY),
            ItRow("c.daily.co", "HTTPS, TCP 443", "the proxy asks for a login (HTTP 407)",
                  f"On the proxy {PROXY}: let c.daily.co through without a login (CONNECT to port 443)."),
        ),
    ],
)  # fmt: skip
def test_one_failure_one_row(failing: CheckResult, expected: ItRow) -> None:
    assert table(*OK_BASE, failing) == (expected,)


def test_only_what_failed_grouped_per_destination_and_merged() -> None:
    rows = table(
        check(C.DNS, "c.daily.co", P),
        check(C.HTTPS, "https://c.daily.co/", F, ("https_blocked",), error_kind="timeout"),
        check(C.HTTPS, "https://gs.daily.co/a", F, ("https_blocked",), error_kind="refused"),
        check(C.HTTPS, "https://c.daily.co/other", F, ("https_blocked",), error_kind="timeout"),
        check(
            C.STUN,
            "stun:global.stun.twilio.com:3478",
            F,
            ("stun_blocked",),
            Signals(udp_answered=False),
            udp_answered=False,
        ),
        check(C.TURN_TLS, "turns:global.turn.twilio.com:443?transport=tcp", P),
    )
    assert [(r.destination, r.protocol) for r in rows] == [
        ("c.daily.co", "HTTPS, TCP 443"),  # two paths on one host, one row
        ("gs.daily.co", "HTTPS, TCP 443"),
        ("global.stun.twilio.com", "STUN, UDP 3478"),
    ]
    assert "global.turn.twilio.com" not in table_text(rows)  # it worked
    assert table_text(rows).startswith("c.daily.co\n  - HTTPS, TCP 443 | no answer (timed out) | Allow outbound")


def test_nothing_for_it_when_offline_or_behind_a_sign_in_page() -> None:
    offline = [
        check(C.DNS, h, F, ("dns_failure",), Signals(offline=True), offline=True) for h in ("c.daily.co", "gs.daily.co")
    ]
    offline.append(check(C.HTTPS, "https://c.daily.co/", S))
    assert table(*offline) == ()
    portal = (
        check(C.DNS, "c.daily.co", P),
        check(C.HTTPS, "https://c.daily.co/", F, ("https_blocked",), error_kind="timeout"),
        check(C.CAPTIVE_PORTAL, "http://connectivitycheck.gstatic.com/generate_204", F, ("captive_portal",)),
    )
    assert table(*portal) == ()  # the portal explains the timeout: sign in first
    a = assess(portal, load_profile("flo-recruit"))
    assert audience.interviewer_can_fix(a.findings) and not audience.needs_it(a.findings)
    assert "Nothing for IT to change" in a.it_message and "sign in" in a.it_message


def test_csv_has_a_header_and_neutralised_cells() -> None:
    rows = (ItRow("=cmd|' /C calc'!A0", "HTTPS, TCP 443", "no answer", "Allow, with a comma"),)
    text = table_csv(rows)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(CSV_HEADER)
    assert parsed[1][0].startswith("'=")  # a spreadsheet shows it as text
    assert parsed[1][3] == "Allow, with a comma"


def test_the_same_table_from_report_json() -> None:
    checks = (
        check(C.DNS, "c.daily.co", P),
        check(C.HTTPS, "https://c.daily.co/", F, ("https_blocked",), error_kind="timeout"),
    )
    profile = load_profile("flo-recruit")
    a = assess(checks, profile)
    r = RunResult("0", ProfileRef(profile.id, profile.name, None, "1"), "2026-11-30T00:00:00Z", 1.0, a.verdict,
                  a.reason, checks, a.findings, a.it_message)  # fmt: skip
    assert rows_of_json(r.to_json()) == it_rows(a.findings, checks)
    assert table_text(rows_of_json(r.to_json())) in a.it_message


@pytest.mark.parametrize(
    ("codes", "verdict", "first", "has_it"),
    [
        (("offline",), Verdict.BLOCKED, "This computer cannot reach the internet", False),
        (("https_blocked",), Verdict.BLOCKED, "Your network blocks", True),
        (("vpn_full_tunnel",), Verdict.DEGRADED, "Your VPN would carry the video", False),
    ],
)
def test_steps_by_who_can_act(codes: tuple[str, ...], verdict: Verdict, first: str, has_it: bool) -> None:
    from app.engine.findings import CATALOGUE
    from app.engine.model import Finding

    findings = [Finding(c, CATALOGUE[c].severity, CATALOGUE[c].title, CATALOGUE[c].advice.format(
        platform="Flo Recruit", vpn="x", vpn_exemption="y"), "") for c in codes]  # fmt: skip
    steps = audience.steps(verdict, findings, "", "help@example.org")
    assert steps[0].startswith(first)
    assert (audience.SEND_TO_IT in steps) is has_it
    assert any("help@example.org" in s for s in steps) is has_it  # support only once IT has something to change
    assert audience.verdict_words(verdict) in ("Will not work", "Works with reduced quality")


def test_a_proxy_refusing_websockets_recorded_in_the_lab() -> None:
    """The lab's ws_upgrade_blocked network (squid re-signs TLS and answers WebSocket upgrades 403): one row for all
    ten regions' servers, with the action on the proxy, and one for the TLS inspection."""
    import json
    from pathlib import Path

    doc = json.loads((Path(__file__).resolve().parents[1] / "gui" / "data" / "ws_upgrade_blocked.json").read_text())
    checks = [c for c in (_check_of_json(c) for c in doc["checks"]) if c is not None]
    a = assess(checks, load_profile("flo-recruit"))
    assert it_rows(a.findings, checks) == (
        ItRow("*.wss.daily.co", "WebSocket, TCP 443", "WebSocket upgrade not passed (answered HTTP 403) (10 servers)",
              "On the proxy http://198.18.3.2:3131: allow CONNECT to *.wss.daily.co port 443 and WebSocket upgrades."),
        ItRow("*.daily.co", "TLS, TCP 443", "TLS re-signed by Zscaler Root CA (2 servers)",
              "Exempt *.daily.co from TLS inspection."),
    )  # fmt: skip
