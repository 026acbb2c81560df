"""Screenshots of every wizard page in each outcome, offscreen (docs/screenshots/): 100 %, 200 % on a 1280x800
screen, dark, and an 800x600 window.

    python tools/screenshots.py            # every set: @1x, @2x, @1x-dark, @1x-800x600
    python tools/screenshots.py --scale 2  # one set only (this is how the script re-runs itself)

Drives the real window with recorded engine results (tests/gui/recorded.py); no network is used. The screen is
the offscreen platform's, configured as a 1280x800 laptop (at 200 % that leaves 640x400 logical pixels: the window
must fit and scroll). Every page is also checked for clipped text and overlapping widgets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PROBLEMS: list[str] = []
OUTCOMES = ("ready", "degraded", "blocked", "offline", "captive", "cancelled", "error")
SCREEN = (1280, 800)  # physical pixels of the simulated laptop screen


async def _until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise TimeoutError("screenshot driver: state not reached")
        await asyncio.sleep(0.02)


async def _save(widget, name: str, suffix: str) -> Path:  # type: ignore[no-untyped-def]
    """Grab from a plain loop callback, not from this task: the grab lets Qt (and so qasync) process events, and
    checks finishing meanwhile (a real run ends many at once) cannot resume their tasks inside another task."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Path] = loop.create_future()

    def grab() -> None:
        try:
            done.set_result(_grab(widget, name, suffix))
        except Exception as exc:  # handed to the awaiting task
            done.set_exception(exc)

    loop.call_soon(grab)
    return await done


def _grab(widget, name: str, suffix: str) -> Path:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from app.gui.layoutcheck import layout_problems

    QApplication.processEvents()
    PROBLEMS.extend(f"{name}{suffix}: {p}" for p in layout_problems(widget))
    path = OUT / f"{name}{suffix}.png"
    if not widget.grab().save(str(path), "PNG", 0):  # 0 = strongest (lossless) PNG compression
        raise OSError(f"could not write {path}")
    return path


async def shoot_outcome(
    outcome: str, first: bool, suffix: str, tmp: Path, size: tuple[int, int] | None = None
) -> list[Path]:
    """One outcome through every page."""
    from app.gui.window import MainWindow
    from tests.gui import recorded

    written: list[Path] = []
    opened: list[str] = []
    mail_opens = [True]  # the last email is sent to a desktop without a mail program

    def opener(url: str) -> bool:
        opened.append(url)
        return mail_opens[-1] or not url.startswith("mailto:")

    win = MainWindow(planners=recorded.planners(outcome, scale=1.0), open_url=opener)
    if size is not None:
        win.resize(*size)
    win.show()
    win.fit_to_screen()
    if first:
        written.append(await _save(win, "01-welcome", suffix))
        win.welcome.email.setText("jordan@example.com")
        win.welcome.advanced_toggle.setChecked(True)
        win.welcome.proxy.setText("http://proxy.example.com:8080")
        written.append(await _save(win, "01-welcome-advanced", suffix))
        win.welcome.email.setText("jordan@example")
        win.welcome.proxy.setText("socks://proxy.example.com")
        win.start()  # both problems at once, each under its field
        written.append(await _save(win, "01-welcome-errors", suffix))
        win.welcome.email.setText("jordan@example.com")
        win.welcome.proxy.setText("http://proxy.example.com:8080")
        for edit in win.welcome.field_errors:
            win.welcome.set_field_error(edit, "")
        win.welcome.show_error("")
        win.welcome.advanced_toggle.setChecked(False)
    else:
        win.welcome.email.setText("jordan@example.com")
    win.start()
    if outcome == "error":
        await _until(lambda: bool(win.reporter.dialogs))
        written.append(await _save(win, f"{outcome}-1-welcome", suffix))
        dialog = win.reporter.dialogs[0]
        written.append(await _save(dialog, f"{outcome}-dialog", suffix))
        dialog.close()
        win.close()
        return written
    await _until(lambda: win.board.done >= max(1, win.board.total // 2))
    written.append(await _save(win, f"{outcome}-2-checking", suffix))
    if outcome == "cancelled":
        win.cancel()
    await _until(lambda: win.result is not None)
    written.append(await _save(win, f"{outcome}-3-result", suffix))
    win.result_page.details_toggle.setChecked(True)
    written.append(await _save(win, f"{outcome}-3-result-details", suffix))
    win.result_page.details_toggle.setChecked(False)
    win.show_share()
    win.share.folder.setText(str(tmp))
    written.append(await _save(win, f"{outcome}-4-share", suffix))
    await win._save()
    written.append(await _save(win, f"{outcome}-4-share-saved", suffix))
    if win.share.email.isVisibleTo(win):  # offline offers saving only
        mail_opens.append(False)
        await win._email(to_it=False)
        written.append(await _save(win, f"{outcome}-4-share-no-mail", suffix))
    win.share.set_status("")
    win.result_page.settings.click()
    written.append(await _save(win, f"{outcome}-5-change-settings", suffix))
    win.close()
    return written


async def shoot(suffix: str, outcomes: tuple[str, ...], size: tuple[int, int] | None) -> list[Path]:
    """Run each outcome through the window and grab every page."""
    written: list[Path] = []
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "callready-shots"
    tmp.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        written += await shoot_outcome(outcome, outcome == outcomes[0], suffix, tmp, size)
    return written


def screen_config(folder: Path) -> str:
    """QT_QPA_PLATFORM for an offscreen 1280x800 screen (the offscreen plugin's JSON screen configuration)."""
    path = folder / "callready-offscreen-screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": SCREEN[0], "height": SCREEN[1], "logicalDpi": 96,
              "logicalBaseDpi": 96, "dpr": 1}  # fmt: skip
    path.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return f"offscreen:configfile={path}"


def run_one(scale: str, dark: bool, outcomes: tuple[str, ...], size: tuple[int, int] | None = None) -> int:
    """Take one set in this process (the scale is fixed by QT_SCALE_FACTOR before Qt starts)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    import qasync

    from app.gui.main import create_app
    from app.gui.theme import apply_theme
    from app.logs import setup_logging

    app = create_app()
    apply_theme(app, dark)
    setup_logging()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    suffix = f"@{scale}x" + ("-dark" if dark else "") + (f"-{size[0]}x{size[1]}" if size else "")
    OUT.mkdir(parents=True, exist_ok=True)
    with loop:
        written = loop.run_until_complete(shoot(suffix, outcomes, size))
    for p in written:
        print(p)
    for problem in PROBLEMS:
        print("LAYOUT PROBLEM", problem, file=sys.stderr)
    return 1 if PROBLEMS else 0


def main(argv: list[str] | None = None) -> int:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("1", "2"), help="take only this scale, in this process")
    parser.add_argument("--dark", action="store_true", help="dark palette")
    parser.add_argument("--outcome", action="append", choices=OUTCOMES, help="only these outcomes")
    parser.add_argument("--out", type=Path, help="folder for the PNG files (default docs/screenshots)", default=None)
    parser.add_argument("--size", help="window size WxH in logical pixels (e.g. 800x600)")
    args = parser.parse_args(argv)
    outcomes = tuple(args.outcome or OUTCOMES)
    OUT = (args.out or OUT).resolve()
    size = tuple(int(x) for x in args.size.split("x")) if args.size else None
    if args.scale:
        return run_one(args.scale, args.dark, outcomes, size)  # type: ignore[arg-type]
    rc = 0
    platform = screen_config(Path(os.environ.get("TMPDIR", "/tmp")))
    for scale, dark, small in (("1", False, None), ("2", False, None), ("1", True, None), ("1", False, "800x600")):
        env = dict(os.environ, QT_QPA_PLATFORM=platform, QT_SCALE_FACTOR=scale)
        cmd = [sys.executable, __file__, "--scale", scale, "--out", str(OUT)] + (["--dark"] if dark else [])
        cmd += ["--size", small] if small else []
        for o in args.outcome or ():
            cmd += ["--outcome", o]
        rc |= subprocess.run(cmd, env=env, cwd=ROOT).returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
