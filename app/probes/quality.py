"""Pure media-path statistics: RTT median/p95, RFC 3550 jitter, loss, E-model MOS (ITU-T G.107) and bands."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.engine.codes import FindingCode
from app.engine.profile import MediaThresholds

GOOD, FAIR, BAD = "good", "fair", "bad"


@dataclass(frozen=True)
class Probe:
    """One packet of a train: sequence number, local send time and local receive time of its echo (s)."""

    seq: int
    sent: float
    received: float | None = None


@dataclass(frozen=True)
class PathQuality:
    """Statistics of one packet train over one path."""

    sent: int
    received: int
    round_trip_loss_pct: float
    loss_pct: float  # per-direction estimate (see one_way_loss)
    rtt_median_ms: float | None
    rtt_p95_ms: float | None
    jitter_ms: float | None
    mos: float | None


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of nothing")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    """The middle value (mean of the two middle values for even counts)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def rfc3550_jitter(pairs: Iterable[tuple[float, float]]) -> float:
    """Interarrival jitter of (send, receive) times in arrival order: J += (|D| - J) / 16 (RFC 3550 §6.4.1)."""
    jitter = 0.0
    previous: tuple[float, float] | None = None
    for sent, received in pairs:
        if previous is not None:
            d = (received - previous[1]) - (sent - previous[0])
            jitter += (abs(d) - jitter) / 16
        previous = (sent, received)
    return jitter


def one_way_loss(delivered_fraction: float, crossings: int) -> float:
    """Per-crossing loss when a packet crossed the path `crossings` times: 1 - q^(1/k) (symmetric loss assumed)."""
    q = min(1.0, max(0.0, delivered_fraction))
    return 1.0 - q ** (1.0 / max(1, crossings))


def estimated_mos(rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """MOS from a simplified E-model: R from one-way delay, jitter and loss, then ITU-T G.107 Annex B R->MOS."""
    effective = rtt_ms / 2 + 2 * jitter_ms + 10.0
    r = 93.2 - effective / 40 if effective < 160 else 93.2 - (effective - 120) / 10
    r -= 2.5 * loss_pct
    r = min(100.0, max(0.0, r))
    if r <= 0:
        return 1.0
    return round(1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r), 2)


def summarize(probes: Sequence[Probe], crossings: int = 2) -> PathQuality:
    """Loss, RTT median/p95, jitter and MOS of a train; `crossings` is how often a probe crossed the path."""
    sent = len(probes)
    got = sorted((p for p in probes if p.received is not None), key=lambda p: p.received or 0.0)
    received = len(got)
    delivered = received / sent if sent else 0.0
    rt_loss = 100.0 * (1 - delivered) if sent else 100.0
    loss = 100.0 * one_way_loss(delivered, crossings) if sent else 100.0
    if not got:
        return PathQuality(sent, 0, round(rt_loss, 2), round(loss, 2), None, None, None, None)
    rtts = [((p.received or 0.0) - p.sent) * 1000 for p in got]
    jitter = rfc3550_jitter((p.sent * 1000, (p.received or 0.0) * 1000) for p in got)
    rtt_med = median(rtts)
    return PathQuality(
        sent=sent,
        received=received,
        round_trip_loss_pct=round(rt_loss, 2),
        loss_pct=round(loss, 2),
        rtt_median_ms=round(rtt_med, 2),
        rtt_p95_ms=round(percentile(rtts, 95), 2),
        jitter_ms=round(jitter, 2),
        mos=estimated_mos(rtt_med, jitter, loss),
    )


def band(value: float, good: float, bad: float) -> str:
    """good below `good`, bad from `bad`, fair in between (Daily's published bands)."""
    if value >= bad:
        return BAD
    return GOOD if value < good else FAIR


def bands(q: PathQuality, t: MediaThresholds) -> dict[str, str]:
    """Band of each measured figure against the profile's thresholds."""
    out: dict[str, str] = {"loss": band(q.loss_pct, t.loss_good_pct, t.loss_bad_pct)}
    if q.rtt_median_ms is not None:
        out["rtt"] = band(q.rtt_median_ms, t.rtt_good_ms, t.rtt_bad_ms)
    if q.jitter_ms is not None:
        out["jitter"] = GOOD if q.jitter_ms <= t.jitter_poor_ms else BAD
    return out


def quality_findings(q: PathQuality, t: MediaThresholds) -> tuple[FindingCode, ...]:
    """Finding codes for figures outside the good bands (fair already means reduced quality)."""
    b = bands(q, t)
    codes: list[FindingCode] = []
    if b.get("loss") in (FAIR, BAD):
        codes.append(FindingCode.HIGH_PACKET_LOSS)
    if b.get("rtt") in (FAIR, BAD):
        codes.append(FindingCode.HIGH_LATENCY)
    if b.get("jitter") == BAD:
        codes.append(FindingCode.HIGH_JITTER)
    return tuple(codes)
