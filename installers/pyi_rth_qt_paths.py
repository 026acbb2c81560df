"""PyInstaller runtime hook, in place of PyInstaller's pyi_rth_pyside6 (build.spec drops that one): Qt's plugin path
for the frozen build, set without importing Qt. The stock hook imports PySide6.QtCore on every start (0.1 s before
`--version` or a headless check, issue 19) only to register an embedded qt.conf; the PyPI wheels' Qt is relocatable
(its prefix is found from libQt6Core's own location, the same layout in the bundle), so nothing else is needed."""

import os
import sys

_qt = os.path.join(sys._MEIPASS, "PySide6")  # type: ignore[attr-defined]
if not sys.platform.startswith("win"):
    _qt = os.path.join(_qt, "Qt")
os.environ["QT_PLUGIN_PATH"] = os.path.join(_qt, "plugins")
if sys.platform.startswith("win"):  # as the stock hook: Qt plugins find their DLLs beside the program
    os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")  # type: ignore[attr-defined]
del _qt
