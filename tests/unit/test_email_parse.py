"""DMARC/DKIM tag parsing and DKIM key facts as plain data."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from app.probes.email import dkim_key_facts, parse_tags


def test_parse_tags() -> None:
    assert parse_tags("v=DMARC1; p=reject; rua=mailto:a@b.example;") == {
        "v": "DMARC1", "p": "reject", "rua": "mailto:a@b.example"
    }  # fmt: skip
    assert parse_tags("v=DKIM1; k=rsa; p=MIIB IjAN\tBgkq") == {"v": "DKIM1", "k": "rsa", "p": "MIIBIjANBgkq"}


def test_dkim_key_facts() -> None:
    der = (
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert dkim_key_facts(f"v=DKIM1; p={base64.b64encode(der).decode()}") == {
        "state": "present",
        "type": "rsa",
        "bits": 1024,
    }
    assert dkim_key_facts("v=DKIM1; k=rsa; p=") == {"state": "revoked"}
    assert dkim_key_facts("v=DKIM1; k=rsa")["state"] == "invalid"
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    facts = dkim_key_facts(f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}")
    assert facts["state"] == "present" and facts["type"] == "ed25519" and "bits" not in facts
