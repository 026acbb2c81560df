"""Smoke test of the frozen program (dist/callready, or $CALLREADY_BINARY): run the built binary, not the source.

Built by tools/build_linux.sh; skipped when no binary exists. The check runs against real servers on loopback
(a test DNS server answering *.test, an HTTPS server with a throw-away CA), never a platform profile."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import TOOL_NAME, __version__
from app.cli import VERDICT_EXIT
from app.engine.model import Verdict
from app.engine.profile import shipped_profiles
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca
from tests.unit.test_probes_dns_https import write_profile

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("CALLREADY_BINARY") or ROOT / "dist" / "callready")

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(not BINARY.is_file(), reason=f"no frozen build at {BINARY} (run tools/build_linux.sh)"),
]


def run(*args: str, binary: Path = BINARY, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run the frozen program with a deadline; a hang is a failure, not a stuck CI."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
    full_env.update(env or {})
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=90, env=full_env, cwd=cwd)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A loopback scenario: DNS answering the test zone and an HTTPS server whose CA plays the OS store."""
    folder = tmp_path_factory.mktemp("frozen")
    ca = make_ca(folder / "ca", ["web.test", "ok.test"])
    dns, https = DnsServer().start(), HttpsServer(ca).start()
    profile = write_profile(folder / "loop.toml", [f"https://web.test:{https.port}/"], ["nx.test"])
    yield {"dir": folder, "ca": ca, "dns": dns, "https": https, "profile": profile}
    dns.stop()
    https.stop()


def check_args(lab, *extra: str) -> list[str]:
    return [
        "check", "--dns-server", f"127.0.0.1:{lab['dns'].port}", "--public-roots", str(lab["ca"].ca_pem),
        "--timeout", "20", *extra,
    ]  # fmt: skip


def test_version_is_the_packages() -> None:
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{TOOL_NAME} {__version__}"


def test_version_loads_no_qt() -> None:
    """`--version` (IT scripts, issue 19) is answered before Qt or the engine is loaded."""
    if not sys.platform.startswith("linux"):
        pytest.skip("LD_DEBUG is glibc's")
    result = run("--version", env={"LD_DEBUG": "files"})
    assert result.returncode == 0 and f"{TOOL_NAME} {__version__}" in result.stdout
    loaded = [line for line in result.stderr.splitlines() if "file=" in line]
    assert loaded and not [line for line in loaded if "libQt6" in line or "cryptography" in line]


