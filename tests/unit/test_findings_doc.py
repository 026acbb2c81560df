"""docs/findings.md lists exactly the catalogue (that every code a probe can raise is catalogued is a type now:
tests/unit/test_finding_codes.py)."""

from __future__ import annotations

from pathlib import Path

from tools.gen_findings_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_findings_doc_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == render(), (
        "run: python tools/gen_findings_doc.py"
    )
