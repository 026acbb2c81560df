"""Find clipped text and overlapping widgets in a shown window (used by the screenshot tool and tests)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget


def _name(w: QWidget) -> str:
    text = getattr(w, "text", lambda: "")()
    return f"{type(w).__name__}({w.objectName() or text[:40]!r})"


def layout_problems(root: QWidget) -> list[str]:
    """Visible labels/buttons smaller than their text needs, and visible siblings whose rectangles overlap."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # let pending layout requests settle first
    problems: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                need = w.heightForWidth(w.width())
                if need > w.height() + 1:
                    problems.append(f"clipped: {_name(w)} needs {need}px high, has {w.height()}")
            elif w.sizeHint().width() > w.width() + 1:
                problems.append(f"clipped: {_name(w)} needs {w.sizeHint().width()}px wide, has {w.width()}")
        elif isinstance(w, QAbstractButton) and w.text():
            hint = w.sizeHint()
            if hint.width() > w.width() + 1 or w.minimumSizeHint().height() > w.height() + 1:
                problems.append(
                    f"clipped: {_name(w)} is {w.width()}x{w.height()}, needs {hint.width()}x{hint.height()}"
                )
        kids = [c for c in w.findChildren(QWidget, options=_direct()) if c.isVisible() and not c.isWindow()]
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if a.geometry().intersects(b.geometry()):
                    problems.append(f"overlap: {_name(a)} and {_name(b)} in {_name(w)}")
    return problems


def _direct():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly
