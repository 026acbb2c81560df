"""Proxy discovery from recorded inputs: environment, WinINET/WinHTTP registry values, `scutil --proxy`; bypass rules;
PAC files evaluated as browsers evaluate them (app.net.pac)."""

from __future__ import annotations

import asyncio
import struct
import time

import pytest

from app.net import routing
from app.net.pac.evaluator import PacEvaluator
from app.net.pac.helpers import LocalAddresses
from app.net.proxy_os import CONFIGURED, NONE, UNKNOWN, linux, macos, read_system, windows


def test_environment_lower_case_wins_and_all_proxy_fills_in() -> None:
    s = linux.parse_environment({"https_proxy": "proxy.corp:3128", "HTTPS_PROXY": "http://other:1", "ALL_PROXY": "http://all:9",
                                 "no_proxy": "localhost, .corp.example,10.0.0.0/8"})  # fmt: skip
    assert s.state == CONFIGURED and (s.https.host, s.https.port) == ("proxy.corp", 3128)
    assert (s.http.host, s.http.port) == ("all", 9)
    assert s.bypass == ("localhost", ".corp.example", "10.0.0.0/8")
    assert linux.parse_environment({}).state == NONE


def test_auto_proxy_names_a_pac_file_as_chromium_on_linux_reads_it() -> None:
    s = linux.parse_environment({"auto_proxy": "http://wpad.corp/p.pac", "https_proxy": "p:1", "no_proxy": "a.corp"})
    assert (s.state, s.pac_url, s.https, s.auto_detect, s.bypass) == (
        CONFIGURED,
        "http://wpad.corp/p.pac",
        None,
        False,
        (),
    )
    empty = linux.parse_environment({"auto_proxy": ""})
    assert empty.auto_detect and empty.pac_url is None and empty.state == CONFIGURED


def test_environment_password_is_hidden_in_evidence() -> None:
    s = linux.parse_environment({"HTTPS_PROXY": "http://bob:hunter2@proxy:8080"})
    assert s.https.password == "hunter2"
    assert "hunter2" not in repr(s.to_json()) and "hunter2" not in repr(s.raw)


def _blob(flags: int, proxy_text: str = "", bypass: str = "", pac: str = "") -> bytes:
    out = struct.pack("<III", 0x46, 7, flags)
    for text in (proxy_text, bypass, pac):
        out += struct.pack("<I", len(text)) + text.encode()
    return out + b"\x00" * 32


def test_wininet_values_per_protocol_and_override() -> None:
    s = windows.parse_wininet({"ProxyEnable": 1, "ProxyServer": "http=web:80;https=secure.corp:8443;ftp=f:21",
                               "ProxyOverride": "<local>;*.corp.example"})  # fmt: skip
    assert (s.https.host, s.https.port, s.http.port) == ("secure.corp", 8443, 80)
    assert s.bypass == ("<local>", "*.corp.example") and s.source == "windows-wininet-user"
    off = windows.parse_wininet({"ProxyEnable": 0, "ProxyServer": "p:1"})
    assert off.state == NONE and off.https is None


def test_wininet_connection_blob_wins_and_reads_pac_and_autodetect() -> None:
    flags = windows.FLAG_DIRECT | windows.FLAG_AUTO_PROXY_URL | windows.FLAG_AUTO_DETECT
    s = windows.parse_wininet({"ProxyEnable": 1, "ProxyServer": "stale:1",
                               "DefaultConnectionSettings": _blob(flags, "", "", "http://pac.corp/proxy.pac")},
                              "windows-wininet-machine")  # fmt: skip
    assert s.https is None and s.pac_url == "http://pac.corp/proxy.pac" and s.auto_detect
    assert s.source == "windows-wininet-machine" and s.state == CONFIGURED
    fixed = windows.parse_wininet({"DefaultConnectionSettings": _blob(windows.FLAG_PROXY, "p.corp:3128", "<local>")})
    assert fixed.https.host == "p.corp" and fixed.bypass == ("<local>",)
    assert windows.parse_connection_blob(b"\x46\x00") is None
    assert windows.parse_connection_blob(struct.pack("<IIII", 0x46, 1, 3, 999) + b"short") is None


def test_winhttp_blob_absent_direct_and_proxy() -> None:
    assert windows.parse_winhttp(None).state == NONE
    s = windows.parse_winhttp(
        struct.pack("<III", 0x28, 0, 3) + struct.pack("<I", 11) + b"wp.corp:800" + struct.pack("<I", 0)
    )
    assert (s.https.host, s.https.port, s.source) == ("wp.corp", 800, "windows-winhttp")
    assert windows.parse_winhttp(b"\x01").state == UNKNOWN


SCUTIL = """<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
  }
  ExcludeSimpleHostnames : 1
  FTPPassive : 1
  HTTPEnable : 1
  HTTPPort : 3128
  HTTPProxy : proxy.corp.example
  HTTPSEnable : 1
  HTTPSPort : 3129
  HTTPSProxy : sproxy.corp.example
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://wpad.corp.example/wpad.dat
  ProxyAutoDiscoveryEnable : 0
}
"""


