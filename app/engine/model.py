"""The result model: frozen dataclasses shared by probes, verdict rules, reports and front ends."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from app.engine.codes import FindingCode, finding_code

_T = TypeVar("_T")


class Status(enum.StrEnum):
    """Outcome of one check."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


class Category(enum.StrEnum):
    """The fixed set of check categories of the JSON result."""

    DNS = "dns"
    HTTPS = "https"
    WSS = "wss"
    STUN = "stun"
    TURN_UDP = "turn_udp"
    TURN_TCP = "turn_tcp"
    TURN_TLS = "turn_tls"
    MEDIA = "media"
    MEDIA_LOAD = "media_load"
    PROXY = "proxy"
    TLS_INSPECTION = "tls_inspection"
    CAPTIVE_PORTAL = "captive_portal"
    VPN = "vpn"
    EMAIL = "email"
    SYSTEM = "system"
    BROWSER = "browser"


class Severity(enum.StrEnum):
    """How much a finding matters for the interview."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Verdict(enum.StrEnum):
    """The one answer of a run."""

    READY = "ready"
    DEGRADED = "degraded"
    BLOCKED = "blocked"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Contact:
    """One place a check contacts, for IT: `what` (DNS, HTTP, HTTPS, WSS, STUN, TURN, PROXY), the host or a host
    pattern, `transport` ("TCP 443", "UDP 3478", "TLS over TCP 443", "system resolver"), why, and `when` it is
    contacted ("" = on every run that reaches it; else the condition, e.g. "when a VPN is found")."""

    what: str
    host: str
    transport: str
    purpose: str
    when: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What, host, transport and why: one row of IT's list, whether or not it is conditional."""
        return self.what, self.host, self.transport, self.purpose


@dataclass(frozen=True)
class Signals:
    """What the verdict rules read from a check, typed; None: this check does not know (most checks know nothing).

    `details` stay the evidence for people (support, the IT table); the verdict reads only these.
    """

    offline: bool | None = None  # dns: no resolver and no route answered, the machine looks offline
    resent: bool | None = None  # dns: the answer came only after a resend (a lost query)
    udp_answered: bool | None = None  # stun, turn_udp: some UDP datagram came back from the server
    via_proxy: bool | None = None  # https, wss, turn: the connection it reports went through a proxy
    loss_pct: float | None = None  # media: the loss the train measured

    def to_json(self) -> dict[str, Any]:
        """Only what the check knows (no None values), in field order."""
        return {k: v for k, v in ((f.name, getattr(self, f.name)) for f in fields(self)) if v is not None}

    @classmethod
    def of_json(cls, value: object) -> Signals:
        """Back from report.json's `signals` object; a value of the wrong type is unknown (None), never guessed."""
        if not isinstance(value, Mapping):
            return cls()
        return cls(
            offline=_typed(value.get("offline"), bool),
            resent=_typed(value.get("resent"), bool),
            udp_answered=_typed(value.get("udp_answered"), bool),
            via_proxy=_typed(value.get("via_proxy"), bool),
            loss_pct=_number(value.get("loss_pct")),
        )

    @classmethod
    def of_legacy_details(cls, d: Mapping[str, Any]) -> Signals:
        """For a report.json written before checks carried `signals`: the details keys that carried them then."""
        return cls(
            offline=True if d.get("offline") else None,
            resent=True if d.get("resent") else None,
            udp_answered=_typed(d.get("udp_answered"), bool),
            via_proxy=True if d.get("proxy") or d.get("path") == "proxy" else None,
            loss_pct=_number(d.get("loss_pct")),
        )


def _typed(value: Any, kind: type[_T]) -> _T | None:
    return value if isinstance(value, kind) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _codes(values: Iterable[object]) -> tuple[FindingCode, ...]:
    """Every code a member (a plain string from untyped code is converted); an unknown one raises."""
    return tuple(v if isinstance(v, FindingCode) else finding_code(v) for v in values)


@dataclass(frozen=True)
class Outcome:
    """What a probe returns: status, one plain sentence, evidence, finding codes it observed, signals for the verdict."""

    status: Status
    summary: str
    details: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[FindingCode, ...] = ()
    signals: Signals = field(default_factory=Signals)

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", _codes(self.findings))  # an unknown code fails here, in the probe


@dataclass(frozen=True)
class CheckResult:
    """One finished (or unfinished) check as it appears in the JSON result."""

    id: str
    category: Category
    target: str
    title: str
    status: Status
    summary: str
    duration_ms: int
    details: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[FindingCode, ...] = ()
    finished: bool = True
    signals: Signals = field(default_factory=Signals)

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", _codes(self.findings))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict in the documented key order."""
        return {
            "id": self.id,
            "category": str(self.category),
            "target": self.target,
            "title": self.title,
            "status": str(self.status),
            "summary": self.summary,
            "duration_ms": self.duration_ms,
            "finished": self.finished,
            "findings": [str(c) for c in self.findings],
            "signals": self.signals.to_json(),
            "details": _jsonable(self.details),
        }


@dataclass(frozen=True)
class Finding:
    """A diagnosis with a stable code, advice for the interviewer and an action for IT."""

    code: str
    severity: Severity
    title: str
    advice: str
    it_action: str
    checks: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "title": self.title,
            "advice": self.advice,
            "it_action": self.it_action,
            "checks": list(self.checks),
        }


@dataclass(frozen=True)
class ProfileRef:
    """Which profile a run used."""

    id: str
    name: str
    region: str | None
    version: str


@dataclass(frozen=True)
class RunResult:
    """A whole run: every check, the verdict, findings and the message for IT."""

    tool_version: str
    profile: ProfileRef
    started_at: str
    duration_s: float
    verdict: Verdict
    reason: str
    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]
    it_message: str
    finished: bool = True
    ended_by: str = "completed"

    def to_json(self) -> dict[str, Any]:
        """The documented JSON result (see app/engine/result.schema.json)."""
        from app import TOOL_NAME

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": TOOL_NAME, "version": self.tool_version},
            "profile": {
                "id": self.profile.id,
                "name": self.profile.name,
                "region": self.profile.region,
                "version": self.profile.version,
            },
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "finished": self.finished,
            "ended_by": self.ended_by,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "checks": [c.to_json() for c in self.checks],
            "findings": [f.to_json() for f in self.findings],
            "it_message": self.it_message,
        }


SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CheckStarted:
    """Event: a check began."""

    check_id: str
    category: Category
    target: str
    title: str


@dataclass(frozen=True)
class CheckFinished:
    """Event: a check ended (including unfinished ones at a deadline or cancel)."""

    result: CheckResult


@dataclass(frozen=True)
class RunStarted:
    """Event: a run began with this many checks planned."""

    profile: ProfileRef
    checks: tuple[CheckStarted, ...]


@dataclass(frozen=True)
class RunFinished:
    """Event: the run ended with this result."""

    result: RunResult


Event = RunStarted | CheckStarted | CheckFinished | RunFinished


def _jsonable(value: Any) -> Any:
    """Convert evidence values (tuples, enums, bytes, addresses) into JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
