"""Write docs/targets.md: every host, port and path each shipped profile probes, with the evidence for it.

`evidence_problems()` is what tests/unit/test_profile_evidence.py enforces: a target without evidence, a quote that
is not in its seed document, or a public source that is not precise fails the test.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.profile import Profile, Source, load_profile, shipped_profiles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
_PRECISE_GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/(tree|blob)/[0-9a-f]{40}(/\S*)?$")


@dataclass(frozen=True)
class Target:
    """One thing a profile makes CallReady contact, and why."""

    kind: str
    address: str
    host: str
    port: str
    source: str
    evidence: str
    note: str = ""


def targets(profile: Profile) -> list[Target]:
    """Every probe target of a profile (all regions), in the profile's order."""
    out: list[Target] = []
    if profile.signalling is not None:
        s = profile.signalling
        host = s.url.split("/")[2]
        first = ", ".join(s.first)
        out.append(Target("signalling discovery", s.url, host, "443", s.source, s.evidence,
                          f"regions: {', '.join(s.regions)} ({first} first); opens the returned {s.field} "
                          f"on {', '.join(s.hosts)}"))  # fmt: skip
    if profile.ice_servers is not None:
        i = profile.ice_servers
        out.append(Target("ICE servers", i.url, i.url.split("/")[2], "443", i.source, i.evidence,
                          "short-lived TURN credentials for the relay loop and the media train"))  # fmt: skip
    for w in profile.web:
        out.append(Target("https", str(w.url), w.url.host, str(w.url.port), w.source, w.evidence, _regions(w.regions)))
    for t in profile.wss:
        out.append(Target("wss", str(t.url), t.url.host, str(t.url.port), t.source, t.evidence, _regions(t.regions)))
    for ice in (*profile.stun, *profile.turn):
        kind = f"{'turn' if ice.url.is_turn else 'stun'} ({ice.url.transport})"
        note = "stand-in: a public server on the platform's published port" if ice.stand_in else ""
        out.append(Target(kind, str(ice.url), ice.url.host, str(ice.url.port), ice.source, ice.evidence,
                          "; ".join(x for x in (note, _regions(ice.regions)) if x)))  # fmt: skip
    return out


def _regions(regions: tuple[str, ...]) -> str:
    return f"region {', '.join(regions)}" if regions else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def evidence_problems(profile: Profile, seeds: Path = SEEDS) -> list[str]:
    """Why a target's evidence is missing or not checkable; [] when every target is evidenced."""
    sources = {s.id: s for s in profile.sources}
    problems: list[str] = []
    for t in targets(profile):
        where = f"{profile.id}: {t.kind} {t.address}"
        src: Source | None = sources.get(t.source)
        if not t.evidence.strip():
            problems.append(f"{where}: no evidence")
            continue
        if src is None:
            problems.append(f"{where}: unknown source {t.source!r}")
            continue
        if src.document:
            seed = seeds / src.document
            text = _squash(seed.read_text(encoding="utf-8")) if seed.is_file() else ""
            if _squash(t.evidence) not in text:
                problems.append(f"{where}: the quote is not in {src.document}: {t.evidence!r}")
            elif t.host not in text:
                problems.append(f"{where}: {src.document} never names {t.host}")
        elif src.url:
            if not (_PRECISE_GITHUB.match(src.url) or (src.url.startswith("https://") and "github.com" not in src.url
                                                        and src.url.rstrip("/").count("/") >= 3)):  # fmt: skip
                problems.append(f"{where}: source {src.id} is not a precise public page or commit ({src.url})")
            if t.host not in t.evidence:
                problems.append(f"{where}: the evidence does not name {t.host}")
        else:
            problems.append(f"{where}: source {src.id} has neither a seed document nor a URL")
        if t.kind.startswith(("stun", "turn")) and t.port not in t.evidence and t.port not in _seed_text(src, seeds):
            problems.append(f"{where}: neither the evidence nor its seed names port {t.port}")
    return problems


def _seed_text(src: Source | None, seeds: Path) -> str:
    if src is None or not src.document or not (seeds / src.document).is_file():
        return ""
    return (seeds / src.document).read_text(encoding="utf-8")


