"""A report people read (issue 17), from real recorded runs (tests/gui/data: no network, `unshare -n`; the lab's
https_blocked): the app's verdict words and steps, the IT table, identical results merged, not-tried checks folded,
raw JSON only in the appendix, no time bars for checks not tried, the offline PDF on at most 2 pages, PDF tables never
across a page break, and the private DNS resolver gone when anonymizing."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.engine import audience
from app.engine.ittable import _check_of_json
from app.engine.model import CheckResult, ProfileRef, RunResult
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.verdict import assess
from app.report.bundle import build_bundle

DATA = Path(__file__).resolve().parents[1] / "gui" / "data"
RESOLVER = "10.255.255.53"  # the private resolver of the machine the offline run was recorded on
FACTS: dict[str, Any] = {
    "os": {"system": "Linux", "release": "6", "platform": "Linux-6-x86_64"},
    "callready": {"version": "0.1.0", "profile": {"id": "flo-recruit", "version": "2024-10-01"}},
    "hostname": "vm",
    "interfaces": [{"name": "eth0", "up": True, "mtu": 1500, "addresses": [{"family": "ipv4", "address": "10.0.0.7"}]}],
    "proxies": {"environment": {}, "system": {}},
    "dns_resolvers": [RESOLVER, "fd00::53"],
    "public_address": None,
    "browsers": [{"name": "Chromium", "version": "156"}],
    "recommended_browser": "Google Chrome",
}


def recorded(name: str) -> RunResult:
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    checks = tuple(c for c in (_check_of_json(c) for c in doc["checks"]) if isinstance(c, CheckResult))
    profile = load_profile("flo-recruit")
    a = assess(checks, profile)
    return RunResult("0.1.0", ProfileRef(profile.id, profile.name, None, profile.version), "2026-11-30T05:08:19Z",
                     0.4, a.verdict, a.reason, checks, a.findings, a.it_message)  # fmt: skip


def files(name: str, pdf: bool = False, anonymize: bool = True) -> dict[str, bytes]:
    def no_pdf(_html: str, _title: str) -> bytes:
        raise RuntimeError("not needed here")

    kw = {} if pdf else {"make_pdf": no_pdf}
    result = recorded(name)
    return build_bundle(result, load_profile("flo-recruit"), RunOptions(), "log\n", anonymize, facts=FACTS, **kw).files


def test_offline_report_reads_like_the_app() -> None:
    result = recorded("offline.json")
    page = files("offline.json")["report.html"].decode()
    assert "<h1>Will not work</h1>" in page and ">blocked<" not in page.lower()  # the app's words, not the code
    profile = load_profile("flo-recruit")
    steps = audience.steps(result.verdict, result.findings, profile.browser_advice, profile.support_email)
    for s in steps:  # the same steps as the app, in the same order
        assert s.replace("'", "&#39;") in page
    assert "Nothing for IT to change" in page
    assert "and 4 more like it" in page  # five identical DNS failures, one row
    assert "Not tried because an earlier step failed (22)" in page
    before_appendix = page.split("Appendix: evidence of what failed")[0]
    assert "{&#34;" not in before_appendix and '{"' not in before_appendix  # no raw JSON above the appendix
    tried = sum(1 for c in result.checks if c.status.value != "skip")
    assert page.count('<div class="bar">') <= tried  # no time bar for a check never tried


def test_blocked_report_has_the_it_table() -> None:
    page = files("https_blocked.json")["report.html"].decode()
    table = page.split('<table class="it checks">', 1)[1].split("</table>", 1)[0]
    assert "c.daily.co" in table and "HTTPS, TCP 443" in table and "Allow outbound TCP 443 to c.daily.co." in table
    assert "gs.daily.co" not in table  # only what failed
    assert 'class="badge b-note">Note' in page  # Chromium instead of Chrome is a note, as in the app


def test_anonymized_report_hides_the_private_resolver_everywhere() -> None:
    out = files("offline.json", anonymize=True)
    for member, data in out.items():
        text = data.decode("utf-8", "replace")
        assert RESOLVER not in text and "fd00::53" not in text and "10.0.0.7" not in text, member
    kept = files("offline.json", anonymize=False)
    assert RESOLVER in kept["system.json"].decode()  # without anonymize IT sees which resolver was asked


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


_KEEP: list[Any] = []


@pytest.fixture(scope="module")
def qt_pdf() -> None:
    """A QApplication (not the QGuiApplication pdf.py would make), so GUI tests later in the run still work."""
    widgets = pytest.importorskip("PySide6.QtWidgets")
    if widgets.QApplication.instance() is None:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _KEEP.append(widgets.QApplication([]))  # alive for the whole session


def test_offline_pdf_fits_on_two_pages(qt_pdf: None) -> None:
    pdf = files("offline.json", pdf=True)["report.pdf"]
    assert pdf.startswith(b"%PDF") and 1 <= _pdf_pages(pdf) <= 2


def test_pdf_tables_never_straddle_a_page(qt_pdf: None) -> None:
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument, QTextTable

    from app.report import html as html_report
    from app.report.pdf import keep_tables_on_one_page

    report = recorded("https_blocked.json").to_json()
    doc = QTextDocument()
    doc.setHtml(
        html_report.render_print_html(report, FACTS, {"file_name": "x.zip", "created_at": "now", "anonymized": False})
    )
    doc.setPageSize(QSizeF(700, 500))  # small pages: many breaks to get right

    def straddling() -> int:
        height = doc.pageSize().height()
        n = 0
        for frame in doc.rootFrame().childFrames():
            if isinstance(frame, QTextTable):
                box = doc.documentLayout().frameBoundingRect(frame)
                if box.height() < height and int(box.top() // height) != int((box.bottom() - 1) // height):
                    n += 1
        return n

    assert straddling() > 0  # the case under test really happens without the fix
    assert keep_tables_on_one_page(doc) > 0
    assert straddling() == 0


def test_bundle_pdf_and_zip_still_open(tmp_path: Path, qt_pdf: None) -> None:
    from app.report.bundle import pack

    result = recorded("offline.json")
    b = build_bundle(result, load_profile("flo-recruit"), RunOptions(), "log\n", True, facts=FACTS)
    path = tmp_path / b.name
    path.write_bytes(pack(b))
    with zipfile.ZipFile(path) as zf:
        assert {"report.html", "report.pdf", "report.json"} <= set(zf.namelist())


def test_a_degraded_report_has_the_apps_steps_browser_tip_included() -> None:
    import dataclasses

    from app.engine.model import Verdict

    result = recorded("https_blocked.json")
    result = dataclasses.replace(result, verdict=Verdict.DEGRADED)  # the tip is given when calls can work
    profile = load_profile("flo-recruit")
    page = build_bundle(result, profile, RunOptions(), "", True, facts=FACTS, make_pdf=_no_pdf).files["report.html"]
    steps = audience.steps(result.verdict, result.findings, profile.browser_advice, profile.support_email)
    assert profile.browser_advice in steps
    listed = page.decode().split('<ol class="steps">', 1)[1].split("</ol>", 1)[0]
    assert listed.count("<li>") == len(steps)


def _no_pdf(_html: str, _title: str) -> bytes:
    raise RuntimeError("not needed here")
