"""Windows proxy discovery over recorded inputs (tests/data/machines: `reg export`, `netsh winhttp show proxy`):
the fresh-profile auto-detect blob, policy PAC value, per-connection VPN settings, browser policies, SOCKS only,
machine-wide settings, WinHTTP's answer, file:// and UNC PAC paths; auto-detect failure is direct, as browsers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.engine.model import Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.runner import RunContext
from app.net import routing
from app.net.proxy_os import (
    CONFIGURED,
    DNS_WPAD_URL,
    NONE,
    UNKNOWN,
    SystemProxy,
    file_url_path,
    wpad_candidates,
)
from app.net.proxy_os import windows as w
from app.net.services import RunServices
from app.probes import proxy

MACHINES = Path(__file__).resolve().parents[1] / "data" / "machines"


def reg(machine: str) -> dict[str, dict[str, object]]:
    """A recorded `reg export` (UTF-16 with BOM, as reg.exe writes it)."""
    return w.parse_reg_export((MACHINES / machine / "internet-settings.reg").read_text("utf-16"))


def text(machine: str, name: str) -> str:
    return (MACHINES / machine / name).read_text("utf-8")


def test_reg_export_parser_reads_dwords_strings_and_continued_hex() -> None:
    view = reg("win11-fresh-profile")
    user = w.key_values(view, w.HKCU, w.INTERNET_SETTINGS)
    assert user["ProxyEnable"] == 0 and user["SecureProtocols"] == 0x2A80 and user["IE5_UA_Backup_Flag"] == "5.0"
    blob = w.key_values(view, "HKCU", w.CONNECTIONS)["DefaultConnectionSettings"]
    assert isinstance(blob, bytes) and blob[:12] == bytes.fromhex("460000000200000009000000")
    assert w.parse_reg_export('garbage\n[HKEY_CURRENT_USER\\X]\n"a"=dword:zz\n"b"=hex:0g\n') == {
        "HKEY_CURRENT_USER\\X": {}
    }


def test_fresh_profile_0x09_blob_is_auto_detect_dns_only() -> None:
    found = w.from_registry(reg("win11-fresh-profile"))
    assert [s.source for s in found] == ["windows-wininet-user", "windows-winhttp"]
    user, winhttp = found
    assert user.auto_detect and user.state == CONFIGURED and user.pac_url is None and user.http is None
    assert user.wpad_urls == (DNS_WPAD_URL,)
    assert winhttp.state == NONE
    assert w.parse_netsh_winhttp(text("win11-fresh-profile", "netsh-winhttp.txt")).state == NONE


def test_dhcp_wpad_url_comes_before_dns() -> None:
    user = w.wininet_from_registry(reg("win11-fresh-profile"), dhcp_wpad_url="http://pac.corp.example/wpad.dat")
    assert user.wpad_urls == ("http://pac.corp.example/wpad.dat", DNS_WPAD_URL)
    assert wpad_candidates(DNS_WPAD_URL) == (DNS_WPAD_URL,) and wpad_candidates("  ") == (DNS_WPAD_URL,)


def test_plain_autoconfigurl_value_from_policy_is_used() -> None:
    user = w.from_registry(reg("win10-gpo-pac"))[0]
    assert user.pac_url == "http://pac.corp.example/proxy.pac" and user.state == CONFIGURED
    assert "AutoConfigURL" in user.note and not user.auto_detect


def test_connected_vpn_entry_uses_its_own_settings() -> None:
    view = reg("win10-vpn-connection")
    lan = w.from_registry(view, connected=("Wi-Fi",))[0]
    assert lan.auto_detect and lan.http is None
    vpn = w.from_registry(view, connected=("Wi-Fi", "contoso vpn"))[0]
    assert str(vpn.https) == "http://vpnproxy.corp.example:8080" and not vpn.auto_detect
    assert vpn.bypass == ("<local>", "*.corp.example") and "Contoso VPN" in vpn.note


def test_browser_policies_come_first_machine_over_user() -> None:
    view = reg("win11-browser-policy")
    chrome, edge, user, winhttp = w.from_registry(view)
    assert chrome.source == "chrome-policy" and chrome.pac_url == "https://pac.corp.example/chrome.pac"
    assert edge.source == "edge-policy" and str(edge.https) == "http://proxy.corp.example:8080"
    assert edge.bypass == ("*.corp.example", "<local>")
    assert str(user.http) == "http://old-proxy.corp.example:3128"
    assert str(winhttp.https) == "http://proxy.corp.example:8080" and winhttp.bypass == ("<local>",)
    netsh = w.parse_netsh_winhttp(text("win11-browser-policy", "netsh-winhttp.txt"))
    assert (netsh.https, netsh.bypass) == (winhttp.https, winhttp.bypass)
    assert routing.effective_settings((*w.from_registry(view), SystemProxy("environment", NONE))) == chrome


@pytest.mark.parametrize(
    ("machine", "user", "want"),
    [
        ({}, {}, None),
        ({"ProxyMode": "system"}, {}, None),
        ({}, {"ProxyMode": "direct"}, NONE),
        ({"ProxyMode": "auto_detect"}, {"ProxyMode": "direct"}, CONFIGURED),
        ({"ProxyServerMode": 0}, {}, NONE),
        ({"ProxyServerMode": 2, "ProxyServer": "p.corp:3128"}, {}, CONFIGURED),
        ({"ProxyMode": "pac_script"}, {}, UNKNOWN),
        ({"ProxyMode": "nonsense"}, {}, UNKNOWN),
        ({"ProxySettings": "{not json"}, {}, UNKNOWN),
        ({"ProxySettings": '{"ProxyMode": "fixed_servers", "ProxyServer": "socks5://s.corp:1080"}'}, {}, CONFIGURED),
    ],
)
def test_browser_policy_modes(machine: dict[str, object], user: dict[str, object], want: str | None) -> None:
    got = w.parse_browser_policy(machine, user, "chrome-policy")
    assert (got.state if got else None) == want


def test_socks_only_reads_as_a_socks_proxy_not_none() -> None:
    user = w.from_registry(reg("win10-socks-only"))[0]
    assert user.state == CONFIGURED and user.socks == "socks4://socks.corp.example:1080"
    assert user.http is None and user.https is None and not user.note
    route = routing.fixed_route(user, "https", "gs.daily.co")
    assert route is not None and route.proxy is None and "SOCKS" in route.why
    assert w.parse_proxy_rules("http=web:80;socks=s:1080") == (w.proxy_from_text("web:80"), None, "socks4://s:1080")


def test_machine_wide_policy_and_reg_added_values() -> None:
    user = w.from_registry(reg("win10-machine-wide"))[0]
    assert user.source == "windows-wininet-machine"
    assert (str(user.http), str(user.https)) == ("http://proxy.corp.example:8080", "http://proxy.corp.example:8443")
    assert "ProxyEnable" in user.note and user.bypass == ("<local>", "10.*")
    netsh = w.parse_netsh_winhttp(text("win10-machine-wide", "netsh-winhttp.txt"))
    assert str(netsh.https) == "http://proxy.corp.example:8443" and netsh.bypass == ()
    assert w.parse_netsh_winhttp("Aktuelle WinHTTP-Proxyeinstellungen: ...").state == UNKNOWN


def test_winhttp_ie_config_answer() -> None:
    cfg = w.IeProxyConfig(True, "http://pac.corp.example/p.pac", "http=p:80;https=p:443", "<local>;*.corp")
    got = w.from_ie_config(cfg, "http://dhcp.corp.example/wpad.dat")
    assert got.pac_url == "http://pac.corp.example/p.pac" and got.auto_detect
    assert got.wpad_urls == ("http://dhcp.corp.example/wpad.dat", DNS_WPAD_URL)
    assert str(got.https) == "http://p:443" and got.bypass == ("<local>", "*.corp")
    assert w.from_ie_config(w.IeProxyConfig(False, None, None, None)).state == NONE


@pytest.mark.parametrize(
    ("url", "windows", "path"),
    [
        ("file:///C:/ProgramData/Corp/p.pac", True, "C:\\ProgramData\\Corp\\p.pac"),
        ("file://C:/p.pac", True, "C:\\p.pac"),
        ("file://fileserver/netlogon/proxy.pac", True, "\\\\fileserver\\netlogon\\proxy.pac"),
        ("file:////fileserver/netlogon/proxy.pac", True, "\\\\fileserver\\netlogon\\proxy.pac"),
        ("file://localhost/C:/My%20PAC/p.pac", True, "C:\\My PAC\\p.pac"),
        ("file:///etc/callready/p.pac", False, "/etc/callready/p.pac"),
    ],
)
def test_file_pac_url_paths(url: str, windows: bool, path: str) -> None:
    assert file_url_path(url, windows) == path


def test_file_pac_url_is_read(tmp_path: Path) -> None:
    pac = tmp_path / "p.pac"
    pac.write_text("function FindProxyForURL(u, h) { return 'PROXY pac-proxy.corp:3128'; }")
    settings = SystemProxy("windows-wininet-user", CONFIGURED, pac_url=pac.as_uri())
    got = asyncio.run(routing.SystemRoutes((settings,)).route("https://gs.daily.co/"))
    assert got.describe() == "PROXY http://pac-proxy.corp:3128"


def test_failed_auto_detect_is_direct_and_tries_dhcp_then_dns() -> None:
    """Nothing listens on the two loopback ports: both WPAD candidates fail, in order, and the check passes."""
    dhcp, dns = "http://127.0.0.1:9/wpad.dat", "http://127.0.0.1:7/wpad.dat"
    settings = SystemProxy("windows-wininet-user", CONFIGURED, auto_detect=True, wpad_urls=(dhcp, dns))
    routes = routing.SystemRoutes((settings,))
    route = asyncio.run(routes.route("https://gs.daily.co/"))
    assert route.proxy is None and route.source == "wpad" and "browsers go direct" in route.why
    assert route.why.index(dhcp) < route.why.index(dns)


async def _probe() -> Outcome:
    options = RunOptions(nameservers=("127.0.0.1:9",))  # a dead loopback resolver: no real name is ever asked
    services = RunServices(2.0, False, options.nameservers)
    ctx = RunContext(load_profile("daily"), options, services, asyncio.get_running_loop().time() + 10)
    try:
        return await proxy.probe_proxy(ctx)
    finally:
        await services.aclose()


def test_auto_detect_failure_is_a_pass_but_a_named_pac_failure_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = SystemProxy("windows-wininet-user", CONFIGURED, auto_detect=True, wpad_urls=("http://127.0.0.1:9/w.dat",))
    named = SystemProxy("windows-wininet-user", CONFIGURED, pac_url="http://127.0.0.1:9/proxy.pac")
    for settings, status in ((auto, Status.PASS), (named, Status.WARN)):
        monkeypatch.setattr(routing, "read_system", lambda s=settings: (s,))
        outcome = asyncio.run(_probe())
        assert outcome.status is status, outcome.summary


def test_differences_between_winhttp_and_registry() -> None:
    view = reg("win10-gpo-pac")
    registry = w.wininet_from_registry(view)
    same = w.from_ie_config(w.IeProxyConfig(False, "http://pac.corp.example/proxy.pac", None, None))
    assert w.differences(same, registry) == []
    other = w.from_ie_config(w.IeProxyConfig(True, None, "p:1", "<local>"))
    assert [d.split(":")[0] for d in w.differences(other, registry)] == ["pac_url", "auto_detect", "http", "https",
                                                                         "bypass"]  # fmt: skip
