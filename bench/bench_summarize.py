"""Benchmark: `summarize` over 1,000 bundles (real bundle with its PDF, varied per machine) must take under 10 s.

Run: python bench/bench_summarize.py [N]   (prints the figures; exit 1 if over the limit)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LIMIT_S = 10.0


def main(n: int = 1000) -> int:
    from app.engine.options import RunOptions
    from app.engine.profile import load_profile
    from app.report.bundle import build_bundle
    from app.report.summarize import render_table, summarize
    from tests.unit.report_fakes import fleet_bundle, run_result

    base = build_bundle(run_result(), load_profile("flo-recruit"), RunOptions(), "log line\n" * 200, False)
    patterns = [frozenset(), frozenset({"stun"}), frozenset({"stun", "turn_tls"}), frozenset({"https"})]
    with tempfile.TemporaryDirectory(prefix="cr-bench-") as tmp:
        folder = Path(tmp)
        total = 0
        for i in range(n):
            data = fleet_bundle(base, f"pc-{i:04d}" if i % 5 else None, patterns[i % len(patterns)], i)
            (folder / f"b{i:04d}.zip").write_bytes(data)
            total += len(data)
        t0 = time.perf_counter()
        s = summarize([folder])
        table = render_table(s)
        elapsed = time.perf_counter() - t0
    print(
        f"bundles: {n}, {total / n / 1024:.0f} KiB each ({total / 1e6:.1f} MB), read: {len(s.machines)}, refused: {len(s.refused)}"
    )
    print(f"summarize + table: {elapsed:.2f} s ({elapsed / n * 1000:.2f} ms per bundle); limit {LIMIT_S:.0f} s")
    print(table.splitlines()[-1])
    ok = elapsed < LIMIT_S and len(s.machines) == n
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
