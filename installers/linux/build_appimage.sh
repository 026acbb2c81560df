#!/usr/bin/env bash
# Build dist/CallReady-<version>-x86_64.AppImage from the folder build (dist/callready-dir).
#   CALLREADY_TARGETS=onefile,onedir tools/build_linux.sh && installers/linux/build_appimage.sh
# Needs appimagetool (https://github.com/AppImage/appimagetool releases; the release workflow downloads it), or
# APPIMAGETOOL=/path/to/appimagetool. Without it the AppDir is still made (dist/CallReady.AppDir) and checked.
# An AppImage needs no installation and no admin rights: chmod +x, then double-click.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}; [ -x "$PY" ] || PY=python3
VERSION=$("$PY" -c 'import app; print(app.__version__)')
ARCH=${ARCH:-$(uname -m)}
SRC=dist/callready-dir
APPDIR=dist/CallReady.AppDir
[ -x "$SRC/callready" ] || { echo "build_appimage.sh: no folder build at $SRC (CALLREADY_TARGETS=onefile,onedir tools/build_linux.sh)" >&2; exit 3; }

rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/share/applications" "$APPDIR/usr/share/icons/hicolor/256x256/apps"
cp -a "$SRC" "$APPDIR/usr/lib/callready"
install -m 755 installers/linux/AppRun "$APPDIR/AppRun"
install -m 644 installers/linux/callready.desktop "$APPDIR/callready.desktop"
install -m 644 installers/linux/callready.desktop "$APPDIR/usr/share/applications/callready.desktop"
install -m 644 installers/linux/callready.png "$APPDIR/callready.png"
install -m 644 installers/linux/callready.png "$APPDIR/usr/share/icons/hicolor/256x256/apps/callready.png"
ln -sf callready.png "$APPDIR/.DirIcon"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$APPDIR/callready.desktop"; fi

# The AppDir must run as it is before it is packed.
"$APPDIR/AppRun" --version

TOOL=${APPIMAGETOOL:-$(command -v appimagetool || true)}
if [ -z "$TOOL" ]; then
  echo "build_appimage.sh: AppDir ready at $APPDIR; appimagetool not found, no .AppImage packed" >&2
  exit 0
fi
OUT="dist/CallReady-$VERSION-$ARCH.AppImage"
ARCH=$ARCH "$TOOL" --no-appstream "$APPDIR" "$OUT"
"$OUT" --appimage-extract-and-run --version
echo "build_appimage.sh: $OUT ($(stat -c %s "$OUT") bytes)"
