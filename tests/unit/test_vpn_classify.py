"""Adapter and agent classification against real adapter names from Windows, macOS and Linux."""

from __future__ import annotations

import pytest

from app.probes.vpn_classify import Adapter, classify_adapter, classify_process, running_agents, vpn_adapters

V4 = ("10.8.0.6",)

# (name, description, kind, addresses, expected product or None); names/descriptions as the OS shows them.
WINDOWS = [
    ("Ethernet 2", "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64", "ethernet", V4,
     "Cisco AnyConnect / Secure Client"),
    ("Ethernet 3", "Cisco Secure Client Virtual Miniport Adapter for Windows x64", "ethernet", V4,
     "Cisco AnyConnect / Secure Client"),
    ("Ethernet 4", "PANGP Virtual Ethernet Adapter Secure", "ethernet", V4, "Palo Alto GlobalProtect"),
    ("Ethernet 5", "Fortinet SSL VPN Virtual Ethernet Adapter", "ethernet", V4, "FortiClient"),
    ("Ethernet 6", "Fortinet Virtual Ethernet Adapter (NDIS 6.30)", "ethernet", V4, "FortiClient"),
    ("Zscaler", "Zscaler Network Adapter 1.0.2.0", "ethernet", V4, "Zscaler"),
    ("Ethernet 7", "Juniper Networks Virtual Adapter", "ethernet", V4, "Pulse Secure / Ivanti Secure Access"),
    ("Ethernet 8", "Ivanti Secure Access Virtual Adapter", "ethernet", V4, "Pulse Secure / Ivanti Secure Access"),
    ("office", "WireGuard Tunnel", "virtual", V4, "WireGuard"),
    ("wg-corp", "Wintun Userspace Tunnel", "virtual", V4, "WireGuard"),
    ("Ethernet 9", "TAP-Windows Adapter V9", "ethernet", V4, "OpenVPN"),
    ("OpenVPN Connect DCO Adapter", "OpenVPN Data Channel Offload", "virtual", V4, "OpenVPN"),
    ("Tailscale", "Tailscale Tunnel", "virtual", ("100.101.102.103",), "Tailscale"),
    ("CloudflareWARP", "Cloudflare WARP Interface Tunnel", "virtual", ("172.16.0.2",), "Cloudflare WARP"),
    ("NordLynx", "NordLynx Tunnel", "virtual", V4, "NordVPN"),
    # products common in law firms, by the adapter description Get-NetAdapter shows, and the "VPN" fallback
    ("Ethernet 3", "F5 Networks VPN Adapter", "ethernet", V4, "F5 BIG-IP Edge Client"),
    ("Ethernet 4", "Citrix Virtual Adapter", "ethernet", V4, "Citrix Secure Access"),
    ("Mobility", "NetMotion Mobility Virtual Adapter", "ethernet", V4, "NetMotion Mobility / Absolute Secure Access"),
    ("Ethernet 5", "Forcepoint VPN Client Adapter", "ethernet", V4, "Forcepoint VPN Client"),
    ("Netskope Tunnel", "Netskope Tunnel Adapter", "ethernet", V4, "Netskope"),
    ("Ethernet 6", "Contoso Secure VPN Adapter", "ethernet", V4, "VPN"),
    ("Contoso VPN", "Contoso VPN", "ppp", V4, "VPN"),
    ("Ethernet 11", "Acme VPNX Adapter", "ethernet", V4, None),  # the word VPN, not a substring
    ("Ethernet 12", "Microsoft Wi-Fi Direct Virtual Adapter", "wireless", V4, None),
    # not VPNs
    ("Teredo Tunneling Pseudo-Interface", "Teredo Tunneling Pseudo-Interface", "tunnel", ("2001:0:c38c:c38c::1",), None),
    ("isatap.{5A3F2C1E-9B7D-4E11-8C3A-1F2E3D4C5B6A}", "Microsoft ISATAP Adapter", "tunnel", ("fe80::5efe:c0a8:102",),
     None),
    ("Ethernet 10", "Microsoft IP-HTTPS Platform Adapter", "tunnel", ("2002:c000:204::1",), None),
    ("vEthernet (WSL)", "Hyper-V Virtual Ethernet Adapter", "ethernet", ("172.20.16.1",), None),
    ("Wi-Fi", "Intel(R) Wi-Fi 6 AX201 160MHz", "wireless", ("192.168.1.20",), None),
    ("Ethernet", "Realtek PCIe GbE Family Controller", "ethernet", ("192.168.1.21",), None),
    ("Loopback Pseudo-Interface 1", "Software Loopback Interface 1", "loopback", ("127.0.0.1",), None),
    # a VPN adapter that is present but disconnected (no routable address) carries nothing
    ("Ethernet 2", "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64", "ethernet",
     ("169.254.12.7", "fe80::1"), None),
]  # fmt: skip

