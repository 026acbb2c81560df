"""Pure classification of network adapters and running processes as VPN clients (no I/O)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

GENERIC = "VPN"


@dataclass(frozen=True)
class Adapter:
    """One network interface as the OS lists it (kind: tun, ppp, tunnel, ethernet, wireless, loopback, '')."""

    name: str
    addresses: tuple[str, ...] = ()
    is_up: bool = True
    description: str = ""
    kind: str = ""


@dataclass(frozen=True)
class VpnMatch:
    """Why an adapter is taken for a VPN: the product (or 'VPN') and the evidence."""

    product: str
    reason: str


# Tunnels and virtual adapters the OS (or kernel modules) create with no VPN connected.
_NOT_VPN = re.compile(
    r"teredo|isatap|6to4|ip-?https|pseudo-interface|kernel debug|hyper-v|virtualbox|vmware|wi-fi direct"
    r"|^(tunl0|sit\d+|gre0|gretap0|erspan0|ip6tnl0|ip6gre0|ip_vti0|ip6_vti0|teql0|ifb\d+)$"
    r"|^(gif|stf|awdl|llw|anpi|bridge|ap)\d+$|^(docker|virbr|veth|br-|lxcbr|vboxnet|vmnet)",
    re.IGNORECASE,
)

# (pattern over "name description", product); order matters: products built on WireGuard/Wintun first.
ADAPTER_PRODUCTS: tuple[tuple[str, str], ...] = (
    (r"anyconnect|cisco secure client|cscotun|cisco systems vpn", "Cisco AnyConnect / Secure Client"),
    (r"pangp|globalprotect|^gpd\d", "Palo Alto GlobalProtect"),
    (r"fortinet|forticlient|fortissl", "FortiClient"),
    (r"zscaler|^zcctun", "Zscaler"),
    (r"pulse secure|juniper networks virtual adapter|ivanti|^jnprns", "Pulse Secure / Ivanti Secure Access"),
    (r"cloudflare ?warp", "Cloudflare WARP"),
    (r"tailscale", "Tailscale"),
    (r"nordlynx|nordvpn|^nordtun", "NordVPN"),
    (r"protonvpn|^proton\d", "Proton VPN"),
    (r"mullvad", "Mullvad VPN"),
    (r"expressvpn", "ExpressVPN"),
    (r"check point.*(vpn|virtual)", "Check Point Endpoint VPN"),
    (r"sonicwall", "SonicWall NetExtender"),
    (r"f5 networks vpn|f5 access|big-?ip edge", "F5 BIG-IP Edge Client"),
    (r"citrix (virtual adapter|secure access|gateway)|netscaler (gateway|vpn)", "Citrix Secure Access"),
    (r"netmotion|absolute secure access", "NetMotion Mobility / Absolute Secure Access"),
    (r"forcepoint|stonesoft", "Forcepoint VPN Client"),
    (r"netskope", "Netskope"),
    (r"tap-windows|openvpn|tap0901|ovpn-dco", "OpenVPN"),
    (r"wireguard|wintun|^wg\d", "WireGuard"),
)  # fmt: skip
_ADAPTER_RES = tuple((re.compile(p, re.IGNORECASE), product) for p, product in ADAPTER_PRODUCTS)

# Interface names that are VPN tunnels when they carry an address (macOS utun/ipsec, Linux tun/tap/ppp).
_GENERIC_NAME = re.compile(r"^(utun|tun|tap|ppp|ipsec|vpn)\d+$", re.IGNORECASE)
# Last resort: an adapter whose description (or Windows connection name) says VPN.
_VPN_WORD = re.compile(r"\bvpn\b", re.IGNORECASE)
_TUNNEL_KINDS = {"tun", "ppp", "tunnel"}

# Known VPN agent processes (lower-case, without .exe) -> product.
AGENT_PROCESSES: dict[str, str] = {
    "vpnagent": "Cisco AnyConnect / Secure Client", "vpnagentd": "Cisco AnyConnect / Secure Client",
    "vpnui": "Cisco AnyConnect / Secure Client", "csc_ui": "Cisco AnyConnect / Secure Client",
    "cisco secure client": "Cisco AnyConnect / Secure Client",
    "pangps": "Palo Alto GlobalProtect", "pangpa": "Palo Alto GlobalProtect", "globalprotect": "Palo Alto GlobalProtect",
    "forticlient": "FortiClient", "fortitray": "FortiClient", "fortisslvpndaemon": "FortiClient",
    "fortivpn": "FortiClient", "openfortivpn": "FortiClient",
    "zsatunnel": "Zscaler", "zsaservice": "Zscaler", "zstunnel": "Zscaler", "zscaler": "Zscaler",
    "dsaccessservice": "Pulse Secure / Ivanti Secure Access", "pulsesecure": "Pulse Secure / Ivanti Secure Access",
    "pulsesvc": "Pulse Secure / Ivanti Secure Access", "ivanti secure access": "Pulse Secure / Ivanti Secure Access",
    "wireguard": "WireGuard", "wireguard-go": "WireGuard",
    "openvpn": "OpenVPN", "openvpnserv": "OpenVPN", "openvpnserv2": "OpenVPN", "openvpnconnect": "OpenVPN",
    "openvpn connect": "OpenVPN", "ovpnagent": "OpenVPN", "openvpn-gui": "OpenVPN", "tunnelblick": "OpenVPN",
    "openconnect": "OpenConnect",
    "tailscaled": "Tailscale", "tailscale-ipn": "Tailscale",
    "warp-svc": "Cloudflare WARP", "cloudflare warp": "Cloudflare WARP",
    "nordvpnd": "NordVPN", "nordvpn-service": "NordVPN",
    "mullvad-daemon": "Mullvad VPN", "expressvpnd": "ExpressVPN", "protonvpnservice": "Proton VPN",
    "tracsrvwrapper": "Check Point Endpoint VPN",
    "f5fpclientw": "F5 BIG-IP Edge Client", "nsload": "Citrix Secure Access", "aoservice": "Citrix Secure Access",
    "stagentsvc": "Netskope", "stagentui": "Netskope",
}  # fmt: skip


def routable(address: str) -> bool:
    """True for an address that can carry traffic off the machine (not loopback or link-local)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def classify_process(name: str) -> str | None:
    """The VPN product whose agent has this process name, or None."""
    key = name.strip().lower()
    if key.endswith(".exe"):
        key = key[:-4]
    return AGENT_PROCESSES.get(key)


