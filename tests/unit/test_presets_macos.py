"""macOS preset locations IT can manage (issue 23): MDM managed preferences, /Library/Application Support, the
user's Application Support; a plist preset is validated like callready.toml."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from app import presets
from app.presets import PresetError, load_preset, mac_managed_candidates, preset_candidates


def test_managed_locations_come_first_on_macos_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPIMAGE", raising=False)
    mac = tmp_path / "AppTranslocation" / "d1" / "CallReady.app" / "Contents" / "MacOS" / "CallReady"
    found = preset_candidates(frozen=True, executable=str(mac), platform="darwin")
    assert found[:4] == mac_managed_candidates()
    assert found[4:] == [mac.parent / "callready.toml", mac.parents[3] / "callready.toml"]
    assert preset_candidates(frozen=True, executable=str(mac), platform="linux") == found[4:]


def test_managed_candidate_paths() -> None:
    home = Path("/Users/jdoe")
    assert [p.as_posix() for p in mac_managed_candidates(home, "jdoe")] == [
        "/Library/Managed Preferences/jdoe/org.callready.CallReady.plist",
        "/Library/Managed Preferences/org.callready.CallReady.plist",
        "/Library/Application Support/CallReady/callready.toml",
        "/Users/jdoe/Library/Application Support/CallReady/callready.toml",
    ]


def test_managed_preferences_plist_is_a_preset(tmp_path: Path) -> None:
    path = tmp_path / "org.callready.CallReady.plist"
    data = {"schema_version": 1, "profile": "kudo", "region": "eu", "support_email": "it@firm.example",
            "show_email_step": False, "PayloadUUID": "5B7A1E0C-1111-2222-3333-444455556666"}  # fmt: skip
    path.write_bytes(plistlib.dumps(data, fmt=plistlib.FMT_BINARY))
    preset = load_preset(path)
    assert (preset.profile, preset.region, preset.support_email, preset.show_email_step) == (
        "kudo", "eu", "it@firm.example", False,
    )  # fmt: skip
    assert preset.source == path


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not a plist", "plist"),
        (plistlib.dumps(["a", "list"]), "plist"),
        (plistlib.dumps({"profile": 5}), "profile"),
        (plistlib.dumps({"colour": "red"}), "colour"),
        (b"<?xml version='1.0'?>" + b" " * (presets.PLIST_MAX_BYTES + 1), "file"),
    ],
)
def test_bad_plists_are_errors_naming_the_field(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "org.callready.CallReady.plist"
    path.write_bytes(content)
    with pytest.raises(PresetError, match=rf": {problem}: "):
        load_preset(path)