MACOS = [
    ("utun0", "", "tun", ("fe80::a1b2:c3d4:e5f6:1",), None),  # the system's own idle utun
    ("utun1", "", "tun", ("fe80::ce81:b1c:bd2c:69e",), None),
    ("utun4", "", "tun", ("10.12.0.8",), "VPN"),
    ("utun5", "", "tun", ("100.90.1.2", "fd7a:115c:a1e0::1"), "VPN"),
    ("gpd0", "", "", ("10.4.5.6",), "Palo Alto GlobalProtect"),
    ("ipsec0", "", "tunnel", ("10.30.0.2",), "VPN"),
    ("ppp0", "", "ppp", ("10.31.0.2",), "VPN"),
    ("en0", "", "ethernet", ("192.168.1.30",), None),
    ("awdl0", "", "", ("fe80::1",), None),
    ("llw0", "", "", ("fe80::2",), None),
    ("gif0", "", "", (), None),
    ("stf0", "", "", (), None),
    ("bridge0", "", "", ("192.168.2.1",), None),
    ("anpi0", "", "", ("fe80::3",), None),
]

LINUX = [
    ("cscotun0", "", "tun", ("10.20.0.5",), "Cisco AnyConnect / Secure Client"),
    ("gpd0", "", "tun", ("10.4.5.6",), "Palo Alto GlobalProtect"),
    ("tun0", "", "tun", ("10.8.0.2",), "VPN"),
    ("tap0", "", "tun", ("10.9.0.2",), "VPN"),
    ("wg0", "", "tun", ("10.66.0.2",), "WireGuard"),
    ("ppp0", "", "ppp", ("10.64.64.64",), "VPN"),
    ("tailscale0", "", "tun", ("100.64.0.7",), "Tailscale"),
    ("CloudflareWARP", "", "tun", ("172.16.0.2",), "Cloudflare WARP"),
    ("nordlynx", "", "tun", ("10.5.0.2",), "NordVPN"),
    ("vpn0", "", "tun", ("10.1.0.2",), "VPN"),
    ("eth0", "", "ethernet", ("192.168.1.40",), None),
    ("wlp2s0", "", "wireless", ("192.168.1.41",), None),
    ("docker0", "", "ethernet", ("172.17.0.1",), None),
    ("virbr0", "", "ethernet", ("192.168.122.1",), None),
    ("tunl0", "", "tunnel", ("10.0.0.9",), None),  # ipip fallback device: 'tun' prefix but not a VPN
    ("sit0", "", "tunnel", ("10.0.0.10",), None),
    ("ip6tnl0", "", "tunnel", ("fe80::4",), None),
    ("lo", "", "loopback", ("127.0.0.1", "::1"), None),
    ("tun0", "", "tun", (), None),  # tunnel with no address
]


@pytest.mark.parametrize(("name", "description", "kind", "addresses", "expected"), WINDOWS + MACOS + LINUX)
def test_adapter_table(
    name: str, description: str, kind: str, addresses: tuple[str, ...], expected: str | None
) -> None:
    match = classify_adapter(Adapter(name, addresses, True, description, kind))
    assert (match.product if match else None) == expected


def test_adapter_that_is_down_is_not_a_connected_vpn() -> None:
    assert classify_adapter(Adapter("cscotun0", ("10.20.0.5",), False, "", "tun")) is None
    assert classify_adapter(Adapter("cscotun0", ("10.20.0.5",), True, "", "tun")) is not None