def test_window_opens_from_the_build(tmp_path: Path) -> None:
    """The wizard's window is exposed (offscreen platform plugin found without PyInstaller's PySide6 hook)."""
    result = run(env={"QT_QPA_PLATFORM": "offscreen", "CALLREADY_BENCH_SHOWN": "1"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("callready-visible ") for line in result.stderr.splitlines()), result.stderr


def test_single_file_unpacks_once_per_build(tmp_path: Path) -> None:
    """Linux: the packed single file unpacks into the cache folder named by its build, then reuses it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("crpack", ROOT / "tools" / "onefile" / "pack.py")
    assert spec and spec.loader
    crpack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(crpack)
    if not crpack.is_packed(BINARY):
        pytest.skip("not a packed single file (PyInstaller's onefile or a folder build)")
    build = crpack.read_table(BINARY)["build"]
    cache = tmp_path / "cache"
    assert run("--version", env={"CALLREADY_CACHE_DIR": str(cache)}).returncode == 0
    marker = cache / build / ".complete"
    stamp = marker.stat().st_mtime_ns
    assert [p.name for p in cache.iterdir()] == [build] and (cache / build / "callready").is_file()
    assert run("profiles", env={"CALLREADY_CACHE_DIR": str(cache)}).returncode == 0
    assert marker.stat().st_mtime_ns == stamp and [p.name for p in cache.iterdir()] == [build]


def test_shipped_profiles_are_inside_the_build() -> None:
    result = run("profiles")
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == list(shipped_profiles())


def test_headless_check_on_loopback_gives_json_and_the_verdict_exit_code(lab) -> None:
    result = run(
        *check_args(lab, "--profile", str(lab["profile"]), "--json", "-"), env={"SSL_CERT_FILE": str(lab["ca"].ca_pem)}
    )
    data = json.loads(result.stdout)
    assert result.returncode == VERDICT_EXIT[Verdict(data["verdict"])], result.stderr
    checks = {c["id"]: c for c in data["checks"]}
    assert checks["dns:nx.test"]["findings"] == ["dns_nxdomain"]
    https = next(c for c in data["checks"] if c["category"] == "https")
    if sys.platform.startswith("linux"):  # SSL_CERT_FILE plays the OS store only where the OS store is OpenSSL's
        assert https["status"] == "pass", https["summary"]  # TLS, trust store and HTTP work inside the frozen build
    else:
        assert https["status"] in ("pass", "fail") and https["duration_ms"] >= 0
    assert data["verdict"] == "blocked" and result.returncode == 2
    assert "nx.test." in lab["dns"].queries


def test_preset_beside_the_program_is_used_and_a_bad_one_is_reported(lab, tmp_path: Path) -> None:
    if (BINARY.parent / "_internal").is_dir():  # a folder build moves as a whole
        shutil.copytree(BINARY.parent, tmp_path / "app")
        exe = tmp_path / "app" / BINARY.name
    else:
        exe = tmp_path / "app" / BINARY.name
        exe.parent.mkdir()
        shutil.copy2(BINARY, exe)
    preset = exe.parent / "callready.toml"
    preset.write_text(f"profile = '{lab['profile']}'\nsupport_email = 'desk@corp.example'\n", encoding="utf-8")
    good = run(*check_args(lab, "--json", "-"), binary=exe, cwd=lab["dir"])
    data = json.loads(good.stdout)
    assert data["profile"]["id"] == "loop" and "desk@corp.example" in data["it_message"]
    assert f"Settings from IT: {preset}" in good.stderr
    preset.write_text('profile = "kudo"\nregion = "mars"\n', encoding="utf-8")
    bad = run(*check_args(lab), binary=exe, cwd=lab["dir"])
    assert bad.returncode == 3 and f"{preset}: region: unknown region 'mars'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_bad_input_exits_3_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = 1\nid = \n", encoding="utf-8")
    result = run("check", "--profile", str(broken))
    assert result.returncode == 3 and result.stderr.startswith(f"callready: {broken}: toml: ")
    assert "Traceback" not in result.stderr


def test_bundle_is_written_headless(lab, tmp_path: Path) -> None:
    if "--bundle" not in run("check", "--help").stdout:
        pytest.skip("this build has no `check --bundle` (report bundle not registered)")
    result = run(*check_args(lab, "--profile", str(lab["profile"]), "-q", "--bundle", str(tmp_path)),
                 env={"SSL_CERT_FILE": str(lab["ca"].ca_pem), "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert result.returncode == 2, result.stderr
    (bundle,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(bundle) as zf:
        names = [Path(n).name for n in zf.namelist()]
        report = json.loads(zf.read(next(n for n in zf.namelist() if n.endswith("report.json"))))
    assert report["verdict"] == "blocked" and "log.txt" in names, names


def test_pdf_report_keeps_non_ascii_text(lab, tmp_path: Path) -> None:
    """report.pdf is laid out by the bundled Qt (QTextDocument, QPdfWriter) with the slimmed ICU data (build.spec)."""
    if "--bundle" not in run("check", "--help").stdout:
        pytest.skip("this build has no `check --bundle` (report bundle not registered)")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) missing")
    profile = tmp_path / "intl.toml"
    text = lab["profile"].read_text(encoding="utf-8").replace('name = "Loopback"', 'name = "Zürich – 東京"')
    profile.write_text(text, encoding="utf-8")
    result = run(*check_args(lab, "--profile", str(profile), "-q", "--bundle", str(tmp_path)),
                 env={"SSL_CERT_FILE": str(lab["ca"].ca_pem), "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert result.returncode == 2, result.stderr
    (bundle,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(bundle) as zf:
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(zf.read(next(n for n in zf.namelist() if n.endswith("report.pdf"))))
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=30).stdout
    assert "Zürich –" in words, words[:500]
    cjk_font = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout.strip()
    if cjk_font:  # the glyphs come from the system's fonts, so 東京 can only show where a CJK font is installed
        assert "Zürich – 東京" in words
