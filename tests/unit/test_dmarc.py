"""DMARC discovery (RFC 7489 §6.6.3) and the organisational domain from the Public Suffix List (§3.2).

The list is the one the `publicsuffixlist` package ships (no fetch at run time). Discovery is tested over a plain
zone dict; the DNS side is tested against dnsmasq in test_email_dnsmasq.py.
"""

from __future__ import annotations

import asyncio

import pytest

from app.probes import dmarc, spf


@pytest.mark.parametrize(
    ("domain", "organizational"),
    [
        ("example.com", "example.com"),
        ("mail.example.com", "example.com"),
        ("example.co.uk", "example.co.uk"),  # the "last two labels" would give co.uk
        ("news.mail.example.co.uk", "example.co.uk"),
        ("a.b.example.com.au", "example.com.au"),
        ("hr.example.org.nz", "example.org.nz"),
        ("people.candidate.co.uk.", "candidate.co.uk"),  # trailing dot, case
        ("Mail.Example.CO.UK", "example.co.uk"),
        ("co.uk", "co.uk"),  # a public suffix is its own organisational domain
        ("city.kawasaki.jp", "city.kawasaki.jp"),  # PSL exception rule !city.kawasaki.jp
        ("www.city.kawasaki.jp", "city.kawasaki.jp"),
        ("x.foo.kawasaki.jp", "x.foo.kawasaki.jp"),  # wildcard rule *.kawasaki.jp
    ],
)
def test_organizational_domain(domain: str, organizational: str) -> None:
    assert dmarc.organizational_domain(domain) == organizational


@pytest.mark.parametrize(
    ("text", "is_dmarc"),
    [
        ("v=DMARC1; p=reject", True),
        ("v = DMARC1 ;p=none", True),
        ("v=DMARC1", True),
        ("v=dmarc1; p=reject", False),  # the value must match exactly (§6.4)
        ("p=reject; v=DMARC1", False),  # v must be the first tag
        ("v=spf1 -all", False),
        ("", False),
    ],
)
def test_is_dmarc_record(text: str, is_dmarc: bool) -> None:
    assert dmarc.is_dmarc_record(text) is is_dmarc


def discover(zone: dict[str, list[str]], domain: str) -> dmarc.DmarcPolicy | None:
    async def lookup(name: str, rdtype: str) -> list[str]:
        assert rdtype == "TXT"
        answer = zone.get(name, [])
        if answer == ["SERVFAIL"]:
            raise spf.DnsTempError("SERVFAIL")
        return answer

    return asyncio.run(dmarc.discover(domain, lookup))


def test_own_record_wins() -> None:
    zone = {"_dmarc.news.example.co.uk": ["v=DMARC1; p=reject"], "_dmarc.example.co.uk": ["v=DMARC1; p=none"]}
    found = discover(zone, "news.example.co.uk")
    assert found is not None and (found.record_name, found.policy) == ("_dmarc.news.example.co.uk", "reject")
    assert not found.from_organizational_domain


def test_falls_back_to_the_organizational_domain_under_a_multi_label_suffix() -> None:
    zone = {
        "_dmarc.example.co.uk": ["v=DMARC1; p=quarantine; sp=reject"],
        "_dmarc.co.uk": ["v=DMARC1; p=none"],  # never asked: co.uk is a public suffix
    }
    found = discover(zone, "news.mail.example.co.uk")
    assert found is not None and found.record_name == "_dmarc.example.co.uk" and found.from_organizational_domain
    assert found.policy == "reject"  # sp= applies to a subdomain (§6.3)
    assert discover({"_dmarc.co.uk": ["v=DMARC1; p=none"]}, "mail.example.co.uk") is None


def test_records_without_the_version_are_ignored_and_several_end_discovery() -> None:
    zone = {"_dmarc.a.example.com.au": ["some other text"], "_dmarc.example.com.au": ["v=DMARC1; p=none"]}
    found = discover(zone, "a.example.com.au")
    assert found is not None and found.record_name == "_dmarc.example.com.au" and found.policy == "none"
    two = {"_dmarc.a.example.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"], "_dmarc.example.com": ["v=DMARC1"]}
    assert discover(two, "a.example.com") is None  # several records: no DMARC processing, no fallback (step 5)


def test_dns_failure_is_not_missing_dmarc() -> None:
    with pytest.raises(spf.DnsTempError):
        discover({"_dmarc.example.com": ["SERVFAIL"]}, "example.com")
