"""Route lookup and the VPN check inside a private network namespace holding a real tun device named `cscotun0`.

The namespace has a veth "physical" link (eth0) and a tun interface like Cisco AnyConnect's on Linux; the
test decides which prefixes use which. No packet leaves the namespace (route lookups send nothing).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None or not Path("/dev/net/tun").exists(),
    reason="needs root, iproute2 and /dev/net/tun",
)

ROOT = Path(__file__).resolve().parents[2]
TURN_RANGE = "198.18.200.0/24"
STUN_HOST = "198.18.201.10"
_counter = itertools.count()

# Creates the tun device (so it has a carrier, like a connected VPN client's) and holds it until stdin closes.
HOLDER = r"""
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", sys.argv[1].encode(), 0x0001 | 0x1000))  # TUNSETIFF, IFF_TUN|IFF_NO_PI
print("ready", flush=True)
sys.stdin.read()
"""

PROBE = r"""
import asyncio, json, sys
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.probes import vpn
profile = load_profile(sys.argv[1])
result = asyncio.run(Session(profile, RunOptions(timeout_s=10), planners=[vpn.plan]).run())
print(json.dumps(result.to_json()))
"""

PROFILE = f"""schema_version = 1
id = "vpntest"
name = "VPN test"
version = "1"
video_provider = "Test"
window_title = "VPN test"
support_email = "help@example.org"
recommended_browser = "Any"
browser_advice = "Any browser."
[sources.t]
title = "test"
[[ports]]
protocol = "udp"
ports = "3478"
purpose = "STUN/TURN"
source = "t"
[[ports]]
protocol = "udp"
ports = "10000-60000"
purpose = "media"
source = "t"
[[ip_ranges]]
range = "{TURN_RANGE}"
label = "Test TURN"
purpose = "turn"
source = "t"
[[stun]]
url = "stun:{STUN_HOST}:3478"
purpose = "test"
source = "t"
[[turn]]
url = "turns:{STUN_HOST}:443?transport=tcp"
purpose = "test"
source = "t"
"""


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class Namespace:
    """A throwaway namespace: eth0 (veth) on 198.18.10.0/24, optionally a tun VPN adapter."""

    def __init__(self) -> None:
        self.name = f"crvpn{os.getpid()}x{next(_counter)}"
        self.holder: subprocess.Popen[str] | None = None

    def __enter__(self) -> Namespace:
        ip("netns", "add", self.name)
        ip("-n", self.name, "link", "set", "lo", "up")
        ip("-n", self.name, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p")
        ip("-n", self.name, "addr", "add", "198.18.10.2/24", "dev", "eth0")
        ip("-n", self.name, "link", "set", "eth0", "up")
        ip("-n", self.name, "link", "set", "eth0p", "up")
        ip("-n", self.name, "route", "add", "default", "via", "198.18.10.1", "dev", "eth0")
        return self

    def add_tun(self, name: str, address: str = "10.99.0.2/24") -> None:
        self.holder = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", HOLDER, name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.holder.stdout is not None and self.holder.stdout.readline().strip() == "ready"
        ip("-n", self.name, "addr", "add", address, "dev", name)
        ip("-n", self.name, "link", "set", name, "up")

    def route(self, prefix: str, *via: str) -> None:
        ip("-n", self.name, "route", "replace", prefix, *via)

    def python(self, code: str, *args: str) -> str:
        out = subprocess.run(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", code, *args],
            check=True, capture_output=True, text=True, timeout=30, cwd=ROOT,
        )  # fmt: skip
        return out.stdout

    def __exit__(self, *exc: object) -> None:
        if self.holder is not None:
            self.holder.communicate("", timeout=5)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)


@pytest.fixture
def ns() -> Iterator[Namespace]:
    with Namespace() as n:
        yield n


def vpn_result(ns: Namespace, tmp_path: Path) -> dict:
    prof = tmp_path / "vpn.toml"
    prof.write_text(PROFILE)
    result = json.loads(ns.python(PROBE, str(prof)))
    (check,) = [c for c in result["checks"] if c["category"] == "vpn"]
    return {"check": check, "findings": {f["code"]: f for f in result["findings"]}, "verdict": result["verdict"]}


ROUTE_SCRIPT = r"""
import json, sys
from app.probes import routes
adapters = routes.list_adapters()
amap = routes.address_map(adapters)
print(json.dumps({
    "adapters": {a.name: [a.kind, a.is_up, list(a.addresses)] for a in adapters},
    "routes": {d: routes.route_to(d, amap).__dict__ for d in sys.argv[1:]},
}))
"""


def test_routes_see_the_tun_adapter_and_pick_interfaces(ns: Namespace) -> None:
    ns.add_tun("cscotun0")
    ns.route("default", "dev", "cscotun0")
    ns.route(TURN_RANGE, "via", "198.18.10.1", "dev", "eth0")
    out = json.loads(ns.python(ROUTE_SCRIPT, "198.18.200.7", "203.0.113.9", "192.0.2.55"))
    kind, up, addresses = out["adapters"]["cscotun0"]
    assert (kind, up) == ("tun", True) and "10.99.0.2" in addresses
    assert out["adapters"]["eth0"][0] == "ethernet"
    assert out["adapters"]["lo"][0] == "loopback"
    assert out["routes"]["198.18.200.7"]["interface"] == "eth0"
    assert out["routes"]["198.18.200.7"]["source"] == "198.18.10.2"
    assert out["routes"]["203.0.113.9"]["interface"] == "cscotun0"
    assert out["routes"]["203.0.113.9"]["source"] == "10.99.0.2"


def test_no_route_is_reported_not_raised(ns: Namespace) -> None:
    ip("-n", ns.name, "route", "del", "default")
    out = json.loads(ns.python(ROUTE_SCRIPT, "203.0.113.9"))
    assert out["routes"]["203.0.113.9"]["error"] == "no route"
    assert out["routes"]["203.0.113.9"]["interface"] is None


def test_full_tunnel(ns: Namespace, tmp_path: Path) -> None:
    ns.add_tun("cscotun0")
    ns.route("default", "dev", "cscotun0")
    r = vpn_result(ns, tmp_path)
    check = r["check"]
    assert check["status"] == "warn"
    assert check["details"]["tunnel"] == "full"
    assert {"vpn_detected", "vpn_full_tunnel"} <= set(r["findings"])
    assert "Cisco AnyConnect" in check["details"]["vpn"]
    assert all(row["interface"] == "cscotun0" for row in check["details"]["routes"])
    it = r["findings"]["vpn_full_tunnel"]["it_action"]
    assert "cscotun0" in it and TURN_RANGE in it and "UDP" in it
    assert r["findings"]["vpn_full_tunnel"]["severity"] == "warning"


def test_split_tunnel(ns: Namespace, tmp_path: Path) -> None:
    ns.add_tun("cscotun0")
    ns.route("default", "dev", "cscotun0")
    ns.route(TURN_RANGE, "via", "198.18.10.1", "dev", "eth0")
    ns.route(f"{STUN_HOST}/32", "via", "198.18.10.1", "dev", "eth0")
    r = vpn_result(ns, tmp_path)
    assert r["check"]["status"] == "pass"
    assert r["check"]["details"]["tunnel"] == "split"
    assert set(r["findings"]) == {"vpn_detected", "vpn_split_tunnel"}


def test_mixed_tunnel_names_what_goes_through(ns: Namespace, tmp_path: Path) -> None:
    ns.add_tun("tun0")
    ns.route("default", "dev", "tun0")
    ns.route(TURN_RANGE, "via", "198.18.10.1", "dev", "eth0")
    r = vpn_result(ns, tmp_path)
    assert r["check"]["details"]["tunnel"] == "mixed"
    assert STUN_HOST in r["check"]["summary"] and "Test TURN" not in r["check"]["summary"]
    assert "vpn_full_tunnel" in r["findings"]


def test_no_vpn(ns: Namespace, tmp_path: Path) -> None:
    r = vpn_result(ns, tmp_path)
    assert r["check"]["status"] == "pass"
    assert r["check"]["details"]["tunnel"] == "none"
    assert r["findings"] == {}


def test_tunnel_without_carrier_is_not_a_connected_vpn(ns: Namespace, tmp_path: Path) -> None:
    """A tun device with no client attached (NO-CARRIER) is an idle tunnel, even with an address."""
    ip("-n", ns.name, "tuntap", "add", "dev", "tun7", "mode", "tun")
    ip("-n", ns.name, "addr", "add", "10.77.0.2/24", "dev", "tun7")
    ip("-n", ns.name, "link", "set", "tun7", "up")
    r = vpn_result(ns, tmp_path)
    assert r["check"]["details"]["tunnel"] == "none"
