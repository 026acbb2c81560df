"""Drive the real wizard through one whole check inside the lab's client namespace; print what it showed as JSON.

    ip netns exec cr-client python tests/gui/lab_driver.py --public-roots LAB-CA.pem --out DIR

Used by tests/gui/test_gui_lab.py (via Lab.run). Real engine, real probes, real servers; only the
desktop URL opener is replaced (there is no mail program in the lab).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


async def drive(win, out: Path, timeout_s: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Start, wait for the result page, save the bundle, email support; report what each page showed."""
    loop = asyncio.get_running_loop()
    win.welcome.email.setText("someone@candidate.test")
    win.welcome.start.click()
    seen_rows: list[str] = []
    end = loop.time() + timeout_s
    while win.result is None:
        if loop.time() > end:
            raise TimeoutError("the wizard showed no result in time")
        if win.checking.widgets and not seen_rows:
            seen_rows = list(win.checking.widgets)
        await asyncio.sleep(0.05)
    page = win.result_page
    rows = {k: w.state_label.text() for k, w in win.checking.widgets.items()}
    win.show_share()
    win.share.folder.setText(str(out))
    bundle = await win._save()
    await win._email(to_it=False)
    return {
        "verdict": win.result.verdict.value,
        "headline": page.headline.text(),
        "reason": page.reason.text(),
        "it_box_visible": not page.it_box.isHidden(),
        "rows_at_start": seen_rows,
        "rows": rows,
        "categories": sorted({c.category.value for c in win.result.checks}),
        "checks": len(win.result.checks),
        "bundle": str(bundle) if bundle else None,
        "title": win.windowTitle(),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--public-roots", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", default="flo-recruit")
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args()

    import qasync

    from app.engine.options import RunOptions
    from app.gui.main import create_app
    from app.gui.preset import WizardPreset
    from app.gui.window import MainWindow
    from app.logs import setup_logging

    app = create_app()
    memory = setup_logging()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    opened: list[str] = []
    win = MainWindow(
        preset=WizardPreset(profile_id=args.profile),
        base_options=RunOptions(public_roots=args.public_roots),
        memory_log=memory,
        open_url=lambda u: not opened.append(u),  # recorded; "opened" (there is no mail program in the lab)
    )
    win.show()
    with loop:
        report = loop.run_until_complete(drive(win, args.out, args.timeout))
    report["opened"] = opened
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
