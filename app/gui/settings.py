"""Welcome-page entries -> RunOptions: pure validation with plain messages (no secrets echoed)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.engine.inputs import is_email
from app.engine.options import CredentialsError, RunOptions, turn_credentials
from app.engine.urls import UrlError, parse_proxy_url


class SettingsError(ValueError):
    """An entry the check cannot use; the message is shown to the person as is."""


@dataclass(frozen=True)
class WelcomeValues:
    """What the person entered on the welcome page."""

    profile_id: str
    region: str | None = None
    email: str = ""
    proxy_url: str = ""
    turn_url: str = ""
    turn_username: str = ""
    turn_password: str = ""
    turn_secret: str = ""


def options_from_values(values: WelcomeValues, base: RunOptions | None = None) -> RunOptions:
    """RunOptions for a run: `base` (defaults, tests, IT preset) with the page's entries applied."""
    base = base or RunOptions()
    email = values.email.strip()
    if email and not is_email(email):
        raise SettingsError(f"“{email}” does not look like an email address. Correct it, or leave it empty.")
    proxy = base.proxy
    if values.proxy_url:
        try:
            proxy = parse_proxy_url(values.proxy_url)
        except UrlError as exc:
            raise SettingsError(f"Proxy URL: {_plain(exc)}") from None
    turn = base.turn
    if values.turn_url:
        try:
            creds = turn_credentials(values.turn_url, values.turn_username, values.turn_password, values.turn_secret)
        except CredentialsError as exc:
            where = "address" if exc.field == "url" else exc.field
            raise SettingsError(f"TURN server {where}: {exc.problem}.") from None
        turn = (creds,)
    elif values.turn_username or values.turn_password or values.turn_secret:
        raise SettingsError("TURN server: enter the server address for these credentials.")
    return replace(base, email=email or base.email, proxy=proxy, turn=turn)


def _plain(exc: Exception) -> str:
    text = str(exc)
    return text[0].upper() + text[1:] if text else "not a valid address"
