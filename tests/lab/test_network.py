"""The lab itself, checked with ground-truth probes (tests/lab/netcheck.py), independent of CallReady.

If one of these fails, the lab is wrong and the app tests in test_scenarios.py prove nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.lab import internet
from tests.lab.lab import CLIENT, HERE, TURN_PASSWORD, TURN_USER, Lab
from tests.lab.scenarios import SCENARIOS, Expect, Scenario, loss

pytestmark = pytest.mark.lab

U, P = TURN_USER, TURN_PASSWORD
PROBES: dict[str, list[Any]] = {
    "dns": ["dns", "gs.daily.co"],
    "https": ["https", "https://c.daily.co/"],
    "discovery": ["https", "https://gs.daily.co/rooms/check/test-rooms/us-east-1"],
    "wss": ["wss", f"wss://{internet.daily_worker('us-east-1')}:443"],
    "stun": ["stun", "global.stun.twilio.com", 3478],
    "stun_classic": ["stun", "global.stun.twilio.com", 3478, True],  # RFC 3489: no magic cookie
    "turn_udp": ["turn", "global.turn.twilio.com", 3478, "udp", U, P],
    "turn_udp443": ["turn", "global.turn.twilio.com", 443, "udp", U, P],
    "turn_tcp": ["turn", "global.turn.twilio.com", 3478, "tcp", U, P],
    "turn_tcp443": ["turn", "global.turn.twilio.com", 443, "tcp", U, P],
    "turn_tls443": ["turn", "global.turn.twilio.com", 443, "tls", U, P],
    "turn_tls5349": ["turn", "turn.cloudflare.com", 5349, "tls", U, P],
}
ALL = frozenset(PROBES)

# What must be reachable per scenario (everything else must not be). Scenarios without a row are not probed here.
REACHABLE: dict[str, frozenset[str]] = {
    "open": ALL,
    "turn_credentials": ALL,
    "udp_blocked": frozenset(
        {"dns", "https", "discovery", "wss", "turn_tcp", "turn_tcp443", "turn_tls443", "turn_tls5349"}
    ),
    "tcp443_only": frozenset({"dns", "https", "discovery", "wss", "turn_tcp443", "turn_tls443"}),
    "signalling_blocked": ALL - {"wss"},
    "discovery_unreachable": ALL - {"discovery"},
    "dns_nxdomain": frozenset(),
    "dns_sinkhole": frozenset({"dns"}),  # answers, with 0.0.0.0 (checked below)
    "https_blocked": ALL - {"https"},  # web pages only: APIs, discovery and workers have addresses of their own
    "stun_dpi_blocked": ALL - {"stun", "turn_udp", "turn_udp443"},
    "offline": frozenset(),
    "blackhole": frozenset({"dns"}),
}


def netcheck(lab: Lab, probes: list[list[Any]], timeout_s: float = 2.5) -> list[dict[str, Any]]:
    proc = lab.run(
        [sys.executable, str(HERE / "netcheck.py"), json.dumps(probes)], env={"NETCHECK_TIMEOUT": str(timeout_s)}
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n in REACHABLE])
def test_reachability_matches_the_scenario(lab: Lab, name: str) -> None:
    lab.apply(name)
    results = dict(zip(PROBES, netcheck(lab, list(PROBES.values())), strict=True))
    wrong = {k: r for k, r in results.items() if r["ok"] != (k in REACHABLE[name])}
    assert not wrong, f"{name}: expected reachable {sorted(REACHABLE[name])}; these differ:\n" + json.dumps(
        wrong, indent=1
    )
    if name == "dns_sinkhole":
        assert results["dns"]["answers"] == ["0.0.0.0"]
    if name == "dns_nxdomain":
        assert results["dns"]["rcode"] == "NXDOMAIN"


def test_slow_dns_answers_after_four_seconds(lab: Lab) -> None:
    lab.apply("slow_dns")
    glibc = subprocess.Popen(  # the OS resolver (glibc, as getaddrinfo) waits for it too, in parallel
        ["ip", "netns", "exec", CLIENT, sys.executable, "-c",
         "import socket,time; t=time.monotonic(); socket.getaddrinfo('prod-ks.pluot.blue', 443); print(time.monotonic()-t)"],
        stdout=subprocess.PIPE, text=True, env=lab.client_env(),
    )  # fmt: skip
    (r,) = netcheck(lab, [["dns", "c.daily.co"]])
    assert r["ok"] and 3900 <= r["ms"] < 6000, r
    assert 3.9 <= float(glibc.communicate(timeout=30)[0]) < 6


def test_stun_answers_through_the_nat(lab: Lab) -> None:
    lab.apply("open")
    r1, r2 = netcheck(lab, [PROBES["stun"], ["stun", "198.19.3.11", 3478]])
    assert r1["mapped"].startswith(lab.addr.fw_wan + ":") and r2["mapped"].startswith(lab.addr.fw_wan + ":")


def test_platform_names_and_mail_records(lab: Lab) -> None:
    """Names that exist resolve to their role's address; names that do not exist (the old guesses included) and
    every other name in the platforms' zones get NXDOMAIN, as on the internet."""
    lab.apply("open")
    names = internet.NAMES
    results = netcheck(lab, [["dns", n.host] for n in names])
    for name, r in zip(names, results, strict=True):
        assert r["answers"] == [getattr(lab.addr, name.address_key)], (name, r)
    missing = ["b.daily.co", "stun.opentok.com", "turn.opentok.com", "global.stun.twilio.net", "nope.wss.daily.co"]
    for host, r in zip(missing, netcheck(lab, [["dns", h] for h in missing]), strict=True):
        assert r["rcode"] == "NXDOMAIN", (host, r)
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


def test_random_loss_with_numgen(lab: Lab) -> None:
    """`loss(20)` on requests to the relay: about 20 % of classic STUN requests go unanswered."""
    lab.apply(
        Scenario(
            "t_loss",
            "20 % of UDP to the relay dropped",
            Expect("degraded"),
            forward=loss(20, "ip daddr {turn} meta l4proto udp"),
        )
    )
    try:
        (r,) = netcheck(lab, [["stun_burst", lab.addr.turn, 3478, 300]])
        assert 12.0 <= r["loss_pct"] <= 28.0, r
    finally:
        lab.apply("open")
    (r,) = netcheck(lab, [["stun_burst", lab.addr.turn, 3478, 100]])
    assert r["loss_pct"] == 0.0, r


def test_tbf_shaping_limits_download(lab: Lab) -> None:
    """`shape_down` (tc tbf on the firewall's LAN side) caps a download: 400 kB at 1 Mbit/s takes about 3 s."""
    fetch = [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{time_total}",
        "--cacert",
        str(lab.lab_ca),
        "https://c.daily.co/bytes/400000",
    ]
    lab.apply(
        Scenario("t_shaped", "1 Mbit/s down", Expect("degraded"), shape_down="rate 1mbit burst 32kbit latency 400ms")
    )
    try:
        shaped = float(lab.run(fetch).stdout)
    finally:
        lab.apply("open")
    unshaped = float(lab.run(fetch).stdout)
    assert 2.5 <= shaped <= 6.0 and unshaped < 1.0, (shaped, unshaped)
