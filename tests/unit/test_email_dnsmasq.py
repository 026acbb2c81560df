"""The email checks end to end against a real DNS server: dnsmasq on 127.0.0.1 serving test zones."""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.engine.model import Category
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.probes import email

pytestmark = pytest.mark.skipif(shutil.which("dnsmasq") is None, reason="needs dnsmasq")

SENDER = "mail.test"
IPS = ("198.18.50.10", "198.18.50.11", "198.18.50.12")  # .12 is not in the SPF record


def dkim_record() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    text = f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"
    return ",".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))  # several strings, as over 255 chars


ZONE = [
    "local=/test/",
    "local=/18.198.in-addr.arpa/",
    # the sender: SPF with an include, DMARC, a DKIM key in several TXT strings, reverse DNS
    f'txt-record={SENDER},"v=spf1 ip4:198.18.50.10 include:_spf.{SENDER} -all"',
    f'txt-record=_spf.{SENDER},"v=spf1 ip4:198.18.50.11 -all"',
    f'txt-record=_dmarc.{SENDER},"v=DMARC1; p=quarantine; rua=mailto:d@{SENDER}"',
    f"txt-record=s1._domainkey.{SENDER},{dkim_record()}",
    "ptr-record=10.50.18.198.in-addr.arpa,o1.mail.test",
    "host-record=o1.mail.test,198.18.50.10",
    "ptr-record=11.50.18.198.in-addr.arpa,o2.mail.test",  # no forward record: not confirmed
    # a sender over the lookup limit, and one without DMARC
    *[f'txt-record=l{i}.deep.test,"v=spf1 include:l{i + 1}.deep.test -all"' for i in range(1, 12)],
    'txt-record=l12.deep.test,"v=spf1 ip4:198.18.50.0/24 -all"',
    'txt-record=deep.test,"v=spf1 include:l1.deep.test -all"',
    # blocklists: healthy (lists .12), lists everything, Spamhaus's open-resolver error
    "host-record=2.0.0.127.bl.test,127.0.0.2",
    "host-record=12.50.18.198.bl.test,127.0.0.2",
    "address=/all.test/127.0.0.2",
    "address=/err.test/127.255.255.254",
    # recipients
    "mx-host=m365.test,m365-test.mail.protection.outlook.com,0",
    "mx-host=gw.test,aspmx.l.google.com,1",
    "mx-host=gw.test,alt1.aspmx.l.google.com,5",
    "mx-host=pp.test,mx0a-00123.pphosted.com,10",
    "mx-host=pp.test,mx0b-00123.pphosted.com,10",
    'txt-record=pp.test,"v=spf1 include:spf.protection.outlook.com -all"',
    "mx-host=mc.test,us-smtp-inbound-1.mimecast.com,10",
    "host-record=nomx.test,198.18.60.1",
    "mx-host=nullmx.test,.,0",
    # a sender and a recipient under a multi-label public suffix (co.uk): DMARC at the organisational domain,
    # mailbox evidence (Microsoft 365's SPF include) at the organisation's name; co.uk itself carries decoys
    "local=/uk/",
    'txt-record=news.sender.co.uk,"v=spf1 ip4:198.18.50.0/24 -all"',
    'txt-record=_dmarc.sender.co.uk,"v=DMARC1; p=quarantine; sp=reject"',
    'txt-record=_dmarc.co.uk,"v=DMARC1; p=none"',
    "mx-host=people.candidate.co.uk,mx0a-00123.pphosted.com,10",
    'txt-record=candidate.co.uk,"v=spf1 include:spf.protection.outlook.com -all"',
    'txt-record=co.uk,"v=spf1 include:_spf.google.com ~all"',
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dnsmasq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    conf = tmp_path_factory.mktemp("dnsmasq") / "zone.conf"
    conf.write_text("\n".join(ZONE) + "\n")
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--port={port}",
             "--listen-address=127.0.0.1", "--bind-interfaces", f"--conf-file={conf}", "--pid-file=",
             "--log-facility=-", "--user=root"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if _ready(port):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail("dnsmasq did not start")
    yield port
    proc.terminate()
    proc.wait(5)


def _ready(port: int) -> bool:
    import dns.message
    import dns.query

    for _ in range(30):
        try:
            dns.query.udp(dns.message.make_query("mail.test", "TXT"), "127.0.0.1", port=port, timeout=0.2)
            return True
        except Exception:
            time.sleep(0.05)
    return False


def profile_file(tmp_path: Path, domain: str = SENDER, blocklists: tuple[str, ...] = ("bl.test",)) -> Path:
    lines = [
        'schema_version = 1', 'id = "mailtest"', 'name = "Mail test"', 'version = "1"', 'video_provider = "T"',
        'window_title = "T"', 'support_email = "help@example.org"', 'recommended_browser = "Any"',
        'browser_advice = "Any."', '[sources.t]', 'title = "t"', '[email]', f'domain = "{domain}"',
        f"sending_ips = {list(IPS)!r}".replace("'", '"'), 'dkim_selectors = ["s1", "s2"]',
        f"blocklists = {list(blocklists)!r}".replace("'", '"'), 'source = "t"',
    ]  # fmt: skip
    path = tmp_path / "mail.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(port: int, path: Path, address: str | None = "pat@m365.test"):
    profile = load_profile(str(path))
    options = RunOptions(timeout_s=15, email=address, nameservers=(f"127.0.0.1:{port}",))
    start = time.perf_counter()
    result = asyncio.run(Session(profile, options, planners=[email.plan]).run())
    checks = {c.id: c for c in result.checks if c.category is Category.EMAIL}
    return checks, {f.code: f for f in result.findings}, time.perf_counter() - start


def test_healthy_sender_ips_and_one_ip_outside_spf(dnsmasq: int, tmp_path: Path) -> None:
    checks, findings, elapsed = run(dnsmasq, profile_file(tmp_path, blocklists=()))
    assert checks["email:spf:198.18.50.10"].status.value == "pass"
    assert checks["email:spf:198.18.50.10"].details["fcrdns"] is True
    assert checks["email:spf:198.18.50.11"].status.value == "pass"  # through include:
    assert checks["email:spf:198.18.50.11"].details["fcrdns"] is False
    assert "does not point back" in checks["email:spf:198.18.50.11"].summary
    bad = checks["email:spf:198.18.50.12"]
    assert bad.status.value == "warn" and bad.details["spf_result"] == "fail"
    assert findings["email_sender_not_authorized"].checks == ("email:spf:198.18.50.12",)
    assert "198.18.50.12" in findings["email_sender_not_authorized"].it_action
    domain = checks[f"email:domain:{SENDER}"]
    assert domain.status.value == "pass" and domain.details["dmarc_policy"] == "quarantine"
    assert domain.details["dkim"]["s1"] == {"state": "present", "type": "rsa", "bits": 2048}
    assert domain.details["dkim"]["s2"] == {"state": "missing"}
    assert "email_dmarc_missing" not in findings
    assert elapsed < 5


def test_spf_chain_over_the_lookup_limit_and_no_dmarc(dnsmasq: int, tmp_path: Path) -> None:
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, "deep.test", ()))
    row = checks["email:spf:198.18.50.10"]
    assert row.details["spf_result"] == "permerror" and "more than 10" in row.details["spf_reason"]
    assert "email_sender_not_authorized" in findings
    assert "email_dmarc_missing" in findings
    assert "_dmarc.deep.test" in findings["email_dmarc_missing"].it_action


