"""The SPF evaluator against RFC 7208's own examples (Appendix A zone, §7.4 macro expansions) and the limits.

The zone is data (a dict), not a protocol mock: the evaluator's DNS side is tested against dnsmasq in
test_email_dnsmasq.py.
"""

from __future__ import annotations

import asyncio

import pytest

from app.probes import spf

# RFC 7208 Appendix A: the example.com / example.org zone.
APPENDIX_A: dict[tuple[str, str], list[str]] = {
    ("example.com", "MX"): ["10 mail-a.example.com.", "20 mail-b.example.com."],
    ("example.com", "A"): ["192.0.2.10", "192.0.2.11"],
    ("amy.example.com", "A"): ["192.0.2.65"],
    ("bob.example.com", "A"): ["192.0.2.66"],
    ("mail-a.example.com", "A"): ["192.0.2.129"],
    ("mail-b.example.com", "A"): ["192.0.2.130"],
    ("www.example.com", "A"): ["192.0.2.10", "192.0.2.11"],  # CNAME example.com, as a resolver returns it
    ("example.org", "MX"): ["10 mail-c.example.org."],
    ("mail-c.example.org", "A"): ["192.0.2.140"],
    ("10.2.0.192.in-addr.arpa", "PTR"): ["example.com."],
    ("11.2.0.192.in-addr.arpa", "PTR"): ["example.com."],
    ("65.2.0.192.in-addr.arpa", "PTR"): ["amy.example.com."],
    ("66.2.0.192.in-addr.arpa", "PTR"): ["bob.example.com."],
    ("129.2.0.192.in-addr.arpa", "PTR"): ["mail-a.example.com."],
    ("130.2.0.192.in-addr.arpa", "PTR"): ["mail-b.example.com."],
    ("140.2.0.192.in-addr.arpa", "PTR"): ["mail-c.example.org."],
    ("4.0.0.10.in-addr.arpa", "PTR"): ["bob.example.com."],  # the rogue reverse entry
}


def zone_lookup(zone: dict[tuple[str, str], list[str]]) -> spf.Lookup:
    async def lookup(name: str, rdtype: str) -> list[str]:
        answer = zone.get((name.rstrip(".").lower(), rdtype), [])
        if answer == ["SERVFAIL"]:
            raise spf.DnsTempError(f"SERVFAIL for {name}")
        return list(answer)

    return lookup


def evaluate(record: str, ip: str, extra: dict[tuple[str, str], list[str]] | None = None) -> spf.SpfResult:
    zone = dict(APPENDIX_A)
    zone[("example.com", "TXT")] = [record]
    zone.update(extra or {})
    return asyncio.run(spf.check_host(ip, "example.com", "user@example.com", zone_lookup(zone)))


