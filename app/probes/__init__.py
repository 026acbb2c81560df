"""Probes, one module per protocol; PLANNERS lists them explicitly (profile + options -> checks)."""

from __future__ import annotations

from app.probes import dns, email, https, media, stun, turn, vpn

PLANNERS = [
    dns.plan,
    https.plan,
    stun.plan,
    turn.plan,
    media.plan,
    vpn.plan,
    email.plan,
]
