"""Real coturn relays on 127.0.0.1 for STUN/TURN tests: static users or a REST secret, UDP/TCP and TLS ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
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
    auth = [f"use-auth-secret", f"static-auth-secret={TURN_SECRET}"] if rest_secret else ["lt-cred-mech", f"user={TURN_USER}:{TURN_PASS}"]
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
            with socket.create_connection(("127.0.0.1", tls_port), 0.2), socket.create_connection(("127.0.0.1", port), 0.2):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"turnserver exited: {(folder / 'turn.log').read_text(errors='replace')[-2000:]}") from None
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("turnserver did not start listening")
    time.sleep(0.2)  # UDP listener comes up with the TCP one; give it a moment
    return Coturn(proc, port, tls_port, folder / "turn.log")
