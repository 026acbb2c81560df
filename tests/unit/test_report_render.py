"""A bundle from a real loopback run (DNS, HTTPS, coturn behind a STUN-dropping forwarder) opens in Chromium and poppler.

Set CALLREADY_RENDER_DIR to keep the screenshots (html.png, pdf-1.png, ...) for a look.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from app.engine.options import RunOptions, TurnCredentials
from app.engine.profile import load_profile
from app.engine.session import Session
from app.engine.urls import parse_ice_url
from app.logs import redactor, setup_logging
from app.report.bundle import run_secrets, write_bundle
from tests.unit import coturn_servers as cs
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    not (cs.available() and CHROMIUM and shutil.which("pdftoppm")), reason="needs coturn, chromium and poppler-utils"
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("render")
    ca = make_ca(folder / "ca", ["ok.test", "web.test"])
    dns, web = DnsServer().start(), HttpsServer(ca).start()
    turn = cs.start_coturn(folder / "turn", ca)
    dpi = cs.UdpForwarder(turn.port, drop_cookie=True).start()
    old = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(ca.ca_pem)
    try:
        prof_path = cs.write_ice_profile(
            folder / "p.toml",
            [f"stun:ok.test:{dpi.port}"],
            [f"turn:ok.test:{dpi.port}?transport=udp", f"turns:ok.test:{turn.tls_port}?transport=tcp"],
            [f"https://web.test:{web.port}/"],
        )
        profile = load_profile(str(prof_path))
        given = TurnCredentials(parse_ice_url(f"turn:ok.test:{turn.port}?transport=tcp"), cs.TURN_USER, cs.TURN_PASS)
        options = RunOptions(timeout_s=20, nameservers=(f"127.0.0.1:{dns.port}",), loopback_is_real=True,
                             media_duration_s=1.0, public_roots=ca.ca_pem, turn=(given,))  # fmt: skip
        memory = setup_logging()
        redactor().add(*run_secrets(profile, options))
        result = asyncio.run(Session(profile, options).run())
        return write_bundle(result, profile, options, memory.text(), folder, anonymize=False)
    finally:
        if old is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = old
        for s in (dns, web, dpi, turn):
            s.stop()


def _out(tmp_path: Path) -> Path:
    keep = os.environ.get("CALLREADY_RENDER_DIR")
    out = Path(keep) if keep else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_html_renders_in_headless_chromium(bundle: Path, tmp_path: Path) -> None:
    out = _out(tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        zf.extract("report.html", tmp_path)  # our own trusted bundle; summarize never extracts
    png = out / "html.png"
    png.unlink(missing_ok=True)
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={tmp_path / 'chrome'}", f"--screenshot={png}", "--window-size=1200,2400",
         (tmp_path / "report.html").as_uri()],
        capture_output=True, timeout=90, check=False,
    )  # fmt: skip
    assert png.is_file() and png.stat().st_size > 50_000  # a blank page is a few KB


def test_pdf_converts_to_png_with_pdftoppm(bundle: Path, tmp_path: Path) -> None:
    out = _out(tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        (tmp_path / "report.pdf").write_bytes(zf.read("report.pdf"))
    for old in out.glob("pdf-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "report.pdf"), str(out / "pdf")], check=True, timeout=60
    )
    pages = sorted(out.glob("pdf-*.png"))
    assert pages and pages[0].stat().st_size > 20_000
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Message for IT" in text and cs.TURN_PASS not in text
