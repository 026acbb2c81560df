"""Platform profiles: versioned TOML data, validated on load into frozen dataclasses."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from app.engine.inputs import InputError, bounded_toml, is_email, read_regular_file
from app.engine.urls import (
    IceServerUrl,
    UrlError,
    WebUrl,
    is_ip_address,
    parse_ice_url,
    parse_proxy_url,
    parse_web_url,
)

PROFILE_SCHEMA_VERSION = 1
MAX_PROFILE_BYTES = 1024 * 1024  # the shipped profiles are 2-11 KB
DEFAULT_PROFILE = "flo-recruit"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DOMAIN_RE = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProfileError(Exception):
    """A profile that cannot be used: `<path>: <field>: <what is wrong>`."""

    def __init__(self, path: str, fieldname: str, problem: str) -> None:
        super().__init__(f"{path}: {fieldname}: {problem}")
        self.path, self.field, self.problem = path, fieldname, problem


@dataclass(frozen=True)
class Source:
    """A published document that profile entries come from."""

    id: str
    title: str
    document: str = ""
    url: str = ""


@dataclass(frozen=True)
class Region:
    """A region of a platform account (KUDO: us, eu, ca)."""

    id: str
    name: str
    selectable: bool = True


@dataclass(frozen=True)
class DomainRule:
    """A domain pattern IT should allow (e.g. `*.daily.co`)."""

    pattern: str
    purpose: str
    source: str
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortRule:
    """A port or port range IT should open outbound."""

    protocol: str
    first: int
    last: int
    purpose: str
    source: str
    regions: tuple[str, ...] = ()

    def __str__(self) -> str:
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{self.protocol.upper()} {span}"


@dataclass(frozen=True)
class IpRange:
    """A published address range (inclusive first..last, or a CIDR)."""

    text: str
    networks: tuple[IpNetwork, ...]
    label: str
    purpose: str
    source: str
    regions: tuple[str, ...] = ()

    def contains(self, address: str) -> bool:
        """True when `address` lies in this range."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


@dataclass(frozen=True)
class IpList:
    """A URL where the platform publishes its current addresses."""

    url: str
    purpose: str
    source: str


@dataclass(frozen=True)
class WebTarget:
    """An HTTPS endpoint to probe; `expect` is `any` or `json`; `evidence` quotes the source naming it."""

    url: WebUrl
    expect: str
    purpose: str
    source: str
    regions: tuple[str, ...] = ()
    evidence: str = ""


@dataclass(frozen=True)
class WssTarget:
    """A secure WebSocket signalling endpoint to probe."""

    url: WebUrl
    purpose: str
    source: str
    regions: tuple[str, ...] = ()
    evidence: str = ""


@dataclass(frozen=True)
class IceServer:
    """A STUN server or TURN relay to probe, optionally with credentials."""

    url: IceServerUrl
    purpose: str
    source: str
    regions: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    evidence: str = ""
    stand_in: bool = False  # a public server testing the platform's published ports (KUDO: media is per session)


@dataclass(frozen=True)
class SignallingDiscovery:
    """The platform's own signalling discovery (Daily's pre-call test): GET `url` with `{region}` filled in, read the
    WebSocket URI at the dotted `field` of the JSON answer, and open it. `first` regions are checked one by one,
    the rest together in one compact check; a returned URI must match one of `hosts`."""

    url: str
    field: str
    regions: tuple[str, ...]
    first: tuple[str, ...]
    hosts: tuple[str, ...]
    purpose: str
    source: str
    evidence: str

    def url_for(self, region: str) -> str:
        """The discovery URL of one region."""
        return self.url.replace("{region}", region)


@dataclass(frozen=True)
class IceServersSource:
    """Where the platform's own client fetches its ICE servers (STUN/TURN URLs with short-lived TURN credentials);
    `format`: `array` (a top-level JSON list of RTCIceServer objects, Twilio style) or `object` (`{"iceServers": [...]}`)."""

    url: str
    format: str
    purpose: str
    source: str
    evidence: str


