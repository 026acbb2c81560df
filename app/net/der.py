"""Just enough DER (ITU-T X.690) to read certificate facts (RFC 5280 §4.1) and public-key sizes (RFC 5480, RFC 8017
§A.1.1, RFC 3279 §2.3.2), so the program needs no `cryptography` (4 MB of the single file) to tell a TLS inspector.

Pure functions over bytes; every read is bounds-checked and nesting is fixed by the structures read, so hostile
input ends in DerError, never in a hang or a huge allocation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_DER_BYTES = 64 * 1024  # a certificate or a DKIM key; real ones are 0.5-4 KB

SEQUENCE, SET, INTEGER, BIT_STRING, OID, NULL = 0x30, 0x31, 0x02, 0x03, 0x06, 0x05
UTC_TIME, GENERALIZED_TIME, CONTEXT_0 = 0x17, 0x18, 0xA0
# Directory string types (RFC 5280 §4.1.2.4) and the codec each is read with
_STRINGS = {
    0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x12: "ascii", 0x1A: "ascii", 0x14: "latin-1",
    0x1E: "utf-16-be", 0x1C: "utf-32-be",
}  # fmt: skip
# Short names RFC 4514 §3 (and cryptography's rfc4514_string) uses; any other attribute is written as its OID
_NAMES = {
    "2.5.4.3": "CN", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C",
    "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}  # fmt: skip
COMMON_NAME, ORGANIZATION = "2.5.4.3", "2.5.4.10"
RSA, EC, DSA, ED25519, ED448 = (
    "1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.2.840.10040.4.1", "1.3.101.112", "1.3.101.113",
)  # fmt: skip
EC_CURVE_BITS = {"1.2.840.10045.3.1.7": 256, "1.3.132.0.34": 384, "1.3.132.0.35": 521, "1.3.132.0.10": 256}


Rdns = tuple[tuple[tuple[str, str | bytes], ...], ...]  # a Name: RDNs of (attribute OID, value)


class DerError(ValueError):
    """Not the DER structure expected."""


@dataclass(frozen=True)
class Tlv:
    """One DER element: its tag and where its value lies in the buffer."""

    tag: int
    head: int  # where the tag byte is
    start: int  # where the value begins
    end: int


@dataclass(frozen=True)
class Certificate:
    """The facts CallReady reports about a certificate; names are [(attribute OID, value)] per RDN, in DER order."""

    issuer: Rdns
    subject: Rdns
    not_before: dt.datetime
    not_after: dt.datetime


def read_tlv(data: bytes, pos: int, end: int | None = None) -> Tlv:
    """The element at `pos` (X.690 §8.1: one-byte tags, definite lengths of at most 4 bytes, as DER requires)."""
    end = len(data) if end is None else end
    head = pos
    if pos + 2 > end:
        raise DerError("truncated element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tag")
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise DerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise DerError("element runs past its container")
    return Tlv(tag, head, pos, pos + length)


def children(data: bytes, parent: Tlv) -> list[Tlv]:
    """The elements inside a constructed element."""
    out, pos = [], parent.start
    while pos < parent.end:
        child = read_tlv(data, pos, parent.end)
        out.append(child)
        pos = child.end
    return out


def expect(el: Tlv, tag: int) -> Tlv:
    if el.tag != tag:
        raise DerError(f"tag {el.tag:#04x} where {tag:#04x} was expected")
    return el


def top(data: bytes, tag: int = SEQUENCE) -> Tlv:
    """The single element making up `data` (nothing may follow it)."""
    if len(data) > MAX_DER_BYTES:
        raise DerError("too large")
    el = expect(read_tlv(data, 0), tag)
    if el.end != len(data):
        raise DerError("bytes after the element")
    return el


def oid(data: bytes, el: Tlv) -> str:
    """Dotted form of an OBJECT IDENTIFIER (X.690 §8.19)."""
    body = data[expect(el, OID).start : el.end]
    if not body or body[-1] & 0x80 or len(body) > 64:
        raise DerError("bad object identifier")
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))


def integer_bits(data: bytes, el: Tlv) -> int:
    """Bit length of a non-negative INTEGER."""
    return int.from_bytes(data[expect(el, INTEGER).start : el.end], "big", signed=True).bit_length()


def time_value(data: bytes, el: Tlv) -> dt.datetime:
    """UTCTime or GeneralizedTime as RFC 5280 §4.1.2.5 profiles them (seconds, 'Z'; two-digit years 1950-2049)."""
    text = data[el.start : el.end].decode("ascii", "replace")
    if not text[:-1].isdigit() or not text.isascii():
        raise DerError("bad time")
    if el.tag == UTC_TIME and len(text) == 13 and text.endswith("Z"):
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif el.tag != GENERALIZED_TIME or len(text) != 15 or not text.endswith("Z"):
        raise DerError("bad time")
    try:
        return dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise DerError(str(exc)) from None


def attribute_value(data: bytes, el: Tlv) -> str | bytes:
    """A directory string as text; any other type as its whole DER encoding (bytes)."""
    codec = _STRINGS.get(el.tag)
    if codec is None:
        return data[el.head : el.end]
    try:
        return data[el.start : el.end].decode(codec)
    except UnicodeDecodeError as exc:
        raise DerError(f"bad string: {exc.reason}") from None


def name(data: bytes, el: Tlv) -> Rdns:
    """A Name (RFC 5280 §4.1.2.4): RDNs in DER order, each a tuple of (attribute OID, value)."""
    rdns = []
    for rdn in children(data, expect(el, SEQUENCE)):
        pairs: list[tuple[str, str | bytes]] = []
        for atv in children(data, expect(rdn, SET)):
            parts = children(data, expect(atv, SEQUENCE))
            if len(parts) != 2:
                raise DerError("bad attribute")
            pairs.append((oid(data, parts[0]), attribute_value(data, parts[1])))
        rdns.append(tuple(pairs))
    return tuple(rdns)


def parse_certificate(der: bytes) -> Certificate:
    """Issuer, subject and validity of an X.509 certificate (RFC 5280 §4.1)."""
    cert = children(der, top(der))
    if len(cert) != 3:
        raise DerError("a certificate has three parts")
    tbs = children(der, expect(cert[0], SEQUENCE))
    if tbs and tbs[0].tag == CONTEXT_0:  # version [0] EXPLICIT, absent for v1
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise DerError("short tbsCertificate")
    expect(tbs[0], INTEGER)  # serialNumber
    expect(tbs[1], SEQUENCE)  # signature AlgorithmIdentifier
    validity = children(der, expect(tbs[3], SEQUENCE))
    if len(validity) != 2:
        raise DerError("bad validity")
    return Certificate(
        issuer=name(der, tbs[2]),
        subject=name(der, tbs[4]),
        not_before=time_value(der, validity[0]),
        not_after=time_value(der, validity[1]),
    )


def first_value(rdns: Rdns, attribute: str) -> str:
    """The first text value of an attribute in a Name, '' when it has none."""
    return next((v for rdn in rdns for a, v in rdn if a == attribute and isinstance(v, str)), "")


def _escape(value: str | bytes) -> str:
    """RFC 4514 §2.4: a string escaped as cryptography writes it; any other value as '#' and its DER in hex."""
    if isinstance(value, bytes):
        return "#" + value.hex()
    if not value:
        return ""
    for ch in '\\"+,;<>':
        value = value.replace(ch, "\\" + ch)
    value = value.replace("\0", "\\00")
    if value[0] in "# ":
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def rfc4514(rdns: Rdns) -> str:
    """The Name as an RFC 4514 string: last RDN first, '+' inside a multi-valued RDN."""
    return ",".join("+".join(f"{_NAMES.get(a, a)}={_escape(v)}" for a, v in rdn) for rdn in reversed(rdns))


def public_key_bits(spki: bytes) -> int | None:
    """Key size of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): RSA modulus bits, EC curve bits, DSA prime bits;
    None for Ed25519/Ed448 (fixed-size keys); DerError for anything else or a broken key."""
    parts = children(spki, top(spki))
    if len(parts) != 2:
        raise DerError("bad SubjectPublicKeyInfo")
    alg = children(spki, expect(parts[0], SEQUENCE))
    if not alg:
        raise DerError("no algorithm")
    algorithm = oid(spki, alg[0])
    bits = expect(parts[1], BIT_STRING)
    if bits.end <= bits.start or spki[bits.start] != 0:
        raise DerError("bad key bit string")
    if algorithm == RSA:
        key = read_tlv(spki, bits.start + 1, bits.end)
        numbers = children(spki, expect(key, SEQUENCE))
        if len(numbers) != 2 or key.end != bits.end:
            raise DerError("bad RSA key")
        return integer_bits(spki, numbers[0])
    if algorithm == EC:
        if len(alg) != 2 or alg[1].tag != OID:
            raise DerError("EC key without a named curve")
        curve = oid(spki, alg[1])
        if curve not in EC_CURVE_BITS:
            raise DerError(f"unknown curve {curve}")
        return EC_CURVE_BITS[curve]
    if algorithm == DSA:
        if len(alg) != 2:
            raise DerError("DSA key without parameters")
        params = children(spki, expect(alg[1], SEQUENCE))
        if len(params) != 3:
            raise DerError("bad DSA parameters")
        return integer_bits(spki, params[0])
    if algorithm in (ED25519, ED448):
        return None
    raise DerError(f"unsupported key algorithm {algorithm}")
