"""Write docs/findings.md from the finding catalogue (a test checks the file is up to date)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.findings import CATALOGUE

HEADER = """# Finding codes

Generated from `app/engine/findings.py` by `python tools/gen_findings_doc.py`; a test keeps it in step.
Codes are stable: reports and fleet summaries rely on them. `error` findings make the verdict
"will not work" (blocked), `warning` findings "works with reduced quality" (degraded), `info`
findings never change the verdict. Texts in braces are filled in from the run.

| code | severity | title | advice for the interviewer | action for IT |
|---|---|---|---|---|
"""


def render() -> str:
    """The whole Markdown document."""
    rows = [
        f"| `{s.code}` | {s.severity.value} | {s.title} | {s.advice} | {s.it_action} |".replace("\n", " ")
        for s in CATALOGUE.values()
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "findings.md"
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