def test_blocklists(dnsmasq: int, tmp_path: Path) -> None:
    zones = ("bl.test", "all.test", "err.test", "dead.test", "refused.example")
    checks, findings, elapsed = run(dnsmasq, profile_file(tmp_path, blocklists=zones))
    healthy = checks["email:blocklist:bl.test"]
    assert healthy.status.value == "warn" and list(healthy.details["listed"]) == ["198.18.50.12"]
    assert findings["email_sender_blocklisted"].checks == ("email:blocklist:bl.test",)
    everything = checks["email:blocklist:all.test"]  # lists 127.0.0.1 too: unusable, never "listed"
    assert everything.status.value == "skip" and "list everything" in everything.details["problem"]
    spamhaus_error = checks["email:blocklist:err.test"]
    assert spamhaus_error.status.value == "skip" and "public or open resolvers" in spamhaus_error.details["problem"]
    assert "does not list the 127.0.0.2" in checks["email:blocklist:dead.test"].details["problem"]
    assert checks["email:blocklist:refused.example"].status.value == "skip"  # REFUSED: cannot check
    unusable = set(findings["email_blocklist_unusable"].checks)
    assert unusable == {f"email:blocklist:{z}" for z in zones[1:]}
    assert elapsed < 8


@pytest.mark.parametrize(
    ("address", "gateway_id", "mailbox", "words"),
    [
        ("pat@m365.test", "m365", "", "Connection filter policy"),
        ("pat@gw.test", "google", "", "Email allowlist"),
        ("pat@pp.test", "proofpoint", "m365", "Enhanced Filtering for Connectors"),
        ("pat@mc.test", "mimecast", "", "Permitted Senders"),
    ],
)
def test_recipient_gateways(
    dnsmasq: int, tmp_path: Path, address: str, gateway_id: str, mailbox: str, words: str
) -> None:
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, blocklists=()), address)
    domain = address.split("@")[1]
    row = checks[f"email:recipient:{domain}"]
    assert row.status.value == "pass"
    assert (row.details["gateway_id"], row.details["mailbox_host"]) == (gateway_id, mailbox)
    it = findings["email_gateway"].it_action
    assert words in it and SENDER in it and "198.18.50.12" in it


@pytest.mark.parametrize(
    ("address", "words"), [("pat@nullmx.test", "null MX"), ("pat@nothing.test", "no MX record and no address")]
)
def test_recipient_without_mail(dnsmasq: int, tmp_path: Path, address: str, words: str) -> None:
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, blocklists=()), address)
    row = checks[f"email:recipient:{address.split('@')[1]}"]
    assert row.status.value == "warn" and words in row.summary
    assert "email_no_mx" in findings and "email_gateway" not in findings


