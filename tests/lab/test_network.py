"""The lab itself, checked with ground-truth probes (tests/lab/netcheck.py), independent of CallReady.

If one of these fails, the lab is wrong and the app tests in test_scenarios.py prove nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.lab.lab import HERE, TURN_PASSWORD, TURN_USER, Lab
from tests.lab.scenarios import SCENARIOS

pytestmark = pytest.mark.lab

U, P = TURN_USER, TURN_PASSWORD
PROBES: dict[str, list[Any]] = {
    "dns": ["dns", "gs.daily.co"],
    "https": ["https", "https://gs.daily.co/_ks_/x-swsl/:"],
    "wss": ["wss", "wss://prod-ks.pluot.blue/"],
    "stun": ["stun", "global.stun.twilio.com", 3478],
    "stun_classic": ["stun", "global.stun.twilio.com", 3478, True],  # RFC 3489: no magic cookie
    "turn_udp": ["turn", "global.turn.twilio.com", 3478, "udp", U, P],
    "turn_udp443": ["turn", "global.turn.twilio.com", 443, "udp", U, P],
    "turn_tcp": ["turn", "global.turn.twilio.com", 3478, "tcp", U, P],
    "turn_tls443": ["turn", "global.turn.twilio.com", 443, "tls", U, P],
    "turn_tls5349": ["turn", "prod-ks.pluot.blue", 5349, "tls", U, P],  # coturn on the web server's address
}
ALL = frozenset(PROBES)

# What must be reachable per scenario (everything else must not be). Scenarios without a row are skipped.
REACHABLE: dict[str, frozenset[str]] = {
    "open": ALL,
    "turn_credentials": ALL,
    "udp_blocked": frozenset({"dns", "https", "wss", "turn_tcp", "turn_tls443", "turn_tls5349"}),
    "only_tcp_443": frozenset({"dns", "https", "wss", "turn_tls443"}),
    "dns_nxdomain": frozenset(),
    "dns_sinkhole": frozenset({"dns"}),  # answers, with 0.0.0.0 (checked below)
    "https_blocked": ALL - {"https", "wss"},
    "stun_dpi_blocked": ALL - {"stun", "turn_udp", "turn_udp443"},
    "offline": frozenset(),
    "blackhole": frozenset({"dns"}),
}


def netcheck(lab: Lab, probes: list[list[Any]], timeout_s: float = 2.5) -> list[dict[str, Any]]:
    proc = lab.run([sys.executable, str(HERE / "netcheck.py"), json.dumps(probes)], env={"NETCHECK_TIMEOUT": str(timeout_s)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_reachability_matches_the_scenario(lab: Lab, name: str) -> None:
    if name not in REACHABLE:
        pytest.skip(f"no ground-truth row for {name} in tests/lab/test_network.py")
    lab.apply(name)
    results = dict(zip(PROBES, netcheck(lab, list(PROBES.values())), strict=True))
    wrong = {k: r for k, r in results.items() if r["ok"] != (k in REACHABLE[name])}
    assert not wrong, f"{name}: expected reachable {sorted(REACHABLE[name])}; these differ:\n" + json.dumps(wrong, indent=1)
    if name == "dns_sinkhole":
        assert results["dns"]["answers"] == ["0.0.0.0"]
    if name == "dns_nxdomain":
        assert results["dns"]["rcode"] == "NXDOMAIN"


def test_slow_dns_answers_after_four_seconds(lab: Lab) -> None:
    lab.apply("slow_dns")
    (r,) = netcheck(lab, [["dns", "c.daily.co"]])
    assert r["ok"] and 3900 <= r["ms"] < 6000, r
    proc = lab.python("import socket,time; t=time.monotonic(); socket.getaddrinfo('b.daily.co', 443); print(time.monotonic()-t)")
    assert 3.9 <= float(proc.stdout) < 6, proc.stderr  # the OS resolver (glibc) waits for it too


def test_stun_answers_through_the_nat(lab: Lab) -> None:
    lab.apply("open")
    r1, r2 = netcheck(lab, [PROBES["stun"], ["stun", "198.19.3.11", 3478]])
    assert r1["mapped"].startswith(lab.addr.fw_wan + ":") and r2["mapped"].startswith(lab.addr.fw_wan + ":")


def test_platform_names_and_mail_records(lab: Lab) -> None:
    lab.apply("open")
    names = sorted(lab.hosts.all)
    results = netcheck(lab, [["dns", n] for n in names])
    for name, r in zip(names, results, strict=True):
        want = lab.addr.web if name in lab.hosts.web else lab.addr.turn
        assert r["answers"] == [want], (name, r)
    mx, spf, dkim, aaaa, unknown, listed = netcheck(
        lab,
        [
            ["dns", "floevents.email", "MX"],
            ["dns", "floevents.email", "TXT"],
            ["dns", "s1._domainkey.floevents.email", "TXT"],
            ["dns", "gs.daily.co", "AAAA"],
            ["dns", "no-such-host.example", "A"],
            ["dns", "196.33.72.149.zen.spamhaus.org", "A"],
        ],
    )
    assert mx["answers"] == ["10 mx.floevents.email."]
    assert "v=spf1" in spf["answers"][0] and "149.72.33.196" in spf["answers"][0]
    assert "DKIM1" in dkim["answers"][0]
    assert aaaa["rcode"] == "NODATA"
    assert unknown["rcode"] == "NXDOMAIN"
    assert listed["rcode"] == "NXDOMAIN"  # not on any blocklist
    (ptr,) = netcheck(lab, [["dns", "196.33.72.149.in-addr.arpa", "PTR"]])
    assert ptr["answers"] == ["o1.floevents.email."]
