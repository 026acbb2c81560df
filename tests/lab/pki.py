"""Lab certificate authorities and server certificates, made with `cryptography`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Issued:
    """A certificate and its key on disk (PEM); `chain` holds the leaf followed by its issuer."""

    cert: Path
    key: Path
    chain: Path


@dataclass
class CA:
    """A self-signed CA able to issue server certificates."""

    name: str
    cert_obj: x509.Certificate
    key_obj: ec.EllipticCurvePrivateKey
    cert: Path

    def issue(self, folder: Path, stem: str, hosts: list[str], ips: list[str] | None = None, days: int = 30) -> Issued:
        """A server certificate for `hosts` (DNS SANs, first one is the CN) signed by this CA."""
        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        sans: list[x509.GeneralName] = [x509.DNSName(h) for h in dict.fromkeys(hosts)]
        sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips or []]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(self.cert_obj.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key_obj.public_key()), critical=False
            )
            .sign(self.key_obj, hashes.SHA256())
        )
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        paths = Issued(folder / f"{stem}.crt", folder / f"{stem}.key", folder / f"{stem}-chain.pem")
        paths.cert.write_bytes(cert_pem)
        paths.chain.write_bytes(cert_pem + self.cert.read_bytes())
        _write_key(paths.key, key)
        return paths


def make_ca(folder: Path, stem: str, common_name: str, organization: str, days: int = 30) -> CA:
    """A new self-signed CA written to `folder/stem.crt` (key beside it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = folder / f"{stem}.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(folder / f"{stem}.key", key)
    return CA(common_name, cert, key, path)


def bundle(path: Path, *pems: Path) -> Path:
    """Concatenate PEM files into one bundle."""
    path.write_bytes(b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in pems))
    return path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o644)  # coturn and squid drop privileges; the lab's keys are throwaway
