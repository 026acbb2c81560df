"""The one resource resolver, and the IT guide's destination tables kept in step with the profiles."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from app import cli
from app.destinations import destinations
from app.engine.profile import load_profile, shipped_profiles
from app.resources import app_file, asset, icon
from tools import gen_it_guide

ROOT = Path(__file__).resolve().parents[2]


def test_resolver_finds_package_data_and_icons() -> None:
    assert {p.name for p in shipped_profiles().values()} == {p.name for p in app_file("profiles").glob("*.toml")}
    assert app_file("engine", "result.schema.json").is_file()
    assert icon("callready").read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert asset("icons") == ROOT / "resources" / "icons"


def test_every_probe_target_is_listed_for_it() -> None:
    for pid in shipped_profiles():
        profile = load_profile(pid)
        listed = {(d.what, d.host) for d in destinations(profile)}
        expected = {("HTTPS", w.url.host) for w in profile.web} | {("WSS", w.url.host) for w in profile.wss}
        expected |= {("STUN", s.url.host) for s in profile.stun} | {("TURN", t.url.host) for t in profile.turn}
        expected |= {("DNS", h) for h in profile.concrete_hosts()}
        assert expected <= listed, (pid, expected - listed)
        wire = {"udp": "UDP", "tcp": "TCP", "tls": "TLS over TCP"}
        ports = {d.transport for d in destinations(profile) if d.what == "TURN"}
        assert ports == {f"{wire[t.url.transport]} {t.url.port}" for t in profile.turn}
        # traffic that is not in the profile's probe targets: captive-portal tests and the published IP list
        from app.probes.captive import CAPTIVE_PROBES

        assert {("HTTP", p.url.split("/")[2]) for p in CAPTIVE_PROBES} <= listed
        assert all(("HTTPS", lst.url.split("/")[2]) in listed for lst in profile.ip_lists[:1])


def test_it_guide_tables_are_current() -> None:
    text = gen_it_guide.GUIDE.read_text(encoding="utf-8")
    assert gen_it_guide.render(text) == text, "run python tools/gen_it_guide.py"
    proc = subprocess.run(
        [sys.executable, "tools/gen_it_guide.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_it_guide_exit_codes_match_the_cli() -> None:
    text = gen_it_guide.GUIDE.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d) \| (.+?) \|$", text, re.M))
    assert rows["0"] == "ready" and "will not work" in rows["2"] and "callready.toml" in rows["3"]
    assert (cli.EXIT_READY, cli.EXIT_DEGRADED, cli.EXIT_BLOCKED, cli.EXIT_USAGE, cli.EXIT_INTERNAL) == (0, 1, 2, 3, 4)
    assert set(rows) == {"0", "1", "2", "3", "4"}
