"""pytest-qt set-up: offscreen Qt and ONE session-wide qasync loop (a per-test loop hangs the second test)."""

from __future__ import annotations

import asyncio
import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.lab.fixture import lab  # noqa: F401  (the network lab, for test_gui_lab.py)


@pytest.fixture(scope="session")
def qapp_cls():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    return QApplication


_LOOP: asyncio.AbstractEventLoop | None = None


@pytest.fixture(autouse=True)
def _loop_runs_only_inside_gui_tests():  # type: ignore[no-untyped-def]
    """qasync marks its loop as running for good; outside GUI tests that breaks every later asyncio.run()."""
    if _LOOP is not None:
        asyncio.events._set_running_loop(_LOOP)
        asyncio.set_event_loop(_LOOP)
    yield
    asyncio.events._set_running_loop(None)
    # Collect the test's windows and timers here, not in whatever runs next: a PySide finalizer run by a GC pass
    # inside ast.parse (pytest rewriting a later import) trips CPython 3.11's AST recursion-depth check.
    gc.collect()


@pytest.fixture(scope="session")
def qloop(qapp):  # type: ignore[no-untyped-def]
    """The qasync loop shared by every GUI test, running inside Qt's own event processing."""
    import qasync

    from app.gui.main import create_app

    global _LOOP
    create_app()
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    _LOOP = loop
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
