"""Pure media statistics: percentiles, RFC 3550 jitter, loss per direction, E-model MOS, bands from the profile."""

from __future__ import annotations

import pytest

from app.engine.profile import MediaThresholds
from app.probes import quality as q

DAILY = MediaThresholds()


def train(rtts_ms: list[float | None], interval_s: float = 0.01) -> list[q.Probe]:
    return [q.Probe(i, i * interval_s, None if r is None else i * interval_s + r / 1000) for i, r in enumerate(rtts_ms)]


def test_constant_delay_has_no_jitter_and_exact_rtt():
    s = q.summarize(train([40.0] * 100))
    assert s.jitter_ms == pytest.approx(0, abs=1e-6)
    assert s.rtt_median_ms == pytest.approx(40) and s.rtt_p95_ms == pytest.approx(40)
    assert s.loss_pct == 0 and s.received == 100


def test_rfc3550_jitter_converges_to_alternating_delay_step():
    # delays alternate 20/40 ms: |D| = 20 ms each step, so J -> 20 ms (J += (|D| - J)/16)
    s = q.summarize(train([20.0, 40.0] * 200, interval_s=0.1))  # no reordering
    assert s.jitter_ms == pytest.approx(20, rel=0.01)
    j = q.rfc3550_jitter([(0, 10), (20, 40)])
    assert j == pytest.approx(10 / 16)


def test_percentile_nearest_rank_and_median():
    values = list(range(1, 101))
    assert q.percentile(values, 95) == 95
    assert q.median([1, 3, 2, 10]) == 2.5
    with pytest.raises(ValueError):
        q.percentile([], 50)


def test_loss_per_direction_from_round_trip():
    # 19 % round-trip loss over two crossings is 10 % per direction
    rtts = [None if i % 100 < 19 else 30.0 for i in range(1000)]
    s = q.summarize(train(rtts), crossings=2)
    assert s.round_trip_loss_pct == pytest.approx(19)
    assert s.loss_pct == pytest.approx(10, abs=0.01)
    assert q.one_way_loss(0.9**4, 4) == pytest.approx(0.1)


def test_all_lost_gives_no_rtt_and_full_loss():
    s = q.summarize(train([None] * 10))
    assert s.loss_pct == 100 and s.rtt_median_ms is None and s.mos is None


def test_mos_falls_with_delay_jitter_and_loss():
    best = q.estimated_mos(20, 1, 0)
    assert 4.3 <= best <= 4.5
    assert q.estimated_mos(600, 1, 0) < best
    assert q.estimated_mos(20, 60, 0) < best
    assert q.estimated_mos(20, 1, 10) < q.estimated_mos(20, 1, 2) < best
    assert q.estimated_mos(5000, 500, 100) == 1.0


@pytest.mark.parametrize(
    ("loss", "rtt", "jitter", "expected"),
    [
        (0, 50, 5, ()),
        (4.9, 299, 30, ()),  # just inside the good bands
        (6, 350, 20, ("high_packet_loss", "high_latency")),  # fair band: reduced quality already
        (10, 50, 5, ("high_packet_loss",)),
        (0, 600, 5, ("high_latency",)),
        (0, 50, 31, ("high_jitter",)),
    ],
)
def test_findings_follow_published_bands(loss, rtt, jitter, expected):
    s = q.PathQuality(100, 100, loss, loss, rtt, rtt, jitter, 4.0)
    assert q.quality_findings(s, DAILY) == expected


def test_bands_use_the_profile_thresholds():
    strict = MediaThresholds(loss_good_pct=1, loss_bad_pct=2, rtt_good_ms=50, rtt_bad_ms=100, jitter_poor_ms=5)
    s = q.PathQuality(100, 97, 3, 3, 120, 150, 6, 4.0)
    assert q.bands(s, strict) == {"loss": "bad", "rtt": "bad", "jitter": "bad"}
    assert q.bands(s, DAILY) == {"loss": "good", "rtt": "good", "jitter": "good"}