def test_generic_tunnel_is_named_after_running_agents() -> None:
    agents = running_agents(["launchd", "PanGPS", "GlobalProtect", "Finder"])
    assert agents == ("Palo Alto GlobalProtect",)
    match = classify_adapter(Adapter("utun4", ("10.12.0.8",), True, "", "tun"), agents)
    assert match is not None and match.product == "Palo Alto GlobalProtect"
    # a product-named adapter keeps its own product whatever agents run
    named = classify_adapter(Adapter("cscotun0", ("10.1.1.1",), True, "", "tun"), agents)
    assert named is not None and named.product == "Cisco AnyConnect / Secure Client"


def test_unknown_tunnel_kind_with_an_address_counts_as_vpn() -> None:
    """An unrecognised Windows tunnel-type adapter (IfType 131) with an address is still a VPN."""
    match = classify_adapter(Adapter("Corp Link", ("10.50.0.3",), True, "Acme Secure Tunnel", "tunnel"))
    assert match is not None and match.product == "VPN"
    assert classify_adapter(Adapter("Corp Link", ("10.50.0.3",), True, "Acme NIC", "ethernet")) is None


@pytest.mark.parametrize(
    ("process", "product"),
    [
        ("vpnagent.exe", "Cisco AnyConnect / Secure Client"),
        ("vpnagentd", "Cisco AnyConnect / Secure Client"),
        ("PanGPS.exe", "Palo Alto GlobalProtect"),
        ("FortiClient.exe", "FortiClient"),
        ("ZSATunnel.exe", "Zscaler"),
        ("dsAccessService.exe", "Pulse Secure / Ivanti Secure Access"),
        ("wireguard.exe", "WireGuard"),
        ("openvpn", "OpenVPN"),
        ("tailscaled", "Tailscale"),
        ("warp-svc", "Cloudflare WARP"),
        ("chrome.exe", None),
        ("svchost.exe", None),
        ("openvpn-helper-unknown", None),
    ],
)
def test_agent_processes(process: str, product: str | None) -> None:
    assert classify_process(process) == product


def test_vpn_adapters_filters_a_mixed_inventory() -> None:
    inventory = [
        Adapter("lo", ("127.0.0.1",), True, "", "loopback"),
        Adapter("eth0", ("192.168.1.40",), True, "", "ethernet"),
        Adapter("utun0", ("fe80::1",), True, "", "tun"),
        Adapter("cscotun0", ("10.20.0.5",), True, "", "tun"),
    ]
    assert [a.name for a, _ in vpn_adapters(inventory)] == ["cscotun0"]


def test_vpn_word_fallback_is_named_after_running_agents() -> None:
    match = classify_adapter(Adapter("Ethernet 6", V4, True, "Contoso Secure VPN Adapter", "ethernet"), ("Netskope",))
    assert match is not None and match.product == "Netskope" and "says VPN" in match.reason


@pytest.mark.parametrize(
    ("process", "product"),
    [("f5fpclientW.exe", "F5 BIG-IP Edge Client"), ("nsload.exe", "Citrix Secure Access"),
     ("stAgentSvc.exe", "Netskope")],
)  # fmt: skip
def test_more_agent_processes(process: str, product: str) -> None:
    assert classify_process(process) == product


def test_recorded_get_netadapter_state_comes_from_operstatus() -> None:
    """tests/data/machines/win11-vpn-products: the Citrix adapter is Disconnected (OperStatus 2), so not a VPN."""
    from pathlib import Path

    from app.net.winnet import parse_get_netadapter_json

    path = Path(__file__).resolve().parents[1] / "data" / "machines" / "win11-vpn-products" / "get-netadapter.json"
    listed = parse_get_netadapter_json(path.read_text("utf-8"))
    inventory = [Adapter(a.name, V4, a.is_up, a.description, a.kind) for a in listed]
    assert [m.product for _, m in vpn_adapters(inventory)] == [
        "F5 BIG-IP Edge Client", "NetMotion Mobility / Absolute Secure Access", "Forcepoint VPN Client", "Netskope",
        "VPN",
    ]  # fmt: skip
