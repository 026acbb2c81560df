"""One real `python -m app check` per lab scenario, in cr-client, against the expectations in scenarios.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.model import Signals
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
    assert not signal_gaps(result), f"{name}: typed signals missing what the evidence shows: {signal_gaps(result)}"


# Which checks' details carried each verdict input before signals were typed (what verdict.py read, and where).
SIGNAL_CATEGORIES = {
    "offline": {"dns"},
    "resent": {"dns"},
    "udp_answered": {"stun", "turn_udp"},
    "loss_pct": {"media"},
    "via_proxy": None,  # any check that reached its host (the proxy check's own `proxy` is the setting, below)
}


def signal_gaps(result: dict) -> list[str]:
    """Checks whose `details` show a fact the verdict needs (through a proxy, offline, resent, a UDP answer, the
    media train's loss) that their typed `signals` do not carry: the verdict reads only signals, so such a gap
    silently changes a verdict (e.g. dns_resolved_by_proxy lost behind a resolving proxy)."""
    gaps = []
    for check in result["checks"]:
        if check["category"] == "proxy":  # `details.proxy` names the proxy in use, not a connection made through it
            continue
        shown = Signals.of_legacy_details(check.get("details") or {}).to_json()
        typed = check.get("signals") or {}
        for key, value in shown.items():
            where = SIGNAL_CATEGORIES[key]
            if (where is None or check["category"] in where) and typed.get(key) != value:
                gaps.append(f"{check['id']}: {key}={value!r}, signals {typed.get(key)!r}")
    return gaps