@dataclass(frozen=True)
class EmailSender:
    """The platform's mail sender: domain, sending IPs, DKIM selectors, blocklists to consult."""

    domain: str
    sending_ips: tuple[str, ...]
    dkim_selectors: tuple[str, ...]
    blocklists: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class MediaThresholds:
    """Published quality bands for the media path."""

    loss_good_pct: float = 5.0
    loss_bad_pct: float = 10.0
    rtt_good_ms: float = 300.0
    rtt_bad_ms: float = 600.0
    jitter_poor_ms: float = 30.0
    # what the link must carry for video (kbit/s): below `bad` video stalls, from `good` it is HD; defaults are Zoom's
    # published "600kbps (up/down) for high quality video" and "1.2 Mbps (up/down) for 720p HD video"
    capacity_bad_kbps: float = 600.0
    capacity_good_kbps: float = 1200.0
    source: str = ""


@dataclass(frozen=True)
class Reference:
    """A document the platform points IT to (not probed)."""

    url: str
    title: str
    source: str


@dataclass(frozen=True)
class Profile:
    """A platform's published requirements and concrete probe targets."""

    path: str
    schema_version: int
    id: str
    name: str
    version: str
    video_provider: str
    window_title: str
    support_email: str
    recommended_browser: str
    browser_advice: str
    ipv4_only: bool
    authenticating_proxy_supported: bool
    sources: tuple[Source, ...]
    regions: tuple[Region, ...]
    default_region: str | None
    region: str | None
    domains: tuple[DomainRule, ...]
    ports: tuple[PortRule, ...]
    ip_ranges: tuple[IpRange, ...]
    ip_lists: tuple[IpList, ...]
    references: tuple[Reference, ...]
    web: tuple[WebTarget, ...]
    wss: tuple[WssTarget, ...]
    stun: tuple[IceServer, ...]
    turn: tuple[IceServer, ...]
    email: EmailSender | None
    media: MediaThresholds
    self_hosted_proxy_url: str | None
    notes: tuple[str, ...] = ()
    signalling: SignallingDiscovery | None = None
    ice_servers: IceServersSource | None = None

    def for_region(self, region: str | None) -> Profile:
        """The profile with entries of other regions removed; raise ProfileError for unknown regions."""
        if region is None:
            region = self.default_region
        if region is None:
            return self
        ids = {r.id for r in self.regions}
        if region not in ids:
            known = ", ".join(sorted(r.id for r in self.regions if r.selectable)) or "none"
            raise ProfileError(self.path, "region", f"unknown region {region!r} (known: {known})")

        def keep(items: Iterable[_R]) -> tuple[_R, ...]:
            return tuple(i for i in items if region in (getattr(i, "regions", ()) or (region,)))

        return replace(
            self,
            region=region,
            domains=keep(self.domains),
            ports=keep(self.ports),
            ip_ranges=keep(self.ip_ranges),
            web=keep(self.web),
            wss=keep(self.wss),
            stun=keep(self.stun),
            turn=keep(self.turn),
        )

    def concrete_hosts(self) -> tuple[str, ...]:
        """Every host name the probes contact, sorted."""
        hosts = {t.url.host for t in self.web} | {t.url.host for t in self.wss}
        hosts |= {s.url.host for s in self.stun} | {s.url.host for s in self.turn}
        if self.signalling is not None:
            hosts.add(parse_web_url(self.signalling.url_for("x"), ("https",)).host)
        if self.ice_servers is not None:
            hosts.add(parse_web_url(self.ice_servers.url, ("https",)).host)
        return tuple(sorted(h for h in hosts if not is_ip_address(h)))

    def port_summary(self) -> str:
        """The published ports as one line for IT (e.g. `TCP 443, UDP 3478`)."""
        return ", ".join(dict.fromkeys(str(p) for p in self.ports))

    def domain_summary(self) -> str:
        """The published domain patterns as one line for IT."""
        return ", ".join(dict.fromkeys(d.pattern for d in self.domains))

    def range_summary(self, purpose: str | None = None) -> str:
        """Published address ranges (optionally of one purpose) as one line for IT."""
        return ", ".join(r.text for r in self.ip_ranges if purpose is None or r.purpose == purpose)


_R = TypeVar("_R")


# ---------------------------------------------------------------- loading


