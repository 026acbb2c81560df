"""PyInstaller runtime hook: a windowed build (Windows, macOS) has no stdout/stderr; give it somewhere to write."""

import os
import sys


def _attach_parent_console() -> bool:
    """Windows: print into the console that started us (cmd, PowerShell, a management agent), if any."""
    if os.name != "nt":
        return False
    import ctypes

    if not ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        return False
    sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")
    sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")
    return True


if (sys.stdout is None or sys.stderr is None) and not _attach_parent_console():
    sys.callready_no_console = True  # app/__main__.py shows fatal errors in a message box instead
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
