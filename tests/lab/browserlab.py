"""Headless Chromium in the lab's client namespace driving the browser check page (issue 18).

Run inside cr-client: `python -m tests.lab.browserlab [--deny] [--screenshot PNG]` prints one JSON object: the
browser checks and the page's raw result. Chromium gets `--use-fake-device-for-media-stream` (a synthetic camera and
microphone) and `--use-fake-ui-for-media-stream` (the permission prompt answered Allow) or, with `--deny`,
`--deny-permission-prompts` (answered Block). A screenshot is taken over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4), so no port is opened.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.browsercheck.run import BrowserProcess, fetch_platform_ice, ice_plan, public_plan, run_browser_check
from app.engine.options import RunOptions, turn_credentials
from app.engine.profile import load_profile
from tests.lab.lab import TURN_PASSWORD, TURN_USER

CHROMIUM = "/usr/bin/chromium"
BASE_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
              "--autoplay-policy=no-user-gesture-required", "--window-size=1000,860", "--hide-scrollbars")  # fmt: skip
# Relays of the lab given with the lab's static credentials (tests/lab/internet.py: Twilio's names, lab's coturn).
LAB_RELAYS = ("turn:global.turn.twilio.com:3478?transport=udp", "turn:global.turn.twilio.com:3478?transport=tcp")


def chromium_argv(profile_dir: str, deny: bool = False) -> list[str]:
    """Debian's Chromium, headless, with fake devices and the permission prompt answered Allow (or Block)."""
    prompt = "--deny-permission-prompts" if deny else "--use-fake-ui-for-media-stream"
    return [CHROMIUM, *BASE_FLAGS, prompt, f"--user-data-dir={profile_dir}"]


def chromium_command(profile_dir: str, deny: bool = False, policy_etc: str | None = None) -> str:
    """The same as one `--browser-command` string; with `policy_etc`, /etc/chromium is that folder for this browser
    only (a bind mount inside the namespace's private mount table)."""
    argv = " ".join(chromium_argv(profile_dir, deny))
    if policy_etc:
        return f"sh -c 'mount --bind {policy_etc} /etc/chromium && exec {argv} \"$0\"' {{url}}"
    return f"{argv} {{url}}"


class CdpBrowser(BrowserProcess):
    """Chromium with the DevTools protocol on a pipe: `screenshot()` before `stop()`."""

    def __init__(self, argv: list[str], url: str) -> None:
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def fds() -> None:
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        proc = subprocess.Popen([*argv, "--remote-debugging-pipe", url], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=fds, pass_fds=(3, 4),
                                start_new_session=True)  # fmt: skip
        os.close(to_r)
        os.close(from_w)
        super().__init__(proc, owned=True)
        self._id = 0
        self._buf = b""
        self.shot: bytes | None = None
        self.shot_path: Path | None = None

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = os.read(self._from_r, 1 << 20)
                if not chunk:
                    raise OSError("DevTools pipe closed")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise OSError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def screenshot(self) -> bytes:
        """PNG of the page as it is now."""
        targets = self._call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        session = self._call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        return base64.b64decode(self._call("Page.captureScreenshot", {"format": "png"}, session)["data"])

    def stop(self) -> None:
        if self.shot_path is not None:
            try:
                self.shot_path.write_bytes(self.screenshot())
            except (OSError, StopIteration, KeyError) as exc:
                print(f"screenshot failed: {exc}", file=sys.stderr)
        for fd in (self._to_w, self._from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        super().stop()


async def main(argv: list[str] | None = None) -> int:
    """Run the browser check once with headless Chromium; print JSON {checks, raw}."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="flo-recruit")
    ap.add_argument("--deny", action="store_true")
    ap.add_argument("--screenshot", type=Path)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--no-platform-ice", action="store_true", help="leave out the platform's ICE servers document")
    args = ap.parse_args(argv)
    profile = load_profile(args.profile)
    options = RunOptions(turn=tuple(turn_credentials(u, TURN_USER, TURN_PASSWORD, None) for u in LAB_RELAYS))
    raw: list[Any] = []
    profile_dir = tempfile.mkdtemp(prefix="cr-chromium-")

    def opener(url: str) -> BrowserProcess:
        b = CdpBrowser(chromium_argv(profile_dir, args.deny), url)
        b.shot_path = args.screenshot
        return b

    try:
        checks = await run_browser_check(
            profile, options, None, None, args.timeout, opener=opener, on_data=raw.append,
            use_platform_ice=not args.no_platform_ice,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile_dir, ignore_errors=True)
    platform = None if args.no_platform_ice else await fetch_platform_ice(profile, options)
    plan = public_plan(ice_plan(profile, options, None, platform))  # the plan the page had, without credentials
    print(json.dumps({"checks": [c.to_json() for c in checks], "raw": raw[0] if raw else None, "plan": plan}))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
