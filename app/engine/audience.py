"""Who can act on a result: the words for each verdict, the interviewer's steps, and whether IT must change something.

One wording for every front end (app, CLI text, HTML, PDF, email). Pure functions over findings; Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Finding, Severity, Verdict

F = FindingCode

VERDICT_WORDS: Mapping[Verdict, str] = {
    Verdict.READY: "Ready",
    Verdict.DEGRADED: "Works with reduced quality",
    Verdict.BLOCKED: "Will not work",
    Verdict.INCOMPLETE: "Check not finished",
}

# Causes the interviewer fixes alone (no network change needed): IT and support steps stay out of the way.
INTERVIEWER_CODES = frozenset(
    {
        F.OFFLINE,  # cable / Wi-Fi
        F.CAPTIVE_PORTAL,  # sign in to the guest Wi-Fi page
        F.VPN_FULL_TUNNEL,  # disconnect the VPN for the interview
        F.BROWSER_MISSING,  # use the recommended browser
        F.CHECK_UNFINISHED,  # run it again
        F.EMAIL_NO_MX,  # check the address typed
        F.EMAIL_ADDRESS_MISSING,
        F.BROWSER_PERMISSION_DENIED,  # allow the camera and microphone (browser, OS privacy settings)
        F.BROWSER_NO_DEVICE,  # plug in or switch on a camera/microphone
        F.BROWSER_DEVICE_BUSY,  # close the other video app
        F.BROWSER_CHECK_UNFINISHED,  # run the browser check again
        F.LOW_CAPACITY,  # a thin connection: a cable, nearer the Wi-Fi, pause uploads (no firewall change helps)
    }
)
# A sign-in page in the way explains every connection that failed: nothing is IT's until the person has signed in
# and run the check again (the verdict rules keep these findings; only who acts first changes).
EXPLAINED_BY_PORTAL = frozenset(
    {
        F.HTTPS_BLOCKED, F.TLS_ERROR, F.WEBSOCKET_BLOCKED, F.STUN_BLOCKED, F.UDP_BLOCKED, F.TURN_UDP_BLOCKED,
        F.TURN_TCP_BLOCKED, F.TURN_TLS_BLOCKED, F.MEDIA_BLOCKED, F.RELAY_ONLY, F.MEDIA_PORTS_UNCONFIRMED,
        F.SIGNALLING_DISCOVERY_FAILED, F.PROXY_FAILED,
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
    portal = any(f.code == F.CAPTIVE_PORTAL for f in found)
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
    own = [f for f in found if f.code in INTERVIEWER_CODES and f.code != F.CHECK_UNFINISHED]
    for f in found:  # most severe first: the verdict's own cause leads, whoever fixes it
        if f in own and f.advice and f.advice not in out and len(out) < MAX_STEPS:
            out.append(f.advice)
        elif it and f is it[0]:
            if f.advice and f.advice not in out:
                out.append(f.advice)
            out.append(SEND_TO_IT)
    if verdict is Verdict.INCOMPLETE or any(f.code == F.CHECK_UNFINISHED for f in found) or (own and not it):
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
