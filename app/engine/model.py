"""The result model: frozen dataclasses shared by probes, verdict rules, reports and front ends."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
class Outcome:
    """What a probe returns: status, one plain sentence, evidence, and finding codes it observed."""

    status: Status
    summary: str
    details: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[str, ...] = ()


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
    findings: tuple[str, ...] = ()
    finished: bool = True

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
            "findings": list(self.findings),
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
            "code": self.code,
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
