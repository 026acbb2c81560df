"""docs/findings.md lists exactly the catalogue; every code a probe can raise is catalogued."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.engine.findings import CATALOGUE
from tools.gen_findings_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_findings_doc_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == render(), (
        "run: python tools/gen_findings_doc.py"
    )


def _codes_in(tree: ast.AST) -> set[str]:
    """Finding codes a module raises: strings in an Outcome's findings (4th argument or `findings=`), in dicts named
    *_CODE/*_CODES, in `raised[...]`/`out[...]` keys and `raised.setdefault(...)`, and in `codes` tuples."""
    found: set[str] = set()

    def strings(node: ast.AST | None) -> set[str]:
        if node is None:
            return set()
        return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "Outcome" and len(node.args) >= 4:
                found |= strings(node.args[3])
            for kw in node.keywords:
                if kw.arg in ("findings", "codes"):
                    found |= strings(kw.value)
            if name == "setdefault" and getattr(node.func, "value", None) is not None:
                target = getattr(node.func.value, "id", "")  # type: ignore[attr-defined]
                if target in ("raised", "out") and node.args:
                    found |= strings(node.args[0])
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
            first = node.value.elts[0]
            if isinstance(first, ast.Attribute) and getattr(first.value, "id", "") == "Status":
                for elt in node.value.elts[1:]:  # judge functions: (status, summary, codes[, details])
                    if isinstance(elt, ast.Tuple):
                        found |= strings(elt)
        elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") in ("raised", "out"):
            found |= strings(node.slice)
        elif isinstance(node, ast.Assign):
            names = [getattr(t, "id", "") for t in node.targets]
            if any(n.endswith(("_CODE", "_CODES")) or n in ("_ANY_OF", "codes") for n in names):
                if isinstance(node.value, ast.Dict):
                    found |= strings(ast.Tuple(elts=list(node.value.values), ctx=ast.Load()))
                else:
                    found |= strings(node.value)
    return {c for c in found if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", c)}


def test_every_code_raised_by_the_ast_is_catalogued() -> None:
    """An unknown code would become a mere warning for the user: every code any module raises is catalogued."""
    used: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        used |= _codes_in(ast.parse(path.read_text(encoding="utf-8")))
    unknown = sorted(c for c in used if c not in CATALOGUE)
    assert unknown == [], unknown
    assert {"turn_udp_blocked", "turn_tcp_blocked", "turn_tls_blocked", "alternate_server_unreachable",
            "low_capacity", "websocket_blocked", "media_ports_unconfirmed"} <= used  # fmt: skip


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