def shipped_profiles() -> dict[str, Path]:
    """Map profile id -> path of the TOML files shipped in app/profiles."""
    folder = resources.files("app") / "profiles"
    found: dict[str, Path] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            found[entry.name[: -len(".toml")]] = Path(str(entry))
    return dict(sorted(found.items()))


def load_profile(id_or_path: str | None = None, region: str | None = None) -> Profile:
    """Load a shipped profile by id, or a TOML file by path, validated and narrowed to a region."""
    key = id_or_path or DEFAULT_PROFILE
    shipped = shipped_profiles()
    if key in shipped:
        path = shipped[key]
    else:
        path = Path(key)
        if not (key.endswith(".toml") or "/" in key or "\\" in key):
            known = ", ".join(shipped)
            raise ProfileError(key, "profile", f"no such profile (shipped: {known})")
    return parse_profile(read_toml(path), str(path)).for_region(region)


def read_toml(path: Path) -> dict[str, Any]:
    """A profile or preset file: regular, at most MAX_PROFILE_BYTES, UTF-8, bounded TOML; else ProfileError."""
    try:
        data = bounded_toml(read_regular_file(path, MAX_PROFILE_BYTES))
    except InputError as exc:
        raise ProfileError(str(path), "file", str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), "toml", str(exc)) from None
    return data


def parse_profile(data: dict[str, Any], path: str) -> Profile:
    """Validate a decoded TOML document into a Profile; raise ProfileError on the first problem."""
    v = _Validator(path)
    top = v.table(data, "", _TOP_KEYS)
    schema = v.get(top, "schema_version", int, "")
    if schema != PROFILE_SCHEMA_VERSION:
        raise ProfileError(path, "schema_version", f"must be {PROFILE_SCHEMA_VERSION}, got {schema}")
    pid = v.get(top, "id", str, "")
    if not _ID_RE.match(pid):
        raise ProfileError(path, "id", "lower-case letters, digits and '-' only")
    sources = tuple(
        Source(id=sid, **v.fields(body, f"sources.{sid}", {"title": str}, {"document": str, "url": str}))
        for sid, body in v.get(top, "sources", dict, "").items()
    )
    if not sources:
        raise ProfileError(path, "sources", "at least one source document is required")
    v.source_ids = {s.id for s in sources}
    regions = tuple(
        Region(**v.fields(r, f"regions[{i}]", {"id": str, "name": str}, {"selectable": bool}))
        for i, r in enumerate(v.get(top, "regions", list, "", default=[]))
    )
    v.region_ids = {r.id for r in regions}
    default_region = v.get(top, "default_region", str, "", default=None)
    if default_region is not None and default_region not in v.region_ids:
        raise ProfileError(path, "default_region", f"{default_region!r} is not one of the regions")
    support = v.get(top, "support_email", str, "")
    if not is_email(support):
        raise ProfileError(path, "support_email", f"{support!r} is not an email address")
    proxy = top.get("self_hosted_proxy_url") or None
    if proxy is not None:
        proxy = v.get(top, "self_hosted_proxy_url", str, "")
        v.wrap("self_hosted_proxy_url", parse_proxy_url, proxy)
    return Profile(
        path=path,
        schema_version=schema,
        id=pid,
        name=v.get(top, "name", str, ""),
        version=v.get(top, "version", str, ""),
        video_provider=v.get(top, "video_provider", str, ""),
        window_title=v.get(top, "window_title", str, ""),
        support_email=support,
        recommended_browser=v.get(top, "recommended_browser", str, ""),
        browser_advice=v.get(top, "browser_advice", str, ""),
        ipv4_only=v.get(top, "ipv4_only", bool, "", default=False),
        authenticating_proxy_supported=v.get(top, "authenticating_proxy_supported", bool, "", default=True),
        sources=sources,
        regions=regions,
        default_region=default_region,
        region=None,
        domains=v.items(top, "domains", _domain),
        ports=v.items(top, "ports", _port),
        ip_ranges=v.items(top, "ip_ranges", _ip_range),
        ip_lists=v.items(top, "ip_lists", _ip_list),
        references=v.items(top, "references", _reference),
        web=v.items(top, "web", _web),
        wss=v.items(top, "wss", _wss),
        stun=v.items(top, "stun", _ice(False)),
        turn=v.items(top, "turn", _ice(True)),
        email=_email(v, top["email"], "email") if "email" in top else None,
        media=_media(v, top.get("media", {}), "media"),
        self_hosted_proxy_url=proxy,
        notes=v.strings(top, "notes", "", default=[]),
        signalling=_signalling(v, top["signalling"], "signalling") if "signalling" in top else None,
        ice_servers=_ice_servers(v, top["ice_servers"], "ice_servers") if "ice_servers" in top else None,
    )


