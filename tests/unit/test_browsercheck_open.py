"""Which browser opens the page: the recommended one when installed (an app bundle via `open -a` on macOS), else the
default browser; a given command gets the page address in place of `{url}` and is stopped afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.browsercheck.run import BrowserProcess, launch_command
from app.probes.browsers import Browser

FOUND = [Browser("Firefox", "128.0", "/usr/bin/firefox"), Browser("Google Chrome", "131.0", "/opt/google/chrome")]


@pytest.mark.parametrize(
    ("recommended", "platform", "argv"),
    [
        ("Google Chrome", "linux", ["/opt/google/chrome"]),
        ("google chrome", "win32", ["/opt/google/chrome"]),
        ("Microsoft Edge", "linux", None),  # not installed: the default browser
        ("", "linux", None),
    ],
)
def test_recommended_browser_else_default(recommended: str, platform: str, argv: list[str] | None) -> None:
    assert launch_command(FOUND, recommended, platform) == argv


def test_mac_app_bundle_opens_with_open_a() -> None:
    mac = [Browser("Google Chrome", "131.0", "/Applications/Google Chrome.app")]
    assert launch_command(mac, "Google Chrome", "darwin") == ["open", "-a", "/Applications/Google Chrome.app"]


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_an_owned_browser_is_stopped_and_a_users_is_not() -> None:
    owned = subprocess.Popen(["sleep", "30"], start_new_session=True)
    BrowserProcess(owned, owned=True).stop()
    assert owned.poll() is not None
    mine = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        BrowserProcess(mine, owned=False).stop()
        assert mine.poll() is None  # the user's own browser window stays open
    finally:
        mine.kill()
        mine.wait()
