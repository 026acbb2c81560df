#!/usr/bin/env bash
# Sign CallReady.app inside out, as Apple requires for notarisation: every loose Mach-O file (dylib, .so, helper
# executable) deepest first, then each framework and nested app as a bundle (never the binary inside it), then
# the app itself with the hardened runtime and entitlements. `codesign --deep` is not used: it signs nested
# code with the outer code's options and is deprecated for signing.
#
#   installers/macos/sign_app.sh dist/CallReady.app "Developer ID Application: Example Corp (TEAMID1234)"
set -euo pipefail
APP=${1:?usage: sign_app.sh APP IDENTITY}
IDENTITY=${2:?usage: sign_app.sh APP IDENTITY}
ENTITLEMENTS=${ENTITLEMENTS:-$(dirname "$0")/entitlements.plist}
SIGN=(codesign --force --timestamp --options runtime --sign "$IDENTITY")

deepest_first() { awk -F/ '{ print NF "\t" $0 }' | sort -rn -k1,1 | cut -f2-; }

# 1. Loose Mach-O files that are not inside a framework or a nested app (those are signed with their bundle).
find "$APP/Contents" -type f ! -path "*.framework/*" ! -path "*.app/Contents/*/*.app/*" -print |
  while IFS= read -r f; do
    case "$f" in "$APP/Contents/MacOS/$(basename "$APP" .app)") continue ;; esac
    if file -b "$f" | grep -q "Mach-O"; then printf '%s\n' "$f"; fi
  done | deepest_first | while IFS= read -r f; do "${SIGN[@]}" "$f"; done

# 2. Frameworks (Qt*.framework) and nested apps, deepest first, each as one bundle.
find "$APP/Contents" -type d \( -name "*.framework" -o -name "*.app" \) -print | deepest_first |
  while IFS= read -r bundle; do "${SIGN[@]}" "$bundle"; done

# 3. The app, last, with its entitlements; then check the whole tree as Gatekeeper will.
"${SIGN[@]}" --entitlements "$ENTITLEMENTS" "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"
