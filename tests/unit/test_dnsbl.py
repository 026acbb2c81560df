"""Blocklist answers and self-tests (RFC 5782) as plain data."""

from __future__ import annotations

import pytest

from app.probes.dnsbl import Answer, classify_answer, query_name, self_test_problem


def test_query_names() -> None:
    assert query_name("149.72.33.196", "zen.spamhaus.org") == "196.33.72.149.zen.spamhaus.org"
    assert query_name("127.0.0.2", "bl.spamcop.net.") == "2.0.0.127.bl.spamcop.net"
    v6 = query_name("2001:db8::1", "bl.test")
    assert v6.startswith("1.0.0.0.") and v6.endswith(".8.b.d.0.1.0.0.2.bl.test") and v6.count(".") == 33


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ([], "not_listed"),
        (["127.0.0.2"], "listed"),
        (["127.0.0.4", "127.0.0.10"], "listed"),
        (["127.255.255.252"], "error"),  # Spamhaus: typo in the list name
        (["127.255.255.254"], "error"),  # Spamhaus: public resolver
        (["127.255.255.255"], "error"),  # Spamhaus: too many queries
        (["127.0.0.2", "127.255.255.254"], "error"),
        (["198.51.100.80"], "error"),  # an NXDOMAIN-rewriting resolver's ad server
        (["127.0.0.1"], "error"),
    ],
)
def test_classify_answer(answer: list[str], state: str) -> None:
    assert classify_answer(answer).state == state


def test_self_test() -> None:
    listed, clear = Answer("listed", ("127.0.0.2",)), Answer("not_listed")
    assert self_test_problem(listed, clear) == ""
    assert "list everything" in self_test_problem(listed, listed)
    assert "does not list the 127.0.0.2" in self_test_problem(clear, clear)
    assert "public or open" in self_test_problem(classify_answer(["127.255.255.254"]), clear)
