"""Lab mail zone data (tests/lab/mailzone.py) and, with `-m lab`, the mail scenarios' details beyond the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lab.lab import ADDR
from tests.lab.mailzone import healthy_sender_lines, merge_zone, record_key


def test_scenario_line_replaces_base_line_of_same_kind_and_name() -> None:
    base = ['txt-record=s.test,"v=spf1 ip4:1.2.3.4 ~all"', "mx-host=s.test,mx.s.test,10", "local=/bl.test/"]
    merged = merge_zone(base, ['txt-record=S.test,"v=spf1 -all"', 'txt-record=other.test,"x"'])
    assert merged == ["mx-host=s.test,mx.s.test,10", "local=/bl.test/", 'txt-record=S.test,"v=spf1 -all"',
                      'txt-record=other.test,"x"']  # fmt: skip
    assert record_key("address=/x.test/1.2.3.4") is None  # address= lines add, never replace


def test_healthy_sender_has_dmarc_and_rfc5782_test_points() -> None:
    lines = healthy_sender_lines("floevents.email", ["zen.spamhaus.org"])
    assert lines[0].startswith("txt-record=_dmarc.floevents.email,") and "v=DMARC1" in lines[0]
    assert lines[1] == "address=/2.0.0.127.zen.spamhaus.org/127.0.0.2"


def _email(lab, scenario: str, tmp_path: Path) -> dict[str, dict]:
    lab.apply(scenario)
    out = tmp_path / f"{scenario}.json"
    lab.app_check(out)
    return {c["id"]: c for c in json.loads(out.read_text())["checks"] if c["category"] == "email"}


@pytest.mark.lab
@pytest.mark.parametrize(("scenario", "gateway", "mailbox"), [("mail_m365", "m365", ""), ("mail_google", "google", ""),
                                                             ("mail_proofpoint", "proofpoint", "m365"),
                                                             ("mail_mimecast", "mimecast", "")])  # fmt: skip
def test_lab_gateways(lab, tmp_path: Path, scenario: str, gateway: str, mailbox: str) -> None:
    domain = f"{scenario.removeprefix('mail_')}.candidate.test"
    row = _email(lab, scenario, tmp_path)[f"email:recipient:{domain}"]
    assert (row["details"]["gateway_id"], row["details"]["mailbox_host"]) == (gateway, mailbox)
    assert "floevents.email" in row["details"]["gateway_steps"] and "155.248.199.62" in row["details"]["gateway_steps"]


@pytest.mark.lab
def test_lab_sender_details(lab, tmp_path: Path) -> None:
    healthy = _email(lab, "mail_healthy", tmp_path)
    assert all(healthy[f"email:spf:{ip}"]["details"]["fcrdns"] is True
               for ip in ("149.72.33.196", "129.213.22.154", "155.248.199.62"))  # fmt: skip
    gap = _email(lab, "mail_spf_gap", tmp_path)
    assert gap["email:spf:155.248.199.62"]["details"]["spf_result"] == "softfail"
    assert gap["email:spf:149.72.33.196"]["status"] == "pass"
    deep = _email(lab, "mail_spf_lookup_limit", tmp_path)
    assert deep["email:spf:149.72.33.196"]["details"]["spf_result"] == "permerror"
    listed = _email(lab, "mail_blocklisted", tmp_path)
    assert list(listed["email:blocklist:zen.spamhaus.org"]["details"]["listed"]) == ["149.72.33.196"]
    broken = _email(lab, "mail_blocklist_broken", tmp_path)["email:blocklist:bl.spamcop.net"]
    assert broken["status"] == "skip" and "list everything" in broken["details"]["problem"]


@pytest.mark.lab
def test_lab_recipient_fallback_and_public_suffix(lab, tmp_path: Path) -> None:
    """No MX: the address record is the mail server (RFC 5321 §5.1). Under co.uk the mailbox evidence is read at the
    organisational domain candidate.co.uk (Public Suffix List), never at co.uk, whose decoy says Google."""
    fallback = _email(lab, "email_a_fallback", tmp_path)["email:recipient:afallback.candidate.test"]
    assert fallback["status"] == "pass" and fallback["details"]["implicit_mx"] == [ADDR.web]
    assert "email_implicit_mx" in fallback["findings"] and "floevents.email" in fallback["details"]["gateway_steps"]
    psl = _email(lab, "email_psl", tmp_path)["email:recipient:people.candidate.co.uk"]
    assert psl["details"]["organizational_domain"] == "candidate.co.uk"
    assert (psl["details"]["gateway_id"], psl["details"]["mailbox_host"]) == ("proofpoint", "m365")
    null = _email(lab, "mail_no_mx", tmp_path)["email:recipient:nomx.candidate.test"]
    assert null["status"] == "warn" and "null MX" in null["summary"]
