"""`python -m app`: the wizard with no arguments (when Qt and a display are available), the CLI otherwise."""

from __future__ import annotations

import os
import sys


def display_available(platform: str = sys.platform, env: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """Whether Qt can open a window here (on Linux it needs X11, Wayland or an explicit QPA platform)."""
    if not platform.startswith("linux"):
        return True
    return any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run() -> int:
    """Dispatch to the GUI or the CLI."""
    args = sys.argv[1:]
    if not args or args[0] == "gui":
        if not display_available():
            print("callready: no display to open the window on; run `callready check` for the headless check.",
                  file=sys.stderr)
            if args:
                return 3
        else:
            try:
                from app.gui.main import main as gui_main
            except ImportError:
                pass
            else:
                return gui_main(args[1:])
    from app.cli import main

    return main(args)


if __name__ == "__main__":
    sys.exit(run())
