"""The platform's ICE servers document (RTCIceServer JSON, Twilio style: `url`/`urls`, `username`, `credential`):
fetched once per run, parsed with bounds, and the short-lived TURN credentials it gives per relay. Shared by the
ICE-servers check, the TURN checks (credentials for a full Allocate) and the browser check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine import contacts
from app.engine.model import Contact
from app.engine.profile import Profile
from app.engine.runner import RunContext
from app.engine.urls import IceServerUrl, UrlError, parse_ice_url, parse_web_url
from app.probes.platform_api import JsonAnswer, fetch_json

MAX_SERVERS = 64


MAX_FIELD = 1024


@dataclass(frozen=True)
class IceEntry:
    """One STUN/TURN URL the platform listed, with the credentials given with it (hidden from repr)."""

    url: IceServerUrl
    username: str | None = None
    credential: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PlatformIce:
    """What the platform's ICE endpoint gave: entries when `ok`, else why not (`problem`)."""

    source_url: str
    ok: bool
    entries: tuple[IceEntry, ...] = ()
    problem: str = ""
    ignored: int = 0  # entries that were not usable STUN/TURN URLs

    def evidence(self) -> dict[str, Any]:
        """URLs only (never credentials), for a check's details."""
        found: dict[str, Any] = {"ice_servers_url": self.source_url, "ice_servers_ok": self.ok}
        if self.ok:
            found["ice_servers_listed"] = [str(e.url) for e in self.entries]
            if self.ignored:
                found["ice_servers_ignored"] = self.ignored
        else:
            found["ice_servers_problem"] = self.problem
        return found


def parse_ice_servers(data: Any, fmt: str = "array") -> tuple[tuple[IceEntry, ...], int]:
    """Pure: RTCIceServer objects (a top-level list, or `{"iceServers": [...]}` for `object`) -> entries, ignored."""
    servers = data.get("iceServers") if fmt == "object" and isinstance(data, dict) else data
    if not isinstance(servers, list):
        raise ValueError("not a list of ICE servers")
    entries: list[IceEntry] = []
    ignored = 0
    for server in servers[:MAX_SERVERS]:
        if not isinstance(server, dict):
            ignored += 1
            continue
        urls = server.get("urls", server.get("url"))
        texts = [urls] if isinstance(urls, str) else urls if isinstance(urls, list) else []
        username, credential = _text(server.get("username")), _text(server.get("credential"))
        for text in texts[:MAX_SERVERS]:
            try:
                url = parse_ice_url(text) if isinstance(text, str) and len(text) <= MAX_FIELD else None
            except UrlError:
                url = None
            if url is None:
                ignored += 1
                continue
            entries.append(IceEntry(url, username, credential) if url.is_turn else IceEntry(url))
    ignored += max(0, len(servers) - MAX_SERVERS)
    return tuple(dict.fromkeys(entries)), ignored


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_FIELD else None


def from_answer(answer: JsonAnswer, fmt: str) -> PlatformIce:
    """Pure: the parsed ICE servers of a JSON answer, or why there are none."""
    if not answer.ok:
        return PlatformIce(answer.url, False, problem=answer.problem)
    try:
        entries, ignored = parse_ice_servers(answer.data, fmt)
    except ValueError as exc:
        return PlatformIce(answer.url, False, problem=f"the answer is {exc}")
    if not entries:
        return PlatformIce(answer.url, False, problem="the answer lists no usable STUN/TURN URL", ignored=ignored)
    return PlatformIce(answer.url, True, entries, ignored=ignored)


async def platform_ice(ctx: RunContext) -> PlatformIce | None:
    """The profile's ICE servers for this run (fetched once), or None when the profile names no ICE endpoint."""
    source = ctx.profile.ice_servers
    if source is None:
        return None
    ice = from_answer(await fetch_json(source.url, ctx), source.format)
    ctx.add_secret(*(s for e in ice.entries for s in (e.username, e.credential)))
    return ice


def credentials_for(ice: PlatformIce | None, url: IceServerUrl) -> tuple[str, str] | None:
    """Pure: the platform's credentials for a relay URL: the entry for the same URL, else one for the same host
    (a provider's token is valid on all its relay URLs)."""
    if ice is None or not ice.ok:
        return None
    usable = [e for e in ice.entries if e.url.is_turn and e.username and e.credential]
    exact = [e for e in usable if e.url == url]
    same_host = [e for e in usable if e.url.host == url.host]
    for e in exact or same_host:
        assert e.username is not None and e.credential is not None
        return e.username, e.credential
    return None


def document_contacts(profile: Profile) -> tuple[Contact, ...]:
    """Where fetching the ICE servers document goes (once per run, by whichever check asks first)."""
    if profile.ice_servers is None:
        return ()
    url = profile.ice_servers.url
    why = f"the platform's ICE servers ({url}): short-lived credentials for its TURN relays"
    return (*contacts.web("HTTPS", parse_web_url(url, ("https",)), why), *contacts.routed())
