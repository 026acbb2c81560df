"""Fleet summary: many real bundles in, a machines x categories table out; bad and hostile zips refused in one line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.engine.model import Category, Status
from app.report.bundle import build_bundle, pack
from app.report.summarize import Refused, read_bundle, render_html, render_table, summarize, write_csv
from tests.unit.report_fakes import MIXED, fleet_bundle, run_result

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base():
    from app.engine.options import RunOptions
    from app.engine.profile import load_profile

    rows = [(*r[:2], Status.PASS, "ok", {}, ()) if r[0] is Category.STUN else r for r in MIXED]
    result = run_result(rows)
    facts = {"os": {"system": "Windows", "release": "11"}, "hostname": "pc-0", "interfaces": []}
    return build_bundle(result, load_profile("flo-recruit"), RunOptions(), "log\n", False, facts=facts,
                        make_pdf=lambda html, title: b"%PDF-1.4 fake for speed\n")  # fmt: skip


@pytest.fixture()
def fleet(base, tmp_path: Path) -> Path:
    folder = tmp_path / "fleet"
    (folder / "sub").mkdir(parents=True)
    plan = [("pc-1", {"stun", "turn_tls"}), ("pc-2", {"stun"}), ("pc-3", set()), (None, {"stun"})]
    for i, (host, fail) in enumerate(plan):
        where = folder / "sub" if i == 3 else folder
        (where / f"b{i}.zip").write_bytes(fleet_bundle(base, host, frozenset(fail), i))
    return folder


def test_table_shows_machines_by_categories_and_common_failures(fleet: Path) -> None:
    s = summarize([fleet])
    assert s.refused == ()
    assert len(s.machines) == 4
    by = {m.label: m for m in s.machines}
    assert by["pc-1"].categories["stun"] == "fail" and by["pc-1"].categories["turn_tls"] == "fail"
    assert by["pc-3"].categories["https"] == "warn" and by["pc-3"].verdict == "degraded"
    assert any(label.startswith("anonymous-") for label in by)
    common = s.common_findings()
    counts = {code: n for code, _sev, _title, n in common}
    assert counts == {"tls_inspection": 4, "stun_blocked": 3, "turn_tls_blocked": 1}  # machines, not occurrences
    assert common[0][0] == "tls_inspection"
    text = render_table(s)
    header = text.splitlines()[0].split()
    assert header[:4] == ["machine", "profile", "date", "verdict"] and "stun" in header and "turn_tls" in header
    assert "3 x  stun_blocked" in text and "4 machines: 3 blocked, 1 degraded" in text


def test_csv_and_html_outputs(fleet: Path, tmp_path: Path) -> None:
    s = summarize([fleet])
    buf = io.StringIO()
    write_csv(s, buf)
    rows = buf.getvalue().splitlines()
    assert rows[0].startswith("machine,file,os,profile,started_at,verdict,dns,https,stun,turn_tls")
    assert len(rows) == 5 and any(r.startswith("pc-1,") and ",fail," in r for r in rows)
    page = render_html(s)
    assert "pc-2" in page and "stun_blocked" in page and "<script" not in page


def _zip(members: dict[str, bytes], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _members(bundle_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle_bytes)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _refusal(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "x.zip"
    path.write_bytes(data)
    with pytest.raises(Refused) as exc:
        read_bundle(path)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_corrupted_truncated_and_foreign_files_are_refused(base, tmp_path: Path) -> None:
    good = pack(base)
    assert "truncated or corrupted" in _refusal(tmp_path, good[: len(good) // 2])
    damaged = bytearray(good)
    start = good.index(b"report.json") + 60  # inside the compressed report.json
    damaged[start : start + 40] = bytes(40)
    assert "damaged" in _refusal(tmp_path, bytes(damaged)) or "tampered" in _refusal(tmp_path, bytes(damaged))
    assert "not a zip" in _refusal(tmp_path, b"%PDF-1.4 this is not a zip")
    assert "not a CallReady bundle" in _refusal(tmp_path, _zip({"readme.txt": b"hello", "photo.jpg": b"\xff\xd8"}))


def test_tampered_bundles_are_refused(base, tmp_path: Path) -> None:
    members = _members(pack(base))
    report = json.loads(members["report.json"])
    report["verdict"] = "ready"
    edited = {**members, "report.json": json.dumps(report).encode()}
    assert "report.json does not match its SHA-256" in _refusal(tmp_path, _zip(edited))
    assert "evil.exe is not in the manifest" in _refusal(tmp_path, _zip({**members, "evil.exe": b"MZ"}))
    without = {k: v for k, v in members.items() if k != "system.json"}
    assert "system.json is missing" in _refusal(tmp_path, _zip(without))


def test_foreign_json_with_a_valid_manifest_is_refused(base, tmp_path: Path) -> None:
    import dataclasses

    report = json.loads(base.files["report.json"])
    report["tool"]["name"] = "OtherTool"
    other = dataclasses.replace(base, files={**base.files, "report.json": json.dumps(report).encode()})
    assert "not written by CallReady" in _refusal(tmp_path, pack(other))
    report["tool"]["name"] = "CallReady"
    report["checks"][0]["status"] = "great"
    odd = dataclasses.replace(base, files={**base.files, "report.json": json.dumps(report).encode()})
    assert "does not match the result schema: checks/0/status" in _refusal(tmp_path, pack(odd))


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/cron.d/evil", "a/../../evil", "C:/Windows/evil.dll", "..\\evil"])
def test_path_traversal_entries_are_refused(base, tmp_path: Path, name: str) -> None:
    members = _members(pack(base))
    assert "unsafe entry name" in _refusal(tmp_path, _zip({**members, name: b"x"}))
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bombs_are_refused_before_reading(base, tmp_path: Path) -> None:
    members = _members(pack(base))
    big = _zip({**members, "log.txt": bytes(40 * 1024 * 1024)})  # 40 MB of zeros, ~40 KB compressed
    assert len(big) < 200_000
    assert "would unpack to" in _refusal(tmp_path, big)
    dense = _zip({**members, "log.txt": bytes(4 * 1024 * 1024)})  # under the size limit, ratio ~1000x
    assert "zip bomb" in _refusal(tmp_path, dense)
    many = _zip({**members, **{f"f{i}.txt": b"" for i in range(40)}})
    assert "entries" in _refusal(tmp_path, many)


def test_cli_refuses_each_bad_file_in_one_line_and_exits_3_when_nothing_readable(
    base, tmp_path: Path, fleet: Path
) -> None:
    (tmp_path / "bad1.zip").write_bytes(b"junk")
    (tmp_path / "bad2.zip").write_bytes(pack(base)[:300])
    cmd = [sys.executable, "-m", "app", "summarize"]
    out = subprocess.run(
        [*cmd, str(tmp_path / "bad1.zip"), str(tmp_path / "bad2.zip")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 3
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("callready: refused ") and "bad1.zip" in lines[0]
    assert lines[-1] == "callready: no readable CallReady bundle was given"
    ok = subprocess.run([*cmd, str(fleet), str(tmp_path / "bad1.zip"), "--html", str(tmp_path / "s.html")], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ok.returncode == 0 and "4 machines" in ok.stdout and ok.stderr.count("\n") == 1
    assert (tmp_path / "s.html").read_text().count("<tr>") >= 5
    missing = subprocess.run([*cmd, str(tmp_path / "nope")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 3 and "no such file" in missing.stderr
