"""`python -m app`: the wizard with no arguments (when Qt is available), the CLI otherwise."""

from __future__ import annotations

import sys


def run() -> int:
    """Dispatch to the GUI or the CLI."""
    args = sys.argv[1:]
    if not args or args[0] == "gui":
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
