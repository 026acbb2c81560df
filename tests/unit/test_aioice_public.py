"""app/ uses aioice only through its public STUN codec: no name-mangled or underscored names, no socket tricks."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
FORBIDDEN = ("_Transaction__", "._send(", "os.dup", "aioice.turn", "aioice import turn", "aioice import ice")


def sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(APP.rglob("*.py"))]


def test_app_never_touches_aioice_internals():
    found = [(str(p.relative_to(APP)), name) for p, text in sources() for name in FORBIDDEN if name in text]
    assert found == []


def test_aioice_is_imported_only_for_its_stun_codec_and_no_private_name_is_used():
    imports = {
        m
        for _, text in sources()
        for m in re.findall(r"^[ \t]*(?:from aioice\S* import .+|import aioice\S*)", text, re.M)
    }
    assert imports <= {"from aioice import stun"}, imports
    private = [(str(p.relative_to(APP)), m) for p, text in sources() for m in re.findall(r"\bstun\.(_\w+)", text)]
    assert private == []


def test_the_guard_sees_the_names_it_forbids():
    text = "transaction._Transaction__future; client._send(b''); socket.socket(fileno=os.dup(3))"
    assert [name for name in FORBIDDEN if name in text] == ["_Transaction__", "._send(", "os.dup"]
