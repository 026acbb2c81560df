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


def test_nameserver_failure_tells_dns_down_from_a_bad_answer() -> None:
    """dnspython's NoNameservers error tuples: socket errors only mean DNS is out of reach (offline); an rcode is
    the server's answer about one name."""
    from app.net.records import nameserver_failure

    unreachable = [("198.18.0.53", False, 53, OSError(101, "Network is unreachable"), None)]
    assert nameserver_failure(unreachable) == ("no DNS server can be reached (Network is unreachable)", True)
    servfail = [("198.18.0.53", False, 53, "SERVFAIL", None), ("198.18.0.54", False, 53, OSError(111, "x"), None)]
    assert nameserver_failure(servfail) == ("the DNS server answered SERVFAIL", False)
    assert nameserver_failure([("a", False, 53, ValueError("odd"), None)])[1] is False


def test_reference_only_never_judges() -> None:
    from app.engine.model import Outcome, Status
    from app.probes.email import reference_only

    warn = reference_only(Outcome(Status.WARN, "x lists 1.2.3.4.", {"a": 1}, ("email_sender_blocklisted",)))
    assert warn.status is Status.SKIP and warn.findings == () and warn.details["status_if_judged"] == "warn"
    assert warn.summary == "Not judged without an email address: x lists 1.2.3.4."
    passed = reference_only(Outcome(Status.PASS, "ok.", {}, ()))
    assert passed.status is Status.PASS and passed.details["judged"] is False
