"""PAC cases nobody here wrote (tests/data/pac/SOURCES.md): pacparser's script tests, pypac's helper tests,
Chromium's pac_library_unittest.js and Mozilla's ascii_pac_utils.js run side by side with ours, each through the
real sandbox with a fake clock and a fake DNS table. Every case passes except those listed in
`pac_cases.DISAGREEMENTS`, where a source contradicts Chromium (the browsers the platforms recommend), with why."""

from __future__ import annotations

import pytest

from tests.unit import pac_cases


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[pac_cases.Outcome]]:
    with pac_cases.local_time_utc():
        return pac_cases.run_all()


@pytest.mark.parametrize(
    "source,at_least", [("pacparser", 10), ("pypac", 70), ("chromium", 150), ("chromium_v8", 21), ("mozilla", 800)]
)
def test_every_vendored_case_passes_unless_the_sources_disagree(outcomes, source: str, at_least: int) -> None:
    results = outcomes[source]
    assert len(results) >= at_least, "cases went missing from the vendored files"
    wrong = [f"{o.case.id}: expected {o.case.expected!r}, got {o.got!r}" for o in results
             if not o.ok and o.case.id not in pac_cases.DISAGREEMENTS]  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_listed_disagreements_are_real(outcomes) -> None:
    """Each listed disagreement names a case that exists and still differs (the list cannot hide a fixed case)."""
    failing = {o.case.id for results in outcomes.values() for o in results if not o.ok}
    assert set(pac_cases.DISAGREEMENTS) <= failing, set(pac_cases.DISAGREEMENTS) - failing
