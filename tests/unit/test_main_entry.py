"""`python -m app` / the windowed program: a Qt that fails to import is shown, never swallowed."""

from __future__ import annotations

import builtins
import sys

import pytest

import app.__main__ as entry
import app.cli


@pytest.fixture
def broken_qt(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Importing app.gui.main raises ImportError (as a missing Qt DLL does); the CLI and message box are recorded."""
    shown: list[str] = []
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "app.gui.main":
            raise ImportError("DLL load failed while importing QtCore: The specified module could not be found.")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "app.gui.main", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(sys, "argv", ["CallReady"])
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(entry, "show_fatal", lambda message, platform=sys.platform: shown.append(message) or True)
    monkeypatch.setattr(app.cli, "main", lambda args: shown.append(f"cli {args}") or 0)
    return shown


def test_windowed_program_without_console_shows_the_error(broken_qt: list[str], monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "callready_no_console", True, raising=False)
    assert entry.run() == 4
    assert len(broken_qt) == 1 and "could not open its window" in broken_qt[0] and "DLL load failed" in broken_qt[0]
    assert "ImportError" in capsys.readouterr().err


def test_with_a_console_the_error_is_printed_and_the_cli_runs(broken_qt: list[str], capsys) -> None:
    assert entry.run() == 0
    assert broken_qt == ["cli []"]
    assert "could not open its window" in capsys.readouterr().err


def test_show_fatal_elsewhere_shows_nothing() -> None:
    assert entry.show_fatal("x", platform="linux") is False
