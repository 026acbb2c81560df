"""Recorded engine outcomes for driving the wizard without a network: planners of Checks that replay Outcomes.

Each outcome is what a real probe returned in that situation (summaries and evidence as the probes word
them); the verdict is still computed by the real verdict rules from these results.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext

C = Category
P, W, F = Status.PASS, Status.WARN, Status.FAIL


@dataclass(frozen=True)
class Recorded:
    """One recorded check: where, what came back, and after how long (seconds, before scaling)."""

    category: Category
    target: str
    title: str
    outcome: Outcome
    delay_s: float
    needs: tuple[Category, ...] = ()


def _ok(summary: str, **details: object) -> Outcome:
    return Outcome(P, summary, details)


MEDIA_NEEDS = (C.STUN, C.TURN_UDP, C.TURN_TCP, C.TURN_TLS)

READY: tuple[Recorded, ...] = (
    Recorded(
        C.DNS, "api.daily.co", "Name lookup", _ok("Found 2 addresses in 24 ms.", addresses=["198.18.1.10"], ms=24), 0.15
    ),
    Recorded(
        C.DNS,
        "prod-ks.pluot.blue",
        "Name lookup",
        _ok("Found 1 address in 31 ms.", addresses=["198.18.1.11"], ms=31),
        0.2,
    ),
    Recorded(
        C.HTTPS,
        "https://api.daily.co/",
        "Web server",
        _ok("Answered HTTP 200 in 180 ms.", http_status=200, ms=180),
        0.45,
    ),
    Recorded(
        C.HTTPS,
        "https://prod-ks.pluot.blue/",
        "Web server",
        _ok("Answered HTTP 404 in 160 ms (reachable).", http_status=404),
        0.5,
    ),
    Recorded(
        C.WSS, "wss://api.daily.co/", "Live call connection", _ok("WebSocket open and kept for 3 s.", held_s=3.0), 0.9
    ),
    Recorded(
        C.STUN,
        "stun:stun.daily.co:3478",
        "Direct connection",
        _ok("Answered in 38 ms; public address seen.", rtt_ms=38, udp_answered=True),
        0.6,
    ),
    Recorded(
        C.TURN_UDP,
        "turn:turn.daily.co:3478?transport=udp",
        "Relay over UDP",
        _ok("Relay reachable (401 challenge) in 41 ms.", rtt_ms=41, udp_answered=True),
        0.7,
    ),
    Recorded(
        C.TURN_TCP,
        "turn:turn.daily.co:3478?transport=tcp",
        "Relay over TCP",
        _ok("Relay reachable over TCP in 55 ms.", rtt_ms=55),
        0.75,
    ),
    Recorded(
        C.TURN_TLS,
        "turns:turn.daily.co:443?transport=tcp",
        "Relay over TLS 443",
        _ok("Relay reachable over TLS on port 443 in 90 ms.", rtt_ms=90),
        0.8,
    ),
    Recorded(
        C.MEDIA,
        "stun:stun.daily.co:3478",
        "Call quality",
        _ok("Loss 0 %, delay 38 ms, jitter 3 ms.", loss_pct=0, rtt_ms=38, jitter_ms=3),
        1.1,
        MEDIA_NEEDS,
    ),
    Recorded(C.PROXY, "system", "Web proxy", _ok("No proxy in use."), 0.1),
    Recorded(
        C.TLS_INSPECTION,
        "api.daily.co:443",
        "Secure traffic inspection",
        _ok("Certificate issued by a public authority.", issuer="Let's Encrypt"),
        0.55,
    ),
    Recorded(C.CAPTIVE_PORTAL, "http://detectportal.test/", "Sign-in page", _ok("No sign-in page in the way."), 0.3),
    Recorded(C.VPN, "system", "VPN", _ok("No VPN connected."), 0.12),
    Recorded(
        C.EMAIL,
        "example.com",
        "Interview emails",
        _ok("Your mail server accepts mail from the interview sender."),
        0.65,
    ),
)


def _replace(base: tuple[Recorded, ...], **by_target: Outcome) -> tuple[Recorded, ...]:
    out = []
    for r in base:
        key = f"{r.category.value}|{r.target}"
        out.append(Recorded(r.category, r.target, r.title, by_target.get(key, r.outcome), r.delay_s, r.needs))
    return tuple(out)


def _k(cat: Category, target: str) -> str:
    return f"{cat.value}|{target}"


DEGRADED = _replace(READY, **{
    _k(C.STUN, "stun:stun.daily.co:3478"): Outcome(F, "No answer within 2 s (UDP 3478).", {"udp_answered": False, "timed_out": True}, ("stun_blocked",)),
    _k(C.TURN_UDP, "turn:turn.daily.co:3478?transport=udp"): Outcome(F, "No answer within 2 s (UDP 3478).", {"udp_answered": False}, ("turn_udp_blocked",)),
    _k(C.MEDIA, "stun:stun.daily.co:3478"): Outcome(W, "Through the relay: loss 1 %, delay 420 ms.", {"path": "TURN/TLS", "rtt_ms": 420, "loss_pct": 1}, ("high_latency",)),
})  # fmt: skip

BLOCKED = _replace(READY, **{
    _k(C.HTTPS, "https://api.daily.co/"): Outcome(F, "Connection timed out after 5 s (TCP 443).", {"failure": "timeout"}, ("https_blocked",)),
    _k(C.HTTPS, "https://prod-ks.pluot.blue/"): Outcome(F, "Connection timed out after 5 s (TCP 443).", {"failure": "timeout"}, ("https_blocked",)),
    _k(C.WSS, "wss://api.daily.co/"): Outcome(F, "Connection timed out after 5 s.", {"failure": "timeout"}, ("websocket_blocked",)),
    _k(C.STUN, "stun:stun.daily.co:3478"): Outcome(F, "No answer within 2 s (UDP 3478).", {"udp_answered": False}, ("stun_blocked",)),
    _k(C.TURN_UDP, "turn:turn.daily.co:3478?transport=udp"): Outcome(F, "No answer within 2 s.", {"udp_answered": False}, ("turn_udp_blocked",)),
    _k(C.TURN_TCP, "turn:turn.daily.co:3478?transport=tcp"): Outcome(F, "Connection timed out (TCP 3478).", {"failure": "timeout"}, ("turn_tcp_blocked",)),
    _k(C.TURN_TLS, "turns:turn.daily.co:443?transport=tcp"): Outcome(F, "Connection timed out (TCP 443).", {"failure": "timeout"}, ("turn_tls_blocked",)),
    _k(C.MEDIA, "stun:stun.daily.co:3478"): Outcome(Status.SKIP, "No media path to measure.", {}),
    _k(C.PROXY, "system"): Outcome(P, "Proxy in use: http://proxy.corp.example:8080.", {"proxy": "http://proxy.corp.example:8080"}, ("proxy_detected",)),
})  # fmt: skip


def _from_json(name: str) -> tuple[Recorded, ...]:
    """A whole real run, as `app check --json` wrote it (tests/gui/data/), replayed check by check."""
    doc = json.loads((Path(__file__).with_name("data") / name).read_text(encoding="utf-8"))
    out = []
    known = {c.value for c in Category}
    for i, c in enumerate(x for x in doc["checks"] if x["category"] in known):
        outcome = Outcome(Status(c["status"]), c["summary"], c["details"], tuple(c["findings"]))
        out.append(Recorded(Category(c["category"]), c["target"], c["title"], outcome, 0.1 + 0.04 * i))
    return tuple(out)


# The real run with no network at all (unshare -n): DNS unreachable, everything after it not tried.
OFFLINE = _from_json("offline.json")

# The lab's hotel Wi-Fi before sign-in (tests/lab scenario captive_portal): DNS answers, plain HTTP gets the
# portal's page, everything else is dropped until the person signs in.
CAPTIVE = _from_json("captive.json")

SCENARIOS: dict[str, tuple[Recorded, ...]] = {
    "ready": READY,
    "degraded": DEGRADED,
    "blocked": BLOCKED,
    "offline": OFFLINE,
    "captive": CAPTIVE,
    "cancelled": READY,  # the same checks; the test (or the screenshot tool) cancels mid-run
}


def _check(r: Recorded, scale: float) -> Check:
    async def run(_ctx: RunContext) -> Outcome:
        await asyncio.sleep(r.delay_s * scale)
        return r.outcome

    return Check(f"{r.category.value}:{r.target}", r.category, r.target, r.title, run, timeout_s=30.0, needs=r.needs)


def planners(name: str, scale: float = 0.2) -> list[Callable[[Profile, RunOptions], list[Check]]]:
    """Planners replaying scenario `name`; `error` is a planner that fails like an engine bug would."""
    if name == "error":

        def broken(_profile: Profile, _options: RunOptions) -> list[Check]:
            raise RuntimeError("recorded engine failure: planner crashed")

        return [broken]
    if name == "cancelled":
        scale *= 20  # long enough that a cancel always lands mid-run
    recs = SCENARIOS[name]

    def plan(_profile: Profile, options: RunOptions) -> list[Check]:
        return [_check(r, scale) for r in recs if r.category is not C.EMAIL or options.email]

    return [plan]
