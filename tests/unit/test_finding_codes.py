"""The typed contract between probes and the verdict (issue 16): finding codes are a closed enum with one catalogue
entry each, and the verdict reads typed signals, never evidence keys. An unknown code fails a test, not the user."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from app.engine import findings
from app.engine.codes import FindingCode, UnknownFindingCode, finding_code
from app.engine.findings import CATALOGUE
from app.engine.ittable import _check_of_json
from app.engine.model import Category, CheckResult, Outcome, Signals, Status, Verdict
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.runner import Check, RunContext
from app.engine.session import Session
from app.engine.verdict import assess

ROOT = Path(__file__).resolve().parents[2]
PROFILE = load_profile("flo-recruit")


def test_every_member_has_exactly_one_catalogue_entry_and_back() -> None:
    specs = [s.code for s in findings._SPECS]
    assert len(specs) == len(set(specs)), "a code catalogued twice"
    assert set(specs) == set(FindingCode) == set(CATALOGUE)
    assert all(isinstance(code, FindingCode) and CATALOGUE[code].code is code for code in CATALOGUE)


def test_codes_read_and_compare_as_the_bare_strings_reports_hold() -> None:
    assert FindingCode.HTTPS_BLOCKED == "https_blocked" and f"{FindingCode.HTTPS_BLOCKED}" == "https_blocked"
    assert all(code.value == code.name.lower() for code in FindingCode)
    check = CheckResult("https:x", Category.HTTPS, "x", "t", Status.FAIL, "s", 1, {}, (FindingCode.HTTPS_BLOCKED,))
    assert check.to_json()["findings"] == ["https_blocked"]


def test_an_unknown_code_cannot_be_produced_at_run_time() -> None:
    """Before: `Outcome(..., ("https_blockd",))` (a typo) became a warning and turned "blocked" into "degraded"."""
    with pytest.raises(UnknownFindingCode, match="https_blockd"):
        Outcome(Status.FAIL, "s", {}, ("https_blockd",))  # type: ignore[arg-type]
    with pytest.raises(UnknownFindingCode):
        CheckResult("https:x", Category.HTTPS, "x", "t", Status.FAIL, "s", 1, {}, ("https_blockd",))  # type: ignore[arg-type]
    assert finding_code("https_blocked") is FindingCode.HTTPS_BLOCKED
    plain = Outcome(Status.FAIL, "s", {}, ("https_blocked",))  # type: ignore[arg-type]  # untyped callers: converted
    assert plain.findings == (FindingCode.HTTPS_BLOCKED,) and type(plain.findings[0]) is FindingCode


def _session(*checks: Check) -> object:
    session = Session(PROFILE, RunOptions(timeout_s=10), lambda _e: None, [lambda _p, _o: list(checks)])
    return asyncio.run(session.run())


def test_a_probe_raising_an_unknown_code_is_unknown_never_a_warning() -> None:
    async def typo(ctx: RunContext) -> Outcome:
        return Outcome(Status.FAIL, "blocked", {}, ("https_blockd",))  # type: ignore[arg-type]

    async def dns(ctx: RunContext) -> Outcome:
        return Outcome(Status.PASS, "ok")

    result = _session(
        Check("https:x", Category.HTTPS, "x", "t", typo, 2), Check("dns:x", Category.DNS, "x", "t", dns, 2)
    )
    https = next(c for c in result.checks if c.category is Category.HTTPS)  # type: ignore[attr-defined]
    assert https.status is Status.SKIP and "internal error" in https.summary
    assert result.verdict is Verdict.INCOMPLETE  # type: ignore[attr-defined]


def test_signals_travel_from_the_probe_through_the_runner_to_the_verdict() -> None:
    async def offline(ctx: RunContext) -> Outcome:
        return Outcome(Status.FAIL, "no resolver", {}, (FindingCode.DNS_FAILURE,), Signals(offline=True))

    result = _session(Check("dns:x", Category.DNS, "x", "t", offline, 2))
    assert result.checks[0].signals == Signals(offline=True)  # type: ignore[attr-defined]
    assert [f.code for f in result.findings] == [FindingCode.OFFLINE]  # type: ignore[attr-defined]


def test_the_verdict_reads_signals_not_evidence_keys() -> None:
    def dns(**kw: object) -> CheckResult:
        return CheckResult("dns:x", Category.DNS, "x", "t", Status.FAIL, "s", 1, kw.pop("details", {}),
                           (FindingCode.DNS_FAILURE,), signals=Signals(**kw))  # type: ignore[arg-type]  # fmt: skip

    assert "offline" in {f.code for f in assess([dns(offline=True)], PROFILE).findings}
    assert "offline" not in {f.code for f in assess([dns(details={"offline": True})], PROFILE).findings}


def test_signals_round_trip_through_report_json_and_old_reports_still_read() -> None:
    sig = Signals(offline=True, resent=False, udp_answered=True, via_proxy=False, loss_pct=3.5)
    assert Signals.of_json(sig.to_json()) == sig and Signals().to_json() == {}
    assert Signals.of_json({"offline": "yes", "loss_pct": True, "later_signal": 1}) == Signals()  # wrong types: unknown
    doc = CheckResult("dns:x", Category.DNS, "x", "t", Status.FAIL, "s", 1, {}, (FindingCode.DNS_FAILURE,),
                      signals=sig).to_json()  # fmt: skip
    assert doc["signals"] == {"offline": True, "resent": False, "udp_answered": True, "via_proxy": False,
                              "loss_pct": 3.5}  # fmt: skip
    back = _check_of_json(doc)
    assert back is not None and back.signals == sig and back.findings == (FindingCode.DNS_FAILURE,)
    old = {k: v for k, v in doc.items() if k != "signals"} | {"details": {"offline": True, "proxy": "http://p:3128"}}
    legacy = _check_of_json(old)  # written before signals: the details keys that carried them then
    assert legacy is not None and legacy.signals == Signals(offline=True, via_proxy=True)


def test_an_unknown_code_read_back_from_a_report_raises_instead_of_changing_the_verdict() -> None:
    doc = CheckResult("https:x", Category.HTTPS, "x", "t", Status.FAIL, "s", 1).to_json()
    doc["findings"] = ["https_blocked_by_a_newer_version"]
    with pytest.raises(UnknownFindingCode):
        _check_of_json(doc)


def test_mypy_rejects_a_code_that_is_not_a_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes an unknown code impossible in app/: the type checker (as `.ci/run` runs it over app)."""
    api = pytest.importorskip("mypy.api")
    monkeypatch.chdir(ROOT)
    snippet = (
        "from app.engine.codes import FindingCode\nfrom app.engine.model import Outcome, Status\n"
        'ok = Outcome(Status.FAIL, "x", {}, (FindingCode.HTTPS_BLOCKED,))\n'
        'typo = Outcome(Status.FAIL, "x", {}, ("https_blockd",))\n'
        'bare = Outcome(Status.FAIL, "x", findings=("https_blocked",))\n'
        "member = FindingCode.HTTPS_BLOCKD\n"
    )
    out, _err, status = api.run(["--no-incremental", "--cache-dir", os.devnull, "--follow-imports", "silent",
                                 "--config-file", str(ROOT / "pyproject.toml"), "-c", snippet])  # fmt: skip
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1 and [line.split(":")[1] for line in errors] == ["4", "5", "6"], out
