"""Support email text and mailto: URLs (RFC 6068) that fit Windows' and macOS's length limits."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from app.engine.ittable import rows_of_json, table_text
from app.engine.model import Category, Status
from app.report.email import MAILTO_LIMIT, mailto_url, support_email
from tests.unit.report_fakes import run_result


def test_subject_has_verdict_profile_and_date_and_body_has_the_essentials() -> None:
    report = run_result().to_json()
    mail = support_email(report, "callready-flo-recruit-anonymous-20240501T101500Z.zip")
    assert mail.subject == f"Flo Recruit network check: Works with reduced quality ({report['started_at'][:10]})"
    assert f"Result: Works with reduced quality. {report['reason']}" in mail.body
    table = table_text(rows_of_json(report))
    assert table and mail.body.count(table) == 1  # the IT table, once (not the findings and the message both)
    assert "callready-flo-recruit-anonymous-20240501T101500Z.zip" in mail.body


def test_the_it_email_and_the_saved_file_location() -> None:
    report = run_result().to_json()
    mail = support_email(report, saved_at="/home/j/Desktop/callready.zip", to_it=True)
    assert mail.body.startswith("Hello IT team,")
    assert "please change" in mail.subject
    assert "saved on my computer as /home/j/Desktop/callready.zip" in mail.body


def test_mailto_round_trips_when_short() -> None:
    rows = [(Category.DNS, "a.daily.co", Status.PASS, "ok", {}, ())]
    mail = support_email(run_result(rows).to_json())
    url = mailto_url("help@example.org", mail)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and parts.path == "help@example.org"
    q = parse_qs(parts.query)
    assert q["subject"] == [mail.subject]
    assert q["body"][0].replace("\r\n", "\n") == mail.body
    assert " " not in url and "\n" not in url


def test_long_bodies_are_cut_at_a_line_with_a_note_under_the_limit() -> None:
    codes = ("dns_nxdomain", "https_blocked", "stun_blocked", "turn_udp_blocked", "turn_tcp_blocked", "tls_inspection")
    rows = [
        (Category.DNS, f"host{i}.daily.co", Status.FAIL, "NXDOMAIN", {}, (codes[i % len(codes)],)) for i in range(12)
    ]
    mail = support_email(run_result(rows).to_json())
    full = mailto_url("help@example.org", mail, limit=100_000)
    assert len(full) > MAILTO_LIMIT  # the case under test really is too long
    url = mailto_url("help@example.org", mail)
    assert len(url) <= MAILTO_LIMIT
    body = unquote(url.split("&body=", 1)[1]).replace("\r\n", "\n")
    assert body.endswith("(shortened: the report file has every detail)")
    kept = body.split("\n\n(shortened")[0]
    assert mail.body.startswith(kept) and "Result: Will not work." in kept
