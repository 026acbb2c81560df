"""VPN check logic: pure verdict, destinations, exemption text, wire evidence, and the IP-list fetch on loopback."""

from __future__ import annotations

import asyncio
import http.server
import json
import ssl
import threading
import time
from pathlib import Path

import pytest

from app.engine.model import Category, CheckResult, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.runner import RunContext
from app.net.services import RunServices
from app.probes import routes, vpn
from app.probes.vpn_classify import Adapter, VpnMatch
from tests.unit.loopback_servers import DnsServer, SilentServer, make_ca

CISCO = (Adapter("cscotun0", ("10.99.0.2",), True, "", "tun"), VpnMatch("Cisco AnyConnect / Secure Client", "x"))


def routed(label: str, interface: str | None, via: bool) -> vpn.RoutedDestination:
    return vpn.RoutedDestination(
        vpn.Destination(label, "198.18.200.1"), routes.Route("198.18.200.1", "x", interface), via
    )


@pytest.mark.parametrize(
    ("vpns", "rows", "wire", "status", "tunnel", "codes"),
    [
        ([], [], {}, Status.PASS, "none", ()),
        ([CISCO], [routed("a", "cscotun0", True), routed("b", "cscotun0", True)], {}, Status.WARN, "full",
         ("vpn_detected", "vpn_full_tunnel")),
        ([CISCO], [routed("a", "eth0", False), routed("b", "eth0", False)], {}, Status.PASS, "split",
         ("vpn_detected", "vpn_split_tunnel")),
        ([CISCO], [routed("a", "eth0", False), routed("b", "cscotun0", True)], {}, Status.WARN, "mixed",
         ("vpn_detected", "vpn_full_tunnel")),
        # routes look split but STUN's answered packets went through the tunnel: the wire wins
        ([CISCO], [routed("a", "eth0", False)], {"stun_via_vpn": True}, Status.WARN, "mixed",
         ("vpn_detected", "vpn_full_tunnel")),
        # VPN up, no destination could be routed: unknown, never pass
        ([CISCO], [routed("a", None, False)], {}, Status.SKIP, "unknown", ("vpn_detected",)),
    ],
)  # fmt: skip
def test_judge(vpns, rows, wire, status, tunnel, codes) -> None:
    got_status, summary, got_codes, got_tunnel = vpn.judge(vpns, rows, wire)
    assert (got_status, got_tunnel, got_codes) == (status, tunnel, codes)
    if vpns:
        assert "Cisco AnyConnect / Secure Client (cscotun0)" in summary


def test_flo_recruit_exemption_and_range_samples() -> None:
    """From the shipped profile (data only, no network): the guide's exemption and one address per TURN range."""
    profile = load_profile("flo-recruit")
    text = vpn.exemption(profile)
    assert "UDP 3478, 10000-60000" in text
    assert "34.203.254.0-34.203.254.255" in text and "44.234.69.0-44.234.69.127" in text
    assert "TCP 443, 3478 to the TURN ranges" in text  # the relays probed over TCP (issue 13: no 5349 guess)
    samples = vpn.range_samples(profile)
    assert len(samples) == 7  # the seven Twilio ranges; the mail sender addresses are not media
    for d in samples:
        assert any(r.contains(d.address) for r in profile.ip_ranges if r.purpose == "turn")
    assert samples[0].address == "34.203.254.1"


def test_addresses_in_text() -> None:
    body = json.dumps({"servers": [{"ip": "3.4.5.6"}, {"ip": "10.0.0.1"}, {"cidr": "18.200.0.0/16"}], "v": "1.2.3.4.5"})
    assert vpn.addresses_in_text(body) == ["3.4.5.6", "18.200.0.0"]
    assert vpn.addresses_in_text(" ".join(f"8.8.{i}.1" for i in range(40)), limit=3) == [
        "8.8.0.1",
        "8.8.1.1",
        "8.8.2.1",
    ]


def _stun(status: Status, **details: object) -> CheckResult:
    return CheckResult("stun:s", Category.STUN, "s", "s", status, "", 1, details)


def test_wire_evidence_reads_the_stun_mapped_address() -> None:
    via_tun = lambda ip: routes.Route(ip, "10.99.0.2", "cscotun0")  # noqa: E731
    via_eth = lambda ip: routes.Route(ip, "198.18.10.2", "eth0")  # noqa: E731
    ok = _stun(Status.PASS, address="198.18.201.10", mapped_address="203.0.113.5:40000")
    assert vpn.wire_evidence([ok], via_tun, {"cscotun0"}, {"10.99.0.2"})["stun_via_vpn"] is True
    out = vpn.wire_evidence([ok], via_eth, {"cscotun0"}, {"10.99.0.2"})
    assert out["stun_via_vpn"] is False and out["mapped_address"] == "203.0.113.5"
    # no NAT on the tunnel: the server sees the VPN adapter's own address
    raw = _stun(Status.PASS, address="198.18.201.10", mapped_address="10.99.0.2:5000")
    assert vpn.wire_evidence([raw], via_eth, {"cscotun0"}, {"10.99.0.2"})["stun_via_vpn"] is True
    # failed STUN or no mapped address: nothing to compare
    assert vpn.wire_evidence([_stun(Status.FAIL, address="198.18.201.10")], via_tun, {"cscotun0"}, set()) == {}
    assert vpn.wire_evidence([], via_tun, {"cscotun0"}, set()) == {}


