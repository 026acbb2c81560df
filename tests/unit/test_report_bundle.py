"""The report bundle: members, manifest, redaction of secrets in every file, anonymizing, PDF fallback, CLI."""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.engine.model import Category, Status
from app.engine.options import RunOptions, TurnCredentials
from app.engine.profile import IceServer, load_profile
from app.engine.urls import parse_ice_url, parse_proxy_url
from app.report.bundle import build_bundle, bundle_contents_preview, bundle_name, pack, write_bundle
from app.report.redact import local_addresses
from app.report.schema import schema_errors
from tests.unit.report_fakes import MIXED, run_result

ROOT = Path(__file__).resolve().parents[2]
PROXY_PW = "Pr0xyPa55-Zq7"
TURN_PW = "TurnPa55-Kx9"
TURN_SECRET = "RestS3cret-Wm4"
PROFILE_TURN_PW = "ProfTurnPw-Hh2"
SECRETS = (PROXY_PW, TURN_PW, TURN_SECRET, PROFILE_TURN_PW)
MEMBERS = {"report.json", "report.html", "report.pdf", "log.txt", "system.json", "manifest.json"}


def leaky_run(extra_detail: dict | None = None):
    """A real result whose evidence, summary and log carry every secret (as a careless probe might)."""
    options = RunOptions(
        timeout_s=5,
        proxy=parse_proxy_url(f"http://bob:{PROXY_PW}@proxy.test:3128"),
        turn=(TurnCredentials(parse_ice_url("turn:turn.test:3478?transport=udp"), "u", TURN_PW, TURN_SECRET),),
    )
    base = load_profile("flo-recruit")
    profile = dataclasses.replace(
        base, turn=(IceServer(parse_ice_url("turns:relay.test:443"), "relay", "x", (), "u", PROFILE_TURN_PW),)
    )
    rows = [
        *MIXED,
        (Category.PROXY, "proxy.test:3128", Status.FAIL, f"Proxy refused password {PROXY_PW}.",
         {"proxy": f"http://bob:{PROXY_PW}@proxy.test:3128", "turn": [TURN_PW, {"k": TURN_SECRET}], **(extra_detail or {})},
         ("proxy_failed",)),
        (Category.TURN_UDP, "turn.test:3478", Status.PASS, f"Relay ok with {PROFILE_TURN_PW}", {"secret": TURN_SECRET}, ()),
    ]  # fmt: skip
    result = run_result(rows, options=options, profile=profile)
    log_text = f"debug: connecting with {TURN_PW} and {TURN_SECRET} via http://bob:{PROXY_PW}@proxy.test\n"
    return result, profile, options, log_text


def member_texts(zip_path: Path, tmp: Path) -> dict[str, str]:
    """Every member as text; the PDF through pdftotext (its content streams are compressed)."""
    out = {}
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".pdf"):
                (tmp / "r.pdf").write_bytes(data)
                subprocess.run(["pdftotext", "-layout", str(tmp / "r.pdf"), str(tmp / "r.txt")], check=True, timeout=30)
                out[name] = (tmp / "r.txt").read_text()
                out[name + "(raw)"] = data.decode("latin-1")
            else:
                out[name] = data.decode("utf-8")
    return out


@pytest.fixture(scope="module")
def secret_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result, profile, options, log_text = leaky_run()
    return write_bundle(result, profile, options, log_text, tmp_path_factory.mktemp("b"), anonymize=False)


def test_bundle_has_every_member_and_a_correct_manifest(secret_bundle: Path) -> None:
    host = socket.gethostname()
    assert (
        secret_bundle.name.startswith(f"callready-flo-recruit-{host.split('.')[0][:40]}-")
        or "anonymous" not in secret_bundle.name
    )
    with zipfile.ZipFile(secret_bundle) as zf:
        assert set(zf.namelist()) == MEMBERS
        manifest = json.loads(zf.read("manifest.json"))
        assert set(manifest["files"]) == MEMBERS - {"manifest.json"}
        for name, entry in manifest["files"].items():
            data = zf.read(name)
            assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        report = json.loads(zf.read("report.json"))
        assert schema_errors(report) == []
        assert zf.read("report.pdf").startswith(b"%PDF")
        system = json.loads(zf.read("system.json"))
    assert system["hostname"] == socket.gethostname() and system["anonymized"] is False
    assert system["public_address"] == "203.0.113.7"  # from the TURN check's mapped address (no STUN answer)
    assert system["callready"]["profile"]["id"] == "flo-recruit" and system["recommended_browser"] == "Google Chrome"
    assert {"os", "interfaces", "proxies", "dns_resolvers", "browsers"} <= set(system)


def test_no_secret_in_any_file_of_the_bundle(secret_bundle: Path, tmp_path: Path) -> None:
    texts = member_texts(secret_bundle, tmp_path)
    raw_zip = secret_bundle.read_bytes()
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into {name}"
    for secret in SECRETS:
        assert secret.encode() not in raw_zip
    # the redaction left a visible mark where the secrets were, and the rest of the evidence intact
    assert "***" in texts["report.json"] and "proxy.test:3128" in texts["report.json"]
    assert "Proxy refused password ***." in texts["report.html"]
    assert "***" in texts["log.txt"]


