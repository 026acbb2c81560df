#!/bin/sh
# Collect the facts CallReady reads on this Mac (or Linux PC) into one folder, for support and for recorded-input
# tests (tests/data/machines). No admin rights; it only reads; it collects no passwords and no preset contents
# (a preset may hold a TURN secret): only which preset locations exist.
#
#   sh collect_machine_facts.sh [OUT_DIR]
set -u
OUT=${1:-${TMPDIR:-/tmp}/callready-facts-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" || exit 1

run() { # run NAME COMMAND...: the command's output (and errors) into NAME, never stopping the script
  name=$1; shift
  if command -v "$1" >/dev/null 2>&1; then "$@" >"$OUT/$name" 2>&1; else echo "$1: not available" >"$OUT/$name"; fi
}

run scutil-proxy.txt scutil --proxy     # the System Configuration proxy dictionary (app/net/proxy_os/macos.py)
run ifconfig.txt ifconfig               # adapters, addresses, utun tunnels (VPN recognition)
run sw_vers.txt sw_vers                 # macOS version (Local Network privacy from 15)
run uname-m.txt uname -m                # arm64 or x86_64: which build fits
env | grep -i -E '^(https?|all|no)_proxy=' | sed -E 's#//[^/@]*@#//***@#' >"$OUT/proxy-environment.txt"

: >"$OUT/preset-locations.txt"
for f in "/Library/Managed Preferences/$(id -un)/org.callready.CallReady.plist" \
         "/Library/Managed Preferences/org.callready.CallReady.plist" \
         "/Library/Application Support/CallReady/callready.toml" \
         "$HOME/Library/Application Support/CallReady/callready.toml"; do
  if [ -e "$f" ]; then echo "present: $f" >>"$OUT/preset-locations.txt"; else echo "absent: $f" >>"$OUT/preset-locations.txt"; fi
done
echo "CallReady machine facts written to $OUT"
