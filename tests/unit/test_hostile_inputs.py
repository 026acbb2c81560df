"""Issue 14, inputs: every bad command-line value, profile or preset ends in exit 3 with one plain line, before any
network traffic and without a traceback; output paths are checked before the run and strangers' files kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import cli
from app.engine.inputs import InputError, bounded_json, dns_server, is_email, is_hostname, terminal_safe
from app.engine.options import CredentialsError, turn_credentials
from app.engine.profile import ProfileError, load_profile
from app.engine.urls import UrlError, parse_ice_url, parse_proxy_url
from app.presets import PresetError, load_preset
from tests.unit.test_wss_probe import write_profile

SAFE = ("--dns-server", "127.0.0.1:9")  # a dead loopback resolver: a regression into a run reaches no real name


class _NoRun:
    """Stands in for Session: reaching it means a bad input was let through to a run."""

    def __init__(self, *a: object, **k: object) -> None:
        raise AssertionError("the run started despite a bad input")


@pytest.fixture()
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "Session", _NoRun)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(["check", *argv, *SAFE])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("callready: ") and "Traceback" not in err, err
    return lines[0]


LONG_LABEL = "a" * 64


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--turn", "turn:turn.example:" + "9" * 5000], "--turn: "),
        (["--turn", f"turn:{LONG_LABEL}.example:3478"], "--turn: "),
        (["--proxy", f"http://{LONG_LABEL}.example:8080"], "--proxy: "),
        (["--turn", "turn:turn.example\n:3478"], "--turn: "),
        (["--timeout", "nan"], "--timeout must be"),
        (["--timeout", "0.01"], "--timeout must be"),
        (["--timeout", "inf"], "--timeout must be"),
        (["--dns-server", "garbage"], "--dns-server: "),
        (["--dns-server", ""], "--dns-server: "),
        (["--dns-server", "dns.google"], "--dns-server: "),
        (["--dns-server", "1.2.3.4:abc"], "--dns-server: "),
        (["--dns-server", ":99999"], "--dns-server: "),
        (["--skip", "dsn"], "--skip: unknown category 'dsn'"),
        (["--email", "me@corp.example\nBcc: x@evil.example"], "--email: "),
        (["--email", "me@corp.example\r"], "--email: "),
        (["--turn", "turn:turn.example", "--turn-username", "u", "--turn-password", "p\udcff"], "--turn-password: "),
    ],
)
def test_bad_command_line_values_exit_3_before_the_run(argv, expected, no_run, capsys) -> None:
    assert expected in _refused(argv, capsys)


def test_public_roots_must_be_pem_certificates(tmp_path: Path, no_run, capsys) -> None:
    (tmp_path / "roots.pem").write_text("not a certificate\n")
    assert "not a PEM file" in _refused(["--public-roots", str(tmp_path / "roots.pem")], capsys)
    assert "not a regular file" in _refused(["--public-roots", "/dev/zero"], capsys)


def test_output_paths_are_checked_before_the_run(tmp_path: Path, no_run, capsys) -> None:
    assert "is a folder" in _refused(["--json", str(tmp_path)], capsys)
    assert "no such folder" in _refused(["--json", str(tmp_path / "no" / "r.json")], capsys)
    assert "no such folder" in _refused(["--log", str(tmp_path / "no" / "run.log")], capsys)
    assert "is a folder" in _refused(["--log", str(tmp_path)], capsys)
    theirs = tmp_path / "notes.json"
    theirs.write_text('{"mine": true}\n')
    assert "already exists" in _refused(["--json", str(theirs)], capsys)
    assert theirs.read_text() == '{"mine": true}\n'
    diary = tmp_path / "diary.log"
    diary.write_text("dear diary\n")
    assert "already exists" in _refused(["--log", str(diary)], capsys)  # appending changes it too
    assert diary.read_text() == "dear diary\n"


def test_bundle_never_replaces_a_strangers_file(tmp_path: Path, no_run, capsys) -> None:
    theirs = tmp_path / "thesis.zip"
    theirs.write_bytes(b"PK\x03\x04 someone else's archive")
    assert "already exists" in _refused(["--bundle", str(theirs)], capsys)
    assert theirs.read_bytes() == b"PK\x03\x04 someone else's archive"


# ---------------------------------------------------------------- pure validators (table tests)


@pytest.mark.parametrize("text", ["a@b.example", "first.last+tag@corp.example.co.uk"])
def test_emails_accepted(text: str) -> None:
    assert is_email(text)


@pytest.mark.parametrize("text", ["a@b", "a@b.example\n", "a@b.example\r\n", "a b@c.example", "@c.example", "a@", ""])
def test_emails_refused(text: str) -> None:
    assert not is_email(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [("turn.example", True), ("xn--bcher-kva.example", True), ("bücher.example", True), ("::1", True),
     (LONG_LABEL + ".example", False), ("a..b", False), ("a\nb", False), ("-a.example", False), ("a" * 254, False)],
)  # fmt: skip
def test_host_names(text: str, ok: bool) -> None:
    assert is_hostname(text) is ok


@pytest.mark.parametrize(
    ("text", "want"),
    [("1.2.3.4", "1.2.3.4"), ("1.2.3.4:5353", "1.2.3.4:5353"), ("::1", "::1"), ("[::1]:53", "[::1]:53")],
)
def test_dns_servers_accepted(text: str, want: str) -> None:
    assert dns_server(text) == want


@pytest.mark.parametrize(
    "text", ["garbage", "", "dns.google", "1.2.3.4:abc", ":99999", "1.2.3.4:0", "[::1", "1.2.3.4:" + "9" * 5000]
)
def test_dns_servers_refused(text: str) -> None:
    with pytest.raises(InputError):
        dns_server(text)


def test_urls_refuse_long_labels_huge_ports_and_control_characters() -> None:
    for bad in ("turn:x.example:" + "9" * 5000, f"turn:{LONG_LABEL}.example", "turn:a\nb:3478", "turn:a.example\x00"):
        with pytest.raises(UrlError):
            parse_ice_url(bad)
    for bad in (f"http://{LONG_LABEL}.example:8080", "http://pro\nxy.example:8080", "http://x.example:" + "9" * 5000):
        with pytest.raises(UrlError):
            parse_proxy_url(bad)
    with pytest.raises(CredentialsError):
        turn_credentials("turn:t.example", "u\r\nInjected: 1", "p")


def test_bounded_json_and_terminal_safe() -> None:
    for bad in (b"[" * 5000, b"9" * 5000, b"NaN", b"\xff"):
        with pytest.raises(InputError):
            bounded_json(bad, 1 << 20)
    assert bounded_json(b'{"a": [1, 2.5, "[[["]}', 100) == {"a": [1, 2.5, "[[["]}
    assert terminal_safe("a\x1b[2Jb\nc\u202ed") == "a\\x1b[2Jb\\x0ac\\u202ed"


# ---------------------------------------------------------------- profiles and presets


@pytest.mark.parametrize(
    "extra",
    [
        "regions = [{a = 1}]\n",
        '[email]\ndomain = "mail.example"\nsending_ips = [1]\nsource = "t"\n',
        '[email]\ndomain = "mail.example"\nsending_ips = ["192.0.2.1"]\nblocklists = [5]\nsource = "t"\n',
        "notes = [[1]]\n",
    ],
)
def test_wrong_item_types_are_profile_errors(tmp_path: Path, extra: str) -> None:
    path = write_profile(tmp_path / "p.toml", web=["https://web.test/"])
    entry = '[[web]]\nurl = "https://web.test/"\n'
    text = path.read_text()
    path.write_text(text.replace(entry, entry + extra, 1) if extra.startswith("regions") else text + extra)
    with pytest.raises(ProfileError):
        load_profile(str(path))


@pytest.mark.parametrize(
    "body",
    [
        "x = " + "[" * 5000 + "]" * 5000 + "\n",
        "a" + ".a" * 50_000 + " = 1\n",
        "[" + ".".join(["t"] * 3000) + "]\n",
        "".join("a" + ".a" * 2000 + f".k{i} = 1\n" for i in range(240)),  # 10 s in tomllib under a line bound alone
    ],
)
@pytest.mark.timeout(5)
def test_deep_and_huge_toml_is_a_profile_and_preset_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(body)
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert "\n" not in str(exc.value)
    with pytest.raises(PresetError):
        load_preset(path)


@pytest.mark.timeout(20)
def test_profile_and_preset_naming_a_fifo_or_device_are_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "p.toml"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero"):  # before: the FIFO blocked for good, /dev/zero filled memory
        with pytest.raises(ProfileError, match="not a regular file"):
            load_profile(target)
    with pytest.raises(PresetError):
        load_preset(fifo)
    with pytest.raises(PresetError):
        load_preset("/dev/zero")


# ---------------------------------------------------------------- random TOML structures (hypothesis)

_KEYS = st.sampled_from(["schema_version", "id", "name", "regions", "web", "wss", "turn", "stun", "email", "url",
                         "source", "sources", "support_email", "profile", "region", "proxy_url", "username",
                         "password", "secret", "sending_ips", "blocklists", "media", "x", "a.b"])  # fmt: skip
_SCALARS = st.one_of(
    st.text(max_size=12), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["turn:t.example", "https://web.test/", "t"]),
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20
)
_RANDOM_DOCS = st.dictionaries(_KEYS, _VALUES, max_size=8)
_PROFILE = {
    "schema_version": 1, "id": "loop", "name": "Loop", "version": "1", "video_provider": "T", "window_title": "W",
    "support_email": "help@example.org", "recommended_browser": "Any", "browser_advice": "Any.",
    "sources": {"t": {"title": "test"}}, "regions": [{"id": "eu", "name": "EU"}],
    "web": [{"url": "https://web.test/", "purpose": "p", "source": "t", "regions": ["eu"]}],
    "wss": [{"url": "wss://web.test/ws", "purpose": "p", "source": "t"}],
    "turn": [{"url": "turn:t.test:3478", "purpose": "p", "source": "t", "username": "u", "password": "p"}],
    "email": {"domain": "mail.example", "sending_ips": ["192.0.2.1"], "blocklists": ["bl.example"], "source": "t"},
    "media": {"loss_good_pct": 1, "loss_bad_pct": 2}, "notes": ["n"],
}  # fmt: skip
_PRESET = {
    "schema_version": 1,
    "profile": "kudo",
    "region": "eu",
    "support_email": "it@corp.example",
    "proxy_url": "http://p.example:3128",
    "turn": {"url": "turn:t.example", "username": "u", "password": "p"},
}


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in a document where a value can be swapped for a random one."""
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