# RFC 7208 Appendix A.1: (record, sending host, expected result)
A1 = [
    ("v=spf1 +all", "203.0.113.77", "pass"),
    ("v=spf1 a -all", "192.0.2.10", "pass"),
    ("v=spf1 a -all", "192.0.2.11", "pass"),
    ("v=spf1 a -all", "192.0.2.65", "fail"),
    ("v=spf1 a:example.org -all", "192.0.2.140", "fail"),  # example.org has no A records
    ("v=spf1 mx -all", "192.0.2.129", "pass"),
    ("v=spf1 mx -all", "192.0.2.130", "pass"),
    ("v=spf1 mx -all", "192.0.2.10", "fail"),
    ("v=spf1 mx:example.org -all", "192.0.2.140", "pass"),
    ("v=spf1 mx:example.org -all", "192.0.2.129", "fail"),
    ("v=spf1 mx mx:example.org -all", "192.0.2.129", "pass"),
    ("v=spf1 mx mx:example.org -all", "192.0.2.130", "pass"),
    ("v=spf1 mx mx:example.org -all", "192.0.2.140", "pass"),
    ("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", "pass"),  # in 192.0.2.128/30
    ("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", "pass"),  # in 192.0.2.140/30
    ("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132", "fail"),
    ("v=spf1 ptr -all", "192.0.2.65", "pass"),  # reverse DNS valid and in example.com
    ("v=spf1 ptr -all", "192.0.2.140", "fail"),  # valid, but not in example.com
    ("v=spf1 ptr -all", "10.0.0.4", "fail"),  # reverse name does not map back
    ("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", "fail"),
    ("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", "pass"),
    # qualifiers and the default result (§4.7)
    ("v=spf1 ~all", "192.0.2.1", "softfail"),
    ("v=spf1 ?all", "192.0.2.1", "neutral"),
    ("v=spf1 ip4:192.0.2.1", "192.0.2.2", "neutral"),
    ("v=spf1 -ip4:192.0.2.0/24 +all", "192.0.2.2", "fail"),
    ("v=spf1 ip6:2001:db8::/32 -all", "2001:db8::cb01", "pass"),
    ("v=spf1 ip6:2001:db8::/32 -all", "2001:db9::1", "fail"),
    ("v=spf1 ip4:192.0.2.0/24 -all", "2001:db8::1", "fail"),  # an IPv6 sender never matches ip4
    ("v=spf1 foo=bar ip4:192.0.2.1 -all", "192.0.2.1", "pass"),  # unknown modifiers are ignored (§6)
    ("v=spf1 ip4:192.0.2.1 frob -all", "192.0.2.1", "permerror"),  # unknown mechanism (§4.6.1)
    ("v=spf1 ip4:192.0.2.1 redirect=a.example redirect=b.example", "192.0.2.1", "permerror"),  # §6: twice
]


@pytest.mark.parametrize(("record", "ip", "expected"), A1)
def test_rfc7208_appendix_a1(record: str, ip: str, expected: str) -> None:
    assert evaluate(record, ip).result == expected


