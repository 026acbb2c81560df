"""Probes, one module per protocol; PLANNERS lists them explicitly (profile + options -> checks)."""

from __future__ import annotations

from app.probes import dns, https, vpn

PLANNERS = [
    dns.plan,
    https.plan,
    vpn.plan,
]
