"""Daily's own ICE servers in the lab (issue 13): their short-lived credentials drive the relay loop and the media
train, never leave memory (result, log, bundle), and without the document the relays are still proved (401)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.lab.lab import TURN_PASSWORD, Lab
from tests.lab.scenarios import Expect, Scenario

pytestmark = pytest.mark.lab

ICE_URL = "https://prod-ks.pluot.blue/tt-150331.json"


def _checks(result: dict) -> dict[str, dict]:
    return {c["id"]: c for c in result["checks"]}


def test_platform_credentials_drive_the_relays_and_never_leave_memory(lab: Lab, tmp_path: Path) -> None:
    lab.apply("open")
    out, log, bundles = tmp_path / "r.json", tmp_path / "run.log", tmp_path / "bundles"
    bundles.mkdir()
    proc = lab.app_check(out, "--bundle", str(bundles), "--log", str(log), "-v")
    result = json.loads(out.read_text())
    checks = _checks(result)
    relays = [c for c in checks.values() if c["category"].startswith("turn_")]
    assert relays and all(c["details"].get("credentials") == "platform" for c in relays), relays
    assert all(c["details"].get("relay_loop") for c in relays)
    assert checks["media:quality"]["details"]["method"] == "relay_loop"
    ice = checks["https:prod-ks.pluot.blue/tt-150331.json"]
    assert (
        ice["status"] == "pass"
        and "turn:global.turn.twilio.com:443?transport=tcp" in ice["details"]["ice_servers_listed"]
    )
    # the password the document carried is nowhere: result, console, log, any file of the bundle
    texts = [out.read_text(), proc.stdout, proc.stderr, log.read_text()]
    (bundle,) = bundles.glob("*.zip")
    with zipfile.ZipFile(bundle) as z:
        texts += [z.read(name).decode("utf-8", errors="replace") for name in z.namelist()]
    assert len(texts) > 5 and all(TURN_PASSWORD not in t for t in texts)
    assert "ice_servers_listed" in texts[0]  # the evidence is there, the secret is not


def test_without_the_ice_servers_the_relays_are_proved_without_credentials(lab: Lab, tmp_path: Path) -> None:
    blocked = Scenario("t_no_ice", "prod-ks.pluot.blue unreachable", Expect("blocked"),
                       forward="ip daddr {api} tcp dport 443 drop")  # fmt: skip
    lab.apply(blocked)
    try:
        out = tmp_path / "r.json"
        lab.app_check(out)
        result = json.loads(out.read_text())
    finally:
        lab.apply("open")
    checks = _checks(result)
    ice = checks["https:prod-ks.pluot.blue/tt-150331.json"]
    assert ice["status"] == "fail" and "https_blocked" in ice["findings"], ice
    relays = [c for c in checks.values() if c["category"].startswith("turn_")]
    assert relays and all(c["status"] == "pass" for c in relays), relays
    assert all(
        c["details"]["credentials"].startswith("none") and c["details"]["ice_servers_ok"] is False for c in relays
    )
    assert checks["media:quality"]["details"]["method"] == "binding"  # no relay loop without credentials
