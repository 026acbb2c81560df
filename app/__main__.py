"""`python -m app`: the wizard with no arguments (when Qt and a display are available), the CLI otherwise."""

from __future__ import annotations

import os
import sys


def display_available(platform: str = sys.platform, env: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """Whether Qt can open a window here (on Linux it needs X11, Wayland or an explicit QPA platform)."""
    if not platform.startswith("linux"):
        return True
    return any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def qt_failure_message(exc: BaseException) -> str:
    """What people (and IT) read when the window cannot open: the import error itself, and the way round it."""
    return (
        f"CallReady could not open its window: {type(exc).__name__}: {exc}\n\n"
        "The check also runs without a window: start CallReady from a terminal with `check` "
        "(Windows: callready-cli.exe check). Please send this message to your IT team."
    )


def no_console() -> bool:
    """True in a windowed build started without a terminal (the runtime hook sends its output to nowhere)."""
    return bool(getattr(sys, "callready_no_console", False))


def show_fatal(message: str, platform: str = sys.platform) -> bool:
    """A native message box without Qt: MessageBoxW on Windows, an osascript alert on macOS; False if none shown."""
    try:
        if platform == "win32":
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, message, "CallReady", 0x10)  # type: ignore[attr-defined]
            return True
        if platform == "darwin":
            import subprocess

            script = 'on run argv\ndisplay alert "CallReady" message (item 1 of argv) as critical\nend run'
            subprocess.run(["osascript", "-e", script, message], timeout=600, check=False)
            return True
    except Exception:  # nothing more can be done without a window; the message went to stderr
        return False
    return False


def run() -> int:
    """Dispatch to the GUI or the CLI."""
    args = sys.argv[1:]
    if args == ["--version"]:  # answered before any heavy import (issue 19: IT scripts call it; under 0.5 s)
        from app import TOOL_NAME, __version__

        print(f"{TOOL_NAME} {__version__}")
        return 0
    if not args or args[0] == "gui":
        if not display_available():
            print(
                "callready: no display to open the window on; run `callready check` for the headless check.",
                file=sys.stderr,
            )
            if args:
                return 3
        else:
            try:
                from app.gui.main import main as gui_main
            except (ImportError, OSError) as exc:  # a missing Qt library is an ImportError ("DLL load failed")
                message = qt_failure_message(exc)
                print(message, file=sys.stderr)
                if no_console():
                    show_fatal(message)
                    return 4
            else:
                return gui_main(args[1:])
    from app.cli import main

    return main(args)


if __name__ == "__main__":
    sys.exit(run())