def test_anonymized_bundle_drops_user_host_and_local_addresses(tmp_path: Path) -> None:
    host, user = socket.gethostname(), getpass.getuser()
    addresses = sorted(local_addresses())
    assert addresses, "this machine has no non-loopback address to test with"
    result, profile, options, _ = leaky_run({"seen_from": addresses[0], "computer": host})
    log_text = f"config read from /home/{user}/.config/callready on {host} ({addresses[0]})\n"
    path = write_bundle(result, profile, options, log_text, tmp_path, anonymize=True)
    assert "-anonymous-" in path.name and host not in path.name
    import re

    texts = member_texts(path, tmp_path)
    for name, text in texts.items():
        if name.endswith("(raw)"):
            continue
        for term in [host, *addresses]:
            assert not re.search(rf"(?<![\w.:-]){re.escape(term)}(?![\w:-])", text, re.IGNORECASE), f"{term} in {name}"
        assert f"/home/{user}/" not in text, name
    system = json.loads(texts["system.json"])
    assert system["hostname"] is None and system["anonymized"] is True
    assert "[local-address]" in texts["system.json"] and "[host]" in texts["report.json"]
    assert "user name, computer name and local addresses removed" in texts["report.html"]


def test_without_qt_the_bundle_is_written_without_pdf_and_says_so(tmp_path: Path) -> None:
    result, profile, options, log_text = leaky_run()

    def no_qt(html: str, title: str) -> bytes:
        from app.report.pdf import PdfUnavailable

        raise PdfUnavailable("Qt is not available (No module named 'PySide6')")

    b = build_bundle(result, profile, options, log_text, False, make_pdf=no_qt, facts={"os": {}})
    with zipfile.ZipFile(__import__("io").BytesIO(pack(b))) as zf:
        assert "report.pdf" not in zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert "report.pdf" not in manifest["files"]
    assert manifest["notes"]["report.pdf"].startswith("not included: Qt is not available")


def test_html_is_self_contained_and_complete(secret_bundle: Path) -> None:
    import re

    with zipfile.ZipFile(secret_bundle) as zf:
        page = zf.read("report.html").decode()
        report = json.loads(zf.read("report.json"))
    assert not re.search(r"<(link|script|img|iframe)\b", page, re.I)
    assert not re.search(r"(src|href)\s*=|url\(", page, re.I)
    for c in report["checks"]:
        assert c["target"] in page and c["summary"].replace('"', "&#34;") in page
    for f in report["findings"]:
        assert f["code"] in page
    assert "Message for IT" in page and "Hello IT team" in page and "Timings" in page and "Operating system" in page


def test_destination_file_name_or_folder(tmp_path: Path) -> None:
    result, profile, options, log_text = leaky_run()
    explicit = write_bundle(result, profile, options, log_text, tmp_path / "mine.zip", anonymize=True)
    assert explicit == tmp_path / "mine.zip" and zipfile.is_zipfile(explicit)
    umask = os.umask(0o022)
    os.umask(umask)
    assert explicit.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not 0600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert bundle_name("flo-recruit", "Bob's PC.corp", "2024-05-01T10:15:00Z") == (
        "callready-flo-recruit-Bob-s-PC-corp-20240501T101500Z.zip"
    )
    assert bundle_name("kudo", None, "2024-05-01T10:15:00Z") == "callready-kudo-anonymous-20240501T101500Z.zip"


def test_preview_says_what_is_included_and_removed() -> None:
    result = run_result()
    anon = bundle_contents_preview(result, anonymize=True)
    named = bundle_contents_preview(result, anonymize=False, pdf=False)
    assert any(line.startswith("report.json") and "5 checks" in line for line in anon)
    assert any("Removed: your user name" in line for line in anon)
    assert not any(line.startswith("report.pdf") for line in named)
    assert any("Never included: passwords" in line for line in anon + named)


def test_cli_writes_a_bundle_that_summarize_reads(tmp_path: Path) -> None:
    """End to end on loopback: a real check run (DNS and HTTPS servers on 127.0.0.1), then summarize."""
    from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca
    from tests.unit.test_probes_dns_https import write_profile

    ca = make_ca(tmp_path, ["web.test"])
    dns, web = DnsServer().start(), HttpsServer(ca).start()
    try:
        prof = write_profile(tmp_path / "loop.toml", [f"https://web.test:{web.port}/"])
        env = {**os.environ, "SSL_CERT_FILE": str(ca.ca_pem), "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-m", "app", "check", "--profile", str(prof), "--dns-server", f"127.0.0.1:{dns.port}",
             "--public-roots", str(ca.ca_pem), "--timeout", "15", "--bundle", str(tmp_path),
             "--proxy", f"http://bob:{PROXY_PW}@127.0.0.1:9"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        dns.stop()
        web.stop()
    assert out.returncode in (0, 1, 2), out.stderr
    zips = list(tmp_path.glob("callready-loop-*.zip"))
    assert len(zips) == 1 and f"Report bundle: {zips[0]}" in out.stdout
    assert PROXY_PW.encode() not in zips[0].read_bytes()
    summary = subprocess.run(
        [sys.executable, "-m", "app", "summarize", str(zips[0]), "--csv", str(tmp_path / "s.csv")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert summary.returncode == 0, summary.stderr
    assert "https" in summary.stdout.splitlines()[0] and "1 machine: " in summary.stdout
    assert (tmp_path / "s.csv").read_text().splitlines()[1].startswith(socket.gethostname())


def test_summarize_and_cli_do_not_load_qt() -> None:
    code = (
        "import sys, app.cli, app.report.cli, app.report.summarize, app.report.bundle\n"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_holds_the_same_content(secret_bundle: Path, tmp_path: Path) -> None:
    text = " ".join(member_texts(secret_bundle, tmp_path)["report.pdf"].split())
    assert "Calls will work, with reduced quality" in text or "will not work" in text
    for words in ("What to do", "Message for IT", "Every check", "Timings", "System", "stun.daily.co:3478"):
        assert words in text
