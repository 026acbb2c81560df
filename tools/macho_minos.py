"""Check that every Mach-O file under a folder (a built CallReady.app) loads on the stated minimum macOS.

Reads each binary's LC_BUILD_VERSION (minos) or LC_VERSION_MIN_MACOSX load command, in every slice of a
universal binary, with no Apple tools (so it is tested on Linux too). Exit 1 and list the offenders when any
binary needs a newer macOS than the minimum (`python tools/macho_minos.py dist/CallReady.app 12.0`).
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator
from pathlib import Path

LC_VERSION_MIN_MACOSX, LC_BUILD_VERSION = 0x24, 0x32
PLATFORM_MACOS = 1
_THIN = {b"\xcf\xfa\xed\xfe": ("<", 32), b"\xce\xfa\xed\xfe": ("<", 28),
         b"\xfe\xed\xfa\xcf": (">", 32), b"\xfe\xed\xfa\xce": (">", 28)}  # fmt: skip


def version_text(packed: int) -> str:
    """`xxxx.yy.zz` nibble-packed version -> `12.0` / `11.3.1`."""
    major, minor, patch = packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _thin_minos(data: bytes) -> str | None:
    """The macOS minimum of one thin Mach-O image, or None when it names none."""
    endian, header = _THIN[data[:4]]
    if len(data) < header:
        return None
    ncmds = struct.unpack_from(endian + "I", data, 16)[0]
    offset = header
    for _ in range(min(ncmds, 10_000)):
        if offset + 8 > len(data):
            return None
        cmd, size = struct.unpack_from(endian + "II", data, offset)
        if cmd == LC_BUILD_VERSION and offset + 12 <= len(data):
            platform, minos = struct.unpack_from(endian + "II", data, offset + 8)
            if platform == PLATFORM_MACOS:
                return version_text(minos)
        elif cmd == LC_VERSION_MIN_MACOSX and offset + 12 <= len(data):
            return version_text(struct.unpack_from(endian + "I", data, offset + 8)[0])
        if size < 8:
            return None
        offset += size
    return None


def minimums(data: bytes) -> list[str]:
    """The macOS minimum of each slice (a universal binary has several); [] for anything that is not Mach-O."""
    magic = data[:4]
    if magic in _THIN:
        found = _thin_minos(data)
        return [found] if found else []
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf") and len(data) >= 8:
        count = struct.unpack_from(">I", data, 4)[0]
        if not 0 < count < 20:  # Java class files share the 0xcafebabe magic
            return []
        wide = magic.endswith(b"\xbf")
        out = []
        for i in range(count):
            if wide:
                _cpu, _sub, offset, size = struct.unpack_from(">IIQQ", data, 8 + i * 32)
            else:
                _cpu, _sub, offset, size = struct.unpack_from(">IIII", data, 8 + i * 20)
            out += minimums(data[offset : offset + size])
        return out
    return []


def _as_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def offenders(root: Path, limit: str) -> Iterator[tuple[Path, str]]:
    """Files under `root` with a slice that needs a newer macOS than `limit`."""
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as fh:
            head = fh.read(4)
            if head not in _THIN and head not in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
                continue
            data = head + fh.read()
        worst = max(minimums(data), key=_as_tuple, default=None)
        if worst is not None and _as_tuple(worst) > _as_tuple(limit):
            yield path, worst


def main(argv: list[str]) -> int:
    """`macho_minos.py APP MINIMUM`: 0 when every binary loads on MINIMUM, else 1 with the list."""
    root, limit = Path(argv[0]), argv[1]
    bad = list(offenders(root, limit))
    for path, worst in bad:
        print(f"{path}: needs macOS {worst} (minimum is {limit})")
    print(f"macho_minos: {'FAIL' if bad else 'ok'}: {len(bad)} binaries need more than macOS {limit}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
