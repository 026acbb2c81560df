"""Benchmark: wall time of a full `python -m app check` in the lab scenarios `open` and `blackhole`.

Run as root, one lab user at a time (docs/lab.md):

    flock /tmp/cr-lab.lock python bench/bench_check.py [--runs N] [--json OUT]

Targets: under 8 s in `open` (aim 7, the credentialed relay loop and call-rate load included), under 15 s in
`blackhole` (aim 10, everything but DNS silently dropped). Prints one line per run and a summary; exits 1 when a median misses its target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGETS_S = {"open": 8.0, "blackhole": 15.0}  # the product targets (DEVELOPERS guide)
AIMS_S = {"open": 7.0, "blackhole": 10.0}


def main(argv: list[str] | None = None) -> int:
    """Bring the lab up, time `app check` per scenario, tear the lab down, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (the median is reported)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--scenarios", nargs="+", default=list(TARGETS_S))
    args = parser.parse_args(argv)

    from tests.lab.lab import Lab, lab_lock, lab_unavailable_reason

    reason = lab_unavailable_reason()
    if reason:
        print(f"bench: cannot run: {reason}", file=sys.stderr)
        return 2
    figures: dict[str, dict[str, object]] = {}
    with lab_lock():
        lab = Lab()
        lab.up("open")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for name in args.scenarios:
                    lab.apply(name)
                    walls, verdicts = [], []
                    for i in range(args.runs):
                        out = Path(tmp) / f"{name}-{i}.json"
                        start = time.perf_counter()
                        proc = lab.app_check(out)
                        wall = time.perf_counter() - start
                        verdict = json.loads(out.read_text())["verdict"] if out.is_file() else f"exit {proc.returncode}"
                        walls.append(wall)
                        verdicts.append(verdict)
                        print(f"{name:10s} run {i + 1}: {wall:6.2f} s  verdict {verdict}", flush=True)
                    figures[name] = {
                        "runs_s": [round(w, 2) for w in walls],
                        "median_s": round(statistics.median(walls), 2),
                        "max_s": round(max(walls), 2),
                        "target_s": TARGETS_S.get(name),
                        "aim_s": AIMS_S.get(name),
                        "verdicts": verdicts,
                    }
        finally:
            lab.down()
    ok = True
    for name, f in figures.items():
        target = f["target_s"]
        met = target is None or float(f["median_s"]) < float(target)  # type: ignore[arg-type]
        ok &= met
        print(f"{name:10s} median {f['median_s']} s (max {f['max_s']} s); target < {target} s, aim {f['aim_s']} s: "
              f"{'met' if met else 'MISSED'}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
