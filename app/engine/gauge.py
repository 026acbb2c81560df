"""The capacity gauge shown by the wizard and the report: the rate the call-rate load carried against what video needs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.model import Category, RunResult, Status


@dataclass(frozen=True)
class CapacityGauge:
    """Carried rate against the platform's bands (kbit/s); `band` is low, fair or good; `scale_kbps` the bar's end."""

    carried_kbps: float
    need_kbps: float
    min_video_kbps: float
    above_highest: bool
    band: str
    scale_kbps: float

    @property
    def fraction(self) -> float:
        """How far along the bar the carried rate is (0..1)."""
        return max(0.0, min(1.0, self.carried_kbps / self.scale_kbps)) if self.scale_kbps else 0.0

    @property
    def need_fraction(self) -> float:
        """Where the need mark sits on the bar (0..1)."""
        return max(0.0, min(1.0, self.need_kbps / self.scale_kbps)) if self.scale_kbps else 0.0

    def text(self) -> str:
        """One line of plain words."""
        carried = f"{self.carried_kbps / 1000:.2f}".rstrip("0").rstrip(".")
        more = " or more" if self.above_highest else ""
        return f"Carried {carried} Mbit/s{more}; video interviews need about {self.need_kbps / 1000:g} Mbit/s each way."


def gauge_from(checks: Iterable[tuple[str, str, Mapping[str, Any]]]) -> CapacityGauge | None:
    """Pure: the gauge from (category, status, details) of a run's checks when the call-rate load measured
    something, else None (never a made-up figure)."""
    load = next(((st, d) for cat, st, d in checks if cat == Category.MEDIA_LOAD.value), None)
    if load is None or load[0] not in (Status.PASS.value, Status.WARN.value) or not load[1].get("measured"):
        return None
    d = load[1]
    try:
        carried, need = float(d["carried_kbps"]), float(d["need_kbps"])
        low = float(d.get("min_video_kbps", need / 2))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(x) and x >= 0 for x in (carried, need, low)) or need <= 0:
        return None
    band = "low" if carried < low else "fair" if carried < need else "good"
    return CapacityGauge(carried, need, low, bool(d.get("above_highest_step")), band, max(need * 2.0, carried))


def capacity_gauge(result: RunResult) -> CapacityGauge | None:
    """The gauge of a finished run."""
    return gauge_from((c.category.value, c.status.value, c.details) for c in result.checks)


def capacity_gauge_json(report: Mapping[str, Any]) -> CapacityGauge | None:
    """The gauge of a result read back from JSON (the report bundle)."""
    checks = [c for c in report.get("checks", []) if isinstance(c, Mapping)]
    return gauge_from((str(c.get("category")), str(c.get("status")), c.get("details") or {}) for c in checks)