def classify_adapter(adapter: Adapter, agents: Iterable[str] = ()) -> VpnMatch | None:
    """Whether an adapter is a connected VPN tunnel; `agents` names products whose agent runs (for utun/tun)."""
    if not adapter.is_up or not any(routable(a) for a in adapter.addresses):
        return None  # idle tunnels (macOS's own utun with only fe80::) carry nothing
    text = f"{adapter.name} {adapter.description}".strip()
    if _NOT_VPN.search(adapter.name) or _NOT_VPN.search(adapter.description):
        return None
    for pattern, product in _ADAPTER_RES:
        if pattern.search(adapter.name) or pattern.search(adapter.description):
            return VpnMatch(product, f"adapter {text!r}")
    if _GENERIC_NAME.match(adapter.name) or adapter.kind in _TUNNEL_KINDS:
        names = sorted(set(agents))
        product = " / ".join(names) if names else GENERIC
        return VpnMatch(product, f"{adapter.kind or 'tunnel'} interface {adapter.name} with an address")
    if _VPN_WORD.search(adapter.description) or _VPN_WORD.search(adapter.name):
        names = sorted(set(agents))
        return VpnMatch(" / ".join(names) if names else GENERIC, f"adapter {text!r} says VPN")
    return None


def running_agents(process_names: Iterable[str]) -> tuple[str, ...]:
    """Products whose VPN agent process is running, sorted and distinct."""
    return tuple(sorted({p for n in process_names if (p := classify_process(n))}))


def vpn_adapters(adapters: Iterable[Adapter], agents: Iterable[str] = ()) -> list[tuple[Adapter, VpnMatch]]:
    """Every adapter that is a connected VPN, with the reason."""
    agent_list = tuple(agents)
    return [(a, m) for a in adapters if (m := classify_adapter(a, agent_list))]


def describe(adapter: Adapter, match: VpnMatch) -> str:
    """Short label for people: `Cisco AnyConnect / Secure Client (cscotun0)`."""
    return f"{match.product} ({adapter.name})"
