"""Run options shared by the CLI, the wizard and IT presets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.engine.urls import IceServerUrl, ProxyUrl, UrlError, parse_ice_url, parse_proxy_url

if TYPE_CHECKING:
    from app.engine.profile import Profile

DEFAULT_RUN_TIMEOUT_S = 25.0


@dataclass(frozen=True)
class TurnCredentials:
    """A TURN relay given by IT or on the command line (RFC 7065 URL plus credentials)."""

    url: IceServerUrl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)


class CredentialsError(ValueError):
    """Unusable TURN details; `field` is url, username, password or secret."""

    def __init__(self, fieldname: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = fieldname, problem


def turn_credentials(
    url: str, username: str | None = None, password: str | None = None, secret: str | None = None
) -> TurnCredentials:
    """Validate TURN details a person gave (CLI, wizard, IT preset); RFC 7065 URL, never echoing secrets."""
    try:
        parsed = parse_ice_url(url)
    except UrlError as exc:
        raise CredentialsError("url", str(exc)) from None
    if not parsed.is_turn:
        raise CredentialsError("url", "must be a turn: or turns: URL")
    for name, value in (("username", username), ("password", password), ("secret", secret)):
        if value and not _printable_text(value):
            raise CredentialsError(name, "must be UTF-8 text without control characters")
    if password and not username:
        raise CredentialsError("password", "needs a username")
    if password and secret:
        raise CredentialsError("secret", "give either a password or a shared secret, not both")
    return TurnCredentials(parsed, username or None, password or None, secret or None)


def _printable_text(value: str) -> bool:
    """Text a TURN server can receive (RFC 8489 §14.3/§14.4: UTF-8): no lone surrogates, no control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 or ord(c) == 0x7F for c in value)


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs besides the profile."""

    timeout_s: float = DEFAULT_RUN_TIMEOUT_S
    public_roots: Path | None = None
    proxy: ProxyUrl | None = None
    turn: tuple[TurnCredentials, ...] = ()
    email: str | None = None
    media_duration_s: float = 3.0  # the quality train; the call-rate load (capacity.py) follows it
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


def explicit_proxy(profile: Profile, options: RunOptions) -> ProxyUrl | None:
    """The proxy IT gave (`--proxy`, or the profile's self-hosted proxy URL), tested in addition to the browser's way."""
    if options.proxy is not None:
        return options.proxy
    if profile.self_hosted_proxy_url:
        try:
            return parse_proxy_url(profile.self_hosted_proxy_url)
        except UrlError:
            return None
    return None
