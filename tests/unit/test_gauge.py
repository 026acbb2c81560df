"""The capacity gauge (issue 22): only from a measured call-rate load, banded by the platform's figures."""

from __future__ import annotations

import json

from app.engine.gauge import capacity_gauge, capacity_gauge_json, gauge_from
from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.report.bundle import build_bundle
from tests.unit.report_fakes import run_result


def load(status: str = "warn", **details: object) -> tuple[str, str, dict[str, object]]:
    base: dict[str, object] = {"measured": True, "carried_kbps": 290.0, "need_kbps": 1100.0, "min_video_kbps": 700.0,
                               "carried_mbit": "0.29", "need_mbit": "1.1", "loss_pct_under_load": 36.7,
                               "queue_delay_ms": 118.0}  # fmt: skip
    return ("media_load", status, {**base, **details})


def test_gauge_bands_and_words() -> None:
    thin = gauge_from([load()])
    assert thin is not None and thin.band == "low" and 0.12 < thin.fraction < 0.14 and thin.need_fraction == 0.5
    assert thin.text() == "Carried 0.29 Mbit/s; video interviews need about 1.1 Mbit/s each way."
    fair = gauge_from([load("pass", carried_kbps=1000.0)])
    assert fair is not None and fair.band == "fair"
    fat = gauge_from([load("pass", carried_kbps=2500.0, above_highest_step=True)])
    assert fat is not None and fat.band == "good" and fat.fraction > 0.99 and "2.5 Mbit/s or more" in fat.text()


def test_no_gauge_without_a_measurement() -> None:
    assert gauge_from([]) is None
    assert gauge_from([("media_load", "skip", {"measured": False})]) is None
    assert gauge_from([load(carried_kbps="lots")]) is None
    assert gauge_from([load(need_kbps=0.0)]) is None
    assert gauge_from([("media", "pass", {"carried_kbps": 1.0})]) is None


def test_the_report_and_bundle_show_the_gauge() -> None:
    """A real run (the engine's Session over a recorded load outcome) through the real bundle writer."""
    row = (Category.MEDIA_LOAD, "call-rate load", Status.WARN, "The connection carried about 0.29 Mbit/s.", load()[2],
           ("low_capacity",))  # fmt: skip
    result = run_result([row])
    assert capacity_gauge(result) is not None
    bundle = build_bundle(result, load_profile("flo-recruit"), RunOptions(), "", False, make_pdf=lambda a, b: b"")
    page = next(v.decode() for k, v in bundle.files.items() if k.endswith(".html"))
    assert "Your connection's capacity" in page and "g-low" in page and "width: 13.2%" in page
    assert capacity_gauge_json(json.loads(next(v for k, v in bundle.files.items() if k.endswith("report.json"))))
