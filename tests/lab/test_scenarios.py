"""One real `python -m app check` per lab scenario, in cr-client, against the expectations in scenarios.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lab.lab import PROXY_PASSWORD, TURN_PASSWORD, TURN_REST_SECRET, Lab
from tests.lab.scenarios import SCENARIOS, summarize

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_app_check_in_scenario(lab: Lab, name: str, tmp_path: Path) -> None:
    sc = lab.apply(name)
    out = tmp_path / f"{name}.json"
    proc = lab.app_check(out)
    assert out.is_file(), (
        f"{name}: no JSON written (exit {proc.returncode})\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    result = json.loads(out.read_text())
    problems = sc.expect.mismatches(result, proc.returncode)
    # the ICE servers' TURN credentials, a --turn secret and proxy passwords never reach the output
    for secret in (TURN_PASSWORD, TURN_REST_SECRET, PROXY_PASSWORD):
        assert secret not in out.read_text() + proc.stdout + proc.stderr, f"{name}: a secret leaked"
    assert not problems, (
        f"{name}: {sc.description}\n" + "\n".join(f"- {p}" for p in problems) + "\n" + summarize(result)
    )
