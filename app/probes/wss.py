"""Secure WebSocket checks (RFC 6455): one per signalling URL the profile names, as the browser would go, and one
more through `--proxy`; the check itself is `wss_check.probe_wss`."""

from __future__ import annotations

from app.engine.model import Category
from app.engine.options import RunOptions, explicit_proxy
from app.engine.profile import Profile
from app.engine.runner import Check
from app.probes.connection import per_route_checks
from app.probes.wss_check import probe_wss


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One WSS check per signalling URL as the browser would go; one more per URL through an explicit proxy."""
    explicit = explicit_proxy(profile, options)
    title = lambda t: f"Open the live call connection to {t.url.host}"  # noqa: E731
    return per_route_checks(Category.WSS, profile.wss, explicit, title, probe_wss)
