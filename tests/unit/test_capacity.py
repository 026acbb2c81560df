"""Call-rate load (issue 22), pure parts: a step's figures, the ceiling, the carried rate and the platform's bands."""

from __future__ import annotations

from app.engine.model import Status
from app.engine.profile import MediaThresholds, load_profile
from app.probes.capacity import (
    PACKET_BYTES,
    STEPS_KBPS,
    WIRE_OVERHEAD,
    Step,
    ceiling,
    conclude,
    expected_loss,
    judge,
    summarize_step,
    two_crossings,
)

DAILY = load_profile("flo-recruit").media


def paced(rate_kbps: float, count: int, start: float = 0.0) -> list[float]:
    interval = (PACKET_BYTES + WIRE_OVERHEAD) * 8 / (rate_kbps * 1000)
    return [start + i * interval for i in range(count)]


def test_a_step_measures_the_arrival_rate_loss_and_delay() -> None:
    sent = paced(1500, 100)
    # the link lets 2 in 3 through, at 1000 kbit/s, each 20 ms late plus a growing queue
    link = paced(1000, 67, start=0.02)
    arrivals = {seq: t for seq, t in zip(range(0, 100, 1), link, strict=False) if seq < 67}
    step = summarize_step(1500, sent, arrivals, idle_ms=20.0)
    assert step.sent == 100 and step.received == 67 and step.loss_pct == 33.0
    assert step.delivered_kbps is not None and abs(step.delivered_kbps - 1000) < 20
    assert step.queue_ms is not None and step.queue_ms > 0 and ceiling(step, 0.0)


def test_the_carried_rate_is_the_ceiling_steps_arrival_rate_never_above_the_offer() -> None:
    ok = Step(100, 26, 26, 100.0, 5.0, 0.0)
    video = Step(600, 31, 31, 600.0, 5.0, 0.0)
    hd = Step(1500, 78, 30, 380.0, 60.0, 55.0)  # a 384 kbit/s link
    cap = conclude([ok, video, hd], 5.0)
    assert not cap.above_highest and cap.carried_kbps == 380.0 and cap.loss_pct == hd.loss_pct
    thin = conclude([ok, Step(600, 31, 15, 290.0, 80.0, 75.0)], 5.0)
    assert thin.carried_kbps == 290.0
    fat = conclude([Step(r, 10, 10, float(r), 5.0, 0.0) for r in STEPS_KBPS], 5.0)
    assert fat.above_highest and fat.carried_kbps == STEPS_KBPS[-1]
    queued = conclude([ok, Step(600, 31, 31, 250.0, 420.0, 415.0)], 5.0)  # TCP relay: no loss, a full queue
    assert queued.carried_kbps == 250.0


def test_bands_follow_the_platform() -> None:
    assert (DAILY.capacity_bad_kbps, DAILY.capacity_good_kbps) == (700, 1100)  # Daily's testCallQuality
    assert load_profile("kudo").media.capacity_bad_kbps == MediaThresholds().capacity_bad_kbps
    thin = conclude([Step(100, 26, 26, 100.0, 5.0, 0.0), Step(600, 31, 16, 300.0, 60.0, 55.0)], 5.0)
    status, summary, codes = judge(thin, DAILY)
    assert status is Status.WARN and codes == ("low_capacity",)
    assert "0.30 Mbit/s" in summary and "1.1 Mbit/s each way" in summary
    mid = conclude([Step(600, 31, 31, 600.0, 5.0, 0.0), Step(1500, 78, 52, 1000.0, 50.0, 45.0)], 5.0)
    assert judge(mid, DAILY)[2] == ("capacity_below_hd",) and judge(mid, DAILY)[0] is Status.PASS
    fat = conclude([Step(r, 10, 10, float(r), 5.0, 0.0) for r in STEPS_KBPS], 5.0)
    assert judge(fat, DAILY) == (Status.PASS, judge(fat, DAILY)[1], ()) and "highest step" in judge(fat, DAILY)[1]


def test_random_loss_is_not_a_ceiling_but_loss_rising_with_the_rate_is() -> None:
    """A flaky Wi-Fi loses the same share at every rate; a thin link loses more as the rate rises (issue 21 + 22)."""
    p = expected_loss([Step(100, 26, 26, 100.0, 5.0, 0.0)], 1, None)  # clean audio step: 1/28
    assert p is not None and 0.03 < p < 0.04
    assert not ceiling(Step(2500, 126, 113, 2200.0, 5.0, 0.0), p)  # 3 % per crossing: 13 of 126 lost at random
    assert ceiling(Step(600, 30, 19, 290.0, 110.0, 105.0), p)  # 256 kbit/s: 11 of 30 lost
    assert ceiling(Step(600, 30, 30, 250.0, 420.0, 415.0), p)  # a full queue, nothing lost (TCP relay)
    # 15 % per crossing: the audio step already loses 27 %, as the quality train predicts, so it is no ceiling
    prior = two_crossings(12.5)
    assert prior is not None and abs(prior - 0.234) < 0.01
    lossy = [Step(100, 26, 19, 72.0, 5.0, 0.0), Step(600, 30, 21, 420.0, 5.0, 0.0), Step(1500, 76, 55, 1090.0, 5.0, 0.0),
             Step(2500, 126, 92, 1830.0, 5.0, 0.0)]  # fmt: skip
    assert conclude(lossy, 5.0, prior).above_highest
    assert conclude(lossy[:1], 5.0, None).above_highest  # 27 % with no expectation: under half, not a ceiling
