"""Real servers on 127.0.0.1 for foundation tests: a DNS server with a test zone, an HTTPS server, a silent TCP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# name -> behaviour: an address, "NXDOMAIN", "SERVFAIL", "REFUSED", "SILENT", ("SLOW", seconds, address)
ZONE: dict[str, object] = {
    "ok.test.": "127.0.0.1",
    "web.test.": "127.0.0.1",
    "json.test.": "127.0.0.1",
    "silent-web.test.": "127.0.0.1",
    "closed.test.": "127.0.0.1",
    "nx.test.": "NXDOMAIN",
    "fail.test.": "SERVFAIL",
    "refused.test.": "REFUSED",
    "hole.test.": "0.0.0.0",
    "silent.test.": "SILENT",
    "slow.test.": ("SLOW", 1.5, "127.0.0.1"),
}


class DnsServer:
    """A UDP DNS server on loopback answering ZONE (RFC 1035 messages built with dnspython)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.queries: list[str] = []

    def start(self) -> DnsServer:
        self.sock.settimeout(0.2)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(data, peer), daemon=True).start()

    def _answer(self, data: bytes, peer: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        q = query.question[0]
        name = q.name.to_text().lower()
        self.queries.append(name)
        rule = ZONE.get(name, "NXDOMAIN")
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if rule == "SILENT":
            return
        if isinstance(rule, tuple):
            time.sleep(rule[1])
            rule = rule[2]
        if rule in ("NXDOMAIN", "SERVFAIL", "REFUSED"):
            response.set_rcode(dns.rcode.from_text(str(rule)))
        elif q.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A", str(rule)))
        try:
            self.sock.sendto(response.to_wire(), peer)
        except OSError:
            pass


@dataclass
class TestCA:
    """A throw-away CA and a server certificate for the *.test names."""

    dir: Path
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def make_ca(folder: Path, names: list[str], ca_name: str = "CallReady Test Root CA") -> TestCA:
    """Create a CA and a leaf certificate with SANs for `names` (RFC 5280 profile, P-256 keys)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return TestCA(folder, ca_pem, cert_pem, key_pem)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/_ks_/"):
            body, kind = json.dumps({"ok": True}).encode(), "application/json"
        else:
            body, kind = b"<html><body>hello</body></html>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class HttpsServer:
    """A threaded HTTPS server on loopback with the test CA's certificate."""

    def __init__(self, ca: TestCA) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ca.cert_pem, ca.key_pem)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> HttpsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accepts TCP connections and never says anything (a black-holed TLS server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def stop(self) -> None:
        self.sock.close()


def free_closed_port() -> int:
    """A loopback TCP port with nothing listening (connect is refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(coro: object) -> object:
    """Run a coroutine to completion (tests are synchronous)."""
    return asyncio.run(coro)  # type: ignore[arg-type]
