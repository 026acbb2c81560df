#!/usr/bin/env bash
# Build dist/CallReady-<version>-<arch>.dmg from dist/CallReady.app (made by `pyinstaller build.spec` on macOS), with
# optional signing and notarisation. Each step that needs Apple credentials runs only when they are given:
#
#   CODESIGN_IDENTITY="Developer ID Application: Example Corp (TEAMID1234)"   # from `security find-identity -v`
#   NOTARY_PROFILE=callready-notary   # made once: xcrun notarytool store-credentials callready-notary \
#                                     #   --apple-id it@example.com --team-id TEAMID1234 --password <app-specific>
#
# Without them the dmg is unsigned: Gatekeeper blocks it the first time (macOS 15+: System Settings > Privacy &
# Security > Open Anyway; macOS 12-14: Control-click > Open); docs/it-guide.md has the steps.
# Nothing here needs admin rights; people drag CallReady into Applications (or run it from the dmg).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}; [ -x "$PY" ] || PY=python3
VERSION=$("$PY" -c 'import app; print(app.__version__)')
APP=dist/CallReady.app
ARCH=${ARCH:-$(uname -m)}
DMG="dist/CallReady-$VERSION-$ARCH.dmg"
ENTITLEMENTS=installers/macos/entitlements.plist
[ -d "$APP" ] || { echo "build_dmg.sh: no $APP (run: pyinstaller --noconfirm build.spec)" >&2; exit 3; }

# 1. Sign inside out (loose binaries, then frameworks as bundles, then the app) with the hardened runtime.
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  ENTITLEMENTS="$ENTITLEMENTS" installers/macos/sign_app.sh "$APP" "$CODESIGN_IDENTITY"
else
  echo "build_dmg.sh: CODESIGN_IDENTITY not set: the app is not signed" >&2
fi

# The bundle must run as it is before it is packed.
"$APP/Contents/MacOS/CallReady" --version

# 2. The disk image: the app and a link to /Applications to drag it onto.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "CallReady $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi

# 3. Notarise and staple, so Gatekeeper accepts the app offline too.
if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
else
  echo "build_dmg.sh: NOTARY_PROFILE not set: the dmg is not notarised" >&2
fi
echo "build_dmg.sh: $DMG"
