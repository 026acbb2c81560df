"""No invented endpoints in the wizard's recorded runs (and so in docs/screenshots/): every host name in them is one a
shipped profile names, an OS captive-portal probe, the profile's mail sender, or a reserved lab/documentation name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.engine.profile import load_profile, shipped_profiles
from app.probes.captive import CAPTIVE_PROBES
from tests.gui import recorded

pytestmark = [pytest.mark.gui]

# a dotted name whose last label is a letter label, not inside a longer name, a URL path or a file name
HOST = re.compile(r"(?<![\w.\-/])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z])(?![\w\-])", re.I)
FILE_SUFFIXES = frozenset({"json", "py", "png", "md", "toml", "html", "pem", "txt", "zip", "csv", "pdf", "js"})
# RFC 2606 / RFC 6761: names that can never be a real service (the lab's `*.lab.test`, `candidate.test`, ...)
RESERVED_TLDS = ("test", "example", "invalid", "localhost")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def hosts_in(texts: Iterable[str]) -> set[str]:
    """Every host-shaped name in `texts`, lower case."""
    found = {m.lower() for text in texts for m in HOST.findall(text)}
    return {h for h in found if h.rsplit(".", 1)[1] not in FILE_SUFFIXES}


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


class Known:
    """What the app can really meet: the profiles' names (every region), their signalling host patterns (workers a
    discovery service names), the mail senders with their blocklists, the captive-portal probe hosts."""

    def __init__(self) -> None:
        self.exact: set[str] = {urlsplit(p.url).hostname or "" for p in CAPTIVE_PROBES}
        self.patterns: set[str] = set()
        self.mail_domains: set[str] = set()
        for pid in shipped_profiles():
            base = load_profile(pid)
            for prof in [base] + [load_profile(pid, r.id) for r in base.regions]:
                self.exact |= set(prof.concrete_hosts())
                if prof.signalling is not None:
                    self.patterns |= {p.lower() for p in prof.signalling.hosts}
                if prof.email is not None:
                    self.mail_domains.add(prof.email.domain.lower())
                    self.exact |= {b.lower() for b in prof.email.blocklists}

    def why_not(self, host: str) -> str | None:
        """None when `host` is real for the app; else why it is not."""
        if host in self.exact or any(fnmatch(host, p) for p in self.patterns):
            return None
        if any(host == d or host.endswith(f".{d}") for d in self.mail_domains):
            return None  # the sender domain and its own names (PTR answers of its sending IPs)
        if host.rsplit(".", 1)[1] in RESERVED_TLDS or any(
            host == d or host.endswith(f".{d}") for d in RESERVED_DOMAINS
        ):
            return None
        return "no shipped profile, captive-portal probe or reserved lab/documentation name"


@pytest.fixture(scope="module")
def known() -> Known:
    return Known()


def recorded_texts() -> dict[str, list[str]]:
    """Every string the wizard's replays carry, per source: the stored runs' checks and each replayed outcome."""
    out = {}
    for path in sorted(recorded.DATA.glob("*.json")):
        out[path.name] = list(strings(json.loads(path.read_text(encoding="utf-8"))["checks"]))
    for name in recorded.FILES:
        replay = recorded.scenario(name)
        out[f"replay:{name}"] = [
            s for r in replay for s in (r.id, r.target, r.title, r.outcome.summary, *strings(dict(r.outcome.details)))
        ]
    return out


def test_every_host_in_the_recorded_runs_is_one_the_app_really_meets(known: Known) -> None:
    sources = recorded_texts()
    assert {"ready.json", "degraded.json", "blocked.json", "captive.json", "offline.json"} <= set(sources)
    seen = {src: hosts_in(texts) for src, texts in sources.items()}
    assert {"gs.daily.co", "global.turn.twilio.com"} <= seen["replay:ready"]  # the scan does find the hosts
    invented = {src: sorted(h for h in hosts if known.why_not(h)) for src, hosts in seen.items()}
    assert {src: hosts for src, hosts in invented.items() if hosts} == {}


@pytest.mark.parametrize(
    "text",
    [
        "Cannot connect to api.daily.co:443: no answer (timed out).",
        "stun:stun.daily.co:3478",
        "turns:turn.daily.co:443?transport=tcp",
    ],
)
def test_a_placeholder_host_is_caught(known: Known, text: str) -> None:
    """The old placeholders: under a domain IT allows (`*.daily.co`) but named by no profile, so never contacted."""
    (host,) = hosts_in([text])
    assert known.why_not(host)


def test_real_and_reserved_names_pass(known: Known) -> None:
    texts = ["ip-198-19-1-20-us-east-1.wss.daily.co", "http://captive.apple.com/hotspot-detect.html",
             "o1.floevents.email", "web.lab.test", "jordan@candidate.test", "proxy.example.com",
             "https://prod-ks.pluot.blue/tt-150331.json", "api.appearin.net"]  # fmt: skip
    assert {h: known.why_not(h) for h in hosts_in(texts)} == dict.fromkeys(hosts_in(texts))
    assert "tt-150331.json" not in hosts_in(texts) and "hotspot-detect.html" not in hosts_in(texts)


@pytest.mark.parametrize("name", ["ready", "degraded", "blocked", "captive"])
def test_a_lab_recording_is_a_whole_run_the_current_rules_still_judge_alike(name: str, qtbot: Any, qloop: Any) -> None:
    """Every check finished without an internal error, and the replay reaches the run's own verdict and findings;
    when probes or rules change, re-record: `flock /tmp/cr-lab.lock .venv/bin/python tools/record_gui_runs.py`."""
    import asyncio

    from app.engine.options import RunOptions
    from app.engine.session import Session

    doc = recorded.document(recorded.FILES[name])
    assert doc["scenario"] and doc["note"].startswith("Recorded by tools/record_gui_runs.py")
    assert [c["id"] for c in doc["checks"] if "internal_error" in c["details"] or not c["finished"]] == []
    session = Session(load_profile(doc["profile"]), RunOptions(email="jordan@candidate.test"), None,
                      recorded.planners(name, scale=0.01))  # fmt: skip
    task = asyncio.ensure_future(session.run(), loop=qloop)  # on the GUI tests' one loop, as the wizard runs it
    qtbot.waitUntil(task.done, timeout=10000)
    result = task.result()
    assert (result.verdict.value, sorted({f.code for f in result.findings})) == (doc["verdict"], doc["findings"])
