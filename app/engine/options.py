"""Run options shared by the CLI, the wizard and IT presets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.engine.urls import IceServerUrl, ProxyUrl

DEFAULT_RUN_TIMEOUT_S = 25.0


@dataclass(frozen=True)
class TurnCredentials:
    """A TURN relay given by IT or on the command line (RFC 7065 URL plus credentials)."""

    url: IceServerUrl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs besides the profile."""

    timeout_s: float = DEFAULT_RUN_TIMEOUT_S
    public_roots: Path | None = None
    proxy: ProxyUrl | None = None
    turn: tuple[TurnCredentials, ...] = ()
    email: str | None = None
    media_duration_s: float = 5.0
    skip_categories: frozenset[str] = frozenset()
    nameservers: tuple[str, ...] = ()  # "ip" or "ip:port"; empty means the OS's resolvers
    loopback_is_real: bool = False  # tests on 127.0.0.1: loopback answers are servers, not sinkholes

    def secrets(self) -> tuple[str, ...]:
        """Every secret string in these options, for redaction of logs and reports."""
        found: list[str] = []
        if self.proxy and self.proxy.password:
            found.append(self.proxy.password)
        for t in self.turn:
            found += [s for s in (t.password, t.secret) if s]
        return tuple(found)