# ---- the published IP list, fetched from a real HTTPS server on loopback


class _ListHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps([{"ip": "3.4.5.6", "ptr": "a"}, {"ip": "3.4.5.7", "ptr": "b"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def list_server(tmp_path_factory: pytest.TempPathFactory):
    ca = make_ca(tmp_path_factory.mktemp("ca"), ["web.test", "silent-web.test"])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ListHandler)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(ca.cert_pem, ca.key_pem)
    httpd.socket = sctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    dns_server = DnsServer().start()
    silent = SilentServer()
    yield {"ca": ca, "port": httpd.server_address[1], "dns": dns_server.port, "silent": silent.port}
    httpd.shutdown()
    httpd.server_close()
    dns_server.stop()
    silent.stop()


def _profile(tmp_path: Path, list_url: str):
    path = tmp_path / "p.toml"
    path.write_text(
        "\n".join([
            'schema_version = 1', 'id = "t"', 'name = "T"', 'version = "1"', 'video_provider = "T"',
            'window_title = "T"', 'support_email = "help@example.org"', 'recommended_browser = "Any"',
            'browser_advice = "Any."', '[sources.t]', 'title = "t"',
            '[[ip_lists]]', f'url = "{list_url}"', 'purpose = "t"', 'source = "t"',
            '[[stun]]', 'url = "stun:198.18.201.10:3478"', 'purpose = "t"', 'source = "t"',
        ]) + "\n"
    )  # fmt: skip
    return load_profile(str(path))


async def _destinations(profile, dns_port: int):
    options = RunOptions(nameservers=(f"127.0.0.1:{dns_port}",), loopback_is_real=True)
    services = RunServices(3.0, False, options.nameservers)
    ctx = RunContext(profile, options, services, asyncio.get_running_loop().time() + 10)
    try:
        return await vpn.media_destinations(ctx)
    finally:
        await services.aclose()


def test_ip_list_is_fetched_and_sampled(list_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(list_server["ca"].ca_pem))
    profile = _profile(tmp_path, f"https://web.test:{list_server['port']}/ips/ip-info.json")
    dests, notes = asyncio.run(_destinations(profile, list_server["dns"]))
    assert [d.address for d in dests] == ["198.18.201.10", "3.4.5.6", "3.4.5.7"]
    assert notes["ip_list"].startswith("2 address(es) sampled")


def test_silent_ip_list_is_skipped_within_its_deadline(list_server, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(list_server["ca"].ca_pem))
    profile = _profile(tmp_path, f"https://silent-web.test:{list_server['silent']}/ips")
    start = time.perf_counter()
    dests, notes = asyncio.run(_destinations(profile, list_server["dns"]))
    assert time.perf_counter() - start < vpn.IP_LIST_TIMEOUT_S + 1
    assert [d.address for d in dests] == ["198.18.201.10"]
    assert notes["ip_list"].startswith("not fetched")


def test_untrusted_ip_list_is_not_used(list_server, tmp_path: Path) -> None:
    """Without the test CA in the OS store the list is not trusted, so none of its addresses are used."""
    profile = _profile(tmp_path, f"https://web.test:{list_server['port']}/ips")
    dests, notes = asyncio.run(_destinations(profile, list_server["dns"]))
    assert [d.address for d in dests] == ["198.18.201.10"]
    assert notes["ip_list"].startswith("not fetched")


def test_windows_adapter_state_comes_from_operstatus(monkeypatch: pytest.MonkeyPatch) -> None:
    """psutil says the F5 adapter is up, Windows' own OperStatus says it is down: OperStatus wins (issue 23)."""
    import socket
    import sys
    from types import SimpleNamespace

    from app.net import winnet

    addr = SimpleNamespace(family=socket.AF_INET, address="10.144.1.17")
    monkeypatch.setattr(routes.psutil, "net_if_addrs", lambda: {"Ethernet 3": [addr], "Wi-Fi": [addr]})
    monkeypatch.setattr(routes.psutil, "net_if_stats", lambda: {"Ethernet 3": SimpleNamespace(isup=True)})
    monkeypatch.setattr(winnet, "adapters", lambda: [
        winnet.WinAdapter("Ethernet 3", "F5 Networks VPN Adapter", "ethernet", False),
        winnet.WinAdapter("Wi-Fi", "Intel(R) Wi-Fi 6E AX211 160MHz", "wireless", True),
    ])  # fmt: skip
    monkeypatch.setattr(sys, "platform", "win32")
    listed = {a.name: a for a in routes.list_adapters()}
    monkeypatch.undo()
    assert (listed["Ethernet 3"].is_up, listed["Ethernet 3"].description) == (False, "F5 Networks VPN Adapter")
    assert listed["Wi-Fi"].is_up and listed["Wi-Fi"].kind == "wireless"
