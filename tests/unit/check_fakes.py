"""Check results for the verdict rules' table tests: evidence as keyword `details`, what the rules read as `signals`."""

from __future__ import annotations

from app.engine.model import Category, CheckResult, Signals, Status

NO_SIGNALS = Signals()


def result(
    cat: Category,
    target: str,
    status: Status,
    codes: tuple[str, ...] = (),
    signals: Signals = NO_SIGNALS,
    *,
    summary: str = "s",
    duration_ms: int = 1,
    **details: object,
) -> CheckResult:
    """A finished check `<category>:<target>` titled "t"; codes as plain strings, as reports hold them."""
    return CheckResult(
        f"{cat.value}:{target}", cat, target, "t", status, summary, duration_ms, details, codes, signals=signals
    )
