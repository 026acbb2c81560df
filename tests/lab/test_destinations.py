"""What a real run contacts, watched in the lab, against IT's destination list (`app/destinations.py`).

A real `python -m app check` runs in cr-client on an open network. The lab's dnsmasq logs every name the client asks
(`log-queries`), and an nftables set in the firewall records every (address, protocol, port) the client sends to.
Every name asked and every flow must be covered by a destination, and every unconditional destination must have
been contacted. An address is tied to names by the resolver's own answers in the same log, so a flow to an address
several names share (the lab's web server) is covered by any of them: a check of names and ports, not of SNI.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from pathlib import Path

import pytest

from app.destinations import destinations
from app.engine.model import Contact
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from tests.lab.lab import ADDR, FIREWALL, FW_LAN, Lab

pytestmark = pytest.mark.lab

WATCH = f"""
table inet cr_watch {{
    set flows {{
        type ipv4_addr . inet_proto . inet_service
        flags dynamic
        size 65535
    }}
    chain forward {{
        type filter hook forward priority -10; policy accept;
        iifname "{FW_LAN}" meta l4proto {{ tcp, udp }} update @flows {{ ip daddr . meta l4proto . th dport }}
    }}
}}
"""
QUERY = re.compile(r"dnsmasq\[\d+\]: query\[(\w+)\] (\S+) from (\S+)")
ANSWER = re.compile(r"dnsmasq\[\d+\]: (?:reply|config|cached) (\S+) is (\d+\.\d+\.\d+\.\d+)$")
PTR_ANSWER = re.compile(r"dnsmasq\[\d+\]: (?:reply|config|cached) (\d+\.\d+\.\d+\.\d+) is (\S+)$")
PTR_NAMES = re.compile(r"^<PTR names of (\S+)>$")  # the email check's forward-confirmed reverse DNS (email.py)


def watch(lab: Lab) -> None:
    """Start recording the client's flows (the scenario's `flush ruleset` ends it) and empty the query log."""
    path = lab.conf / "watch.nft"
    path.write_text(WATCH)
    subprocess.run(["ip", "netns", "exec", FIREWALL, "nft", "-f", str(path)], check=True)
    (lab.logs / "dnsmasq.log").write_text("")


def flows() -> set[tuple[str, str, int]]:
    """(address, "TCP"|"UDP", port) of every packet the client sent through the firewall."""
    out = subprocess.run(
        ["ip", "netns", "exec", FIREWALL, "nft", "-j", "list", "set", "inet", "cr_watch", "flows"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = set()
    for item in json.loads(out)["nftables"]:
        for elem in item.get("set", {}).get("elem", []):
            addr, proto, port = elem["concat"] if "concat" in elem else elem["elem"]["val"]["concat"]
            found.add((addr, str(proto).upper(), int(port)))
    return found


def queries(lab: Lab) -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
    """Names the client asked (it reaches dnsmasq masqueraded as the firewall), address -> names answered, and
    address -> the names its PTR answer gave."""
    asked: set[str] = set()
    names: dict[str, set[str]] = {}
    ptr: dict[str, set[str]] = {}
    for line in (lab.logs / "dnsmasq.log").read_text(errors="replace").splitlines():
        if (m := QUERY.search(line)) and m.group(3) in (ADDR.fw_wan, ADDR.client):
            asked.add(m.group(2).lower().rstrip("."))
        elif m := ANSWER.search(line):
            names.setdefault(m.group(2), set()).add(m.group(1).lower())
        elif m := PTR_ANSWER.search(line):
            ptr.setdefault(m.group(1), set()).add(m.group(2).lower().rstrip("."))
    return asked, names, ptr


def matches(d: Contact, name: str, ptr: dict[str, set[str]] | None = None) -> bool:
    """A destination's host covers a name: equal, a `*.` pattern, `<placeholder>.zone` (one label or more), or
    `<PTR names of IP>` for a name the PTR answer for IP gave."""
    if d.host.startswith("<") and d.host.endswith(">"):
        m = PTR_NAMES.match(d.host)
        return bool(m and ptr and name in ptr.get(m.group(1), ()))  # other placeholders name nothing checkable
    pattern = re.sub(r"<[^>]+>", "*", d.host)
    return name == d.host or ("*" in pattern and fnmatch.fnmatchcase(name, pattern))


def wire(d: Contact) -> tuple[str, int] | None:
    """("TCP"|"UDP", port) of a destination (TLS runs over TCP); None for DNS and words."""
    m = re.fullmatch(r"(?:TLS over )?(TCP|UDP) (\d+)", d.transport)
    return (m.group(1), int(m.group(2))) if m else None


def compare(
    listed: tuple[Contact, ...],
    asked: set[str],
    names: dict[str, set[str]],
    seen: set,
    ptr: dict[str, set[str]] | None = None,
) -> list[str]:
    """Every way the run's traffic and the destination list disagree."""
    problems = []
    lookups = [d for d in listed if d.what == "DNS"]
    for name in sorted(asked):
        if not any(matches(d, name, ptr) for d in lookups):
            problems.append(f"asked DNS for {name}: not listed")
    for addr, proto, port in sorted(seen):
        if addr == ADDR.dns and port == 53:
            if not lookups:
                problems.append("DNS to the resolver, but no DNS destination listed")
            continue
        hosts = names.get(addr, set())
        if not any(wire(d) == (proto, port) and any(matches(d, h) for h in hosts) for d in listed):
            problems.append(f"sent {proto} {port} to {addr} ({', '.join(sorted(hosts)) or 'no name'}): not listed")
    for d in listed:
        if d.when:
            continue  # conditional: documented when, never due on an open network
        if d.what == "DNS":
            hit = any(matches(d, name) for name in asked)
        else:
            addrs = {a for a, hs in names.items() if any(matches(d, h) for h in hs)}
            hit = any((a, *wire(d)) in seen for a in addrs) if wire(d) else False  # type: ignore[misc]
        if not hit:
            problems.append(f"listed but never contacted: {d.what} {d.host} {d.transport} ({d.purpose})")
    return problems


