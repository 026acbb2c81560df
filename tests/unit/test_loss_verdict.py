"""Loss seen during a run is reported as loss, never as a block (issue 21): table tests of the verdict rule."""

from __future__ import annotations

from app.engine.model import Category, CheckResult, Signals, Status, Verdict
from app.engine.profile import load_profile
from app.engine.verdict import assess
from tests.unit.check_fakes import result

PROFILE = load_profile("flo-recruit")
C = Category
PATH = "direct UDP to stun.example:3478 (STUN Binding train)"

r = result


def healthy(
    media_status: Status = Status.PASS, media_codes: tuple[str, ...] = (), loss_pct: float = 0.0
) -> list[CheckResult]:
    return [
        r(C.DNS, "a.example", Status.PASS),
        r(
            C.DNS,
            "b.example",
            Status.PASS,
            signals=Signals(resent=True),
            resent="answered on try 2: earlier queries got no answer",
        ),
        r(C.HTTPS, "https://a.example/", Status.PASS),
        r(C.STUN, "stun:b.example:3478", Status.PASS, tries=2),
        r(
            C.MEDIA,
            "best media path",
            media_status,
            media_codes,
            Signals(loss_pct=loss_pct),
            path=PATH,
            loss_pct=loss_pct,
        ),
    ]


def test_small_measured_loss_is_information_naming_the_rate() -> None:
    a = assess(healthy(loss_pct=3.1), PROFILE)
    assert a.verdict is Verdict.READY, a.reason
    found = {f.code: f for f in a.findings}
    assert found["packet_loss"].severity.value == "info"
    assert "3.1 %" in found["packet_loss"].it_action and PATH in found["packet_loss"].it_action
    assert found["packet_loss"].checks == ("media:best media path", "dns:b.example")


def test_high_loss_is_the_warning_alone() -> None:
    a = assess(healthy(Status.WARN, ("high_packet_loss",), loss_pct=14.8), PROFILE)
    assert a.verdict is Verdict.DEGRADED
    codes = {f.code for f in a.findings}
    assert "high_packet_loss" in codes and "packet_loss" not in codes


def test_no_loss_and_resends_alone_say_nothing() -> None:
    for loss in (0.0, 0.6):
        a = assess(healthy(loss_pct=loss), PROFILE)
        assert a.verdict is Verdict.READY and not a.findings, a.findings
