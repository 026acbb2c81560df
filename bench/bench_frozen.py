"""Frozen-build benchmark: size of dist/callready, `--version` time, and time to a visible wizard window.

    python bench/bench_frozen.py [--binary dist/callready] [--runs 5] [--json]
    python bench/bench_frozen.py --contents     # what takes the room in the single file, compressed, by group

The window clock starts before the process is spawned and stops at the CLOCK_MONOTONIC stamp the wizard prints
when its window is exposed (CALLREADY_BENCH_SHOWN=1, offscreen platform). The first launch is reported apart:
a single-file program unpacks itself into a temporary folder on every start, so "cold" here means a fresh
process with the binary's pages possibly still in the page cache (dropping caches needs root and is not done).
Targets: under 60 MB (project target 45 MB); window visible in under 2 s.
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
SIZE_LIMIT_MB, SIZE_TARGET_MB, WINDOW_TARGET_S = 60.0, 45.0, 2.0


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def version_once(binary: Path) -> float:
    """Seconds for `callready --version` to exit."""
    t0 = time.monotonic()
    subprocess.run([str(binary), "--version"], env=_env(), capture_output=True, check=True, timeout=60)
    return time.monotonic() - t0


def window_once(binary: Path) -> float:
    """Seconds from spawning the program (no arguments: the wizard) to its window being exposed."""
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(binary)], env=_env(CALLREADY_BENCH_SHOWN="1"), capture_output=True, text=True, timeout=60, cwd="/"
    )
    for line in proc.stderr.splitlines():
        if line.startswith("callready-visible "):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"no visible-window stamp (exit {proc.returncode}): {proc.stderr[-2000:]}")


GROUPS = (  # (group, prefix of the entry's name in the archive); first match wins
    ("ICU data", "PySide6/Qt/lib/libicudata"), ("ICU code", "PySide6/Qt/lib/libicu"),
    ("Qt plugins", "PySide6/Qt/plugins/"), ("Qt libraries", "PySide6/Qt/lib/"), ("PySide6 bindings", "PySide6/"),
    ("PySide6 bindings", "shiboken6/"), ("cryptography (Rust, own OpenSSL inside)", "cryptography"),
    ("OpenSSL for Python's ssl", "libcrypto"), ("OpenSSL for Python's ssl", "libssl"), ("libpython", "libpython"),
    ("stdlib C extensions", "python3"), ("dukpy (PAC)", "dukpy"), ("jsonschema and deps", "rpds"),
    ("jsonschema and deps", "jsonschema"), ("certifi", "certifi"), ("stdlib base_library.zip", "base_library.zip"),
    ("app data", "app/"), ("app data", "resources/"),
)  # fmt: skip


def contents(binary: Path) -> dict[str, float]:
    """Compressed MB per group of a single-file build (PyInstaller's CArchive; the PYZ holds the Python code)."""
    from PyInstaller.archive.readers import CArchiveReader

    sizes: dict[str, float] = {}
    for name, (_, length, _, _, kind) in CArchiveReader(str(binary)).toc.items():
        if kind == "z":
            group = "Python code (PYZ: stdlib, app, packages)"
        elif kind in ("b", "n", "x", "d"):
            group = next((g for g, prefix in GROUPS if name.startswith(prefix)), "other libraries and data")
        else:
            group = "boot scripts, symlinks"
        sizes[group] = sizes.get(group, 0.0) + length / 1e6
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path, default=ROOT / "dist" / "callready")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--contents", action="store_true", help="list what the single file holds, by group")
    args = parser.parse_args(argv)
    args.binary = args.binary.resolve()
    if not args.binary.is_file():
        print(f"bench_frozen: no binary at {args.binary} (run tools/build_linux.sh)", file=sys.stderr)
        return 3
    if args.contents:
        sizes = contents(args.binary)
        for group, mb in sizes.items():
            print(f"{mb:7.2f} MB  {group}")
        print(f"{sum(sizes.values()):7.2f} MB  in all ({args.binary.stat().st_size / 1e6:.2f} MB file)")
        return 0
    folder = args.binary.parent
    if (folder / "_internal").is_dir():  # a folder build: count the whole folder
        size_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    else:
        size_mb = args.binary.stat().st_size / 1e6
    first_window = window_once(args.binary)
    windows = [window_once(args.binary) for _ in range(args.runs)]
    versions = [version_once(args.binary) for _ in range(args.runs)]
    figures = {
        "binary": str(args.binary),
        "size_mb": round(size_mb, 1),
        "first_window_s": round(first_window, 3),
        "window_median_s": round(statistics.median(windows), 3),
        "window_max_s": round(max(windows), 3),
        "version_median_s": round(statistics.median(versions), 3),
        "runs": args.runs,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"size            {figures['size_mb']} MB  (limit {SIZE_LIMIT_MB:.0f} MB, target {SIZE_TARGET_MB:.0f} MB)"
        )
        print(f"window, first   {figures['first_window_s']} s  (target {WINDOW_TARGET_S} s)")
        print(f"window, median  {figures['window_median_s']} s  (max {figures['window_max_s']} s, {args.runs} runs)")
        print(f"--version       {figures['version_median_s']} s  (median of {args.runs})")
    ok = size_mb < SIZE_LIMIT_MB and max([*windows, first_window]) < WINDOW_TARGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
