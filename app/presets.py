"""IT presets: a `callready.toml` beside the program (or given with --config) presets platform, region, support
address, proxy, self-hosted TURN and the email step; a bad preset is an error, never ignored."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from app.engine.inputs import is_email
from app.engine.options import CredentialsError, RunOptions, TurnCredentials, turn_credentials
from app.engine.profile import Profile, ProfileError, load_profile, read_toml, shipped_profiles
from app.engine.urls import ProxyUrl, UrlError, parse_proxy_url
from app.logs import redactor

PRESET_FILENAME = "callready.toml"
PRESET_SCHEMA_VERSION = 1
_SOURCE_ROOT = Path(__file__).resolve().parent.parent  # the checkout holding app/, when running from source
_TOP_KEYS = {"schema_version", "profile", "region", "support_email", "proxy_url", "show_email_step", "turn"}
_TURN_KEYS = {"url", "username", "password", "secret"}
# macOS: places IT can write that a translocated, signed app still reads (issue 23); the managed-preferences domain
# is the bundle identifier, so an MDM configuration profile for org.callready.CallReady lands there.
MAC_PREFERENCES_DOMAIN = "org.callready.CallReady"
MAC_MANAGED_PREFERENCES = Path("/Library/Managed Preferences")
MAC_MACHINE_FOLDER = Path("/Library/Application Support/CallReady")
PLIST_MAX_BYTES = 64 * 1024


class PresetError(ProfileError):
    """A preset that cannot be used: `<path>: <field>: <what is wrong>` (exit code 3, like a bad profile)."""


@dataclass(frozen=True)
class Preset:
    """Settings IT chose for this installation; `source` is the file they came from (None: no preset)."""

    source: Path | None = None
    profile: str | None = None  # shipped profile id, or an absolute path of a profile TOML
    region: str | None = None
    support_email: str | None = None
    proxy: ProxyUrl | None = None
    turn: TurnCredentials | None = field(default=None, repr=False)
    show_email_step: bool = True

    @property
    def from_it(self) -> bool:
        """True when settings came from an IT preset file."""
        return self.source is not None

    def secrets(self) -> tuple[str, ...]:
        """Every secret in the preset (proxy password, TURN password and secret), for the redactor."""
        found = [self.proxy.password] if self.proxy and self.proxy.password else []
        if self.turn:
            found += [s for s in (self.turn.password, self.turn.secret) if s]
        return tuple(found)

    def describe(self) -> tuple[str, ...]:
        """Plain lines saying what IT preset (for the wizard's notice and the CLI); secrets never appear."""
        lines: list[str] = []
        if self.profile:
            lines.append(f"Platform: {self.profile}" + (f", region {self.region}" if self.region else ""))
        elif self.region:
            lines.append(f"Region: {self.region}")
        if self.support_email:
            lines.append(f"Support address: {self.support_email}")
        if self.proxy:
            lines.append(f"Proxy: {self.proxy}")
        if self.turn:
            auth = " (shared secret)" if self.turn.secret else " (user name and password)" if self.turn.username else ""
            lines.append(f"TURN relay: {self.turn.url}{auth}")
        if not self.show_email_step:
            lines.append("Email step: hidden")
        return tuple(lines)

    def apply_to_profile(self, profile: Profile) -> Profile:
        """The profile with IT's support address in place of the platform's."""
        return replace(profile, support_email=self.support_email) if self.support_email else profile


NO_PRESET = Preset()


# ---------------------------------------------------------------- parsing (pure)


def parse_preset(data: dict[str, Any], path: Path) -> Preset:
    """Validate a decoded callready.toml into a Preset; raise PresetError naming the first problem."""
    where = str(path)

    def fail(name: str, problem: str) -> PresetError:
        return PresetError(where, name, problem)

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown field (known: {', '.join(sorted(_TOP_KEYS))})")
    schema = data.get("schema_version", PRESET_SCHEMA_VERSION)
    if schema != PRESET_SCHEMA_VERSION or isinstance(schema, bool):
        raise fail("schema_version", f"must be {PRESET_SCHEMA_VERSION}, got {schema!r}")

    def text(table: dict[str, Any], key: str, name: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            raise fail(name, "must be a string")
        if not value.strip():
            raise fail(name, "must not be empty")
        return value.strip()

    profile = text(data, "profile", "profile")
    if profile is not None:
        profile = _profile_ref(profile, path, fail)
    region = text(data, "region", "region")
    support = text(data, "support_email", "support_email")
    if support is not None and not is_email(support):
        raise fail("support_email", f"{support!r} is not an email address")
    proxy = None
    proxy_text = text(data, "proxy_url", "proxy_url")
    if proxy_text is not None:
        try:
            proxy = parse_proxy_url(proxy_text)
        except UrlError as exc:
            raise fail("proxy_url", str(exc)) from None
    show_email = data.get("show_email_step", True)
    if not isinstance(show_email, bool):
        raise fail("show_email_step", "must be true or false")
    return Preset(
        source=path,
        profile=profile,
        region=region,
        support_email=support,
        proxy=proxy,
        turn=_turn(data["turn"], fail, text) if "turn" in data else None,
        show_email_step=show_email,
    )


def _profile_ref(value: str, preset_path: Path, fail: Any) -> str:
    """A shipped profile id, or a profile TOML path (relative to the preset's folder) that exists."""
    if value.endswith(".toml") or "/" in value or "\\" in value:
        candidate = Path(value)
        if not candidate.is_absolute():
            candidate = preset_path.parent / candidate
        if not candidate.is_file():
            raise fail("profile", f"{candidate}: no such file")
        return str(candidate)
    shipped = shipped_profiles()
    if value not in shipped:
        raise fail("profile", f"no such profile {value!r} (shipped: {', '.join(shipped)})")
    return value


def _turn(body: Any, fail: Any, text: Any) -> TurnCredentials:
    """The [turn] table: url (RFC 7065 turn:/turns:), username + password, or a REST API shared secret."""
    if not isinstance(body, dict):
        raise fail("turn", "must be a table ([turn] with url, username, password or secret)")
    unknown = sorted(set(body) - _TURN_KEYS)
    if unknown:
        raise fail(f"turn.{unknown[0]}", f"unknown field (known: {', '.join(sorted(_TURN_KEYS))})")
    url_text = text(body, "url", "turn.url")
    if url_text is None:
        raise fail("turn.url", "missing")
    username = text(body, "username", "turn.username")
    password = text(body, "password", "turn.password")
    secret = text(body, "secret", "turn.secret")
    try:
        return turn_credentials(url_text, username, password, secret)
    except CredentialsError as exc:
        problem = "needs turn.username" if exc.field == "password" else exc.problem
        raise fail(f"turn.{exc.field}", problem) from None


# ---------------------------------------------------------------- finding and loading


def mac_managed_candidates(home: Path | None = None, user: str | None = None) -> list[Path]:
    """macOS managed locations, strongest first: the MDM profile's managed preferences (per user, then the
    computer's), /Library/Application Support/CallReady (IT, admin-only), the user's own Application Support."""
    import getpass

    home = home or Path.home()
    user = user or getpass.getuser()
    plist = f"{MAC_PREFERENCES_DOMAIN}.plist"
    return [
        MAC_MANAGED_PREFERENCES / user / plist,
        MAC_MANAGED_PREFERENCES / plist,
        MAC_MACHINE_FOLDER / PRESET_FILENAME,
        home / "Library" / "Application Support" / "CallReady" / PRESET_FILENAME,
    ]


def preset_candidates(
    frozen: bool | None = None, executable: str | None = None, source_root: Path | None = None,
    platform: str = sys.platform,
) -> list[Path]:  # fmt: skip
    """Where a preset is looked for: on macOS the managed locations first (a quarantined app runs from a random
    read-only copy, so a file beside the .app is usually invisible); beside the program when packaged (also beside
    a macOS .app or an AppImage), else beside the source checkout; never the current folder."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if not frozen:
        return [(source_root or _SOURCE_ROOT) / PRESET_FILENAME]
    managed = mac_managed_candidates() if platform == "darwin" else []
    exe = Path(executable or sys.executable).resolve()
    folders = [exe.parent]
    if (
        exe.parent.name == "MacOS"
        and exe.parent.parent.name == "Contents"
        and exe.parent.parent.parent.suffix == ".app"
    ):
        folders.append(exe.parent.parent.parent.parent)  # CallReady.app/Contents/MacOS/CallReady -> beside the .app
    for packed in (os.environ.get("APPIMAGE"), os.environ.get("CALLREADY_PROGRAM")):  # AppImage; Linux single file
        if packed:
            folders.append(Path(packed).resolve().parent)
    return [*managed, *(f / PRESET_FILENAME for f in dict.fromkeys(folders))]


def find_preset(explicit: Path | str | None = None) -> Path | None:
    """The preset file to use: the one given (which must exist), else the first candidate that exists."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise PresetError(str(path), "file", "no such file")
        return path
    return next((p for p in preset_candidates() if p.is_file()), None)


def load_preset(explicit: Path | str | None = None) -> Preset:
    """Find, read and validate the preset (NO_PRESET when there is none); secrets go to the log redactor."""
    path = find_preset(explicit)
    if path is None:
        return NO_PRESET
    try:
        data = read_plist(path) if path.suffix == ".plist" else read_toml(path)  # regular files, size-bounded
    except ProfileError as exc:
        raise PresetError(str(path), exc.field, exc.problem) from None
    preset = parse_preset(data, path)
    redactor().add(*preset.secrets())
    check_region(preset)
    return preset


def read_plist(path: Path) -> dict[str, Any]:
    """A managed-preferences plist (XML or binary) with the same keys as callready.toml; bookkeeping keys the
    system adds (`Payload*`, `PayloadUUID`, `mcx_*`) are left out. Regular files up to PLIST_MAX_BYTES only."""
    import plistlib

    try:
        if not path.is_file() or path.stat().st_size > PLIST_MAX_BYTES:
            raise PresetError(str(path), "file", f"not a regular file of at most {PLIST_MAX_BYTES} bytes")
        data = plistlib.loads(path.read_bytes())
    except OSError as exc:
        raise PresetError(str(path), "file", exc.strerror or str(exc)) from None
    except (plistlib.InvalidFileException, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise PresetError(str(path), "plist", f"not a property list ({exc})") from None
    if not isinstance(data, dict):
        raise PresetError(str(path), "plist", "the property list is not a dictionary")
    return {k: v for k, v in data.items() if not str(k).startswith(("Payload", "mcx_"))}


def check_region(preset: Preset) -> None:
    """Raise PresetError when the preset's region is not a region of its profile (or the profile is bad)."""
    if preset.region is None:
        return
    try:
        load_profile(preset.profile, preset.region)
    except ProfileError as exc:
        name = "region" if exc.field == "region" else "profile"
        raise PresetError(str(preset.source), name, exc.problem if name == "region" else str(exc)) from None


# ---------------------------------------------------------------- applying


def merge_args(args: argparse.Namespace, preset: Preset) -> argparse.Namespace:
    """The `check` arguments with the preset's profile and region where the command line left them unset."""
    merged = argparse.Namespace(**vars(args))
    if not preset.from_it:
        return merged
    if merged.profile is None:
        merged.profile = preset.profile
    same_profile = preset.profile is None or merged.profile == preset.profile
    if merged.region is None and same_profile:
        merged.region = preset.region
    return merged


def apply_to_options(options: RunOptions, preset: Preset) -> RunOptions:
    """The run options with the preset's proxy and TURN relay where the command line gave none (flags win)."""
    return replace(
        options,
        proxy=options.proxy or preset.proxy,
        turn=options.turn or ((preset.turn,) if preset.turn else ()),
    )


def proxy_text(proxy: ProxyUrl) -> str:
    """The proxy URL back as text, credentials included (for the wizard's field; never for logs)."""
    host = f"[{proxy.host}]" if ":" in proxy.host else proxy.host
    auth = ""
    if proxy.username:
        auth = quote(proxy.username, safe="") + (f":{quote(proxy.password, safe='')}" if proxy.password else "") + "@"
    return f"{proxy.scheme}://{auth}{host}:{proxy.port}"
