"""Render resources/icons/callready.svg into the installers' icons (Qt's SVG renderer, offscreen).

python tools/render_icons.py            # installers/linux/callready.png (256 px)
python tools/render_icons.py --all      # also callready.ico (Windows) and callready.icns (macOS), via Pillow
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "callready.svg"
PNG = ROOT / "installers" / "linux" / "callready.png"


def render_png(size: int, out: Path) -> Path:
    """Draw the SVG at size x size pixels on a transparent background and save it as PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"render_icons: could not write {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also .ico and .icns (needs Pillow)")
    args = parser.parse_args(argv)
    render_png(256, PNG)
    print(PNG)
    if args.all:
        from PIL import Image  # build-time only (release workflow installs it)

        big = render_png(1024, ROOT / "build" / "icon-1024.png")
        with Image.open(big) as img:
            ico = ROOT / "installers" / "windows" / "callready.ico"
            img.save(ico, sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
            icns = ROOT / "installers" / "macos" / "callready.icns"
            img.save(icns)
        print(ico)
        print(icns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
