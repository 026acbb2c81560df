"""Start the windowed program and wait until it shows a visible window (Windows: EnumWindows; macOS: the
CoreGraphics window list), then end it. Exit 0 when a window appeared within the timeout, else 1.

    python tools/wait_for_window.py --timeout 90 dist/CallReady.exe
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def _windows_pids_with_window() -> set[int]:
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    found: set[int] = set()
    proc = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)  # type: ignore[attr-defined]

    def visit(hwnd: int, _lparam: int) -> bool:
        if user32.IsWindowVisible(hwnd):
            pid = wintypes.DWORD()
            user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
            found.add(pid.value)
        return True

    user32.EnumWindows(proc(visit), 0)
    return found


def _macos_pids_with_window() -> set[int]:
    import ctypes
    import ctypes.util

    cf = ctypes.CDLL(ctypes.util.find_library("CoreFoundation"))
    cg = ctypes.CDLL(ctypes.util.find_library("CoreGraphics"))
    cg.CGWindowListCopyWindowInfo.restype = ctypes.c_void_p
    cg.CGWindowListCopyWindowInfo.argtypes = [ctypes.c_uint32, ctypes.c_uint32]
    cf.CFArrayGetCount.argtypes = [ctypes.c_void_p]
    cf.CFArrayGetCount.restype = ctypes.c_long
    cf.CFArrayGetValueAtIndex.argtypes = [ctypes.c_void_p, ctypes.c_long]
    cf.CFArrayGetValueAtIndex.restype = ctypes.c_void_p
    cf.CFDictionaryGetValue.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    cf.CFDictionaryGetValue.restype = ctypes.c_void_p
    cf.CFNumberGetValue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    cf.CFRelease.argtypes = [ctypes.c_void_p]
    owner_key = ctypes.c_void_p.in_dll(cg, "kCGWindowOwnerPID")
    windows = cg.CGWindowListCopyWindowInfo(1, 0)  # kCGWindowListOptionOnScreenOnly, kCGNullWindowID
    found: set[int] = set()
    if not windows:
        return found
    try:
        for i in range(cf.CFArrayGetCount(windows)):
            number = cf.CFDictionaryGetValue(cf.CFArrayGetValueAtIndex(windows, i), owner_key)
            pid = ctypes.c_int32()
            if number and cf.CFNumberGetValue(number, 3, ctypes.byref(pid)):  # kCFNumberSInt32Type
                found.add(pid.value)
    finally:
        cf.CFRelease(windows)
    return found


def pids_with_window() -> set[int]:
    """Process ids that own a visible window now."""
    if sys.platform == "win32":
        return _windows_pids_with_window()
    if sys.platform == "darwin":
        return _macos_pids_with_window()
    raise SystemExit("wait_for_window: Windows and macOS only")


def family(pid: int) -> set[int]:
    """The process and its children (a single-file program shows its window from a child process)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        return {pid, *(c.pid for c in parent.children(recursive=True))}
    except psutil.Error:
        return {pid}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    started = time.monotonic()
    proc = subprocess.Popen(args.command)
    try:
        while time.monotonic() - started < args.timeout:
            if proc.poll() is not None:
                print(f"wait_for_window: the program exited with {proc.returncode} before showing a window")
                return 1
            if family(proc.pid) & pids_with_window():
                print(f"wait_for_window: window shown after {time.monotonic() - started:.1f} s")
                return 0
            time.sleep(0.5)
        print(f"wait_for_window: no window within {args.timeout:g} s")
        return 1
    finally:
        import psutil

        for pid in sorted(family(proc.pid), reverse=True):
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass


if __name__ == "__main__":
    sys.exit(main())
