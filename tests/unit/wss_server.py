"""Real loopback servers for the WSS/proxy/captive tests: a TLS WebSocket server (wsproto), a captive-portal
HTTP server, and squid as a forward proxy (optionally demanding a login)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, RejectData, Request

LOGIN_PAGE = b"<html><head><title>Guest Wi-Fi login</title></head><body><form>Room number</form></body></html>"


class _LoopThread:
    """An asyncio loop in a daemon thread hosting servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coro: object) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(2)


class WssServer:
    """TLS WebSocket server on 127.0.0.1 with behaviour by path:
    `/` echo (answers pings), `/refuse` 403 from server "TestGate", `/page` a 200 login page,
    `/cut` accepts then drops the TCP connection after 1 s, `/deaf` accepts and never answers pings."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self._lt = _LoopThread()
        self.server = self._lt.call(asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ctx))
        self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.paths: list[str] = []

    def stop(self) -> None:
        self.server.close()  # type: ignore[attr-defined]
        self._lt.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        path = ""
        try:
            while True:
                data = await asyncio.wait_for(reader.read(65536), 10)
                if not data:
                    return
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        path = event.target
                        self.paths.append(path)
                        if path == "/refuse":
                            writer.write(ws.send(RejectConnection(403, [(b"server", b"TestGate")], has_body=False)))
                            await writer.drain()
                            return
                        if path == "/page":
                            headers = [
                                (b"content-type", b"text/html"),
                                (b"content-length", str(len(LOGIN_PAGE)).encode()),
                            ]
                            writer.write(ws.send(RejectConnection(200, headers, has_body=True)))
                            writer.write(ws.send(RejectData(LOGIN_PAGE, body_finished=True)))
                            await writer.drain()
                            return
                        writer.write(ws.send(AcceptConnection()))
                        if path == "/cut":
                            await writer.drain()
                            await asyncio.sleep(1.0)
                            writer.transport.abort()
                            return
                    elif isinstance(event, Ping) and path != "/deaf":
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        writer.write(ws.send(event.response()))
                        await writer.drain()
                        return
                await writer.drain()
        except (OSError, ssl.SSLError, TimeoutError):
            return
        finally:
            writer.close()


class CaptiveServer:
    """Plain HTTP on 127.0.0.1: mode `open` answers like the OS probe servers, `portal` answers every request
    with a login page, `redirect` sends every request to a login URL."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._lt = _LoopThread()
        self.server = self._lt.call(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.server.close()  # type: ignore[attr-defined]
        self._lt.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            path = head.split(b" ")[1].decode()
            if self.mode == "redirect":
                status, extra, body = "302 Found", "Location: http://portal.test/login\r\n", b""
            elif self.mode == "portal":
                status, extra, body = "200 OK", "Content-Type: text/html\r\n", LOGIN_PAGE
            elif path.endswith("/generate_204"):
                status, extra, body = "204 No Content", "", b""
            else:
                status, extra, body = "200 OK", "Content-Type: text/html\r\n", b"<HTML><BODY>Success</BODY></HTML>"
            writer.write(
                f"HTTP/1.1 {status}\r\n{extra}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
            )
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Squid:
    """squid as a forward proxy on 127.0.0.1 (names from its own hosts file); `user`/`password` demand Basic auth."""

    def __init__(self, hosts: dict[str, str], user: str | None = None, password: str | None = None) -> None:
        # squid drops privileges to its own user: pytest's private tmp folders are out of its reach
        folder = self.dir = Path(tempfile.mkdtemp(prefix="cr-squid-"))
        folder.chmod(0o777)
        self.port = free_port()
        (folder / "hosts").write_text("".join(f"{ip} {name}\n" for name, ip in hosts.items()))
        lines = [
            f"http_port 127.0.0.1:{self.port}",
            f"pid_filename {folder}/squid.pid",
            f"cache_log {folder}/cache.log",
            f"access_log stdio:{folder}/access.log",
            "cache deny all",
            "cache_mem 8 MB",
            f"hosts_file {folder}/hosts",
            "dns_nameservers 127.0.0.1",
            f"coredump_dir {folder}",
            "shutdown_lifetime 0 seconds",
            "forwarded_for delete",
        ]
        if user:
            passwd = folder / "passwd"
            subprocess.run(["htpasswd", "-bc", str(passwd), user, password or ""], check=True, capture_output=True)
            passwd.chmod(0o644)
            lines += [
                f"auth_param basic program /usr/lib/squid/basic_ncsa_auth {passwd}",
                "auth_param basic realm callready-test",
                "acl login proxy_auth REQUIRED",
                "http_access allow login",
                "http_access deny all",
            ]
        else:
            lines.append("http_access allow all")
        (folder / "squid.conf").write_text("\n".join(lines) + "\n")
        self._err = open(folder / "stderr.log", "wb")
        self.proc = subprocess.Popen(
            ["squid", "-N", "-f", str(folder / "squid.conf")], stdout=self._err, stderr=self._err
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("squid did not start: " + (folder / "stderr.log").read_text()[-500:])

    def access_log(self) -> str:
        log = self.dir / "access.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(2)
        self._err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def have_squid() -> bool:
    return shutil.which("squid") is not None and shutil.which("htpasswd") is not None
