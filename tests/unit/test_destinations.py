"""IT's destination list is the union of what the planned checks declare; every network check declares something."""

from __future__ import annotations

import fnmatch
import re
from urllib.parse import urlsplit

from app.destinations import destinations, markdown
from app.engine.contacts import union
from app.engine.model import Category, Contact, Outcome, Status
from app.engine.options import RunOptions, turn_credentials
from app.engine.profile import load_profile, shipped_profiles
from app.engine.runner import Check, RunContext
from app.engine.session import plan_run
from app.engine.urls import parse_proxy_url
from app.probes import PLANNERS
from app.probes.captive import CAPTIVE_PROBES

# Checks that only read this computer (policies, installed browsers) or earlier results (TLS inspection).
LOCAL = {Category.SYSTEM, Category.BROWSER, Category.TLS_INSPECTION}
TRANSPORT = re.compile(r"^(system resolver|(TLS over )?(TCP|UDP) \d{1,5})$")

OPTION_SETS = {
    "plain": RunOptions(),
    "email": RunOptions(email="someone@candidate.test"),
    "proxy+turn": RunOptions(
        email="someone@candidate.test",
        proxy=parse_proxy_url("http://proxy.example.test:3128"),
        turn=(turn_credentials("turns:relay.example.test:5349?transport=tcp", "u", "p"),),
    ),
}


def profiles() -> list:
    out = []
    for pid in shipped_profiles():
        regions = [r.id for r in load_profile(pid).regions if r.selectable] or [None]
        out += [load_profile(pid, region) for region in regions]
    return out


def silent(checks: list[Check]) -> list[str]:
    """Network checks that declare no contact (a planner that forgot them)."""
    return [c.id for c in checks if c.category not in LOCAL and not c.contacts]


def covers(contact: Contact, host: str) -> bool:
    return contact.host == host or (contact.host.startswith("*.") and fnmatch.fnmatchcase(host, contact.host))


def test_destinations_are_the_union_of_planned_contacts() -> None:
    for profile in profiles():
        for label, options in OPTION_SETS.items():
            checks = plan_run(profile, options)
            listed = destinations(profile, options)
            assert listed == union(c for check in checks for c in check.contacts), (profile.id, label)
            assert len({d.key for d in listed}) == len(listed)
            assert silent(checks) == [], (profile.id, label)
            for d in listed:  # a placeholder host (<...>) is always conditional, its port said in words
                assert TRANSPORT.match(d.transport) or (d.when and d.host.startswith("<")), d
                assert d.purpose and d.what in {"DNS", "HTTP", "HTTPS", "WSS", "STUN", "TURN", "PROXY"}, d


def test_a_planner_that_forgets_its_contacts_is_caught() -> None:
    async def run(ctx: RunContext) -> Outcome:
        return Outcome(Status.PASS, "ok")

    def forgetful(profile, options) -> list[Check]:
        return [Check("https:new.example.test/", Category.HTTPS, "https://new.example.test/", "New", run, 5.0)]

    checks = plan_run(load_profile("daily"), RunOptions(), [*PLANNERS, forgetful])
    assert silent(checks) == ["https:new.example.test/"]


def test_each_check_declares_the_host_it_targets() -> None:
    """A check's own target (URL, STUN/TURN URI, DNS name) is among its contacts: they come from the same values."""
    for profile in profiles():
        for check in plan_run(profile, OPTION_SETS["proxy+turn"]):
            target = check.target.split(" via ", 1)[0]
            if check.category is Category.DNS:
                host = target
            elif re.match(r"^(https|wss)://", target):
                host = urlsplit(target).hostname or ""
            elif check.category in (Category.STUN, Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS):
                host = target.split(":", 2)[1]
            else:
                continue
            assert any(covers(c, host) for c in check.contacts), (check.id, host, check.contacts)


def test_it_sees_every_profile_target_and_the_traffic_beyond_it() -> None:
    options = OPTION_SETS["proxy+turn"]
    for profile in profiles():
        listed = {(d.what, d.host): d for d in destinations(profile, options)}
        expected = {("HTTPS", w.url.host) for w in profile.web} | {("WSS", w.url.host) for w in profile.wss}
        expected |= {("STUN", s.url.host) for s in profile.stun} | {("TURN", t.url.host) for t in profile.turn}
        expected |= {("DNS", h) for h in profile.concrete_hosts()} | {("TURN", "relay.example.test")}
        expected |= {("HTTP", urlsplit(p.url).hostname) for p in CAPTIVE_PROBES}
        expected |= {("DNS", urlsplit(p.url).hostname) for p in CAPTIVE_PROBES}  # looked up before the GET
        expected |= {("PROXY", "proxy.example.test")}
        assert expected <= set(listed), (profile.id, expected - set(listed))
        plain = {(d.what, d.host): d for d in destinations(profile)}
        for lst in profile.ip_lists[:1]:  # the VPN check reads it only when it finds a VPN (and no --proxy is given)
            assert plain[("HTTPS", urlsplit(lst.url).hostname)].when
            assert ("HTTPS", urlsplit(lst.url).hostname) not in listed
        if profile.email:  # the sender's records, and the recipient's domain from the address given
            assert {("DNS", profile.email.domain), ("DNS", "candidate.test")} <= set(listed)
        assert listed[("PROXY", "<the web proxy this computer names>")].when  # never on a direct network


def test_markdown_names_the_condition() -> None:
    text = markdown(load_profile("daily"))
    assert "| HTTPS | `gs.daily.co` | TCP 443 | signalling discovery (" in text
    assert "(only when this computer names a PAC file) |" in text
