"""app/net/der.py against `cryptography` (a test dependency only): the same certificate facts and key sizes,
and hostile DER ends in DerError (or {} from certificate_facts), never in another exception."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from app.net import der
from app.net.trust import certificate_facts

KEY = ec.generate_private_key(ec.SECP256R1())
A = x509.NameAttribute


def _cert(subject: x509.Name, issuer: x509.Name, start: dt.datetime, end: dt.datetime) -> bytes:
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(KEY, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


NOW = dt.datetime(2026, 11, 30, 5, 0, 0, tzinfo=dt.UTC)
NAMES = {
    "cn only": x509.Name([A(NameOID.COMMON_NAME, "web.test")]),
    "org and cn": x509.Name([A(NameOID.ORGANIZATION_NAME, "Zscaler Inc."), A(NameOID.COMMON_NAME, "Zscaler Root CA")]),
    "no cn": x509.Name([A(NameOID.COUNTRY_NAME, "CH"), A(NameOID.ORGANIZATION_NAME, 'Zürich, "AG" + <x>; #1 ')]),
    "multi-valued rdn": x509.Name(
        [
            x509.RelativeDistinguishedName(
                [A(NameOID.ORGANIZATIONAL_UNIT_NAME, "IT"), A(NameOID.STATE_OR_PROVINCE_NAME, "ZH")]
            )
        ]
    ),
    "email and dc": x509.Name(
        [A(NameOID.DOMAIN_COMPONENT, "corp"), A(NameOID.EMAIL_ADDRESS, "pki@corp.example"), A(NameOID.USER_ID, "u1")]
    ),
    "printable and bmp": x509.Name(
        [
            A(NameOID.COUNTRY_NAME, "DE", x509.name._ASN1Type.PrintableString),
            A(NameOID.ORGANIZATION_NAME, "東京 Proxy", x509.name._ASN1Type.BMPString),
            A(NameOID.LOCALITY_NAME, "Köln", x509.name._ASN1Type.UniversalString),
        ]
    ),
    "empty": x509.Name([]),
}
VALIDITY = {
    "utc time": (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=90)),
    "generalized time after 2049": (dt.datetime(2000, 2, 29, tzinfo=dt.UTC), dt.datetime(2051, 6, 1, 12, 30, 5, tzinfo=dt.UTC)),
    "two-digit year 50 is 1950": (dt.datetime(1950, 1, 1, tzinfo=dt.UTC), dt.datetime(2049, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
}  # fmt: skip


def _expected(der_bytes: bytes) -> dict:
    cert = x509.load_der_x509_certificate(der_bytes)

    def cn(name: x509.Name) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    orgs = cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return {
        "subject": cn(cert.subject),
        "issuer": cn(cert.issuer),
        "issuer_org": str(orgs[0].value) if orgs else "",
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


@pytest.mark.parametrize("label", NAMES)
@pytest.mark.parametrize("when", VALIDITY)
def test_certificate_facts_match_cryptography(label: str, when: str) -> None:
    blob = _cert(NAMES[label], NAMES[label], *VALIDITY[when])
    facts = certificate_facts(blob)
    assert facts.pop("days_left") == (der.parse_certificate(blob).not_after - dt.datetime.now(dt.UTC)).days
    assert facts == _expected(blob)


def test_subject_and_issuer_are_told_apart() -> None:
    blob = _cert(NAMES["cn only"], NAMES["org and cn"], *VALIDITY["utc time"])
    facts = certificate_facts(blob)
    assert (facts["subject"], facts["issuer"], facts["issuer_org"]) == ("web.test", "Zscaler Root CA", "Zscaler Inc.")


KEYS = {
    "rsa 1024": (lambda: rsa.generate_private_key(65537, 1024), 1024),
    "rsa 2048": (lambda: rsa.generate_private_key(65537, 2048), 2048),
    "ec p-256": (lambda: ec.generate_private_key(ec.SECP256R1()), 256),
    "ec p-384": (lambda: ec.generate_private_key(ec.SECP384R1()), 384),
    "ec p-521": (lambda: ec.generate_private_key(ec.SECP521R1()), 521),
    "dsa 1024": (lambda: dsa.generate_private_key(1024), 1024),
    "ed25519": (ed25519.Ed25519PrivateKey.generate, None),
    "ed448": (ed448.Ed448PrivateKey.generate, None),
}


@pytest.mark.parametrize("label", KEYS)
def test_public_key_bits_match_cryptography(label: str) -> None:
    make, bits = KEYS[label]
    pub = make().public_key()
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert der.public_key_bits(spki) == bits == getattr(pub, "key_size", None)


def test_unsupported_or_broken_keys_raise_der_error() -> None:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    spki = KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for bad in (
        raw,
        b"",
        spki[:-1],
        spki + b"\0",
        spki.replace(bytes.fromhex("2a8648ce3d030107"), bytes.fromhex("2a8648ce3d030199")),
    ):
        with pytest.raises(der.DerError):
            der.public_key_bits(bad)


def test_hostile_der_gives_no_facts_and_no_other_exception() -> None:
    blob = _cert(NAMES["org and cn"], NAMES["no cn"], *VALIDITY["utc time"])
    rng = random.Random(19)
    cases = [blob[:n] for n in range(0, len(blob), 7)]
    cases += [
        bytes(b ^ (1 << rng.randrange(8)) if i == pos else b for i, b in enumerate(blob))
        for pos in rng.sample(range(len(blob)), 150)
    ]
    cases += [rng.randbytes(rng.randrange(1, 300)) for _ in range(200)]
    cases += [
        b"\x30\x84\xff\xff\xff\xff",
        b"\x30\x80\x00\x00",
        b"\x1f\x01\x00",
        b"\x30" + b"\x82\x10\x00" + b"\0" * 10,
        b"\x30" * 5000,
    ]
    for case in cases:
        facts = certificate_facts(case)
        assert isinstance(facts, dict)
        try:
            der.parse_certificate(case)
        except der.DerError:
            pass
        try:
            der.public_key_bits(case)
        except der.DerError:
            pass


@pytest.mark.parametrize(
    ("encoded", "dotted"),
    [
        ("2a864886f70d010101", "1.2.840.113549.1.1.1"),
        ("550403", "2.5.4.3"),
        ("2b6570", "1.3.101.112"),
        ("8837", "2.999"),
    ],
)
def test_object_identifiers(encoded: str, dotted: str) -> None:
    body = bytes.fromhex(encoded)
    data = bytes([der.OID, len(body)]) + body
    assert der.oid(data, der.read_tlv(data, 0)) == dotted


def test_oversized_input_is_refused() -> None:
    with pytest.raises(der.DerError):
        der.top(b"\x30\x83\x01\x00\x00" + b"\0" * 0x10000)
