"""Windows network facts over recorded inputs: adapter state from OperStatus (Get-NetAdapter JSON), DNS servers of
the adapters that are up (`ipconfig /all`), malformed input never raises, Windows 11 from the build number."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from app.net import winnet

MACHINES = Path(__file__).resolve().parents[1] / "data" / "machines"


def test_fresh_profile_ipconfig_only_the_connected_wifi_counts() -> None:
    adapters = winnet.parse_ipconfig_all((MACHINES / "win11-fresh-profile" / "ipconfig-all.txt").read_text())
    assert [(a.name, a.is_up) for a in adapters] == [
        ("Ethernet", False), ("Local Area Connection* 1", False), ("Wi-Fi", True), ("Ethernet 2", False),
        ("Bluetooth Network Connection", False),
    ]  # fmt: skip
    wifi = adapters[2]
    assert wifi.kind == "wireless" and wifi.description == "Intel(R) Wi-Fi 6E AX211 160MHz"
    assert winnet.up_dns_servers(adapters) == ["192.168.178.1", "fd12:3456:789a:1::1"]


def test_vpn_machine_dns_from_up_adapters_without_fec0_defaults() -> None:
    adapters = winnet.parse_ipconfig_all((MACHINES / "win10-vpn-connection" / "ipconfig-all.txt").read_text())
    ppp = adapters[0]
    assert (ppp.name, ppp.kind, ppp.is_up) == ("Contoso VPN", "ppp", True)
    assert winnet.up_dns_servers(adapters) == ["10.20.0.10", "10.20.0.11", "10.0.0.1"]


def test_get_netadapter_json_state_is_operstatus() -> None:
    listed = winnet.parse_get_netadapter_json((MACHINES / "win11-fresh-profile" / "get-netadapter.json").read_text())
    assert [(a.name, a.is_up, a.kind) for a in listed] == [
        ("Wi-Fi", True, "wireless"), ("Ethernet", False, "ethernet"), ("Ethernet 2", False, "ethernet"),
        ("Bluetooth Network Connection", False, "ethernet"),
    ]  # fmt: skip
    single = winnet.parse_get_netadapter_json('{"Name": "Wi-Fi", "Status": "Up"}')  # one adapter: no JSON array
    assert [(a.name, a.is_up) for a in single] == [("Wi-Fi", True)]


@pytest.mark.parametrize(
    "bad",
    ["", "not json", "[1, null, {}]", '{"Name": 5}', "\ufeff[]", "Ethernet adapter X:\n   DNS Servers . . : zz\n"],
)
def test_malformed_inputs_never_raise(bad: str) -> None:
    assert winnet.parse_get_netadapter_json(bad) == []
    adapters = winnet.parse_ipconfig_all(bad)
    assert winnet.up_dns_servers(adapters) == []


def test_malformed_dns_entries_are_skipped() -> None:
    text = (
        "Ethernet adapter X:\n   IPv4 Address. . : 10.0.0.2\n   DNS Servers . . : zz\n        10.0.0.9%3\n  300.1.1.1\n"
    )
    assert winnet.up_dns_servers(winnet.parse_ipconfig_all(text)) == ["10.0.0.9"]


@pytest.mark.parametrize(
    ("version", "name"),
    [
        ("10.0.22631", "Windows 11"),
        ("10.0.22000", "Windows 11"),
        ("10.0.26100", "Windows 11"),
        ("10.0.19045", "Windows 10"),
        ("\r\nMicrosoft Windows [Version 10.0.22631.4460]\r\n", "Windows 11"),
        ("6.3.9600", "Windows 8.1"),
    ],
)
def test_windows_11_from_build_number(version: str, name: str) -> None:
    release = "8.1" if version.startswith("6.3") else "10"
    assert winnet.windows_name(version, release) == name


def test_recorded_ver_output() -> None:
    assert winnet.windows_name((MACHINES / "win11-fresh-profile" / "ver.txt").read_text()) == "Windows 11"
    assert winnet.windows_name((MACHINES / "win10-vpn-connection" / "ver.txt").read_text()) == "Windows 10"


def test_sockaddr_text() -> None:
    v4 = struct.pack("<HH4s8x", 2, 0, bytes([10, 20, 0, 10]))
    v6 = struct.pack("<HHI16sI", 23, 0, 0, bytes.fromhex("fd123456789a00010000000000000001"), 0)
    assert winnet.sockaddr_text(v4) == "10.20.0.10" and winnet.sockaddr_text(v6) == "fd12:3456:789a:1::1"
    assert winnet.sockaddr_text(b"\x02\x00") is None and winnet.sockaddr_text(struct.pack("<H6x", 17)) is None


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the live adapter list is read")
def test_adapters_off_windows_is_empty() -> None:
    assert winnet.adapters() == [] and winnet.system_nameservers() is None


def test_report_names_windows_11(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 on Windows 11 says release 10 and platform Windows-10-...; the report says Windows 11."""
    import platform

    from app.report import system

    monkeypatch.setattr(platform, "version", lambda: "10.0.22631")
    monkeypatch.setattr(platform, "release", lambda: "10")
    monkeypatch.setattr(platform, "platform", lambda: "Windows-10-10.0.22631-SP0")
    monkeypatch.setattr(platform, "win32_ver", lambda: ("10", "10.0.22631", "SP0", "Multiprocessor Free"))
    monkeypatch.setattr(sys, "platform", "win32")
    facts = system.os_facts()
    monkeypatch.undo()
    assert facts["windows_name"] == "Windows 11" and facts["platform"] == "Windows-11-10.0.22631-SP0"
    assert facts["windows"] == "Windows 11 10.0.22631 SP0 Multiprocessor Free"
