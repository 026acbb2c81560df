"""Re-record the runs the wizard's tests and screenshots replay (tests/gui/data/<outcome>.json) from real runs of the
current code in the network lab (tests/lab): real probes against the lab's real servers, which answer only the
names that exist on the internet (tests/lab/internet.py), so every host in a recording is one the app contacts.

    flock /tmp/cr-lab.lock .venv/bin/python tools/record_gui_runs.py                # every outcome
    flock /tmp/cr-lab.lock .venv/bin/python tools/record_gui_runs.py ready blocked  # some
    .venv/bin/python tools/record_gui_runs.py --list                                 # which scenario makes which

Needs root (network namespaces; see docs/lab.md). Each outcome is one lab scenario run once with the Flo Recruit
profile and `--email jordan@candidate.test` (the lab's candidate mail domain), as `python -m app check` runs it,
plus the second each check finished at, so the replay keeps the real order. A run whose verdict is not the outcome's,
that the scenario's own expectations (tests/lab/scenarios.py) reject, or with a check that hit an internal error is
not written. After re-recording, run `pytest tests/gui` and `python tools/screenshots.py` (docs/screenshots/README.md).

`offline.json` is not a lab run: `unshare -n python -m app check --email jordan@example.com --json offline.json`
(no network at all; the report tests read it too).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "gui" / "data"
EMAIL = "jordan@candidate.test"  # tests/lab/scenarios.py BASE_ZONE: candidate.test has its own mail server


@dataclass(frozen=True)
class Recording:
    """One replayed outcome: the lab scenario that produces it and what it shows."""

    outcome: str
    scenario: str
    shows: str
    verdict: str = ""  # the verdict the run must reach; default: the outcome's name

    @property
    def expected_verdict(self) -> str:
        return self.verdict or self.outcome


RECORDINGS: tuple[Recording, ...] = (
    Recording("ready", "open", "nothing blocked: every server the profile names answers"),
    Recording("degraded", "udp_blocked", "UDP dropped (DNS excepted): no direct route, video through the relay"),
    Recording("blocked", "blackhole", "everything but DNS dropped: web, live call connection and relays unreachable"),
    Recording(
        "captive", "captive_portal", "hotel Wi-Fi before sign-in: DNS and the portal's plain HTTP only", "blocked"
    ),
)
BY_OUTCOME = {r.outcome: r for r in RECORDINGS}


# ---------------------------------------------------------------- inside the lab's client namespace


def record_inside(argv: list[str], out: Path) -> int:
    """One real check as `python -m app check ARGV` runs it, plus each check's finishing second; JSON to `out`."""
    sys.path.insert(0, str(ROOT))
    from app.cli import build_parser, options_from_args
    from app.engine.model import CheckFinished
    from app.engine.profile import load_profile
    from app.engine.session import Session
    from app.logs import redactor, setup_logging

    args = build_parser().parse_args(["check", *argv])
    setup_logging()
    options = options_from_args(args)
    redactor().add(*options.secrets())
    profile = load_profile(args.profile, args.region)
    t0 = time.perf_counter()
    ends: dict[str, float] = {}

    def on_event(event: object) -> None:
        if isinstance(event, CheckFinished):
            ends[event.result.id] = round(time.perf_counter() - t0, 3)

    result = asyncio.run(Session(profile, options, on_event).run())
    doc = result.to_json()
    for check in doc["checks"]:
        check["finished_at_s"] = ends.get(check["id"], round(time.perf_counter() - t0, 3))
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


# ---------------------------------------------------------------- outside: the lab


def fixture(rec: Recording, run: dict[str, Any], when: str) -> dict[str, Any]:
    """The stored recording: where it came from, the verdict and findings the run reached, every check."""
    return {
        "note": f"Recorded by tools/record_gui_runs.py {rec.outcome}: the lab scenario `{rec.scenario}` ({rec.shows}), "
        f"profile {run['profile']['id']}, --email {EMAIL}, {when}. Re-record, never edit by hand.",
        "scenario": rec.scenario,
        "profile": run["profile"]["id"],
        "verdict": run["verdict"],
        "reason": run["reason"],
        "findings": sorted({f["code"] for f in run["findings"]}),
        "checks": run["checks"],
    }


def record(outcomes: list[str], out_dir: Path) -> int:
    """Run each outcome's scenario in the lab and write its fixture; non-zero when one did not come out as named."""
    sys.path.insert(0, str(ROOT))
    from tests.lab.lab import Lab, lab_lock, lab_unavailable_reason
    from tests.lab.scenarios import summarize

    if reason := lab_unavailable_reason():
        print(f"record_gui_runs: {reason}", file=sys.stderr)
        return 2
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    lab = Lab()
    with lab_lock():
        attached = lab.attach()
        if not attached:
            lab.up("open")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                os.chmod(tmp, 0o755)
                for name in outcomes:
                    rec = BY_OUTCOME[name]
                    sc = lab.apply(rec.scenario)
                    raw = Path(tmp) / f"{name}.json"
                    argv = ["--profile", sc.profile, "--public-roots", str(lab.public_roots), "--email", EMAIL]
                    argv += [lab.fill(a) for a in sc.args]
                    cmd = [sys.executable, str(Path(__file__).resolve()), "--inside", str(raw), "--", *argv]
                    proc = lab.run(cmd, timeout=240)
                    if proc.returncode != 0 or not raw.is_file():
                        print(f"FAIL  {name}: the run wrote nothing\n{proc.stderr[-3000:]}", file=sys.stderr)
                        failed += 1
                        continue
                    run = json.loads(raw.read_text(encoding="utf-8"))
                    problems = sc.expect.mismatches(run)
                    problems += [
                        f"{c['id']}: {c['summary']}" for c in run["checks"] if "internal_error" in c["details"]
                    ]
                    if run["verdict"] != rec.expected_verdict:
                        problems.append(f"verdict {run['verdict']!r}, not {rec.expected_verdict!r}")
                    if problems:
                        print(f"FAIL  {name} ({rec.scenario}): " + "; ".join(problems), file=sys.stderr)
                        print(summarize(run), file=sys.stderr)
                        failed += 1
                        continue
                    path = out_dir / f"{name}.json"
                    text = json.dumps(fixture(rec, run, when), indent=1, ensure_ascii=False) + "\n"
                    path.write_text(text, encoding="utf-8")
                    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {run['verdict']}, "
                          f"{len(run['checks'])} checks, {', '.join(fixture(rec, run, when)['findings'])}")  # fmt: skip
        finally:
            if attached:
                lab.apply("open")
            else:
                lab.down()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--inside"] and len(argv) >= 3 and argv[2] == "--":  # the run itself, inside cr-client
        return record_inside(argv[3:], Path(argv[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outcomes", nargs="*", metavar="OUTCOME", help=f"default: all of {', '.join(BY_OUTCOME)}")
    parser.add_argument("--out", type=Path, default=DATA, help="folder for the fixtures (default tests/gui/data)")
    parser.add_argument("--list", action="store_true", help="which lab scenario makes which outcome")
    args = parser.parse_args(argv)
    if unknown := [o for o in args.outcomes if o not in BY_OUTCOME]:
        parser.error(f"unknown outcome {unknown[0]!r}; known: {', '.join(BY_OUTCOME)}")
    if args.list:
        for r in RECORDINGS:
            print(f"{r.outcome:9} {r.scenario:15} {r.shows}")
        return 0
    return record(list(args.outcomes) or [r.outcome for r in RECORDINGS], args.out.resolve())


if __name__ == "__main__":
    sys.exit(main())
