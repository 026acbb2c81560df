"""Profiles: every shipped profile validates; bad files fail with one line; every seed fact is traceable."""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine.profile import ProfileError, load_profile, parse_profile, shipped_profiles

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
SEED_PROFILE = {
    "flo-recruit-it-guide.txt": "flo-recruit",
    "daily-corporate-firewall.txt": "daily",
    "daily-advanced-firewall-control.txt": "daily",
    "kudo-firewall-rules.txt": "kudo",
    "whereby-firewall.txt": "whereby",
}
# Domains a seed mentions that are not requirements, with the reason.
NOT_REQUIREMENTS = {
    "daily.co": "byline 'Originally published at daily.co'",
    "pluot.blue": "the note naming the parent of prod-ks.pluot.blue",
}
DOMAIN = re.compile(r"(?<![\w.-])(\*\.)?((?:[a-z0-9-]+\.)+(?:com|net|co|eu|ca|blue|email|io|org))(?![\w-])", re.I)
IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b")
IP_SPAN = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})\s*-\s*(\d{1,3}(?:\.\d{1,3}){3})")
PORT = re.compile(r"(\d{1,2},\d{3}|\d{2,5})(?:\s*-\s*(\d{1,2},\d{3}|\d{2,5}))?")


def all_regions(pid: str, selectable_only: bool = False):
    base = load_profile(pid)
    regions = [r for r in base.regions if r.selectable or not selectable_only]
    return [base] if not regions else [load_profile(pid, r.id) for r in regions]


@pytest.mark.parametrize("pid", list(shipped_profiles()))
def test_every_shipped_profile_validates_in_every_region(pid: str) -> None:
    for prof in all_regions(pid, selectable_only=True):
        assert prof.id == pid and prof.sources and (prof.web or prof.wss)
        assert prof.concrete_hosts()


def test_seed_copies_match_shared_folder() -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds not present beside the checkout")
    for path in SEEDS.glob("*.txt"):
        assert path.read_bytes() == (SHARED_SEEDS / path.name).read_bytes(), path.name
    assert {p.name for p in SHARED_SEEDS.glob("*.txt")} <= {p.name for p in SEEDS.glob("*.txt")}


def covered_domain(token: str, profiles) -> bool:
    for prof in profiles:
        patterns = {d.pattern for d in prof.domains}
        if token in patterns:
            return True
        if token.startswith("*."):
            continue
        hosts = set(prof.concrete_hosts()) | {prof.email.domain if prof.email else ""}
        hosts |= {re.sub(r"^https?://([^/]+).*", r"\1", u.url) for u in (*prof.ip_lists, *prof.references)}
        if token in hosts or any(p.startswith("*.") and token.endswith(p[1:]) for p in patterns):
            return True
    return False


@pytest.mark.parametrize("seed", sorted(SEED_PROFILE))
def test_every_seed_domain_is_in_its_profile(seed: str) -> None:
    text = (SEEDS / seed).read_text()
    profiles = all_regions(SEED_PROFILE[seed])
    tokens = {(m.group(1) or "") + m.group(2).lower() for m in DOMAIN.finditer(text)} - set(NOT_REQUIREMENTS)
    missing = sorted(t for t in tokens if not covered_domain(t, profiles))
    assert missing == []


@pytest.mark.parametrize("seed", sorted(SEED_PROFILE))
def test_every_seed_address_is_in_its_profile(seed: str) -> None:
    text = (SEEDS / seed).read_text()
    profiles = all_regions(SEED_PROFILE[seed])
    ranges = [r for p in profiles for r in p.ip_ranges]
    texts = {r.text for r in ranges}
    missing = []
    for token in IP.findall(text):
        if "/" in token:
            ok = token in texts
        else:
            ok = any(r.contains(token) for r in ranges)
        if not ok:
            missing.append(token)
    for first, last in IP_SPAN.findall(text):
        if not any(r.contains(first) and r.contains(last) for r in ranges):
            missing.append(f"{first}-{last}")
        else:
            span = tuple(ipaddress.summarize_address_range(ipaddress.ip_address(first), ipaddress.ip_address(last)))
            assert any(span == r.networks for r in ranges), f"{first}-{last} not recorded as one range"
    assert missing == []


@pytest.mark.parametrize("seed", sorted(SEED_PROFILE))
def test_every_seed_port_is_in_its_profile(seed: str) -> None:
    text = IP.sub(" ", (SEEDS / seed).read_text())
    ports = {(p.first, p.last) for prof in all_regions(SEED_PROFILE[seed]) for p in prof.ports}
    missing = []
    for m in PORT.finditer(text):
        near = text[max(0, m.start() - 25) : m.end() + 25]
        if not re.search(r"TCP|UDP|port|SSL", near, re.I):
            continue
        first = int(m.group(1).replace(",", ""))
        last = int((m.group(2) or m.group(1)).replace(",", ""))
        if (first, last) not in ports:
            missing.append(m.group(0))
    assert missing == []


def test_seed_ports_found_at_all() -> None:
    """The extractor is not vacuous: the Flo Recruit guide's four port entries are seen."""
    text = IP.sub(" ", (SEEDS / "flo-recruit-it-guide.txt").read_text())
    found = {m.group(0) for m in PORT.finditer(text) if re.search(r"TCP|UDP", text[m.end() : m.end() + 12])}
    assert found == {"443", "3478", "5349", "10,000-60,000"}


