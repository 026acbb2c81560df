"""Every destination a run contacts, for IT: the union of the contacts each planned check declares (the planners
fill them from the values the checks run with, so this list cannot drift from what the probes do)."""

from __future__ import annotations

from app.engine.contacts import union
from app.engine.model import Contact
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.session import plan_run

Destination = Contact  # one place a run contacts: what, host, `protocol port`, why, and when (if conditional)

# Contacted outside the planned checks: nothing. Every lookup of the run's shared resolver, the PAC/WPAD fetch, the
# published IP list, the email DNS names, Daily's discovery and ICE servers documents and the captive-portal URLs
# happen inside a check, which declares them (tests/unit/test_destinations.py and tests/lab/test_destinations.py).
OUTSIDE_CHECKS: tuple[Contact, ...] = ()


def destinations(profile: Profile, options: RunOptions | None = None) -> tuple[Destination, ...]:
    """Every destination a run of this profile contacts, in plan order, one per (what, host, transport, why)."""
    checks = plan_run(profile, options or RunOptions())
    return union([*(c for check in checks for c in check.contacts), *OUTSIDE_CHECKS])


def markdown(profile: Profile, options: RunOptions | None = None) -> str:
    """A Markdown table of `destinations(profile)` for the IT guide."""
    region = f", region {profile.region}" if profile.region else ""
    lines = [
        f"#### {profile.name} (`{profile.id}` {profile.version}{region})",
        "",
        "| What | Host | Protocol and port | Why |",
        "|---|---|---|---|",
    ]
    rows = sorted(destinations(profile, options), key=lambda d: bool(d.when))  # what every run contacts first
    lines += [
        f"| {d.what} | `{d.host}` | {d.transport} | {d.purpose}{f' ({d.when})' if d.when else ''} |" for d in rows
    ]
    return "\n".join(lines) + "\n"
