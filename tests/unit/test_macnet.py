"""macOS 15 Local Network privacy is named as the likely cause of an 'unreachable' local proxy/PAC host."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.net import macnet

NETS = ["192.168.1.0/24", "fd00:1::/64"]


@pytest.mark.parametrize(
    ("kind", "host", "version", "named"),
    [
        ("unreachable", "192.168.1.10", "15.1", True),
        ("unreachable", "192.168.1.10", "26.0", True),
        ("unreachable", "proxy.corp.example", "15.0.1", True),  # a name: its address is not known, may be local
        ("unreachable", "fe80::1%en0", "15.2", True),
        ("unreachable", "fd00:1::8", "15.2", True),
        ("unreachable", "10.9.9.9", "15.1", False),  # not on this computer's networks
        ("unreachable", "192.168.1.10", "14.7", False),  # no Local Network privacy before macOS 15
        ("timeout", "192.168.1.10", "15.1", False),
        ("refused", "192.168.1.10", "15.1", False),  # refused means something answered
        ("unreachable", "192.168.1.10", "", False),
    ],
)
def test_local_network_hint(kind: str, host: str, version: str, named: bool) -> None:
    assert (macnet.hint_for(kind, host, version, NETS) is not None) == named


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the hint depends on the runner's version and networks")
def test_not_on_macos_no_hint() -> None:
    assert macnet.local_network_hint("unreachable", "192.168.1.10") is None
    assert macnet.macos_major("15.1.1") == 15 and macnet.macos_major("x") is None
    assert all("/" in n for n in macnet.local_networks())


MACHINES = Path(__file__).resolve().parents[1] / "data" / "machines"


def test_recorded_macos_machines() -> None:
    """scutil --proxy, ifconfig, sw_vers and uname -m as tools/collect_machine_facts.sh saves them."""
    from app.net.proxy_os import CONFIGURED, macos
    from app.probes.vpn_classify import Adapter, vpn_adapters

    corp = MACHINES / "macos15-arm64-corp"
    proxy = macos.parse_scutil_proxy((corp / "scutil-proxy.txt").read_text())
    assert proxy.state == CONFIGURED and proxy.pac_url == "http://pac.corp.example/proxy.pac"
    assert proxy.bypass == ("<local>", "*.local", "169.254/16", "*.corp.example") and not proxy.auto_detect
    version = macnet.parse_sw_vers((corp / "sw_vers.txt").read_text())
    assert version == "15.1.1" and (corp / "uname-m.txt").read_text().strip() == "arm64"
    interfaces = macnet.parse_ifconfig((corp / "ifconfig.txt").read_text())
    en0 = next(i for i in interfaces if i.name == "en0")
    assert en0.is_up and "192.168.68.0/22" in en0.networks
    assert not next(i for i in interfaces if i.name == "anpi0").is_up  # status: inactive
    networks = [n for i in interfaces for n in i.networks]
    assert macnet.hint_for("unreachable", "192.168.70.1", version, networks) is not None  # same /22: local
    assert macnet.hint_for("unreachable", "10.20.0.1", version, networks) is None
    adapters = [
        Adapter(i.name, i.addresses, i.is_up, "", "tun" if i.name.startswith("utun") else "") for i in interfaces
    ]
    assert [a.name for a, _ in vpn_adapters(adapters)] == ["utun4"]  # the idle utun0/utun1 carry nothing

    home = MACHINES / "macos12-x86_64-home"
    auto = macos.parse_scutil_proxy((home / "scutil-proxy.txt").read_text())
    assert auto.auto_detect and auto.pac_url is None and auto.state == CONFIGURED
    assert macnet.parse_sw_vers((home / "sw_vers.txt").read_text()) == "12.7.6"
    assert macnet.hint_for("unreachable", "192.168.1.1", "12.7.6", ["192.168.1.0/24"]) is None  # before macOS 15
    ppp = next(i for i in macnet.parse_ifconfig((home / "ifconfig.txt").read_text()) if i.name == "ppp0")
    assert ppp.is_up and ppp.addresses == ("10.31.0.2",)
    assert macnet.parse_ifconfig("garbage\n\tinet 1.2.3.4\n") == [] and macnet.parse_sw_vers("x") == ""