@pytest.mark.parametrize("scenario", ["open_daily", "open_whereby", "open"])  # open: flo-recruit, with its mail DNS
def test_a_run_contacts_exactly_what_it_lists(lab: Lab, scenario: str, tmp_path: Path) -> None:
    sc = lab.apply(scenario)
    watch(lab)
    out = tmp_path / "result.json"
    proc = lab.app_check(out)
    assert out.is_file(), proc.stderr[-3000:]
    assert json.loads(out.read_text())["verdict"] == sc.expect.verdict, proc.stdout[-3000:]
    asked, names, ptr = queries(lab)
    seen = flows()
    assert asked and seen, "the watch saw nothing: the test would prove nothing"
    listed = destinations(load_profile(sc.profile), RunOptions())
    problems = compare(listed, asked, names, seen, ptr)
    assert not problems, "\n".join(problems)


def test_the_comparison_catches_drift() -> None:
    """A flow or a name nobody listed, and a listed destination nobody contacted, are each reported."""
    listed = (
        Contact("DNS", "a.test", "system resolver", "lookup"),
        Contact("HTTPS", "a.test", "TCP 443", "page"),
        Contact("STUN", "b.test", "UDP 3478", "stun"),
        Contact("PROXY", "<the web proxy this computer names>", "its port (TCP)", "route", "only when"),
    )
    names = {"198.19.1.10": {"a.test"}, "198.19.3.10": {"b.test"}}
    seen = {("198.19.1.10", "TCP", 443), (ADDR.dns, "UDP", 53)}
    assert compare(listed, {"a.test"}, names, seen) == ["listed but never contacted: STUN b.test UDP 3478 (stun)"]
    problems = compare(listed, {"a.test", "c.test"}, names, seen | {("198.19.1.10", "TCP", 80)})
    assert "asked DNS for c.test: not listed" in problems
    assert "sent TCP 80 to 198.19.1.10 (a.test): not listed" in problems
    # a name learnt from a PTR answer is covered only by that address's placeholder
    mail = (*listed, Contact("DNS", "<PTR names of 192.0.2.1>", "system resolver", "fcrdns", "only when"))
    assert compare(mail, {"a.test", "o1.test"}, names, seen, {"192.0.2.1": {"o1.test"}}) == [
        "listed but never contacted: STUN b.test UDP 3478 (stun)"
    ]
    assert "asked DNS for o1.test: not listed" in compare(mail, {"o1.test"}, names, seen, {"192.0.2.9": {"o1.test"}})
