"""Real coturn relays on 127.0.0.1 for STUN/TURN tests: static users or a REST secret, UDP/TCP and TLS ports."""

from __future__ import annotations

import random
import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.unit.loopback_servers import TestCA

TURN_USER, TURN_PASS, TURN_SECRET, REALM = "alice", "wonderland", "s3cr3t-rest", "callready.test"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free on loopback for both TCP and UDP."""
    while True:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()


@dataclass
class Coturn:
    """A running turnserver: plain port (UDP+TCP) and TLS port."""

    proc: subprocess.Popen[bytes]
    port: int
    tls_port: int
    log: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def available() -> bool:
    """True when coturn is installed."""
    return shutil.which("turnserver") is not None


def start_coturn(folder: Path, ca: TestCA, rest_secret: bool = False) -> Coturn:
    """Start turnserver on loopback (static user, or use-auth-secret) and wait until it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    port, tls_port = free_port(), free_port()
    auth = (
        ["use-auth-secret", f"static-auth-secret={TURN_SECRET}"]
        if rest_secret
        else ["lt-cred-mech", f"user={TURN_USER}:{TURN_PASS}"]
    )
    lines = [
        "listening-ip=127.0.0.1", "relay-ip=127.0.0.1", f"listening-port={port}", f"tls-listening-port={tls_port}",
        f"cert={ca.cert_pem}", f"pkey={ca.key_pem}", f"realm={REALM}", *auth, "no-cli", "no-dtls",
        "allow-loopback-peers", "no-multicast-peers", "min-port=40000", "max-port=60000",
        f"pidfile={folder / 'turn.pid'}", "simple-log", f"log-file={folder / 'turn.log'}", "no-stdout-log",
        "fingerprint", "no-rfc5780",
    ]  # fmt: skip
    conf = folder / "turnserver.conf"
    conf.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(["turnserver", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with (
                socket.create_connection(("127.0.0.1", tls_port), 0.2),
                socket.create_connection(("127.0.0.1", port), 0.2),
            ):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"turnserver exited: {(folder / 'turn.log').read_text(errors='replace')[-2000:]}"
                ) from None
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("turnserver did not start listening")
    time.sleep(0.2)  # UDP listener comes up with the TCP one; give it a moment
    return Coturn(proc, port, tls_port, folder / "turn.log")


class UdpForwarder:
    """A firewall stand-in between the client and a real server: drops STUN-cookie packets (DPI) or a share at random."""

    def __init__(self, upstream_port: int, drop_cookie: bool = False, loss: float = 0.0, seed: int = 7) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.upstream = ("127.0.0.1", upstream_port)
        self.drop_cookie, self.loss = drop_cookie, loss
        self.rng_up, self.rng_down = random.Random(seed), random.Random(seed + 1)
        self.counts = {"up": 0, "up_dropped": 0, "down": 0, "down_dropped": 0}
        self._links: dict[tuple[str, int], socket.socket] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> UdpForwarder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for s in [self.sock, *self._links.values()]:
            s.close()

    def _drop(self, data: bytes, rng: random.Random) -> bool:
        if self.drop_cookie and data[4:8] == b"\x21\x12\xa4\x42":
            return True
        return self.loss > 0 and rng.random() < self.loss

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self.sock, *self._links.values()], [], [], 0.1)
            for s in readable:
                try:
                    data, peer = s.recvfrom(65535)
                except OSError:
                    continue
                if s is self.sock:
                    self.counts["up"] += 1
                    link = self._links.get(peer)
                    if link is None:
                        link = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        link.connect(self.upstream)
                        self._links[peer] = link
                    if self._drop(data, self.rng_up):
                        self.counts["up_dropped"] += 1
                        continue
                    link.send(data)
                else:
                    client = next(c for c, link in self._links.items() if link is s)
                    self.counts["down"] += 1
                    if self._drop(data, self.rng_down):
                        self.counts["down_dropped"] += 1
                        continue
                    self.sock.sendto(data, client)


class UdpTalker:
    """A UDP service of another protocol: answers every datagram with a fixed text."""

    def __init__(self, answer: bytes = b"HELLO from another protocol\n") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                _, peer = self.sock.recvfrom(4096)
                self.sock.sendto(self.answer, peer)
            except OSError:
                return

    def stop(self) -> None:
        self.sock.close()


class SilentUdp:
    """A bound UDP socket that never answers (a firewall silently dropping)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def stop(self) -> None:
        self.sock.close()


class ResetAfterTls:
    """Completes the TLS handshake, then resets the connection on the first bytes (a filtering TLS proxy),
    or answers them like a web server (`answer`, as nginx does to bytes that are not HTTP)."""

    def __init__(self, ca: TestCA, answer: bytes | None = None) -> None:
        self.answer = answer
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(ca.cert_pem, ca.key_pem)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                tls = self.ctx.wrap_socket(raw, server_side=True)
                tls.recv(100)
                if self.answer is not None:
                    tls.sendall(self.answer)
                    tls.close()
                    continue
                tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                tls.close()
            except OSError:
                raw.close()

    def stop(self) -> None:
        self.sock.close()


def write_ice_profile(path: Path, stun: list[str], turn: list[str], web: list[str] = (), **media: float) -> Path:
    """A minimal valid profile with the given STUN/TURN URLs (and web targets) for loopback runs."""
    lines = [
        'schema_version = 1', 'id = "ice-loop"', 'name = "Loopback ICE"', 'version = "1"', 'video_provider = "Test"',
        'window_title = "Loopback check"', 'support_email = "help@example.org"', 'recommended_browser = "Any"',
        'browser_advice = "Any browser."', '[sources.t]', 'title = "test"',
    ]  # fmt: skip
    for kind, urls in (("web", web), ("stun", stun), ("turn", turn)):
        for url in urls:
            lines += [f"[[{kind}]]", f'url = "{url}"', 'purpose = "test"', 'source = "t"']
    if media:
        lines.append("[media]")
        lines += [f"{k} = {v}" for k, v in media.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
