"""tools/macho_minos.py reads the minimum macOS of thin and universal Mach-O files (LC_BUILD_VERSION and the
older LC_VERSION_MIN_MACOSX), so the release workflow can refuse an app whose Qt needs a newer macOS."""

from __future__ import annotations

import struct
from pathlib import Path

from tools import macho_minos as mm


def packed(version: str) -> int:
    parts = [int(p) for p in version.split(".")] + [0, 0]
    return parts[0] << 16 | parts[1] << 8 | parts[2]


def thin(minos: str | None, legacy: bool = False) -> bytes:
    """A 64-bit little-endian Mach-O with one segment-ish filler command and the version command."""
    filler = struct.pack("<II", 0x19, 16) + bytes(8)
    if minos is None:
        cmds = [filler]
    elif legacy:
        cmds = [filler, struct.pack("<IIII", mm.LC_VERSION_MIN_MACOSX, 16, packed(minos), packed("14.0"))]
    else:
        cmds = [filler, struct.pack("<IIIIII", mm.LC_BUILD_VERSION, 24, mm.PLATFORM_MACOS, packed(minos),
                                    packed("14.0"), 0)]  # fmt: skip
    body = b"".join(cmds)
    header = struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 6, len(cmds), len(body), 0, 0)
    return header + body


def fat(*slices: bytes) -> bytes:
    head = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 8 + 20 * len(slices)
    table, data = b"", b""
    for s in slices:
        table += struct.pack(">IIIII", 0x01000007, 3, offset + len(data), len(s), 0)
        data += s
    return head + table + data


def test_thin_fat_legacy_and_not_macho() -> None:
    assert mm.minimums(thin("12.0")) == ["12.0"]
    assert mm.minimums(thin("11.3.1", legacy=True)) == ["11.3.1"]
    assert mm.minimums(thin(None)) == []
    assert mm.minimums(fat(thin("11.0"), thin("14.0"))) == ["11.0", "14.0"]
    assert mm.minimums(b"\xca\xfe\xba\xbe\x00\x00\x00\x34java class") == []
    assert mm.minimums(b"#!/bin/sh\n") == [] and mm.minimums(thin("12.0")[:20]) == []


def test_folder_scan_names_the_offenders(tmp_path: Path) -> None:
    app = tmp_path / "CallReady.app" / "Contents"
    (app / "MacOS").mkdir(parents=True)
    (app / "Frameworks" / "QtCore.framework" / "Versions" / "A").mkdir(parents=True)
    (app / "MacOS" / "CallReady").write_bytes(fat(thin("11.0"), thin("11.0")))
    (app / "Frameworks" / "QtCore.framework" / "Versions" / "A" / "QtCore").write_bytes(fat(thin("12.0"), thin("14.0")))
    (app / "Frameworks" / "libfoo.dylib").write_bytes(thin("12.0"))
    (app / "Info.plist").write_text("<plist/>")
    bad = list(mm.offenders(tmp_path / "CallReady.app", "12.0"))
    assert [(p.name, v) for p, v in bad] == [("QtCore", "14.0")]
    assert mm.main([str(tmp_path / "CallReady.app"), "14.0"]) == 0
    assert mm.main([str(tmp_path / "CallReady.app"), "12.0"]) == 1