def test_flo_recruit_has_the_issue_facts() -> None:
    p = load_profile()
    assert p.id == "flo-recruit" and p.support_email == "support@florecruit.com"
    assert p.window_title == "Flo Recruit network check" and p.recommended_browser == "Google Chrome"
    assert p.email and p.email.domain == "floevents.email" and len(p.email.sending_ips) == 3
    assert {"gs.daily.co", "c.daily.co", "prod-ks.pluot.blue"} <= set(p.concrete_hosts())
    assert {str(t.url) for t in p.turn} >= {
        "turn:global.turn.twilio.com:3478?transport=udp",
        "turn:global.turn.twilio.com:3478?transport=tcp",
        "turn:global.turn.twilio.com:443?transport=tcp",
    }
    # Daily's own pre-call discovery (issue 13): US regions first, ICE servers from the platform
    assert p.signalling is not None and p.signalling.first == ("us-east-1", "us-west-2")
    assert len(p.signalling.regions) == 10 and p.signalling.hosts == ("*.wss.daily.co",)
    assert p.ice_servers is not None and p.ice_servers.url == "https://prod-ks.pluot.blue/tt-150331.json"
    assert any(t.expect == "json" and t.url.path == "/_ks_/x-swsl/:" for t in p.web)
    assert p.ip_lists[0].url == "https://ip-info.daily.co/ips/ip-info.json"


def test_kudo_regions_narrow_the_hosts() -> None:
    eu = load_profile("kudo", "eu")
    assert eu.region == "eu" and "live.kudoway.eu" in eu.concrete_hosts()
    assert not any(h.endswith(".com") and "kudoway" in h for h in eu.concrete_hosts())
    assert load_profile("kudo").authenticating_proxy_supported is False and eu.ipv4_only
    with pytest.raises(ProfileError, match="region: unknown region 'xx'"):
        load_profile("kudo", "xx")


GOOD = (ROOT / "app" / "profiles" / "whereby.toml").read_text()
# Should a refusal ever regress into a real run, these keep it off the host network: names go to a dead
# loopback resolver (the discard port), so nothing beyond 127.0.0.1 is ever contacted.
SAFE = ("--dns-server", "127.0.0.1:9")


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (("schema_version = 1", "schema_version = 9"), "schema_version", "must be 1"),
        (('id = "whereby"', 'id = "Where By"'), "id", "lower-case"),
        (('support_email = "support@whereby.com"', 'support_email = "nobody"'), "support_email", "not an email"),
        (('ports = "443"', 'ports = "70000"'), "ports[0].ports", "1-65535"),
        (('protocol = "tcp"', 'protocol = "sctp"'), "ports[0].protocol", "tcp or udp"),
        (('pattern = "*.sfu.whereby.com"', 'pattern = "not a domain"'), "domains[0].pattern", "not a domain"),
        (
            ('url = "turn:turnserver.appearin.net:443?transport=udp"', 'url = "turn:x:1?transport=sctp"'),
            "turn[0].url",
            "transport",
        ),
        (
            ('url = "stun:turnserver.appearin.net:443"', 'url = "turn:turnserver.appearin.net:443"'),
            "stun[0].url",
            "stun: URI",
        ),
        (('source = "whereby-firewall"', 'source = "nowhere"'), "domains[0].source", "unknown source"),
        (('purpose = "TURN relay"', 'purpose = "TURN relay"\ncolour = "blue"'), "domains[7].colour", "unknown field"),
    ],
)
def test_bad_profiles_name_path_field_and_problem(tmp_path: Path, change, field: str, problem: str) -> None:
    bad = tmp_path / "bad.toml"
    assert change[0] in GOOD
    bad.write_text(GOOD.replace(change[0], change[1], 1))
    with pytest.raises(ProfileError) as err:
        load_profile(str(bad))
    assert str(err.value).startswith(f"{bad}: {field}: ") and problem in str(err.value)


def test_parse_profile_rejects_wrong_types() -> None:
    with pytest.raises(ProfileError, match=r"x\.toml: name: must be a string"):
        parse_profile(
            {"schema_version": 1, "id": "x", "name": 3, "support_email": "a@b.org", "sources": {"s": {"title": "t"}}},
            "x.toml",
        )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check", "--profile", "no-such"], "no-such: profile: no such profile"),
        (["check", "--profile", "{bad}"], "toml: "),
        (["check", "--profile", "kudo", "--region", "mars"], "region: unknown region 'mars'"),
        (["check", "--timeout", "-1"], "--timeout must be"),
        (["check", "--turn", "http://x"], "--turn: "),
        (["check", "--bogus"], "unrecognized arguments"),
    ],
)
def test_cli_bad_input_exits_3_with_one_line(tmp_path: Path, argv: list[str], expected: str) -> None:
    argv = [a.replace("{bad}", str(tmp_path / "broken.toml")) for a in argv]
    (tmp_path / "broken.toml").write_text("schema_version = [unclosed\n")
    if argv[0] == "check":
        argv = [*argv, *SAFE]
    out = subprocess.run([sys.executable, "-m", "app", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert expected in out.stderr and "Traceback" not in out.stderr
    reason = [ln for ln in out.stderr.splitlines() if ln.startswith("callready")]
    assert len(reason) == 1


def test_bundle_into_a_missing_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "check", *SAFE, "--bundle", str(tmp_path / "nowhere" / "x.zip")],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.returncode == 3 and "--bundle" in out.stderr and "no such folder" in out.stderr
