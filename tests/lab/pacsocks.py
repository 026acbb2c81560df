"""The lab's proxy auto-config files and its SOCKS5 proxy (Debian's dante-server in cr-proxy).

PAC files are templates filled with lab values (`{proxy}`, `{socks_port}`, ...) and written to the lab's conf folder on
every `apply`; scenarios name them in the client's `auto_proxy` (Chromium on Linux reads a PAC URL there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

SOCKS_PORT = 1080

PAC_FILES = {
    # The platform's web and signalling hosts (the lab serves them all from {web}'s /24) through SOCKS5; everything
    # else (TURN and STUN servers, names the lab does not know) direct.
    "socks.pac": """// CallReady lab: platform web hosts through the SOCKS5 proxy, the rest direct
function FindProxyForURL(url, host) {
  if (isInNet(dnsResolve(host), "{web}", "255.255.255.0")) {
    return "SOCKS5 {proxy}:{socks_port}";
  }
  return "DIRECT";
}
""",
    # Names this computer cannot resolve go to the proxy, which resolves them itself (networks whose own DNS does
    # not answer outside names); names that resolve go direct.
    "unresolvable.pac": """// CallReady lab: what this computer cannot resolve goes through the proxy
function FindProxyForURL(url, host) {
  if (!isResolvable(host)) {
    return "PROXY {proxy}:{proxy_port}";
  }
  return "DIRECT";
}
""",
}


def write_pac_files(folder: Path, fill: Callable[[str], str]) -> None:
    """Every PAC file, filled with the lab's values, into `folder` (readable by the client's processes)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PAC_FILES.items():
        (folder / name).write_text(fill(text))


def dante_conf(listen: str, port: int, log: Path) -> str:
    """danted: SOCKS5 without login on listen:port, CONNECT anywhere (it resolves names with cr-proxy's resolver)."""
    return (
        f"logoutput: {log}\ninternal: {listen} port = {port}\nexternal: {listen}\n"
        "socksmethod: none\nclientmethod: none\nuser.privileged: root\nuser.unprivileged: nobody\n"
        "client pass {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n}\n"
        "socks pass {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  command: connect\n  log: connect error\n}\n"
    )
