"""Redaction: secrets vanish in every encoding; identity terms only as whole words; structures keep their shape."""

from __future__ import annotations

import json

from app.report.redact import ADDRESS_MARK, HOST_MARK, SECRET_MARK, USER_MARK, Redactor, identifying_addresses

SECRET = 'Tr1cky "p@ss/wörd"&<x>'


def test_secret_vanishes_raw_json_url_and_html_encoded() -> None:
    from html import escape
    from urllib.parse import quote

    r = Redactor(secrets=(SECRET,))
    for form in (SECRET, json.dumps(SECRET)[1:-1], json.dumps(SECRET, ensure_ascii=False)[1:-1], quote(SECRET, safe=""),
                 escape(SECRET)):  # fmt: skip
        out = r.text(f"before {form} after")
        assert out == f"before {SECRET_MARK} after", form


def test_identity_terms_are_replaced_as_whole_words_only() -> None:
    r = Redactor(
        users=("alice",), hosts=("Alice-PC",), addresses=("10.1.2.3", "fe80::1", "02:fc:00:00:00:01"), anonymize=True
    )
    text = "alice on alice-pc.local at 10.1.2.3 and 10.1.2.33, fe80::1%eth0, mac 02:FC:00:00:00:01; malice; ok.alice"
    assert r.text(text) == (
        f"{USER_MARK} on {HOST_MARK}.local at {ADDRESS_MARK} and 10.1.2.33, {ADDRESS_MARK}%eth0, mac {ADDRESS_MARK}; "
        "malice; ok.alice"
    )


def test_user_names_match_case_exactly_so_common_words_survive() -> None:
    r = Redactor(users=("root",), anonymize=True)
    assert r.text("root ran Test Root CA") == f"{USER_MARK} ran Test Root CA"


def test_data_redacts_values_and_keeps_keys_and_types() -> None:
    r = Redactor(secrets=("s3cret!",), hosts=("box",), anonymize=True)
    data = {"box": {"url": "http://u:s3cret!@proxy:1", "n": 3, "ok": True, "list": ["box", None]}}
    assert r.data(data) == {
        "box": {"url": f"http://u:{SECRET_MARK}@proxy:1", "n": 3, "ok": True, "list": [HOST_MARK, None]}
    }


def test_leaks_reports_raw_secrets() -> None:
    r = Redactor(secrets=("abc123xyz",))
    assert r.leaks("x abc123xyz y") == ["abc123xyz"]
    assert r.leaks(r.text("x abc123xyz y")) == []


def test_identifying_addresses_skip_loopback_and_unspecified() -> None:
    got = identifying_addresses(["127.0.0.1", "::1", "0.0.0.0", "192.0.2.2", "fe80::fc:ff:fe00:1%eth0", "00:00:00:00:00:00",
                                 "de:58:70:1c:b5:28", "eth0"])  # fmt: skip
    assert got == ["192.0.2.2", "fe80::fc:ff:fe00:1", "de:58:70:1c:b5:28"]
