"""The real wizard, real engine and real probes against the lab's `open` scenario (cr-client namespace)."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.gui, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]


def test_wizard_in_the_open_lab_says_ready(lab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab.apply("open")
    out = tmp_path / "share"
    out.mkdir()
    out.chmod(0o777)
    proc = lab.run(
        [sys.executable, str(ROOT / "tests" / "gui" / "lab_driver.py"),
         "--public-roots", str(lab.public_roots), "--out", str(out)],
        env={"QT_QPA_PLATFORM": "offscreen"},
        timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown["title"] == "Flo Recruit network check"
    assert shown["verdict"] == "ready", shown
    assert shown["headline"] == "Ready"
    assert not shown["it_box_visible"]
    # the rows were listed up front from the plan, and every one ended passed
    assert shown["rows_at_start"] == list(shown["rows"])
    assert {"reach", "live", "direct", "relay"} <= set(shown["rows"])  # Flo Recruit names no TURN over TLS
    core = {k: v for k, v in shown["rows"].items() if k in ("reach", "live", "direct", "relay", "relay_tls", "quality")}
    assert set(core.values()) == {"Passed"}, shown["rows"]
    # "This computer" (the recommended browser) may warn without changing the verdict: the lab has Chromium only
    others = {k: v for k, v in shown["rows"].items() if k != "system"}
    assert not {"Failed", "Warning"} & set(others.values()), shown["rows"]
    assert shown["rows"].get("system", "Passed") in ("Passed", "Warning")
    assert {"dns", "https", "wss", "stun", "turn_udp", "turn_tcp", "media"} <= set(shown["categories"])
    bundle = Path(shown["bundle"])
    assert bundle.parent == out and "report.json" in zipfile.ZipFile(bundle).namelist()
    mail = shown["opened"][0]
    assert mail.startswith("mailto:support@florecruit.com?subject=")