_TOP_KEYS = {
    "schema_version", "id", "name", "version", "video_provider", "window_title", "support_email",
    "recommended_browser", "browser_advice", "ipv4_only", "authenticating_proxy_supported",
    "sources", "regions", "default_region", "domains", "ports", "ip_ranges", "ip_lists",
    "references", "web", "wss", "stun", "turn", "email", "media", "self_hosted_proxy_url", "notes",
    "signalling", "ice_servers",
}  # fmt: skip

_T = TypeVar("_T")


class _Validator:
    """Small helpers that raise ProfileError with the dotted field name."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.source_ids: set[str] = set()
        self.region_ids: set[str] = set()

    def fail(self, where: str, problem: str) -> ProfileError:
        return ProfileError(self.path, where, problem)

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where or "(top)", "must be a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(_join(where, unknown[0]), "unknown field")
        return value

    _MISSING: Any = object()

    def get(self, table: dict[str, Any], key: str, kind: type[_T], where: str, default: Any = _MISSING) -> _T:
        name = _join(where, key)
        if key not in table:
            if default is self._MISSING:
                raise self.fail(name, "missing")
            return default  # type: ignore[no-any-return]
        value = table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise self.fail(name, f"must be {_KIND_NAMES.get(kind, kind.__name__)}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def fields(self, body: Any, where: str, required: dict[str, type], optional: dict[str, type]) -> dict[str, Any]:
        table = self.table(body, where, set(required) | set(optional))
        out: dict[str, Any] = {k: self.get(table, k, t, where) for k, t in required.items()}
        out.update({k: self.get(table, k, t, where) for k, t in optional.items() if k in table})
        return out

    def items(self, top: dict[str, Any], key: str, build: Callable[[_Validator, Any, str], _T]) -> tuple[_T, ...]:
        entries = self.get(top, key, list, "", default=[])
        return tuple(build(self, entry, f"{key}[{i}]") for i, entry in enumerate(entries))

    def source(self, table: dict[str, Any], where: str) -> str:
        sid = self.get(table, "source", str, where)
        if sid not in self.source_ids:
            raise self.fail(_join(where, "source"), f"unknown source {sid!r}")
        return sid

    def strings(self, table: dict[str, Any], key: str, where: str, default: Any = _MISSING) -> tuple[str, ...]:
        """A list whose every item is a non-empty string."""
        items = tuple(self.get(table, key, list, where, default=default))
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{_join(where, key)}[{i}]", "must be a non-empty string")
        return items

    def regions(self, table: dict[str, Any], where: str) -> tuple[str, ...]:
        regions = self.strings(table, "regions", where, default=[])
        for r in regions:
            if r not in self.region_ids:
                raise self.fail(_join(where, "regions"), f"unknown region {r!r}")
        return regions

    def wrap(self, where: str, parse: Callable[[str], _T], text: str) -> _T:
        try:
            return parse(text)
        except (UrlError, ValueError) as exc:
            raise self.fail(where, str(exc)) from None


_KIND_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    float: "a number",
}


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _common(v: _Validator, entry: Any, where: str, extra: set[str]) -> dict[str, Any]:
    return v.table(entry, where, extra | {"purpose", "source", "regions"})


def _domain(v: _Validator, entry: Any, where: str) -> DomainRule:
    t = _common(v, entry, where, {"pattern"})
    pattern = v.get(t, "pattern", str, where).lower()
    if not _DOMAIN_RE.match(pattern):
        raise v.fail(f"{where}.pattern", f"{pattern!r} is not a domain or *.domain pattern")
    return DomainRule(pattern, v.get(t, "purpose", str, where), v.source(t, where), v.regions(t, where))


def _port(v: _Validator, entry: Any, where: str) -> PortRule:
    t = _common(v, entry, where, {"protocol", "ports"})
    proto = v.get(t, "protocol", str, where)
    if proto not in ("tcp", "udp"):
        raise v.fail(f"{where}.protocol", "must be tcp or udp")
    text = v.get(t, "ports", str, where)
    m = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", text)
    first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, 0)
    if not m or not 0 < first <= last < 65536:
        raise v.fail(f"{where}.ports", f"{text!r} is not a port or ascending range within 1-65535")
    return PortRule(proto, first, last, v.get(t, "purpose", str, where), v.source(t, where), v.regions(t, where))


def parse_ip_range(text: str) -> tuple[IpNetwork, ...]:
    """Parse `a.b.c.d`, a CIDR, or an inclusive `first-last` range into networks."""
    text = text.strip()
    if "-" in text:
        a, b = (ipaddress.ip_address(x.strip()) for x in text.split("-", 1))
        if a.version != b.version or int(a) > int(b):
            raise ValueError(f"{text!r} is not an ascending range of one IP version")
        return tuple(ipaddress.summarize_address_range(a, b))  # type: ignore[arg-type]
    return (ipaddress.ip_network(text, strict=True),)


def _ip_range(v: _Validator, entry: Any, where: str) -> IpRange:
    t = _common(v, entry, where, {"range", "label"})
    text = v.get(t, "range", str, where)
    nets = v.wrap(f"{where}.range", parse_ip_range, text)
    return IpRange(
        text,
        nets,
        v.get(t, "label", str, where),
        v.get(t, "purpose", str, where),
        v.source(t, where),
        v.regions(t, where),
    )


def _ip_list(v: _Validator, entry: Any, where: str) -> IpList:
    t = v.table(entry, where, {"url", "purpose", "source"})
    url = v.get(t, "url", str, where)
    v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("https",)), url)
    return IpList(url, v.get(t, "purpose", str, where), v.source(t, where))


def _reference(v: _Validator, entry: Any, where: str) -> Reference:
    t = v.table(entry, where, {"url", "title", "source"})
    url = v.get(t, "url", str, where)
    v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("https", "http")), url)
    return Reference(url, v.get(t, "title", str, where), v.source(t, where))


def _evidence(v: _Validator, t: dict[str, Any], where: str) -> str:
    """The quote (or the precise place in public code) showing the source names this target; optional for files IT
    writes, demanded of shipped profiles by a test."""
    return v.get(t, "evidence", str, where, default="")


def _web(v: _Validator, entry: Any, where: str) -> WebTarget:
    t = _common(v, entry, where, {"url", "expect", "evidence"})
    url = v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("https",)), v.get(t, "url", str, where))
    expect = v.get(t, "expect", str, where, default="any")
    if expect not in ("any", "json"):
        raise v.fail(f"{where}.expect", "must be any or json")
    return WebTarget(
        url, expect, v.get(t, "purpose", str, where), v.source(t, where), v.regions(t, where), _evidence(v, t, where)
    )


def _wss(v: _Validator, entry: Any, where: str) -> WssTarget:
    t = _common(v, entry, where, {"url", "evidence"})
    url = v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("wss",)), v.get(t, "url", str, where))
    return WssTarget(
        url, v.get(t, "purpose", str, where), v.source(t, where), v.regions(t, where), _evidence(v, t, where)
    )


def _ice(turn: bool) -> Callable[[_Validator, Any, str], IceServer]:
    def build(v: _Validator, entry: Any, where: str) -> IceServer:
        t = _common(v, entry, where, {"url", "username", "password", "secret", "evidence", "stand_in"})
        url = v.wrap(f"{where}.url", parse_ice_url, v.get(t, "url", str, where))
        if url.is_turn != turn:
            raise v.fail(f"{where}.url", "must be a turn:/turns: URI" if turn else "must be a stun: URI")
        creds = {k: v.get(t, k, str, where) for k in ("username", "password", "secret") if k in t}
        if "password" in creds and "username" not in creds:
            raise v.fail(f"{where}.username", "missing (a password needs a username)")
        return IceServer(
            url,
            v.get(t, "purpose", str, where),
            v.source(t, where),
            v.regions(t, where),
            **creds,
            evidence=_evidence(v, t, where),
            stand_in=v.get(t, "stand_in", bool, where, default=False),
        )

    return build


_REGION_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _signalling(v: _Validator, entry: Any, where: str) -> SignallingDiscovery:
    t = v.table(entry, where, {"url", "field", "regions", "first", "hosts", "purpose", "source", "evidence"})
    url = v.get(t, "url", str, where)
    if "{region}" not in url:
        raise v.fail(f"{where}.url", "must contain {region}")
    v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("https",)), url.replace("{region}", "x"))
    field_path = v.get(t, "field", str, where)
    if not _FIELD_RE.fullmatch(field_path):
        raise v.fail(f"{where}.field", "must be a dotted JSON field name such as worker.wssUri")
    regions = tuple(v.strings(t, "regions", where))
    if not regions:
        raise v.fail(f"{where}.regions", "must list at least one region")
    for i, r in enumerate(regions):
        if not _REGION_RE.fullmatch(r):
            raise v.fail(f"{where}.regions[{i}]", f"{r!r} is not a region name")
    first = tuple(v.strings(t, "first", where, default=list(regions[:1])))
    if not first or any(r not in regions for r in first):
        raise v.fail(f"{where}.first", "must name one or more of the regions")
    hosts = tuple(h.lower() for h in v.strings(t, "hosts", where))
    if not hosts or any(not _DOMAIN_RE.match(h) for h in hosts):
        raise v.fail(f"{where}.hosts", "must list domains or *.domain patterns the discovered URIs may point to")
    return SignallingDiscovery(
        url, field_path, regions, first, hosts, v.get(t, "purpose", str, where), v.source(t, where),
        _evidence(v, t, where),
    )  # fmt: skip


def _ice_servers(v: _Validator, entry: Any, where: str) -> IceServersSource:
    t = v.table(entry, where, {"url", "format", "purpose", "source", "evidence"})
    url = v.get(t, "url", str, where)
    v.wrap(f"{where}.url", lambda u: parse_web_url(u, ("https",)), url)
    fmt = v.get(t, "format", str, where, default="array")
    if fmt not in ("array", "object"):
        raise v.fail(f"{where}.format", "must be array or object")
    return IceServersSource(url, fmt, v.get(t, "purpose", str, where), v.source(t, where), _evidence(v, t, where))


def _email(v: _Validator, entry: Any, where: str) -> EmailSender:
    t = v.table(entry, where, {"domain", "sending_ips", "dkim_selectors", "blocklists", "source"})
    domain = v.get(t, "domain", str, where).lower()
    if not _DOMAIN_RE.match(domain) or domain.startswith("*"):
        raise v.fail(f"{where}.domain", f"{domain!r} is not a domain")
    ips = v.strings(t, "sending_ips", where)
    for i, ip in enumerate(ips):
        v.wrap(f"{where}.sending_ips[{i}]", ipaddress.ip_address, ip)
    return EmailSender(
        domain=domain,
        sending_ips=ips,
        dkim_selectors=v.strings(t, "dkim_selectors", where, default=[]),
        blocklists=v.strings(t, "blocklists", where, default=[]),
        source=v.source(t, where),
    )


def _media(v: _Validator, entry: Any, where: str) -> MediaThresholds:
    keys = {"loss_good_pct", "loss_bad_pct", "rtt_good_ms", "rtt_bad_ms", "jitter_poor_ms", "capacity_bad_kbps",
            "capacity_good_kbps"}  # fmt: skip
    t = v.table(entry, where, keys | {"source"})
    values: dict[str, Any] = {}
    for k in keys & set(t):
        if not isinstance(t[k], (int, float)) or isinstance(t[k], bool) or t[k] <= 0:
            raise v.fail(f"{where}.{k}", "must be a positive number")
        values[k] = float(t[k])
    if "source" in t:
        values["source"] = v.source(t, where)
    m = MediaThresholds(**values)
    if m.loss_good_pct > m.loss_bad_pct or m.rtt_good_ms > m.rtt_bad_ms or m.capacity_bad_kbps > m.capacity_good_kbps:
        raise v.fail(where, "good thresholds must not exceed bad thresholds")
    return m
