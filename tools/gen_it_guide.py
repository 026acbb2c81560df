"""Write the destination tables of docs/it-guide.md from the shipped profiles (`--check`: fail if out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.destinations import markdown
from app.engine.profile import load_profile, shipped_profiles

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "it-guide.md"
START, END = "<!-- destinations:start (tools/gen_it_guide.py) -->", "<!-- destinations:end -->"


def tables() -> str:
    """One table per shipped profile and selectable region."""
    parts: list[str] = []
    for pid in shipped_profiles():
        profile = load_profile(pid)
        regions = [r.id for r in profile.regions if r.selectable] or [None]
        parts += [markdown(load_profile(pid, region)) for region in regions]
    return "\n".join(parts)


def render(text: str) -> str:
    """The guide with the section between the markers replaced."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{tables()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = GUIDE.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{GUIDE} is out of date: run python tools/gen_it_guide.py", file=sys.stderr)
            return 1
        return 0
    GUIDE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
