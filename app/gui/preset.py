"""Settings the wizard starts from: the defaults, or (issue 10) a preset given by IT."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from app.presets import Preset, merge_args, proxy_text


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


def wizard_preset(preset: Preset, profile: str | None = None, region: str | None = None) -> WizardPreset:
    """The wizard's starting settings from an IT preset (app/presets.py); flags given to the wizard
    (--profile, --region) win, as on the command line. Lives here so presets never import the GUI."""
    args = merge_args(argparse.Namespace(profile=profile, region=region), preset)
    turn = preset.turn
    return WizardPreset(
        profile_id=args.profile,
        region=args.region,
        support_email=preset.support_email,
        proxy_url=proxy_text(preset.proxy) if preset.proxy else None,
        turn_url=str(turn.url) if turn else None,
        turn_username=turn.username if turn else None,
        turn_password=turn.password if turn else None,
        turn_secret=turn.secret if turn else None,
        show_email_step=preset.show_email_step,
        source=f"your IT team ({preset.source})" if preset.source else None,
    )
