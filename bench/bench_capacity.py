"""Benchmark: the call-rate load's figure against the lab's shaped access link (issue 22).

Run as root, one lab user at a time (docs/lab.md):

    flock /tmp/cr-lab.lock python bench/bench_capacity.py [--scenarios shaped_256k ...]

For each `shaped_*` scenario (tc tbf both ways) it runs `python -m app check` once and prints the rate the load
carried, the shaped rate, the error, the loss and queueing delay at the ceiling, the verdict and the run's wall time.
Exits 1 when a figure is off by more than 20 % (or a 20 Mbit/s link is not "above the highest step").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHAPED_KBPS = {"shaped_256k": 256, "shaped_384k": 384, "shaped_1m": 1000, "shaped_20m": 20000}


def main(argv: list[str] | None = None) -> int:
    """Bring the lab up, run each shaped scenario, tear the lab down, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SHAPED_KBPS))
    args = parser.parse_args(argv)

    from tests.lab.lab import Lab, lab_lock, lab_unavailable_reason

    reason = lab_unavailable_reason()
    if reason:
        print(f"bench: cannot run: {reason}", file=sys.stderr)
        return 2
    bad = 0
    with lab_lock(), tempfile.TemporaryDirectory() as tmp:
        lab = Lab()
        lab.up("open")
        try:
            for name in args.scenarios:
                lab.apply(name)
                out = Path(tmp) / f"{name}.json"
                t0 = time.monotonic()
                lab.app_check(out)
                wall = time.monotonic() - t0
                result = json.loads(out.read_text())
                load = next((c for c in result["checks"] if c["category"] == "media_load"), {})
                d = load.get("details", {})
                shaped, carried = SHAPED_KBPS[name], d.get("carried_kbps")
                above = bool(d.get("above_highest_step"))
                if isinstance(carried, (int, float)) and not above:
                    error = 100 * (carried - shaped) / shaped
                    ok = abs(error) <= 20
                    figure = f"carried {carried:7.1f} kbit/s  shaped {shaped:5d}  error {error:+5.1f} %"
                else:
                    ok = above and shaped > 2500
                    figure = f"carried above the highest step ({carried} kbit/s)  shaped {shaped:5d}"
                bad += not ok
                print(f"{name:12} {figure}  loss {d.get('loss_pct_under_load')} %  queue +{d.get('queue_delay_ms')} ms"
                      f"  verdict {result['verdict']:9} {wall:5.1f} s  {'ok' if ok else 'OFF'}")  # fmt: skip
        finally:
            lab.down()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