def test_recipient_without_mx_uses_its_address_record(dnsmasq: int, tmp_path: Path) -> None:
    """RFC 5321 §5.1: no MX but an address record is an implicit MX: information, never 'cannot receive mail'."""
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, blocklists=()), "pat@nomx.test")
    row = checks["email:recipient:nomx.test"]
    assert row.status.value == "pass" and row.details["implicit_mx"] == ["198.18.60.1"]
    assert "email_no_mx" not in findings
    implicit = findings["email_implicit_mx"]
    assert implicit.severity.value == "info" and "198.18.60.1" in implicit.it_action and SENDER in implicit.it_action


def test_public_suffix_sender_and_recipient(dnsmasq: int, tmp_path: Path) -> None:
    """Under co.uk the organisational domain is sender.co.uk / candidate.co.uk, never co.uk (RFC 7489 §3.2)."""
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, "news.sender.co.uk", ()), "pat@people.candidate.co.uk")
    domain = checks["email:domain:news.sender.co.uk"]
    assert domain.details["dmarc_record"] == "_dmarc.sender.co.uk" and domain.details["dmarc_policy"] == "reject"
    assert "email_dmarc_missing" not in findings
    row = checks["email:recipient:people.candidate.co.uk"]
    assert row.details["organizational_domain"] == "candidate.co.uk"
    assert (row.details["gateway_id"], row.details["mailbox_host"]) == ("proofpoint", "m365")


def test_missing_address_says_what_was_not_done(dnsmasq: int, tmp_path: Path) -> None:
    """Without an address the sender checks still run (for the bundle) but are never judged: no finding, so no
    verdict effect and no step; a problem they saw is 'not judged', never a pass."""
    checks, findings, _ = run(dnsmasq, profile_file(tmp_path, blocklists=("bl.test",)), None)
    assert checks["email:recipient"].status.value == "skip"
    assert findings["email_address_missing"].severity.value == "info"
    assert set(findings) == {"email_address_missing"}
    bad = checks["email:spf:198.18.50.12"]
    assert bad.status.value == "skip" and bad.details["spf_result"] == "fail" and bad.details["judged"] is False
    assert bad.details["status_if_judged"] == "warn" and bad.findings == ()
    assert checks["email:blocklist:bl.test"].details["listed"] == {"198.18.50.12": ["127.0.0.2"]}
    assert checks["email:spf:198.18.50.10"].status.value == "pass"


def test_dns_down_is_not_checked_with_the_offline_cause(tmp_path: Path) -> None:
    """Nothing listens on the DNS port, so nothing ever answers: 'not checked' with that cause (no answer, or no
    server reachable), never a SERVFAIL, and no 'blocklist could not be used' note."""
    port = free_port()  # bound and released: nothing listens there
    checks, findings, elapsed = run(port, profile_file(tmp_path), "pat@m365.test")
    for c in checks.values():
        assert c.status.value == "skip" and c.details.get("offline") is True, (c.id, c.summary)
        assert c.summary.startswith("Not checked: ") and "DNS server" in c.summary and "SERVFAIL" not in c.summary
    assert not [f for f in findings if f.startswith("email_")]
    assert elapsed < email.CHECK_TIMEOUT_S


def test_silent_dns_server_is_bounded(tmp_path: Path) -> None:
    """A DNS server that never answers: every email check ends as 'could not check' within its budget."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        checks, findings, elapsed = run(sock.getsockname()[1], profile_file(tmp_path), "pat@m365.test")
    finally:
        sock.close()
    assert elapsed < email.CHECK_TIMEOUT_S
    assert all(c.status.value == "skip" for c in checks.values()), {k: c.summary for k, c in checks.items()}
    assert all(c.details.get("offline") for c in checks.values()), {k: c.summary for k, c in checks.items()}
    assert not [f for f in findings if f.startswith("email_")]  # nothing answered: DNS is down, not the lists


def test_slow_resolver_gives_could_not_check_not_a_failure(dnsmasq: int, tmp_path: Path) -> None:
    """Every answer 1 s late (tests/lab/dnsdelay.py in front of dnsmasq): the 12-include SPF chain cannot finish,
    so its checks end as 'could not check' before the runner's timeout; parallel lookups still finish."""
    port = free_port()
    relay = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve().parents[1] / "lab" / "dnsdelay.py"), "--listen",
         f"127.0.0.1:{port}", "--upstream", f"127.0.0.1:{dnsmasq}", "--delay", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(0.5)
        checks, findings, elapsed = run(port, profile_file(tmp_path, "deep.test", ("bl.test",)), None)
    finally:
        relay.terminate()
        relay.wait(5)
    spf_row = checks["email:spf:198.18.50.10"]
    assert spf_row.status.value == "skip" and spf_row.details.get("timed_out") is True, spf_row.summary
    assert "email_sender_not_authorized" not in findings
    listed = checks["email:blocklist:bl.test"]  # two rounds of parallel lookups: ~2 s; no address: not judged
    assert listed.details["status_if_judged"] == "warn" and "email_sender_blocklisted" not in findings
    assert elapsed < email.CHECK_TIMEOUT_S
