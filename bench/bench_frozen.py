"""Frozen-build benchmark: size of dist/callready, `--version` time, time to a visible wizard window, and what the
single file holds.

    python bench/bench_frozen.py [--binary dist/callready] [--runs 7] [--json]
    python bench/bench_frozen.py --contents     # only the contents table (compressed MB by group)

The window clock starts before the process is spawned and stops at the CLOCK_MONOTONIC stamp the wizard prints
when its window is exposed (CALLREADY_BENCH_SHOWN=1, offscreen platform). The Linux single file (tools/onefile)
unpacks itself once per build into a per-user cache; the bench points that cache at a fresh temporary folder, so
"first start" is the real first start after a download (unpacking included) and the medians are every later start.
PyInstaller's own onefile (CALLREADY_ONEFILE=pyinstaller) unpacks on every start, so there all starts are alike.
Targets (issue 19): at most 30 MB (aim 25 MB); window visible within 1.0 s and `--version` within 0.5 s (medians).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_LIMIT_MB, SIZE_AIM_MB, WINDOW_TARGET_S, VERSION_TARGET_S = 30.0, 25.0, 1.0, 0.5
CACHE: dict[str, str] = {}  # CALLREADY_CACHE_DIR for the runs (set in main)


def _pack_module():
    spec = importlib.util.spec_from_file_location("crpack", ROOT / "tools" / "onefile" / "pack.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(CACHE)
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


GROUPS = (  # PyInstaller onefile: (group, prefix of the entry's name in the archive); first match wins
    ("ICU data", "PySide6/Qt/lib/libicudata"), ("ICU code", "PySide6/Qt/lib/libicu"),
    ("Qt plugins", "PySide6/Qt/plugins/"), ("Qt libraries", "PySide6/Qt/lib/"), ("PySide6 bindings", "PySide6/"),
    ("PySide6 bindings", "shiboken6/"), ("cryptography (Rust, own OpenSSL inside)", "cryptography"),
    ("OpenSSL for Python's ssl", "libcrypto"), ("OpenSSL for Python's ssl", "libssl"), ("libpython", "libpython"),
    ("stdlib C extensions", "python3"), ("dukpy (PAC)", "dukpy"), ("jsonschema and deps", "rpds"),
    ("jsonschema and deps", "jsonschema"), ("certifi", "certifi"), ("stdlib base_library.zip", "base_library.zip"),
    ("app data", "app/"), ("app data", "resources/"),
)  # fmt: skip


def contents(binary: Path) -> dict[str, float]:
    """Compressed MB per group: the packed single file's own table, or PyInstaller's CArchive for its onefile."""
    crpack = _pack_module()
    if crpack.is_packed(binary):
        table = crpack.read_table(binary)
        sizes: dict[str, float] = {}
        for stream in table["streams"]:
            sizes[stream["group"]] = sizes.get(stream["group"], 0.0) + stream["compressed"] / 1e6
        sizes["launcher (C, liblzma inside)"] = table["launcher"] / 1e6
        return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))
    from PyInstaller.archive.readers import CArchiveReader

    sizes = {}
    for name, (_, length, _, _, kind) in CArchiveReader(str(binary)).toc.items():
        if kind == "z":
            group = "Python code (PYZ: stdlib, app, packages)"
        elif kind in ("b", "n", "x", "d"):
            group = next((g for g, prefix in GROUPS if name.startswith(prefix)), "other libraries and data")
        else:
            group = "boot scripts, symlinks"
        sizes[group] = sizes.get(group, 0.0) + length / 1e6
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def print_contents(binary: Path) -> None:
    sizes = contents(binary)
    for group, mb in sizes.items():
        print(f"{mb:7.2f} MB  {group}")
    print(f"{sum(sizes.values()):7.2f} MB  in all ({binary.stat().st_size / 1e6:.2f} MB file)")


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
        print_contents(args.binary)
        return 0
    folder = args.binary.parent
    if (folder / "_internal").is_dir():  # a folder build: count the whole folder
        size_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    else:
        size_mb = args.binary.stat().st_size / 1e6
    cache = Path(tempfile.mkdtemp(prefix="callready-bench-"))
    CACHE["CALLREADY_CACHE_DIR"] = str(cache / "callready")
    try:
        first_window = window_once(args.binary)  # the first start after a download: unpacks into the empty cache
        windows = [window_once(args.binary) for _ in range(args.runs)]
        versions = [version_once(args.binary) for _ in range(args.runs)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    figures = {
        "binary": str(args.binary),
        "size_mb": round(size_mb, 1),
        "first_window_s": round(first_window, 3),
        "window_median_s": round(statistics.median(windows), 3),
        "window_max_s": round(max(windows), 3),
        "version_median_s": round(statistics.median(versions), 3),
        "version_max_s": round(max(versions), 3),
        "runs": args.runs,
        "contents_mb": {g: round(mb, 2) for g, mb in contents(args.binary).items()},
    }
    ok = (
        size_mb <= SIZE_LIMIT_MB
        and figures["window_median_s"] <= WINDOW_TARGET_S
        and figures["version_median_s"] <= VERSION_TARGET_S
    )
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"size            {figures['size_mb']} MB  (limit {SIZE_LIMIT_MB:.0f} MB, aim {SIZE_AIM_MB:.0f} MB)")
        print(f"window, first   {figures['first_window_s']} s  (first start after a download: unpacking included)")
        print(
            f"window, median  {figures['window_median_s']} s  (max {figures['window_max_s']} s, {args.runs} runs; "
            f"target {WINDOW_TARGET_S} s)"
        )
        print(
            f"--version       {figures['version_median_s']} s  (max {figures['version_max_s']} s, {args.runs} runs; "
            f"target {VERSION_TARGET_S} s)"
        )
        print("contents (compressed):")
        print_contents(args.binary)
        print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
