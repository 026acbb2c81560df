"""docs/findings.md lists exactly the catalogue; every code a probe can raise is catalogued."""

from __future__ import annotations

import re
from pathlib import Path

from app.engine.findings import CATALOGUE
from tools.gen_findings_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_findings_doc_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == render(), (
        "run: python tools/gen_findings_doc.py"
    )


def test_every_code_used_in_the_code_is_catalogued() -> None:
    used: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'findings=\(\s*"([a-z_]+)"', text))
        used |= set(re.findall(r'\("([a-z_]+)",\)', text))
        used |= set(re.findall(r'out\["([a-z_]+)"\]', text))
    unknown = sorted(c for c in used if c not in CATALOGUE and "_" in c)
    assert unknown == []
    assert {"https_blocked", "dns_nxdomain", "relay_only", "media_blocked"} <= used
