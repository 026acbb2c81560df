"""Who can act on a result: the words for each verdict, the interviewer's steps, and whether IT must change something.

One wording for every front end (app, CLI text, HTML, PDF, email). Pure functions over findings; Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.engine.model import Finding, Severity, Verdict

VERDICT_WORDS: Mapping[Verdict, str] = {
    Verdict.READY: "Ready",
    Verdict.DEGRADED: "Works with reduced quality",
    Verdict.BLOCKED: "Will not work",
    Verdict.INCOMPLETE: "Check not finished",
}

# Causes the interviewer fixes alone (no network change needed): IT and support steps stay out of the way.
INTERVIEWER_CODES = frozenset(
    {
        "offline",  # cable / Wi-Fi
        "captive_portal",  # sign in to the guest Wi-Fi page
        "vpn_full_tunnel",  # disconnect the VPN for the interview
        "browser_missing",  # use the recommended browser
        "check_unfinished",  # run it again
        "email_no_mx",  # check the address typed
        "email_address_missing",
        "browser_permission_denied",  # allow the camera and microphone (browser, OS privacy settings)
        "browser_no_device",  # plug in or switch on a camera/microphone
        "browser_device_busy",  # close the other video app
        "browser_check_unfinished",  # run the browser check again
        "low_capacity",  # a thin connection: a cable, nearer the Wi-Fi, pause uploads (no firewall change helps)
    }
)
# A sign-in page in the way explains every connection that failed: nothing is IT's until the person has signed in
# and run the check again (the verdict rules keep these findings; only who acts first changes).
EXPLAINED_BY_PORTAL = frozenset(
    {
        "https_blocked", "tls_error", "websocket_blocked", "stun_blocked", "udp_blocked", "turn_udp_blocked",
        "turn_tcp_blocked", "turn_tls_blocked", "media_blocked", "relay_only", "media_ports_unconfirmed",
        "signalling_discovery_failed", "proxy_failed",
    }
)  # fmt: skip
MAX_STEPS = 3
RUN_AGAIN = "Run the check again and let it finish (it takes under a minute)."
ALL_SET = "You are all set. Nothing needs to change."
SEND_TO_IT = "Send the message for IT to your IT team: it lists each server, port and the change to make."


def verdict_words(verdict: Verdict | str) -> str:
    """The headline for a verdict, the same everywhere."""
    try:
        return VERDICT_WORDS[Verdict(verdict)]
    except ValueError:
        return str(verdict)


def problems(findings: Iterable[Finding]) -> list[Finding]:
    """Errors and warnings, most severe first (the order findings arrive in within a severity is kept)."""
    found = [f for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    return sorted(found, key=lambda f: 0 if f.severity is Severity.ERROR else 1)


def for_it(findings: Iterable[Finding]) -> list[Finding]:
    """The problems only IT (or the network's owner) can fix (none of the connection failures a sign-in page
    explains while that page is in the way)."""
    found = problems(findings)
    portal = any(f.code == "captive_portal" for f in found)
    return [f for f in found if f.code not in INTERVIEWER_CODES and not (portal and f.code in EXPLAINED_BY_PORTAL)]


def needs_it(findings: Iterable[Finding]) -> bool:
    """True when IT must change something."""
    return bool(for_it(findings))


def interviewer_can_fix(findings: Iterable[Finding]) -> bool:
    """True when there are problems and every one of them is the interviewer's to fix."""
    found = problems(findings)
    return bool(found) and not for_it(found)


def steps(verdict: Verdict, findings: Iterable[Finding], browser_advice: str = "", support: str = "") -> list[str]:
    """What the interviewer does next, most important first: their own fixes, then (only if needed) IT and support."""
    found = problems(findings)
    it = for_it(found)
    out: list[str] = []
    own = [f for f in found if f.code in INTERVIEWER_CODES and f.code != "check_unfinished"]
    for f in found:  # most severe first: the verdict's own cause leads, whoever fixes it
        if f in own and f.advice and f.advice not in out and len(out) < MAX_STEPS:
            out.append(f.advice)
        elif it and f is it[0]:
            if f.advice and f.advice not in out:
                out.append(f.advice)
            out.append(SEND_TO_IT)
    if verdict is Verdict.INCOMPLETE or any(f.code == "check_unfinished" for f in found) or (own and not it):
        if not any("run the check again" in s.lower() for s in out):
            out.append(RUN_AGAIN)
    if it and support:
        out.append(f"Still stuck after IT's change? Save the report and send it to {support}.")
    if verdict is Verdict.READY:
        out.append(ALL_SET)
    if browser_advice and verdict in (Verdict.READY, Verdict.DEGRADED) and browser_advice not in out:
        out.append(browser_advice)
    return out


def finding_of_json(f: Mapping[str, Any]) -> Finding:
    """A Finding back from its JSON form (report.json), tolerant of missing keys."""
    try:
        severity = Severity(str(f.get("severity", "warning")))
    except ValueError:
        severity = Severity.WARNING
    return Finding(
        code=str(f.get("code", "")),
        severity=severity,
        title=str(f.get("title", "")),
        advice=str(f.get("advice", "") or ""),
        it_action=str(f.get("it_action", "") or ""),
        checks=tuple(str(c) for c in f.get("checks") or ()),
    )