@st.composite
def _mutated(draw: st.DrawFn, base: dict) -> dict:
    """A valid document with one to three values replaced by random TOML structures (or a random document)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(_RANDOM_DOCS)
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(_paths(doc)))
        parent = doc
        try:
            for key in where[:-1]:
                parent = parent[key]
            parent[where[-1]] = draw(_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"


def _toml(doc: dict) -> str:
    return "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in doc.items())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), as_preset=st.booleans())
def test_random_toml_structures_end_in_exit_3_with_one_line(
    tmp_path: Path, monkeypatch, capsys, data, as_preset
) -> None:
    """Profile and preset loaders, through the CLI: a bad document is exit 3 and one line, whatever its shape;
    a document that happens to be valid reaches the (stubbed) run."""
    monkeypatch.setattr(cli, "Session", _NoRun)
    doc = data.draw(_mutated(_PRESET if as_preset else _PROFILE))
    path = tmp_path / "random.toml"
    path.write_text(_toml(doc), encoding="utf-8")
    code = cli.main(["check", "--config" if as_preset else "--profile", str(path), *SAFE])
    err = capsys.readouterr().err
    if code == cli.EXIT_INTERNAL and "the run started despite a bad input" in err:
        return  # still a valid document
    assert code == cli.EXIT_USAGE, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
