"""Issue 18 in the lab: Debian's Chromium, headless, in cr-client drives the browser check page against the lab's
coturn (Twilio's relay names, tests/lab/internet.py). Open network: direct and relay candidates; UDP blocked: relay
over TCP only; a managed policy file: both policies found and explained; the prompt answered Block: its own step.
The page server refuses another address than loopback (a request from cr-fw)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.lab.browserlab import CHROMIUM, chromium_command
from tests.lab.lab import ADDR, CLIENT, FIREWALL, REPO, TURN_PASSWORD, TURN_USER, Lab

pytestmark = [pytest.mark.lab, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RECORDED = Path(__file__).resolve().parents[1] / "data" / "browsercheck"
UDP = "turn:global.turn.twilio.com:3478?transport=udp"
TCP = "turn:global.turn.twilio.com:3478?transport=tcp"
TCP443 = "turn:global.turn.twilio.com:443?transport=tcp"


def drive(lab: Lab, name: str, *args: str) -> dict[str, Any]:
    """One browser check with headless Chromium in cr-client; CR_RECORD_BROWSER=1 keeps the page's raw result
    as a recorded input for tests/unit/test_browsercheck_judge.py (and the page's screenshot in docs/screenshots)."""
    proc = lab.run([sys.executable, "-m", "tests.lab.browserlab", *args], timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert TURN_PASSWORD not in proc.stdout + proc.stderr
    if os.environ.get("CR_RECORD_BROWSER") and out["raw"]:
        expect = {c["id"]: [c["status"], c["findings"]] for c in out["checks"]}
        case = {"scenario": name, "raw": out["raw"], "plan": out["plan"], "expect": expect}
        (RECORDED / f"{name}.json").write_text(json.dumps(case, indent=1) + "\n")
    return out


def by_id(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in out["checks"]}


def test_open_network_direct_and_relay_candidates(lab: Lab, tmp_path: Path) -> None:
    lab.apply("open")
    shot = (SHOTS if os.environ.get("CR_RECORD_BROWSER") else tmp_path) / "browser-check-page.png"
    out = drive(lab, "open", "--screenshot", str(shot))
    c = by_id(out)
    assert c["browser:media"]["status"] == "pass", c["browser:media"]
    assert c["browser:media"]["details"]["devices"]["videoinput"] >= 1
    assert c["browser:direct"]["status"] == "pass" and c["browser:direct"]["details"]["public_addresses"] == [
        ADDR.fw_wan
    ]
    for url in (UDP, TCP):  # given with the lab's credentials: real relay candidates, on the lab's coturn
        row = c[f"browser:relay:{url}"]
        assert row["status"] == "pass" and row["details"]["relay_candidates"] >= 1, row
    relay_addrs = {x["address"] for e in out["raw"]["ice"] if e["kind"] == "turn" for x in e["candidates"]}
    assert relay_addrs <= {ADDR.turn, ADDR.turn_alt} and relay_addrs
    row = c[f"browser:relay:{TCP443}"]  # credentials from the platform's ICE servers document (the lab's API)
    assert row["status"] == "pass" and row["details"]["relay_candidates"] >= 1, row
    assert row["details"]["credentials_from"] == "platform"
    assert not any(x["findings"] for x in out["checks"])
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000


def test_udp_blocked_relay_over_tcp_only(lab: Lab) -> None:
    lab.apply("udp_blocked")
    c = by_id(drive(lab, "udp_blocked", "--no-platform-ice"))
    assert c["browser:direct"]["status"] == "fail" and c["browser:direct"]["findings"] == ["browser_direct_blocked"]
    assert c[f"browser:relay:{UDP}"]["status"] == "fail"
    tcp = c[f"browser:relay:{TCP}"]
    assert tcp["status"] == "pass" and tcp["details"]["relay_candidates"] >= 1, tcp
    assert not c[f"browser:relay:{UDP}"]["findings"]  # another relay works: no "relays unreachable"
    row = c[f"browser:relay:{TCP443}"]  # no credentials for this one: its 401 proves it was reached over TCP
    assert row["status"] == "pass" and row["details"]["relay_candidates"] == 0, row
    assert 401 in {e["code"] for e in row["details"]["errors"]} and not row["details"]["with_credentials"]


def test_permission_denied_is_its_own_step(lab: Lab) -> None:
    lab.apply("open")
    c = by_id(drive(lab, "denied", "--deny"))
    media = c["browser:media"]
    assert media["status"] == "fail" and media["findings"] == ["browser_permission_denied"]
    assert media["details"]["media_error"] == "NotAllowedError"
    assert c["browser:direct"]["status"] == "pass"  # the call path is still checked


def test_managed_policy_found_and_explained(lab: Lab, tmp_path: Path) -> None:
    lab.apply("open")
    root = Path(tempfile.mkdtemp(prefix="cr-policy-root-"))
    try:
        managed = root / "etc" / "chromium" / "policies" / "managed"
        managed.mkdir(parents=True)
        (managed / "lab.json").write_text(
            json.dumps({"WebRtcIPHandling": "disable_non_proxied_udp", "VideoCaptureAllowed": False})
        )
        out = tmp_path / "policy.json"
        profile_dir = tempfile.mkdtemp(prefix="cr-chromium-")
        cmd = chromium_command(profile_dir, policy_etc=str(root / "etc" / "chromium"))
        proc = lab.run(
            [sys.executable, "-m", "app", "browser-check", "--profile", "flo-recruit", "--json", str(out),
             "--timeout", "60", "--turn", TCP, "--turn-username", TURN_USER, "--turn-password", TURN_PASSWORD,
             "--browser-command", cmd],
            env={"CALLREADY_POLICY_ROOT": str(root)}, timeout=150,
        )  # fmt: skip
        shutil.rmtree(profile_dir, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr[-2000:]
    result = json.loads(out.read_text())
    policy = next(c for c in result["checks"] if c["id"] == "browser:policy")
    assert policy["status"] == "fail"
    assert {(i["policy"], i["value"]) for i in policy["details"]["issues"]} == {
        ("WebRtcIPHandling", "disable_non_proxied_udp"),
        ("VideoCaptureAllowed", "false"),
    }
    findings = {f["code"]: f for f in result["findings"]}
    relay = findings["browser_policy_relay_only"]["it_action"]
    assert "Chromium: WebRtcIPHandling = disable_non_proxied_udp (/etc/chromium/policies/managed/lab.json)" in relay
    assert "default_public_interface_only" in relay and "*.daily.co" in relay
    capture = findings["browser_policy_capture_blocked"]
    assert capture["severity"] == "error" and "VideoCaptureAllowedUrls" in capture["it_action"]
    assert result["verdict"] == "blocked"
    assert "Browser policies change calls" in proc.stdout and TURN_PASSWORD not in proc.stdout + proc.stderr
    # Chromium obeys WebRtcIPHandling on an open network: no direct path, no UDP relay, the TCP relay only
    rows = {c["id"]: c for c in result["checks"]}
    assert rows["browser:direct"]["status"] == "fail", rows["browser:direct"]
    assert rows[f"browser:relay:{UDP}"]["status"] == "fail", rows[f"browser:relay:{UDP}"]
    assert rows[f"browser:relay:{TCP}"]["details"]["relay_candidates"] >= 1, rows[f"browser:relay:{TCP}"]
    # VideoCaptureAllowed is not enforced when --use-fake-ui-for-media-stream answers the prompt (seen here)


SERVE = """
import asyncio, sys
from app.browsercheck.server import LocalPageServer
async def main():
    async with LocalPageServer({"ice": []}, bind=sys.argv[1]) as s:
        print(s.port, s.token, flush=True)
        await s.result(6)
        print("refused:", ";".join(s.refused), flush=True)
asyncio.run(main())
"""
ASK = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError as exc:
    print("connect failed:", type(exc).__name__); sys.exit(0)
c.sendall(("GET /%s HTTP/1.1\\r\\nHost: 127.0.0.1:%s\\r\\n\\r\\n" % (sys.argv[3], sys.argv[2])).encode())
print(c.recv(100).split(b"\\r\\n")[0].decode())
"""


@pytest.mark.parametrize("bind", ["127.0.0.1", "0.0.0.0"])
def test_request_from_another_address_is_refused(lab: Lab, bind: str) -> None:
    """The listener is on loopback only; even bound to every address (not how the app binds it), a request from
    the router namespace with the right token and Host is refused because its peer is not loopback."""
    lab.apply("open")
    server = subprocess.Popen(
        ["ip", "netns", "exec", CLIENT, sys.executable, "-c", SERVE, bind],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env=lab.client_env(),
    )  # fmt: skip
    try:
        assert server.stdout is not None
        port, token = server.stdout.readline().split()
        ask = lab.run([sys.executable, "-c", ASK, ADDR.client, port, token], ns=FIREWALL, timeout=30)
        answer = ask.stdout.strip()
        if bind == "127.0.0.1":
            assert answer == "connect failed: ConnectionRefusedError", ask.stdout + ask.stderr
        else:
            assert answer == "HTTP/1.1 403 Forbidden", ask.stdout + ask.stderr
            local = lab.run([sys.executable, "-c", ASK, "127.0.0.1", port, token], timeout=30)
            assert local.stdout.strip() == "HTTP/1.1 200 OK"  # the same request from loopback is served
    finally:
        try:
            rest = server.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            rest = server.communicate()[0]
    if bind == "0.0.0.0":
        assert "peer is not a loopback address" in rest