# RFC 7208 Appendix A.2: multiple domains with include and redirect
A2 = {
    ("example.org", "TXT"): ["v=spf1 include:example.com include:example.net -all"],
    ("la.example.org", "TXT"): ["v=spf1 redirect=example.org"],
    ("ny.example.org", "TXT"): ["v=spf1 redirect=example.org"],
    ("example.com", "TXT"): ["v=spf1 mx -all"],
    ("example.net", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
}


@pytest.mark.parametrize(
    ("domain", "ip", "expected"),
    [
        ("example.org", "192.0.2.129", "pass"),  # via include:example.com (mx)
        ("example.org", "198.51.100.9", "pass"),  # via include:example.net
        ("la.example.org", "198.51.100.9", "pass"),  # redirect
        ("ny.example.org", "203.0.113.1", "fail"),
        ("nospf.example.org", "203.0.113.1", "none"),
    ],
)
def test_rfc7208_appendix_a2(domain: str, ip: str, expected: str) -> None:
    zone = {**APPENDIX_A, **A2}
    assert asyncio.run(spf.check_host(ip, domain, "x@example.org", zone_lookup(zone))).result == expected


def test_include_of_a_failing_policy_does_not_match_and_include_without_record_is_permerror() -> None:
    zone = {**APPENDIX_A, ("inc.example", "TXT"): ["v=spf1 -all"]}
    assert evaluate("v=spf1 include:inc.example ~all", "192.0.2.1", zone).result == "softfail"
    assert evaluate("v=spf1 include:missing.example ~all", "192.0.2.1").result == "permerror"
    assert evaluate("v=spf1 redirect=missing.example", "192.0.2.1").result == "permerror"


def test_temporary_dns_failure_is_temperror() -> None:
    zone = {("inc.example", "TXT"): ["SERVFAIL"]}
    assert evaluate("v=spf1 include:inc.example -all", "192.0.2.1", zone).result == "temperror"


def test_two_spf_records_are_permerror() -> None:
    zone = {("example.com", "TXT"): ["v=spf1 -all", "v=spf1 +all"]}
    result = asyncio.run(
        spf.check_host("192.0.2.1", "example.com", "a@example.com", zone_lookup({**APPENDIX_A, **zone}))
    )
    assert result.result == "permerror"


def test_txt_records_that_are_not_spf_are_ignored() -> None:
    zone = {("example.com", "TXT"): ["google-site-verification=abc", "v=spf10 nope", "v=spf1 ip4:192.0.2.1 -all"]}
    result = asyncio.run(spf.check_host("192.0.2.1", "example.com", "a@example.com", zone_lookup(zone)))
    assert result.result == "pass"


def test_ten_lookup_limit() -> None:
    """A chain of includes: 10 DNS-querying terms are allowed, the 11th is permerror (§4.6.4)."""

    def chain(n: int) -> dict[tuple[str, str], list[str]]:
        zone = {(f"l{i}.example", "TXT"): [f"v=spf1 include:l{i + 1}.example -all"] for i in range(1, n)}
        zone[(f"l{n}.example", "TXT")] = ["v=spf1 ip4:192.0.2.1 -all"]
        return zone

    ok = evaluate("v=spf1 include:l1.example -all", "192.0.2.1", chain(10))
    assert (ok.result, ok.dns_lookups) == ("pass", 10)
    over = evaluate("v=spf1 include:l1.example -all", "192.0.2.1", chain(11))
    assert over.result == "permerror" and "more than 10" in over.reason


def test_void_lookup_limit() -> None:
    """Two lookups with no answer are tolerated; the third is permerror (§4.6.4)."""
    two = evaluate("v=spf1 a:v1.example a:v2.example ip4:192.0.2.1 -all", "192.0.2.1")
    assert two.result == "pass" and two.void_lookups == 2
    three = evaluate("v=spf1 a:v1.example a:v2.example a:v3.example ip4:192.0.2.1 -all", "192.0.2.1")
    assert three.result == "permerror"


def test_exists_with_macro() -> None:
    zone = {("1.2.0.192.ok.example", "A"): ["127.0.0.2"]}
    assert evaluate("v=spf1 exists:%{ir}.ok.example -all", "192.0.2.1", zone).result == "pass"
    assert evaluate("v=spf1 exists:%{ir}.ok.example -all", "192.0.2.9", zone).result == "fail"


# RFC 7208 §7.4: sender strong-bad@email.example.com, IP 192.0.2.3 (and 2001:db8::cb01), domain email.example.com
MACROS = [
    ("%{s}", "strong-bad@email.example.com"),
    ("%{o}", "email.example.com"),
    ("%{d}", "email.example.com"),
    ("%{d4}", "email.example.com"),
    ("%{d3}", "email.example.com"),
    ("%{d2}", "example.com"),
    ("%{d1}", "com"),
    ("%{dr}", "com.example.email"),
    ("%{d2r}", "example.email"),
    ("%{l}", "strong-bad"),
    ("%{l-}", "strong.bad"),
    ("%{lr}", "strong-bad"),
    ("%{lr-}", "bad.strong"),
    ("%{l1r-}", "strong"),
    ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
    ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
    ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
    ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
    ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ("a%%b%_c%-d", "a%b c%20d"),
]


@pytest.mark.parametrize(("spec", "expected"), MACROS)
def test_rfc7208_macro_examples(spec: str, expected: str) -> None:
    state = spf._State(spf.ipaddress.ip_address("192.0.2.3"), "strong-bad@email.example.com", "", zone_lookup({}))
    assert asyncio.run(spf.expand(spec, state, "email.example.com")) == expected


def test_rfc7208_ipv6_macro_example() -> None:
    state = spf._State(spf.ipaddress.ip_address("2001:db8::cb01"), "strong-bad@email.example.com", "", zone_lookup({}))
    got = asyncio.run(spf.expand("%{ir}.%{v}._spf.%{d2}", state, "email.example.com"))
    assert got == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"


def test_bad_macro_is_permerror() -> None:
    assert evaluate("v=spf1 exists:%{q}.example -all", "192.0.2.1").result == "permerror"
    assert evaluate("v=spf1 exists:%{c}.example -all", "192.0.2.1").result == "permerror"  # exp-only macro
