"""Pure parts of the wizard: rows from engine events, result wording, settings validation, support mailto."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from app.engine.model import Category, CheckFinished, CheckResult, CheckStarted, ProfileRef, RunStarted, Status
from app.engine.profile import load_profile
from app.engine.verdict import assess
from app.gui import reporting
from app.gui.rows import ROW_GROUPS, RowBoard, RowState
from app.gui.settings import SettingsError, WelcomeValues, options_from_values
from app.gui.wording import MAX_ADVICE, details_text, headline, needs_it, steps
from app.logs import redactor

REF = ProfileRef("flo-recruit", "Flo Recruit", None, "1")


def started(cat: Category, target: str) -> CheckStarted:
    return CheckStarted(f"{cat.value}:{target}", cat, target, "t")


def finished(cat: Category, target: str, status: Status, summary: str = "s") -> CheckFinished:
    return CheckFinished(CheckResult(f"{cat.value}:{target}", cat, target, "t", status, summary, 1))


def test_rows_are_planned_up_front_grouped_and_ordered() -> None:
    board = RowBoard()
    plan = (started(Category.EMAIL, "e"), started(Category.HTTPS, "h"), started(Category.DNS, "d"),
            started(Category.TURN_TLS, "t"), started(Category.TURN_UDP, "u"), started(Category.TURN_TCP, "c"))  # fmt: skip
    board.apply(RunStarted(REF, plan))
    assert [r.key for r in board.rows] == ["reach", "relay", "relay_tls", "email"]
    assert board.row("reach").title == "Can reach the video service"  # type: ignore[union-attr]
    assert len(board.row("relay").check_ids) == 2  # type: ignore[union-attr]
    assert all(r.state is RowState.WAITING for r in board.rows)
    assert (board.total, board.done) == (6, 0)


def test_row_runs_until_every_check_is_in_then_shows_the_worst() -> None:
    board = RowBoard()
    board.apply(RunStarted(REF, (started(Category.DNS, "a"), started(Category.HTTPS, "b"))))
    row = board.apply(started(Category.DNS, "a"))
    assert row is not None and row.state is RowState.RUNNING
    board.apply(finished(Category.DNS, "a", Status.FAIL, "no answer"))
    assert row.state is RowState.RUNNING  # one of two still out
    assert row.summary == "1 of 2 done"
    board.apply(finished(Category.HTTPS, "b", Status.PASS))
    assert row.state is RowState.FAILED
    assert row.summary == "The video service cannot be reached."  # plain words, never the probe's host names
    assert board.done == 2


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ((Status.PASS, Status.PASS), RowState.PASSED),
        ((Status.PASS, Status.WARN), RowState.WARNING),
        ((Status.WARN, Status.SKIP), RowState.WARNING),
        ((Status.PASS, Status.SKIP), RowState.NOT_CHECKED),
        ((Status.SKIP, Status.FAIL), RowState.FAILED),
    ],
)
def test_row_state_is_worst_of_its_checks(statuses: tuple[Status, Status], state: RowState) -> None:
    board = RowBoard()
    board.apply(RunStarted(REF, (started(Category.STUN, "1"), started(Category.STUN, "2"))))
    board.apply(finished(Category.STUN, "1", statuses[0]))
    board.apply(finished(Category.STUN, "2", statuses[1]))
    assert board.rows[0].state is state


def test_every_category_has_a_plain_row_and_unannounced_checks_still_show() -> None:
    grouped = {c for _k, _t, cats in ROW_GROUPS for c in cats}
    assert grouped == set(Category)
    board = RowBoard()
    board.apply(RunStarted(REF, (started(Category.DNS, "a"),)))
    board.apply(finished(Category.VPN, "v", Status.WARN))
    assert [r.key for r in board.rows] == ["reach", "vpn"]
    assert board.row("vpn").state is RowState.WARNING  # type: ignore[union-attr]
    assert board.total == 2


def test_every_state_has_words_and_an_icon_file() -> None:
    from app.gui.assets import icon_path

    for s in RowState:
        assert s.value.strip()
        assert icon_path(s.icon).is_file(), s


def _result(*rows: tuple[Category, Status, tuple[str, ...]], ended_by: str = "completed"):  # type: ignore[no-untyped-def]
    from app.engine.model import RunResult

    profile = load_profile("flo-recruit")
    checks = tuple(
        CheckResult(f"{c.value}:{i}", c, f"target{i}", "t", s, f"summary {i}", 5, {"k": i}, codes)
        for i, (c, s, codes) in enumerate(rows)
    )
    a = assess(checks, profile, ended_by)
    return RunResult("0", REF, "2024-01-01T00:00:00Z", 1.0, a.verdict, a.reason, checks, a.findings, a.it_message,
                     ended_by == "completed", ended_by)  # fmt: skip


def test_headline_and_steps_follow_the_verdict() -> None:
    ok = _result((Category.DNS, Status.PASS, ()), (Category.HTTPS, Status.PASS, ()), (Category.STUN, Status.PASS, ()))
    assert headline(ok).text == "Ready"
    assert not needs_it(ok)
    assert any("all set" in s for s in steps(ok, "Use Chrome.", "help@x.test"))
    assert not any("help@x.test" in s for s in steps(ok, "", "help@x.test"))

    bad = _result(
        (Category.DNS, Status.PASS, ()),
        (Category.HTTPS, Status.FAIL, ("https_blocked",)),
        (Category.STUN, Status.FAIL, ("stun_blocked",)),
        (Category.TURN_TLS, Status.FAIL, ("turn_tls_blocked",)),
        (Category.TURN_UDP, Status.FAIL, ("turn_udp_blocked",)),
    )
    h = headline(bad)
    assert (h.text, h.state) == ("Will not work", RowState.FAILED)
    assert needs_it(bad)
    advice = steps(bad, "Use Chrome.", "help@x.test")
    assert advice[0].startswith("Your network blocks Flo Recruit's web servers")
    assert "Use Chrome." not in advice  # no browser tip when it will not work anyway
    assert any("help@x.test" in s for s in advice)
    assert len(advice) <= MAX_ADVICE + 2


def test_cancelled_run_says_not_finished_and_details_keep_partial_evidence() -> None:
    r = _result((Category.DNS, Status.PASS, ()), (Category.HTTPS, Status.SKIP, ()), ended_by="cancelled")
    assert headline(r).text == "Check not finished"
    assert steps(r)[0].startswith("Run the check again")
    assert not any("did not finish" in s for s in steps(r))  # said once, not twice
    assert not needs_it(r)  # nothing for IT to fix in a cancelled run
    text = details_text(r)
    assert "[PASS]" in text and "[SKIP]" in text and "k: 0" in text


def test_settings_become_run_options() -> None:
    o = options_from_values(WelcomeValues("flo-recruit", email=" a@b.example ", proxy_url="http://u:pw@p.test:3128",
                                          turn_url="turns:t.test:443?transport=tcp", turn_username="u",
                                          turn_password="secret1"))  # fmt: skip
    assert o.email == "a@b.example"
    assert o.proxy is not None and (o.proxy.host, o.proxy.port, o.proxy.password) == ("p.test", 3128, "pw")
    assert o.turn[0].url.scheme == "turns" and o.turn[0].password == "secret1"
    assert set(o.secrets()) == {"pw", "secret1"}
    assert options_from_values(WelcomeValues("x")).turn == ()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (WelcomeValues("x", email="not-an-email"), "email address"),
        (WelcomeValues("x", proxy_url="ftp://p.test"), "Proxy URL"),
        (WelcomeValues("x", turn_url="stun:s.test"), "turn: or turns:"),
        (WelcomeValues("x", turn_url="turn:t.test", turn_password="pw"), "username"),
        (WelcomeValues("x", turn_secret="s3cr3t"), "server address"),
    ],
)
def test_bad_settings_are_explained_without_echoing_secrets(values: WelcomeValues, words: str) -> None:
    with pytest.raises(SettingsError) as err:
        options_from_values(values)
    assert words in str(err.value)
    assert "s3cr3t" not in str(err.value) and "pw" not in str(err.value).split()


def test_support_mailto_has_address_subject_and_summary() -> None:
    r = _result((Category.DNS, Status.PASS, ()), (Category.HTTPS, Status.FAIL, ("https_blocked",)))
    from pathlib import Path

    url = reporting.support_mailto(r, load_profile("flo-recruit"), "support@florecruit.com", Path("/x/b.zip"))
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and parts.path == "support@florecruit.com"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["subject"].startswith("Flo Recruit network check: Will not work")  # the app's words for the verdict
    assert "/x/b.zip" in unquote(q["body"])  # where the report is saved, for attaching by hand


def test_error_report_scrubs_secrets() -> None:
    from app.gui.errors import error_report

    redactor().add("hunter2-secret")
    try:
        raise RuntimeError("failed with password hunter2-secret")
    except RuntimeError as exc:
        text = error_report(exc, "test")
    assert "hunter2-secret" not in text
    assert "RuntimeError" in text and "***" in text