def test_scutil_output() -> None:
    s = macos.parse_scutil_proxy(SCUTIL)
    assert (s.https.host, s.https.port, s.http.port) == ("sproxy.corp.example", 3129, 3128)
    assert s.bypass == ("<local>", "*.local", "169.254/16")
    assert s.pac_url == "http://wpad.corp.example/wpad.dat" and not s.auto_detect
    direct = macos.parse_scutil_proxy("<dictionary> {\n  FTPPassive : 1\n  HTTPEnable : 0\n}\n")
    assert direct.state == NONE
    assert macos.parse_scutil_proxy("").state == UNKNOWN


def test_read_system_has_an_explicit_unknown_for_other_platforms() -> None:
    found = read_system("sunos5", {"https_proxy": "p:1"})
    assert found[0].state == UNKNOWN and found[-1].source == "environment"
    assert routing.effective_settings(found).source == "environment"  # unknown OS, configured env
    assert read_system("linux", {})[0].state == NONE


@pytest.mark.parametrize(
    ("host", "patterns", "expected"),
    [
        ("api.daily.co", [".daily.co"], True),
        ("daily.co", ["daily.co"], True),
        ("notdaily.co", ["daily.co"], False),
        ("a.corp.example", ["*.corp.example"], True),
        ("intranet", ["<local>"], True),
        ("intranet.corp", ["<local>"], False),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("169.254.9.9", ["169.254/16"], True),
        ("8.8.8.8", ["10.*"], False),
        ("10.2.3.4", ["10.*"], True),
        ("x.example", ["*"], True),
        ("127.0.0.1", [], True),
        ("localhost", [], True),
        ("web.example", ["other.example:8080"], False),
    ],
)
def test_bypass_rules(host: str, patterns: list[str], expected: bool) -> None:
    assert routing.bypassed(host, patterns) is expected


def test_pac_answer_parsing() -> None:
    r = routing.route_from_pac("PROXY p.corp:8080; DIRECT")
    assert (r.proxy.host, r.proxy.port) == ("p.corp", 8080) and r.describe() == "PROXY http://p.corp:8080"
    socks = routing.route_from_pac("SOCKS s:1; DIRECT").proxy
    assert socks is not None and (socks.scheme, socks.host, socks.port) == ("socks4", "s", 1)
    assert "no usable entry" in routing.route_from_pac("FOO s:1").why


PAC = """
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example")) return "DIRECT";
  if (isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0")) return "DIRECT";
  if (shExpMatch(host, "*.daily.co") && url.substring(0, 6) == "https:") return "PROXY daily-proxy.corp:3128; DIRECT";
  if (localHostOrDomainIs(host, "www.example.org")) return "PROXY www-proxy:80";
  return "PROXY default.corp:8080";
}
"""


def _answer(script: str, url: str, host: str, names: dict[str, tuple[str, ...]]) -> str:
    async def resolve(name: str) -> tuple[str, ...]:
        return names.get(name, ())

    result = asyncio.run(PacEvaluator(script, resolve, me=LocalAddresses()).find_proxy(url, host))
    assert result.answer is not None, result.error
    return result.answer.describe()


def test_pac_file_is_evaluated_with_its_helper_functions() -> None:
    names = {"inside.example": ("10.9.8.7",), "gs.daily.co": ("203.0.113.5",)}
    assert _answer(PAC, "https://gs.daily.co/", "gs.daily.co", names) == "PROXY daily-proxy.corp:3128; DIRECT"
    assert _answer(PAC, "https://inside.example/", "inside.example", names) == "DIRECT"
    assert _answer(PAC, "https://wiki/", "wiki", names) == "DIRECT"
    assert _answer(PAC, "http://www.example.org/", "www.example.org", names) == "PROXY www-proxy:80"
    assert _answer(PAC, "https://x.whereby.com/", "x.whereby.com", names) == "PROXY default.corp:8080"


def test_broken_and_looping_pac_files_fail_plainly_and_in_time() -> None:
    async def none(name: str) -> tuple[str, ...]:
        return ()

    def run(script: str, limit: float = 2.0) -> str:
        return asyncio.run(
            PacEvaluator(script, none, me=LocalAddresses(), time_limit_s=limit).find_proxy("https://a/", "a")
        ).error

    assert "ReferenceError" in run("function FindProxyForURL(u, h) { return nope(); }")
    assert "no FindProxyForURL" in run("var x = 1;")
    start = time.perf_counter()
    assert "did not answer" in run("function FindProxyForURL(u, h) { while (true) {} }", 0.3)
    assert time.perf_counter() - start < 1.5


def test_pac_route_served_over_http(tmp_path) -> None:
    """A PAC file fetched from a real HTTP server decides per host; a missing PAC means direct."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/proxy.pac":
                self.send_error(404)
                return
            body = PAC.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ns-proxy-autoconfig")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        settings = windows.parse_wininet({"AutoConfigURL": f"{base}/proxy.pac"})
        routes = routing.SystemRoutes((settings,))
        got = asyncio.run(routes.route("wss://gs.daily.co/"))
        assert got.describe() == "PROXY http://daily-proxy.corp:3128" and got.why.startswith("PAC:")
        missing = routing.SystemRoutes((windows.parse_wininet({"AutoConfigURL": f"{base}/gone.pac"}),))
        gone = asyncio.run(missing.route("https://gs.daily.co/"))
        assert gone.proxy is None and "404" in gone.why
    finally:
        httpd.shutdown()
