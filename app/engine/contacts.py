"""Where a check goes on the network, declared by its planner from the values the check runs with (IT's list of
destinations, `app/destinations.py`, is the union of these over a run's plan)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from app.engine.inputs import is_ip_address
from app.engine.model import Contact
from app.engine.urls import IceServerUrl, ProxyUrl, WebUrl
from app.net.proxy_os import DNS_WPAD_URL

RESOLVER = "system resolver"
NAME_LOOKUP = "name lookup (A and AAAA)"
WIRE = {"udp": "UDP", "tcp": "TCP", "tls": "TLS over TCP"}  # RFC 7065 transports as IT reads them

WHEN_PROXY = "only when this computer sends it through a web proxy"
WHEN_PAC = "only when this computer names a PAC file"
WHEN_WPAD = "only when this computer detects its proxy automatically and DHCP names no PAC file"


def lookup(host: str, purpose: str = NAME_LOOKUP, when: str = "") -> tuple[Contact, ...]:
    """The DNS name a check asks the computer's resolver for; nothing for an address literal."""
    return () if is_ip_address(host) else (Contact("DNS", host, RESOLVER, purpose, when),)


def tcp(what: str, host: str, port: int, purpose: str, when: str = "") -> Contact:
    """A TCP destination (HTTPS, WSS, HTTP, a proxy)."""
    return Contact(what, host, f"TCP {port}", purpose, when)


def web(what: str, url: WebUrl, purpose: str, when: str = "") -> tuple[Contact, ...]:
    """An https/wss URL: its name looked up (unless a proxy does it), then TCP to its port."""
    return (*lookup(url.host, when=when), tcp(what, url.host, url.port, purpose, when))


def plain_http(url: str, purpose: str, when: str = "") -> tuple[Contact, ...]:
    """A plain http:// URL (RFC 9110 §4.2.1: port 80 unless given)."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return (*lookup(host, when=when), tcp("HTTP", host, parts.port or 80, purpose, when))


def ice(what: str, url: IceServerUrl, purpose: str, when: str = "") -> tuple[Contact, ...]:
    """A STUN or TURN server over its RFC 7064/7065 transport."""
    return (*lookup(url.host, when=when), Contact(what, url.host, f"{WIRE[url.transport]} {url.port}", purpose, when))


def proxy(
    given: ProxyUrl, purpose: str = "the proxy IT gave (--proxy or the profile), tested in addition"
) -> tuple[Contact, ...]:
    """A proxy named by IT: checks tunnel through it (HTTP CONNECT, or SOCKS)."""
    return (*lookup(given.host), tcp("PROXY", given.host, given.port, purpose))


def discovery() -> tuple[Contact, ...]:
    """Finding the computer's proxy: its PAC file or WPAD (fetched once per run by whichever check asks first), and
    the names the script looks up."""
    wpad = urlsplit(DNS_WPAD_URL)
    return (
        Contact("HTTP", "<the PAC file's host>", "its URL's port (TCP)", "the proxy auto-config (PAC) file", WHEN_PAC),
        *lookup(wpad.hostname or "wpad", "proxy auto-detection (WPAD)", WHEN_WPAD),
        tcp("HTTP", wpad.hostname or "wpad", wpad.port or 80, f"proxy auto-detection ({DNS_WPAD_URL})", WHEN_WPAD),
        Contact("DNS", "<names the PAC script looks up>", RESOLVER, "the PAC script's dnsResolve()", WHEN_PAC),
    )


def routed(given: ProxyUrl | None = None) -> tuple[Contact, ...]:
    """Going the browser's way: the computer's web proxy when it names one (found by `discovery`), and the proxy IT
    gave."""
    computer = Contact(
        "PROXY",
        "<the web proxy this computer names>",
        "its port (TCP)",
        "the browser's way to the platform",
        WHEN_PROXY,
    )
    return (computer, *discovery(), *(proxy(given) if given is not None else ()))


def union(contacts: Iterable[Contact]) -> tuple[Contact, ...]:
    """In first-seen order, one per (what, host, transport, why); an unconditional one wins over a conditional one."""
    found: dict[tuple[str, str, str, str], Contact] = {}
    for c in contacts:
        kept = found.get(c.key)
        if kept is None or (kept.when and not c.when):
            found[c.key] = c
    return tuple(found.values())