def all_profiles() -> list[Profile]:
    """Every shipped profile with the targets of all its regions (KUDO: us, eu, ca) in one."""
    found = []
    for pid in shipped_profiles():
        base = load_profile(pid)
        merged: dict[str, list[object]] = {k: [] for k in ("web", "wss", "stun", "turn")}
        for region in [r.id for r in base.regions] or [None]:
            prof = load_profile(pid, region)
            for key, items in merged.items():
                items += [item for item in getattr(prof, key) if item not in items]
        found.append(replace(base, **{k: tuple(v) for k, v in merged.items()}))  # type: ignore[arg-type]
    return found


REMOVED = """## Removed targets (issue 13)

Targets earlier versions probed without a source naming them. Each failed, or could fail, on an open network and so
told every user of that platform that their network was broken.

| profile | removed target | why |
|---|---|---|
| flo-recruit, daily | `wss://prod-ks.pluot.blue/` | an HTTP API host: it answers a WebSocket upgrade with 404. Daily's signalling is the worker its discovery service names (`gs.daily.co/rooms/check/test-rooms/<region>` → `*.wss.daily.co`) |
| flo-recruit, daily | `https://prod-ks.pluot.blue/` | the host's root is not a documented path; the ICE servers document (`/tt-150331.json`) is probed instead |
| flo-recruit | `turns:prod-ks.pluot.blue:5349` | no source says this host runs TURN on 5349; it refuses on an open network |
| flo-recruit | `https://b.daily.co/` | no source names this host (it does not exist) |
| flo-recruit | `stun:global.turn.twilio.com:3478` | no source lists Twilio's TURN name as a STUN server |
| flo-recruit | `turn:global.turn.twilio.com:443?transport=udp` | Twilio's ICE servers list TCP on 443, not UDP |
| flo-recruit | `turns:global.turn.twilio.com:443?transport=tcp` | Twilio's ICE servers list plain TURN over TCP 443, no `turns:`; only Twilio Video's page mentions TLS on 443, without this host. Daily's pre-call "turn-tls" mode is the URL with 443, i.e. the TCP one probed |
| daily | `stun:stun.cloudflare.com:53`, `turn:turn.cloudflare.com:53?transport=udp` | Cloudflare: Chrome and Firefox block port 53, so no call uses these |
| kudo | `stun:stun.opentok.com:3478`, `turn:turn.opentok.com:3478?transport=udp`, `turns:turn.opentok.com:443` | these names do not exist: OpenTok assigns media servers per session. Replaced by stand-ins on the ports KUDO names |
| kudo | `wss://live.kudoway.{com,eu,ca}/` | no source says KUDO's web hosts accept WebSockets (OpenTok's signalling is per session) |
| whereby | `https://whereby.com/` | not named by Whereby's firewall page or SDK; the SDK's API host is probed instead |
| whereby | `wss://signal.appearin.net/` | the SDK opens `/protocol/socket.io/v4/?EIO=4&transport=websocket` there, probed now |
"""


def render() -> str:
    """The whole Markdown document."""
    lines = [
        "# What CallReady contacts, and why",
        "",
        "Generated from `app/profiles/*.toml` by `python tools/gen_targets.py`; a test keeps it in step and fails",
        "for any target without evidence (`tests/unit/test_profile_evidence.py`). A quote from a seed document is",
        "checked against that document (`tests/data/seeds/`); a public source is a vendor page or a repository at a",
        "fixed commit, with the lines that name the target.",
        "",
    ]
    for prof in all_profiles():
        sources = {s.id: s for s in prof.sources}
        lines += [
            f"## {prof.name} (`{prof.id}`)",
            "",
            "| kind | target | source | evidence | note |",
            "|---|---|---|---|---|",
        ]
        for t in targets(prof):
            src = sources.get(t.source)
            where = (
                f"[{src.title}]({src.url})"
                if src and src.url
                else (f"{src.title} (`{src.document}`)" if src else t.source)
            )
            cells = (t.kind, f"`{t.address}`", where, t.evidence.replace("|", "\\|"), t.note)
            lines.append("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines) + "\n" + REMOVED


if __name__ == "__main__":
    out = ROOT / "docs" / "targets.md"
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
