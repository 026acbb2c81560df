"""A VPN in the lab: a vxlan named like Cisco AnyConnect's Linux adapter (`cscotun0`) carries the client's
default route to the firewall namespace, which plays the company's VPN gateway (it forwards and masquerades).

`full`: everything goes through the tunnel. `split`: the platform's published media ranges and the lab's
servers are routed outside it, over the physical link, as IT would configure a split tunnel.
"""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Iterable

VPN_IF = "cscotun0"  # what Cisco AnyConnect / Secure Client names its adapter on Linux
GW_IF = "vpngw0"
VNI = 4242
CLIENT_TUN, GW_TUN = "198.18.9.2", "198.18.9.1"  # a /30 inside the lab's 198.18.0.0/15
ROUTE_PROTO = "99"  # marks the split-tunnel routes so a scenario switch can flush exactly them
LAB_SERVERS = "198.19.0.0/16"


def split_prefixes(profile_id: str) -> list[str]:
    """Prefixes a split tunnel keeps outside the VPN: the profile's published TURN/media ranges and the lab servers."""
    from app.engine.profile import load_profile

    prof = load_profile(profile_id)
    nets = [n for r in prof.ip_ranges if r.purpose in ("turn", "media") for n in r.networks if n.version == 4]
    return [str(n) for n in ipaddress.collapse_addresses(nets)] + [LAB_SERVERS]  # type: ignore[arg-type]


def teardown_commands(client_ns: str, fw_ns: str) -> list[list[str]]:
    """Remove any tunnel and split routes of an earlier scenario (each may fail harmlessly)."""
    return [
        ["ip", "-n", client_ns, "link", "del", VPN_IF],
        ["ip", "-n", fw_ns, "link", "del", GW_IF],
        ["ip", "-n", client_ns, "route", "flush", "proto", ROUTE_PROTO],
    ]


def build_commands(
    mode: str, client_ns: str, fw_ns: str, client_lan: str, fw_lan: str, lan_dev: str, fw_lan_dev: str,
    exempt: Iterable[str] = (),
) -> list[list[str]]:  # fmt: skip
    """Commands for a `full` or `split` tunnel (pure, so the shape is testable without root)."""
    if mode not in ("full", "split"):
        raise ValueError(f"vpn mode must be full or split, not {mode!r}")
    cmds = [
        ["ip", "-n", client_ns, "link", "add", VPN_IF, "type", "vxlan", "id", str(VNI), "local", client_lan,
         "remote", fw_lan, "dstport", "4789", "dev", lan_dev],
        ["ip", "-n", fw_ns, "link", "add", GW_IF, "type", "vxlan", "id", str(VNI), "local", fw_lan,
         "remote", client_lan, "dstport", "4789", "dev", fw_lan_dev],
        ["ip", "-n", client_ns, "addr", "add", f"{CLIENT_TUN}/30", "dev", VPN_IF],
        ["ip", "-n", fw_ns, "addr", "add", f"{GW_TUN}/30", "dev", GW_IF],
        ["ip", "-n", client_ns, "link", "set", VPN_IF, "up"],
        ["ip", "-n", fw_ns, "link", "set", GW_IF, "up"],
        ["ip", "-n", client_ns, "route", "replace", "default", "via", GW_TUN, "dev", VPN_IF],
    ]  # fmt: skip
    if mode == "split":
        cmds += [
            ["ip", "-n", client_ns, "route", "replace", p, "via", fw_lan, "dev", lan_dev, "proto", ROUTE_PROTO]
            for p in exempt
        ]
    return cmds


def apply_vpn(mode: str, profile_id: str, client_ns: str, fw_ns: str, client_lan: str, fw_lan: str,
              lan_dev: str = "eth0", fw_lan_dev: str = "lan") -> None:  # fmt: skip
    """Tear down the previous tunnel, then build the scenario's (nothing when `mode` is empty)."""
    for cmd in teardown_commands(client_ns, fw_ns):
        subprocess.run(cmd, capture_output=True, timeout=10)
    if not mode:
        return
    exempt = split_prefixes(profile_id) if mode == "split" else []
    for cmd in build_commands(mode, client_ns, fw_ns, client_lan, fw_lan, lan_dev, fw_lan_dev, exempt):
        subprocess.run(cmd, check=True, capture_output=True, timeout=10)
