"""report.pdf via Qt's QTextDocument and QPdfWriter (no browser engine); Qt is imported only here, lazily."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


class PdfUnavailable(Exception):
    """Qt cannot write a PDF here (not installed, or no usable platform plugin); the reason is the message."""


def html_to_pdf(html_text: str, title: str) -> bytes:
    """Lay out `html_text` on A4 pages and return the PDF bytes; raise PdfUnavailable if Qt is missing."""
    _prefer_offscreen()
    try:
        from PySide6.QtCore import QMarginsF, QSizeF
        from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
    except ImportError as exc:
        raise PdfUnavailable(f"Qt is not available ({exc})") from None
    app = QGuiApplication.instance()
    if app is None:
        try:
            app = QGuiApplication([sys.argv[0] if sys.argv else "callready"])
        except Exception as exc:  # pragma: no cover - depends on the host's Qt plugins
            raise PdfUnavailable(f"Qt could not start ({exc})") from None
    with tempfile.TemporaryDirectory(prefix="callready-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        writer = QPdfWriter(str(out))
        writer.setTitle(title)
        writer.setCreator("CallReady")
        writer.setResolution(96)
        writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(14, 14, 14, 14))
        )
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setHtml(html_text)
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        doc.setPageSize(QSizeF(rect.width(), rect.height()))
        doc.print_(writer)
        del writer  # flushes and closes the file
        data = out.read_bytes()
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable("Qt wrote no PDF")
    return data


def _prefer_offscreen() -> None:
    """Without a display (servers, CI, ssh) Qt must use its offscreen platform to lay out text."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
