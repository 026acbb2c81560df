#!/usr/bin/env bash
# Build the Linux single-file program (dist/callready: the folder build packed behind tools/onefile/launcher.c, which
# unpacks it once per build into ~/.cache/callready) with build.spec, then smoke-test the binary itself:
# --version, the shipped profiles, and headless checks against real servers on loopback (tests/unit/test_frozen_smoke.py).
#   tools/build_linux.sh                      # onefile only (what CI builds)
#   CALLREADY_TARGETS=onefile,onedir tools/build_linux.sh   # also dist/callready-dir/ (for the AppImage)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
export CALLREADY_TARGETS=${CALLREADY_TARGETS:-onefile}
MAX_BYTES=$((30 * 1000 * 1000))   # issue 19: small enough to mail (limit 30 MB, aim 25 MB)

command -v readelf >/dev/null || { echo "build_linux.sh: readelf missing (apt-get install binutils)" >&2; exit 3; }
# build.spec rebuilds Qt's ICU data library with only what Qt uses (32 MB -> 2 MB); without a compiler it stays whole
command -v "${CC:-cc}" >/dev/null || { echo "build_linux.sh: C compiler missing (apt-get install gcc)" >&2; exit 3; }
# the single file's launcher links liblzma statically (tools/onefile/launcher.c)
echo '#include <lzma.h>' | "${CC:-cc}" -E - >/dev/null 2>&1 || { echo "build_linux.sh: liblzma headers missing (apt-get install liblzma-dev)" >&2; exit 3; }
"$PY" -m PyInstaller --version >/dev/null 2>&1 || { echo "build_linux.sh: PyInstaller missing (pip install 'pyinstaller>=6.5')" >&2; exit 3; }

start=$(date +%s)
nice -n 10 "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller build.spec
size=$(stat -c %s dist/callready)
echo "build_linux.sh: built dist/callready in $(( $(date +%s) - start )) s, $size bytes ($(( size / 1000000 )) MB)"
if [ "$size" -gt "$MAX_BYTES" ]; then
  echo "build_linux.sh: dist/callready is over the 30 MB limit (python bench/bench_frozen.py --contents)" >&2
  exit 1
fi
[ "$size" -le $((25 * 1000 * 1000)) ] || echo "build_linux.sh: WARNING: over the 25 MB aim (python bench/bench_frozen.py --contents)" >&2

# The smoke test runs the built binary (not the source); a missing binary would skip, so insist on it.
CALLREADY_BINARY="$PWD/dist/callready" "$PY" -m pytest -q -p no:cacheprovider -m frozen tests/unit/test_frozen_smoke.py
