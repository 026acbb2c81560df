"""The package's import graph (module-level imports) has no cycle; the GUI never imports socket-level modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """`app.*` modules imported at module level (imports inside functions are deliberate lazy imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports are not run
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("app")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    paths = list((ROOT / "app").rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): top_level_imports(p, known) - {module_name(p)} for p in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by depth-first search (one representative per back edge)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            # a package importing its own submodules (app.probes -> app.probes.dns) is how packages are built
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_app() -> None:
    edges = graph()
    assert len(edges) > 50 and "app.probes.https" in edges["app.probes.wss"]  # the graph is real
    assert cycles(edges) == []


def test_gui_never_imports_network_code() -> None:
    """The GUI shows engine events; it never opens a socket (probes and network helpers stay out of app.gui)."""
    offenders = {
        mod: sorted(i for i in deps if i.startswith(("app.probes", "app.net")))
        for mod, deps in graph().items()
        if mod.startswith("app.gui")
    }
    assert {m: d for m, d in offenders.items() if d} == {}
