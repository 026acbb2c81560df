"""Routes a PAC answer names, tested through real servers on loopback: SOCKS5 and SOCKS4 CONNECT through Debian's
dante-server (RFC 1928; the name sent for the proxy to resolve), refusals and unreachable proxies classified, a
whole run whose PAC (`auto_proxy`, as Chromium on Linux) sends the platform's hosts to SOCKS5 and the rest direct,
and an HTTPS proxy (squid's `https_port`: TLS to the proxy, CONNECT and the server's TLS inside it)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import certifi
import pytest

from app.engine.model import Category, Status
from app.engine.urls import ProxyUrl
from app.net import connect, routing
from app.net.proxy_os import CONFIGURED, SystemProxy
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca
from tests.unit.test_wss_probe import PROXY_VARS, checks, run, write_profile
from tests.unit.wss_server import WssServer, free_port, have_squid

pytestmark = pytest.mark.skipif(
    not shutil.which("danted") or not shutil.which("unshare"), reason="dante-server (danted) and unshare are needed"
)
HOSTS = {"web.test": "127.0.0.1", "ok.test": "127.0.0.1"}


class Dante:
    """danted on 127.0.0.1, in its own mount namespace whose /etc/hosts names the test hosts (it resolves SOCKS5
    names itself); CONNECT to port 9 is refused by a rule."""

    def __init__(self) -> None:
        folder = self.dir = Path(tempfile.mkdtemp(prefix="cr-dante-"))
        folder.chmod(0o755)
        self.port = free_port()
        (folder / "hosts").write_text("127.0.0.1 localhost\n" + "".join(f"{ip} {n}\n" for n, ip in HOSTS.items()))
        (folder / "danted.conf").write_text(
            f"logoutput: {folder}/danted.log\ninternal: 127.0.0.1 port = {self.port}\nexternal: 127.0.0.1\n"
            "socksmethod: none\nclientmethod: none\nuser.privileged: root\nuser.unprivileged: nobody\n"
            "client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n}\n"
            "socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0 port = 9\n  log: connect error\n}\n"
            "socks pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  command: connect\n  log: connect error\n}\n"
        )
        script = f"mount --bind {folder}/hosts /etc/hosts && exec danted -f {folder}/danted.conf -p {folder}/d.pid"
        self._out = open(folder / "stdout.log", "wb")
        self.proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], stdout=self._out, stderr=self._out)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"danted exited: {(folder / 'stdout.log').read_text()}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("danted did not listen")

    def url(self, scheme: str = "socks5") -> ProxyUrl:
        return ProxyUrl(scheme, "127.0.0.1", self.port, None, None)

    def log(self) -> str:
        path = self.dir / "danted.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.proc.kill()  # nothing to flush: its log is written line by line
        self.proc.wait(5)
        self._out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def dante():
    server = Dante()
    yield server
    server.stop()


async def _echo_through(proxy_url: ProxyUrl, host: str, port: int) -> bytes:
    conn = await connect.open_tunnel(proxy_url, host, port, 3.0)
    try:
        conn.writer.write(b"ping")
        await conn.writer.drain()
        return await asyncio.wait_for(conn.reader.read(16), 3.0)
    finally:
        await conn.close()


def _with_echo(coro_factory):
    async def main():
        async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(await r.read(16))
            await w.drain()
            w.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        try:
            return await coro_factory(server.sockets[0].getsockname()[1])
        finally:
            server.close()

    return asyncio.run(main())


def test_socks5_connect_sends_the_name_and_socks4_resolves_first(dante: Dante) -> None:
    assert _with_echo(lambda port: _echo_through(dante.url(), "web.test", port)) == b"ping"
    assert _with_echo(lambda port: _echo_through(dante.url("socks4"), "127.0.0.1", port)) == b"ping"
    assert "pass" in dante.log() and "tcp/connect" in dante.log()


def test_socks_refusal_and_unreachable_proxy_are_told_apart(dante: Dante) -> None:
    with pytest.raises(connect.PhaseError) as refused:
        _with_echo(lambda port: _echo_through(dante.url(), "127.0.0.1", 9))
    assert refused.value.phase == "proxy" and refused.value.kind == connect.PROXY_REFUSED
    assert "not allowed by ruleset" in str(refused.value)
    dead = ProxyUrl("socks5", "127.0.0.1", free_port(), None, None)
    with pytest.raises(connect.PhaseError) as unreachable:
        _with_echo(lambda port: _echo_through(dead, "web.test", port))
    assert unreachable.value.phase == "proxy_connect" and unreachable.value.kind == connect.REFUSED


def test_pac_answer_routes_through_socks5(dante: Dante, tmp_path: Path) -> None:
    pac = tmp_path / "socks.pac"
    pac.write_text(f'function FindProxyForURL(u, h) {{ return dnsDomainIs(h, ".test") ? '
                   f'"SOCKS5 127.0.0.1:{dante.port}; DIRECT" : "DIRECT"; }}')  # fmt: skip
    routes = routing.SystemRoutes((SystemProxy("test", CONFIGURED, pac_url=f"file://{pac}"),))
    route = asyncio.run(routes.route("https://web.test/"))
    assert route.proxy == dante.url() and route.why.startswith("PAC: SOCKS5 127.0.0.1")
    assert _with_echo(lambda port: _echo_through(route.proxy, "web.test", port)) == b"ping"


def test_whole_run_with_a_pac_sending_platform_hosts_to_socks5(dante: Dante, tmp_path: Path, monkeypatch) -> None:
    """HTTPS and WSS pass through dante, the proxy check names the SOCKS5 proxy; nothing else goes through it."""
    ca = make_ca(tmp_path / "ca", list(HOSTS))
    dns_server, web, ws = DnsServer().start(), HttpsServer(ca).start(), WssServer(ca.cert_pem, ca.key_pem)
    try:
        for var in PROXY_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_pem))
        pac = tmp_path / "proxy.pac"
        pac.write_text(f'function FindProxyForURL(u, h) {{ if (shExpMatch(h, "*.test")) return "SOCKS5 127.0.0.1:'
                       f'{dante.port}"; return "DIRECT"; }}')  # fmt: skip
        monkeypatch.setenv("auto_proxy", f"file://{pac}")
        web_url, ws_url = f"https://web.test:{web.port}/", f"wss://ok.test:{ws.port}/"
        result = run(write_profile(tmp_path / "p.toml", [web_url], [ws_url]), dns_server.port, ca.ca_pem)
        h, w = checks(result, Category.HTTPS)[web_url], checks(result, Category.WSS)[ws_url]
        assert h.status is Status.PASS and h.details["route"] == f"PROXY socks5://127.0.0.1:{dante.port}", h.details
        assert w.status is Status.PASS, w.summary
        p = checks(result, Category.PROXY)["system proxy settings"]
        assert p.findings == ("proxy_detected",) and f"socks5://127.0.0.1:{dante.port}" in p.summary
        assert dante.log().count("tcp/connect") >= 2
    finally:
        for s in (ws, web, dns_server):
            s.stop()


@pytest.mark.skipif(not have_squid(), reason="squid is needed")
def test_https_proxy_gets_tls_then_connect_with_tls_inside(tmp_path: Path, monkeypatch) -> None:
    """`HTTPS host:port` in a PAC answer: TLS to the proxy (verified against the OS store), then CONNECT, then the
    server's own TLS inside the tunnel; an untrusted proxy certificate fails as 'cannot reach the proxy'."""
    folder = Path(tempfile.mkdtemp(prefix="cr-tls-squid-"))
    folder.chmod(0o777)  # squid drops privileges and writes its logs here
    ca = make_ca(folder, ["localhost", "web.test"])
    for f in (ca.cert_pem, ca.key_pem):
        f.chmod(0o644)
    port = free_port()
    (folder / "hosts").write_text("127.0.0.1 web.test\n")
    (folder / "squid.conf").write_text("\n".join([
        f"https_port 127.0.0.1:{port} tls-cert={ca.cert_pem} tls-key={ca.key_pem}", f"pid_filename {folder}/squid.pid",
        f"cache_log {folder}/cache.log", f"access_log stdio:{folder}/access.log", "cache deny all", "cache_mem 8 MB",
        f"hosts_file {folder}/hosts", "dns_nameservers 127.0.0.1", f"coredump_dir {folder}",
        "shutdown_lifetime 0 seconds", "http_access allow all"]) + "\n")  # fmt: skip
    proc = subprocess.Popen(["squid", "-N", "-f", str(folder / "squid.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(ca.cert_pem, ca.key_pem)

        async def main(trusted: bool) -> bytes:
            async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                w.write(await r.read(16))
                await w.drain()
                w.close()

            server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=server_ctx)
            target = server.sockets[0].getsockname()[1]
            try:
                monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_pem) if trusted else certifi.where())
                conn = await connect.open_tunnel(
                    ProxyUrl("https", "localhost", port, None, None), "web.test", target, 3.0
                )
                await connect.start_tls(conn, ssl.create_default_context(cafile=str(ca.ca_pem)), "web.test", 3.0)
                conn.writer.write(b"inside")
                await conn.writer.drain()
                got = await asyncio.wait_for(conn.reader.read(16), 3.0)
                assert "proxy_tls" in conn.timings_ms and conn.facts["tls_version"].startswith("TLS")
                await conn.close()
                return got
            finally:
                server.close()

        assert asyncio.run(main(True)) == b"inside"
        assert "TCP_TUNNEL/200" in (folder / "access.log").read_text()
        with pytest.raises(connect.PhaseError) as untrusted:
            asyncio.run(main(False))
        assert untrusted.value.phase == "proxy_connect" and untrusted.value.kind == connect.TLS
    finally:
        proc.kill()
        proc.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
