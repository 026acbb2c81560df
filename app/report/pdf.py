"""report.pdf via Qt's QTextDocument and QPdfWriter (no browser engine); Qt is imported only here, lazily."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any


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
        try:  # a widgets application when Qt has widgets, so the wizard (or a test after this) can share it
            from PySide6.QtWidgets import QApplication

            app_class: type[QGuiApplication] = QApplication
        except ImportError:  # pragma: no cover - a Qt without widgets still lays out text
            app_class = QGuiApplication
        try:
            app = app_class([sys.argv[0] if sys.argv else "callready"])
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
        keep_tables_on_one_page(doc)
        doc.print_(writer)
        del writer  # flushes and closes the file
        data = out.read_bytes()
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable("Qt wrote no PDF")
    return data


def keep_tables_on_one_page(doc: Any, rounds: int = 200) -> int:
    """Move every top-level table (one check, one IT row) that would straddle a page break to the next page, as
    CSS `break-inside: avoid` asks and QTextDocument does not do; a heading right above such a table goes with it
    (and a heading left alone at the foot of a page too). A table taller than a page is left to split.
    Returns how many breaks were added."""
    from PySide6.QtGui import QTextCursor, QTextFormat, QTextTable

    height = doc.pageSize().height()
    if height <= 0:
        return 0
    moved: set[int] = set()
    before = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
    for _ in range(rounds):
        layout = doc.documentLayout()
        changed = False
        for frame in doc.rootFrame().childFrames():
            if not isinstance(frame, QTextTable) or frame.firstPosition() in moved:
                continue
            box = layout.frameBoundingRect(frame)
            page = int(box.top() // height)
            straddles = box.height() < height and page != int((box.bottom() - 1) // height)
            head = doc.findBlock(frame.firstPosition() - 2)
            is_heading = head.isValid() and head.blockFormat().headingLevel() > 0
            orphan = is_heading and int(layout.blockBoundingRect(head).top() // height) != page
            if not (straddles or orphan):
                continue
            if is_heading:
                cursor = QTextCursor(head)
                fmt = head.blockFormat()
                fmt.setPageBreakPolicy(before)
                cursor.setBlockFormat(fmt)
            else:
                table_fmt = frame.format()
                table_fmt.setPageBreakPolicy(before)
                frame.setFormat(table_fmt)
            moved.add(frame.firstPosition())
            changed = True
            break  # everything below moved: measure again
        if not changed:
            break
    return len(moved)


def _prefer_offscreen() -> None:
    """Without a display (servers, CI, ssh) Qt must use its offscreen platform to lay out text."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
