"""Wizard benchmark: time from launch to a visible window, and memory (RSS) at the end of a run.

    python bench/bench_gui.py            # 5 launches + 1 full run, offscreen, from this source checkout

Launch: `python -m app` in a fresh process; the clock starts before the process is spawned and stops
when the window is exposed (the app prints a CLOCK_MONOTONIC stamp when CALLREADY_BENCH_SHOWN is set).
Memory: a fresh process opens the wizard, runs a whole check (recorded outcomes from tests/gui/recorded.py,
with every real probe module imported as a real run would), shows the result, saves the report bundle
(PDF included), then reads its own RSS. Targets: under 1.5 s and under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCH_TARGET_S = 1.5
RSS_TARGET_MB = 200.0


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), PYTHONPATH=str(ROOT))


def launch_once() -> float:
    """Seconds from spawning `python -m app` to its window being exposed."""
    env = dict(_env(), CALLREADY_BENCH_SHOWN="1")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "app"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    for line in proc.stderr.splitlines():
        if line.startswith("callready-visible "):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"no visible-window stamp (exit {proc.returncode}): {proc.stderr[-2000:]}")


def child_run() -> int:
    """In a fresh process: open the wizard, run a check to the result, save the bundle, print RSS as JSON."""
    import asyncio
    import tempfile

    import psutil
    import qasync

    import app.probes  # noqa: F401  (a real run imports every probe module)
    from app.gui.main import create_app
    from app.gui.window import MainWindow
    from app.logs import setup_logging
    from tests.gui import recorded

    qt = create_app()
    memory = setup_logging()
    loop = qasync.QEventLoop(qt)
    asyncio.set_event_loop(loop)

    async def run() -> dict[str, float]:
        win = MainWindow(planners=recorded.planners("degraded", scale=0.5), memory_log=memory, open_url=lambda _u: True)
        win.show()
        t0 = time.monotonic()
        win.start()
        while win.result is None:
            await asyncio.sleep(0.02)
        run_s = time.monotonic() - t0
        win.result_page.details_toggle.setChecked(True)
        win.show_share()
        with tempfile.TemporaryDirectory() as tmp:
            win.share.folder.setText(tmp)
            path = await win._save()
            if path is None:
                raise RuntimeError(win.share.status.text())
        await asyncio.sleep(0.2)
        rss = psutil.Process().memory_info().rss / 2**20
        win.close()
        return {"rss_mb": rss, "run_s": run_s}

    with loop:
        out = loop.run_until_complete(run())
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--child-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_run:
        return child_run()
    launch_once()  # warm the OS file cache once, as a second double-click would
    times = [launch_once() for _ in range(args.launches)]
    proc = subprocess.run([sys.executable, __file__, "--child-run"], env=_env(), cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    run = json.loads(proc.stdout.strip().splitlines()[-1])
    median, worst = statistics.median(times), max(times)
    print(f"launch to visible window: median {median:.3f} s, worst {worst:.3f} s over {len(times)} launches "
          f"(target < {LAUNCH_TARGET_S} s)")  # fmt: skip
    print(
        f"memory at the end of a run (after saving the bundle): {run['rss_mb']:.1f} MB RSS (target < {RSS_TARGET_MB:.0f} MB)"
    )
    ok = worst < LAUNCH_TARGET_S and run["rss_mb"] < RSS_TARGET_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
