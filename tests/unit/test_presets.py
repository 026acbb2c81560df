"""IT presets: parsing and plain errors, where the file is looked for, flags winning, secrets kept out of sight."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pytest

from app import cli, presets
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.urls import parse_proxy_url
from app.gui.preset import wizard_preset
from app.logs import redactor, setup_logging
from app.presets import (
    NO_PRESET,
    PresetError,
    apply_to_options,
    find_preset,
    load_preset,
    merge_args,
    preset_candidates,
    proxy_text,
)
from tests.unit.loopback_servers import DnsServer
from tests.unit.test_probes_dns_https import write_profile

FULL = """
profile = "kudo"
region = "eu"
support_email = "it-help@example.org"
proxy_url = "http://cr:Pr0xyPass@proxy.corp.example:3128"
show_email_step = false

[turn]
url = "turns:turn.corp.example:443?transport=tcp"
username = "callready"
password = "TurnPa55word"
"""


def write(tmp_path: Path, text: str, name: str = "callready.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_preset_is_parsed(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, FULL))
    assert preset.from_it and preset.source == tmp_path / "callready.toml"
    assert (preset.profile, preset.region, preset.support_email) == ("kudo", "eu", "it-help@example.org")
    assert (preset.proxy.host, preset.proxy.port, preset.proxy.password) == ("proxy.corp.example", 3128, "Pr0xyPass")
    assert preset.turn.url.transport == "tls" and preset.turn.url.port == 443
    assert (preset.turn.username, preset.turn.password, preset.turn.secret) == ("callready", "TurnPa55word", None)
    assert preset.show_email_step is False


def test_empty_preset_changes_nothing_but_says_it_came_from_it(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, "# nothing preset\n"))
    assert preset.from_it and preset.describe() == ()
    assert (preset.profile, preset.region, preset.proxy, preset.turn, preset.show_email_step) == (
        None, None, None, None, True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('platform = "kudo"\n', "platform", "unknown field"),
        ('profile = "zoom"\n', "profile", "no such profile 'zoom'"),
        ('profile = "missing.toml"\n', "profile", "no such file"),
        ('profile = "kudo"\nregion = "mars"\n', "region", "unknown region 'mars'"),
        ("profile = 3\n", "profile", "must be a string"),
        ('support_email = "  "\n', "support_email", "must not be empty"),
        ('support_email = "helpdesk"\n', "support_email", "not an email address"),
        ('proxy_url = "socks5://p:1080"\n', "proxy_url", "scheme must be http"),
        ('show_email_step = "no"\n', "show_email_step", "must be true or false"),
        ("schema_version = 2\n", "schema_version", "must be 1"),
        ('turn = "turn:x"\n', "turn", "must be a table"),
        ("[turn]\nusername = 'u'\n", "turn.url", "missing"),
        ("[turn]\nurl = 'stun:s.example:3478'\n", "turn.url", "must be a turn: or turns: URL"),
        ("[turn]\nurl = 'turn://t.example'\n", "turn.url", "no '//'"),
        ("[turn]\nurl = 'turn:t.example'\npassword = 'Sekr1tOnly'\n", "turn.password", "needs turn.username"),
        ("[turn]\nurl = 'turn:t.example'\nusername = 'u'\npassword = 'p1'\nsecret = 's1'\n", "turn.secret", "not both"),
        ("[turn]\nurl = 'turn:t.example'\nrealm = 'r'\n", "turn.realm", "unknown field"),
        ("profile = \n", "toml", "Invalid value"),
    ],
)
def test_bad_preset_names_file_field_and_problem(tmp_path: Path, text: str, field: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as err:
        load_preset(path)
    assert str(err.value).startswith(f"{path}: {field}: "), str(err.value)
    assert problem in err.value.problem


def test_preset_profile_path_is_relative_to_the_preset(tmp_path: Path) -> None:
    write_profile(tmp_path / "loop.toml", [], ["ok.test"])
    preset = load_preset(write(tmp_path, 'profile = "loop.toml"\n'))
    assert preset.profile == str(tmp_path / "loop.toml")
    assert load_profile(preset.profile).id == "loop"


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "callready.toml"
    path.write_bytes(b'support_email = "\xff"\n')
    with pytest.raises(PresetError, match=r": file: not UTF-8 text$"):
        load_preset(path)


def test_explicit_missing_file_is_an_error_but_no_preset_is_fine(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(PresetError, match="no such file"):
        load_preset(tmp_path / "nope.toml")
    monkeypatch.chdir(tmp_path)
    assert load_preset(None) is NO_PRESET
    write(tmp_path, 'region = "eu"\nprofile = "kudo"\n')
    # issue 14: a callready.toml in the current folder is not a preset (anyone can drop one there)
    assert find_preset(None) is None and load_preset(None) is NO_PRESET
    monkeypatch.setattr(presets, "_SOURCE_ROOT", tmp_path)  # beside the program (the checkout) it is
    assert find_preset(None) == tmp_path / "callready.toml"


def test_candidates_beside_the_program(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("APPIMAGE", raising=False)
    exe = tmp_path / "dist" / "callready"
    exe.parent.mkdir()
    exe.touch()
    assert preset_candidates(frozen=True, executable=str(exe)) == [tmp_path / "dist" / "callready.toml"]
    assert preset_candidates(frozen=False, source_root=tmp_path) == [tmp_path / "callready.toml"]
    assert preset_candidates(frozen=False) == [Path(presets.__file__).resolve().parent.parent / "callready.toml"]
    mac = tmp_path / "Apps" / "CallReady.app" / "Contents" / "MacOS" / "CallReady"
    mac.parent.mkdir(parents=True)
    mac.touch()
    assert preset_candidates(frozen=True, executable=str(mac)) == [
        mac.parent / "callready.toml",
        tmp_path / "Apps" / "callready.toml",
    ]
    monkeypatch.setenv("APPIMAGE", str(tmp_path / "home" / "CallReady-x86_64.AppImage"))
    assert preset_candidates(frozen=True, executable=str(exe))[-1] == tmp_path / "home" / "callready.toml"


def test_secrets_never_shown_and_redacted_from_logs(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, FULL.replace("password", "secret").replace('username = "callready"\n', "")))
    shown = "\n".join(preset.describe()) + repr(preset) + str(preset.proxy)
    assert "Pr0xyPass" not in shown and "TurnPa55word" not in shown
    assert "TURN relay: turns:turn.corp.example:443?transport=tcp (shared secret)" in preset.describe()
    assert "Email step: hidden" in preset.describe()
    memory = setup_logging()
    logging.getLogger("callready.test").warning("dialing with %s and %s", "TurnPa55word", "Pr0xyPass")
    assert "TurnPa55word" not in memory.text() and "Pr0xyPass" not in memory.text() and "***" in memory.text()
    assert set(preset.secrets()) <= redactor().secrets


def _args(**kw) -> argparse.Namespace:
    base = {"profile": None, "region": None, "proxy": None, "turn": None}
    return argparse.Namespace(**{**base, **kw})


def test_command_line_flags_win_over_the_preset(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, FULL))
    merged = merge_args(_args(), preset)
    assert (merged.profile, merged.region) == ("kudo", "eu")
    assert (merge_args(_args(region="us"), preset).region) == "us"
    other = merge_args(_args(profile="whereby"), preset)
    assert (other.profile, other.region) == ("whereby", None)  # the preset's region belongs to its own profile
    assert merge_args(_args(profile="kudo"), preset).region == "eu"
    assert vars(merge_args(_args(), NO_PRESET)) == vars(_args())

    filled = apply_to_options(RunOptions(), preset)
    assert filled.proxy == preset.proxy and filled.turn == (preset.turn,)
    mine = RunOptions(proxy=parse_proxy_url("http://other.example:8080"))
    assert apply_to_options(mine, preset).proxy.host == "other.example"


def test_support_address_replaces_the_platforms(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, 'support_email = "it@corp.example"\n'))
    assert preset.apply_to_profile(load_profile("daily")).support_email == "it@corp.example"
    assert NO_PRESET.apply_to_profile(load_profile("daily")).support_email == "help@daily.co"


def test_cli_bad_preset_exits_3_with_one_plain_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, 'profile = "kudo"\nregion = "mars"\n')
    # a dead loopback resolver: should the refusal regress into a run, it cannot reach real names
    assert cli.main(["check", "--config", str(path), "--dns-server", "127.0.0.1:9"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"callready: {path}: region: unknown region 'mars'") and "Traceback" not in err


def test_cli_runs_with_the_preset_profile_and_support_address(tmp_path: Path, capsys) -> None:
    """End to end on loopback: the preset picks a test profile; its support address reaches the IT message."""
    write_profile(tmp_path / "loop.toml", [], ["nx.test"])
    path = write(tmp_path, 'profile = "loop.toml"\nsupport_email = "desk@corp.example"\n')
    dns = DnsServer().start()
    try:
        code = cli.main(
            ["check", "--config", str(path), "--dns-server", f"127.0.0.1:{dns.port}", "--json", "-", "--timeout", "10"]
        )
    finally:
        dns.stop()
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert result["profile"]["id"] == "loop"
    assert "nx.test." in dns.queries
    assert "desk@corp.example" in result["it_message"] and "help@example.org" not in result["it_message"]
    assert code == cli.VERDICT_EXIT[cli.Verdict(result["verdict"])]
    assert f"Settings from IT: {path}" in out.err


@pytest.mark.parametrize(
    "url", ["http://proxy.example:3128", "http://u%40corp:p%3Aw%2Fd@proxy.example:8080", "https://u@[2001:db8::1]:443"]
)
def test_proxy_text_round_trips(url: str) -> None:
    parsed = parse_proxy_url(url)
    assert parse_proxy_url(proxy_text(parsed)) == parsed


def test_wizard_preset_carries_it_settings_and_flags_win(tmp_path: Path) -> None:
    preset = load_preset(write(tmp_path, FULL))
    wizard = wizard_preset(preset)
    assert (wizard.profile_id, wizard.region, wizard.support_email) == ("kudo", "eu", "it-help@example.org")
    assert parse_proxy_url(wizard.proxy_url).password == "Pr0xyPass"
    assert (wizard.turn_url, wizard.turn_username, wizard.turn_password) == (
        "turns:turn.corp.example:443?transport=tcp", "callready", "TurnPa55word",
    )  # fmt: skip
    assert wizard.show_email_step is False and str(tmp_path / "callready.toml") in wizard.source
    assert "TurnPa55word" not in repr(wizard)
    assert (wizard_preset(preset, "whereby").profile_id, wizard_preset(preset, "whereby").region) == ("whereby", None)
    assert wizard_preset(NO_PRESET).source is None and wizard_preset(NO_PRESET).show_email_step is True
