"""The system check: recommended browser found on this machine, judged by a pure function."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.probes import system
from app.probes.browsers import Browser


def test_judge_browsers_passes_with_version_and_warns_when_missing() -> None:
    chrome = Browser("Google Chrome", "131.0.6778.85", "/usr/bin/google-chrome")
    firefox = Browser("Firefox", "128.0", "/usr/bin/firefox")
    assert system.judge_browsers([firefox, chrome], "Google Chrome") == (
        Status.PASS, "Google Chrome 131.0.6778.85 is installed.", ())  # fmt: skip
    status, summary, codes = system.judge_browsers([firefox], "Google Chrome")
    assert status is Status.WARN and codes == ("browser_missing",) and "Firefox" in summary
    assert system.judge_browsers([], "Google Chrome")[1].endswith("(browsers found: none found).")


def test_system_check_finds_a_real_browser_on_path(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "google-chrome"
    fake.write_text("#!/bin/sh\necho 'Google Chrome 131.0.6778.85'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    planner = lambda profile, options: system.plan(profile, options)  # noqa: E731
    result = asyncio.run(Session(load_profile(), RunOptions(), None, [planner]).run())
    check = next(c for c in result.checks if c.category is Category.SYSTEM)
    assert check.status is Status.PASS and "131.0.6778.85" in check.summary
    assert {"name": "Google Chrome", "version": "131.0.6778.85", "path": str(fake)} in check.details["browsers"]
