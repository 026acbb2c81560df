"""Probes, one module per protocol; PLANNERS lists them explicitly (profile + options -> checks)."""

from __future__ import annotations

from app.probes import (
    browser_policy,
    capacity,
    captive,
    dns,
    email,
    https,
    iceservers,
    media,
    proxy,
    signalling,
    stun,
    system,
    tls_inspection,
    turn,
    vpn,
    wss,
)

PLANNERS = [
    dns.plan,
    https.plan,
    proxy.plan,
    wss.plan,
    signalling.plan,
    iceservers.plan,
    tls_inspection.plan,
    captive.plan,
    stun.plan,
    turn.plan,
    media.plan,
    capacity.plan,
    vpn.plan,
    email.plan,
    system.plan,
    browser_policy.plan,
]
