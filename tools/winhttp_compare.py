"""Windows only (release workflow): compare CallReady's registry reading of the user's proxy settings with
WinHTTP's own answer (`WinHttpGetIEProxyConfigForCurrentUser`); exit 1 and print both when they differ.

    python tools/winhttp_compare.py "fixed proxy"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.net.proxy_os import windows


def main(state: str) -> int:
    """Read both ways, print them, return 1 on a difference or when WinHTTP gives no answer."""
    cfg = windows.winhttp_ie_config()
    if cfg is None:
        print(f"{state}: WinHttpGetIEProxyConfigForCurrentUser failed")
        return 1
    api = windows.from_ie_config(cfg)
    registry = windows.wininet_from_registry(windows.registry_view(), windows.connected_adapter_names())
    print(json.dumps({"state": state, "winhttp": api.to_json(), "registry": registry.to_json()}, indent=2))
    found = windows.differences(api, registry)
    for line in found:
        print(f"{state}: {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:]) or "current settings"))
