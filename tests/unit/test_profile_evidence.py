"""Every probe target of every shipped profile is evidenced (issue 13), and docs/targets.md lists them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.engine.profile import load_profile
from tools.gen_targets import all_profiles, evidence_problems, render, targets

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("profile", all_profiles(), ids=lambda p: p.id)
def test_every_target_has_checkable_evidence(profile: object) -> None:
    assert evidence_problems(profile) == []  # type: ignore[arg-type]


def test_targets_doc_is_generated_from_the_profiles() -> None:
    assert (ROOT / "docs" / "targets.md").read_text(encoding="utf-8") == render(), "run: python tools/gen_targets.py"


def test_the_checker_catches_a_target_without_evidence() -> None:
    flo = load_profile("flo-recruit")
    bare = replace(flo, web=(replace(flo.web[0], evidence=""),))
    assert any("no evidence" in p for p in evidence_problems(bare))


def test_the_checker_catches_a_quote_missing_from_its_seed() -> None:
    whereby = load_profile("whereby")
    seeded = next(t for t in whereby.turn if t.source == "whereby-firewall")
    forged = replace(whereby, turn=(replace(seeded, evidence="turnserver.appearin.net answers on 3478"),))
    assert any("not in whereby-firewall.txt" in p for p in evidence_problems(forged))


def test_the_checker_catches_a_public_quote_not_naming_the_host() -> None:
    flo = load_profile("flo-recruit")
    moved = replace(flo.stun[0], url=replace(flo.stun[0].url, host="stun.example.net"))
    assert any("does not name stun.example.net" in p for p in evidence_problems(replace(flo, stun=(moved,))))


def test_the_guesses_are_gone() -> None:
    """The targets issue 13 found failing on an open network are not probed by any shipped profile."""
    probed = {t.address for p in all_profiles() for t in targets(p)}
    for guess in ("wss://prod-ks.pluot.blue/", "turns:prod-ks.pluot.blue:5349?transport=tcp", "https://b.daily.co/",
                  "stun:stun.opentok.com:3478", "turns:turn.opentok.com:443?transport=tcp"):  # fmt: skip
        assert guess not in probed
    hosts = {t.host for p in all_profiles() for t in targets(p)}
    assert not {"stun.opentok.com", "turn.opentok.com", "b.daily.co"} & hosts
