"""Settings the wizard starts from: the defaults, or (issue 10) a preset given by IT."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WizardPreset:
    """Pre-filled wizard settings; `source` names where they came from (shown when not the defaults)."""

    profile_id: str | None = None
    region: str | None = None
    support_email: str | None = None
    proxy_url: str | None = None
    turn_url: str | None = None
    turn_username: str | None = None
    turn_password: str | None = field(default=None, repr=False)
    turn_secret: str | None = field(default=None, repr=False)
    show_email_step: bool = True
    source: str | None = None  # e.g. "your IT team"; None for the built-in defaults
