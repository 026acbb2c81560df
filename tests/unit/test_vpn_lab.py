"""The lab's VPN (tests/lab/vpnlab.py): command shapes, a real vxlan tunnel between two private namespaces,
and (with `-m lab`, under flock /tmp/cr-lab.lock) the vpn scenarios' details beyond their verdict."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab import vpnlab


def test_split_prefixes_cover_the_published_turn_ranges_and_lab_servers() -> None:
    prefixes = vpnlab.split_prefixes("flo-recruit")
    assert "34.203.254.0/24" in prefixes and "54.172.60.0/23" in prefixes and "44.234.69.0/25" in prefixes
    assert prefixes[-1] == vpnlab.LAB_SERVERS
    assert not any(p.startswith("149.72.") for p in prefixes)  # mail senders are not media


def test_build_commands() -> None:
    full = vpnlab.build_commands("full", "c", "f", "10.0.0.2", "10.0.0.1", "eth0", "lan")
    assert ["ip", "-n", "c", "route", "replace", "default", "via", vpnlab.GW_TUN, "dev", "cscotun0"] in full
    assert not any("proto" in cmd for cmd in full)
    split = vpnlab.build_commands("split", "c", "f", "10.0.0.2", "10.0.0.1", "eth0", "lan", ["34.203.254.0/24"])
    assert split[-1] == ["ip", "-n", "c", "route", "replace", "34.203.254.0/24", "via", "10.0.0.1", "dev", "eth0",
                         "proto", vpnlab.ROUTE_PROTO]  # fmt: skip
    with pytest.raises(ValueError):
        vpnlab.build_commands("half", "c", "f", "a", "b", "eth0", "lan")


ROUTE = "import json,sys; from app.probes import routes as r; a=r.address_map(r.list_adapters()); " \
        "print(json.dumps({d: r.route_to(d, a).interface for d in sys.argv[1:]}))"  # fmt: skip
RECV = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('198.18.9.1', 9999)); " \
       "s.settimeout(5); print(s.recvfrom(100)[0].decode(), flush=True)"  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None, reason="needs root and iproute2")
def test_vxlan_tunnel_between_private_namespaces_carries_traffic_and_splits() -> None:
    client, gw = f"crvpc{os.getpid()}", f"crvpg{os.getpid()}"
    root = Path(__file__).resolve().parents[2]
    try:
        for ns in (client, gw):
            subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "link", "add", "eth0", "netns", client, "type", "veth", "peer", "name", "lan", "netns", gw],
                       check=True)  # fmt: skip
        for ns, dev, addr in ((client, "eth0", "198.18.1.2/24"), (gw, "lan", "198.18.1.1/24")):
            subprocess.run(["ip", "-n", ns, "addr", "add", addr, "dev", dev], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
        subprocess.run(["ip", "-n", client, "route", "add", "default", "via", "198.18.1.1"], check=True)
        vpnlab.apply_vpn("split", "flo-recruit", client, gw, "198.18.1.2", "198.18.1.1")
        out = subprocess.run(["ip", "netns", "exec", client, sys.executable, "-c", ROUTE, "203.0.113.9", "34.203.254.7",
                              "198.19.3.10"], capture_output=True, text=True, check=True, cwd=root)  # fmt: skip
        assert json.loads(out.stdout) == {"203.0.113.9": "cscotun0", "34.203.254.7": "eth0", "198.19.3.10": "eth0"}
        # a real datagram crosses the tunnel to the gateway's end
        recv = subprocess.Popen(
            ["ip", "netns", "exec", gw, sys.executable, "-c", RECV], stdout=subprocess.PIPE, text=True
        )
        for _ in range(20):
            subprocess.run(["ip", "netns", "exec", client, sys.executable, "-c",
                            "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hello', ('198.18.9.1', 9999))"],
                           check=True)  # fmt: skip
            if recv.poll() is not None:
                break
            subprocess.run(["sleep", "0.1"])
        assert recv.communicate(timeout=6)[0].strip() == "hello"
        # switching back to no VPN removes the tunnel and the split routes
        vpnlab.apply_vpn("", "flo-recruit", client, gw, "198.18.1.2", "198.18.1.1")
        links = subprocess.run(["ip", "-n", client, "-br", "link"], capture_output=True, text=True).stdout
        routes = subprocess.run(["ip", "-n", client, "route"], capture_output=True, text=True).stdout
        assert "cscotun0" not in links and "34.203.254.0" not in routes
    finally:
        for ns in (client, gw):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


# ---- in the shared lab (only with -m lab)


def _vpn_check(lab, scenario: str, tmp_path: Path) -> dict:
    lab.apply(scenario)
    out = tmp_path / f"{scenario}.json"
    lab.app_check(out)
    return next(c for c in json.loads(out.read_text())["checks"] if c["category"] == "vpn")


@pytest.mark.lab
def test_lab_vpn_details(lab, tmp_path: Path) -> None:
    full = _vpn_check(lab, "vpn_full_tunnel", tmp_path)
    assert full["details"]["tunnel"] == "full" and "Cisco AnyConnect" in full["details"]["vpn"]
    assert full["details"]["wire"]["stun_via_vpn"] is True
    split = _vpn_check(lab, "vpn_split_tunnel", tmp_path)
    assert split["details"]["tunnel"] == "split"
    assert all(r["interface"] == "eth0" for r in split["details"]["routes"])
    assert split["details"]["wire"]["stun_via_vpn"] is False
    opened = _vpn_check(lab, "open", tmp_path)
    assert opened["details"]["tunnel"] == "none" and opened["findings"] == []
