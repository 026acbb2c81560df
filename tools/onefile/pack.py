"""CallReady's single file on Linux: a folder build packed behind tools/onefile/launcher.c (format described there).

    python tools/onefile/pack.py FOLDER OUT --launcher BIN --version 0.1.0   # what build.spec does
    python tools/onefile/pack.py --table dist/callready                      # the contents table (bench --contents)
    python tools/onefile/pack.py --unpack dist/callready DEST                # the same unpacking, in Python

Files go in groups, one xz stream per group (the x86 branch filter in front for native code), so the contents table
gives each group's exact compressed size; the launcher unpacks the folders first, then the other streams in parallel,
largest first (a stream per big file was tried: 0.4 MB more for no gain on 2 to 4 cores, the largest group being
under a third of the whole). Used by build.spec, bench/bench_frozen.py and tests/unit/test_frozen_spec.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import stat
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAGIC = b"CRPACK02"
TRAILER = struct.Struct("<8sQQQQQQ32s")  # magic, payload at/size, index at/stream count, table at/size, build
INDEX = struct.Struct("<QQ")  # per stream: offset from the payload's start, size
RECORD = struct.Struct("<cHQ")  # kind, path length, data length
MAX_TABLE_BYTES = 1 << 20

# (group, test on the path inside the folder build); first match wins; order = order in the file.
GROUPS = (
    ("ICU data", lambda p: "/libicudata" in p),
    ("ICU code", lambda p: "/libicu" in p),
    ("Qt plugins", lambda p: "PySide6/Qt/plugins/" in p),
    ("Qt libraries", lambda p: "PySide6/Qt/lib/" in p),
    ("PySide6 bindings", lambda p: "/PySide6/" in p or "/shiboken6/" in p),
    ("cryptography (Rust, own OpenSSL inside; pyspnego needs it)", lambda p: "/cryptography" in p or "_cffi" in p),
    ("OpenSSL for Python's ssl", lambda p: "/libcrypto" in p or "/libssl" in p),
    ("libpython", lambda p: "/libpython" in p),
    ("stdlib C extensions", lambda p: "/lib-dynload/" in p),
    ("QuickJS (PAC)", lambda p: "quickjs" in p),
    ("jsonschema and deps", lambda p: "/rpds" in p or "/jsonschema" in p),
    ("other native libraries", lambda p: ".so" in Path(p).name),
    ("program and Python code (bootloader, PYZ, base_library.zip)", lambda p: True),
)
NATIVE = {"ICU code", "Qt plugins", "Qt libraries", "PySide6 bindings", "OpenSSL for Python's ssl", "libpython",
          "stdlib C extensions", "QuickJS (PAC)", "other native libraries",
          "cryptography (Rust, own OpenSSL inside; pyspnego needs it)"}  # fmt: skip


def group_of(rel: str) -> str:
    path = "/" + rel
    return next(name for name, test in GROUPS if test(path))


def records(folder: Path, rels: list[str]) -> Iterator[bytes]:
    """The records of some entries (folders before what they hold, as sorted paths give)."""
    for rel in rels:
        path = folder / rel
        raw = rel.encode("utf-8")
        if path.is_symlink():
            target = os.readlink(path).encode("utf-8")
            yield RECORD.pack(b"l", len(raw), len(target)) + raw + target
        elif path.is_dir():
            yield RECORD.pack(b"d", len(raw), 0) + raw
        else:
            data = path.read_bytes()
            kind = b"x" if path.stat().st_mode & stat.S_IXUSR else b"f"
            yield RECORD.pack(kind, len(raw), len(data)) + raw + data


def _filters(native: bool, size: int) -> list[dict]:
    dict_size = max(1 << 20, min(1 << 26, 1 << max(size - 1, 1).bit_length()))  # no bigger than the stream needs
    lzma2 = {"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": dict_size}
    return [{"id": lzma.FILTER_X86}, lzma2] if native else [lzma2]


def pack(folder: Path, out: Path, launcher: Path, version: str) -> dict:
    """Write the single file; returns its contents table."""
    entries = []
    for top, dirnames, filenames in os.walk(folder):  # never into a symlinked folder
        entries += [os.path.relpath(os.path.join(top, n), folder) for n in dirnames + filenames]
    entries.sort()
    dirs = [r for r in entries if (folder / r).is_dir() and not (folder / r).is_symlink()]
    by_group: dict[str, list[str]] = {}
    for rel in sorted(set(entries) - set(dirs)):
        by_group.setdefault(group_of(rel), []).append(rel)
    sequence = [("folders", dirs)] + [(name, by_group.get(name, [])) for name, _ in GROUPS]
    streams: list[bytes] = []
    table: list[dict[str, Any]] = []
    for group, rels in sequence:
        if not rels:
            continue
        raw = b"".join(records(folder, rels))
        blob = lzma.compress(raw, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                             filters=_filters(group in NATIVE, len(raw)))  # fmt: skip
        streams.append(blob)
        table.append({"group": group, "compressed": len(blob), "size": len(raw), "entries": len(rels)})
    order = [0, *sorted(range(1, len(streams)), key=lambda i: -table[i]["size"])]  # largest first: threads end together
    streams, table = [streams[i] for i in order], [table[i] for i in order]
    payload = b"".join(streams)
    offsets = [sum(len(b) for b in streams[:i]) for i in range(len(streams))]
    index = b"".join(INDEX.pack(at, len(b)) for at, b in zip(offsets, streams, strict=True))
    digest = hashlib.sha256(payload).hexdigest()[:16]
    build = f"{version}-{digest}"
    if len(build) > 32:
        raise ValueError(f"build name too long: {build}")
    head = launcher.read_bytes()
    contents = {"build": build, "launcher": len(head), "streams": table}
    table_bytes = json.dumps(contents, indent=1).encode("utf-8")
    payload_at = len(head)
    index_at = payload_at + len(payload)
    table_at = index_at + len(index)
    trailer = TRAILER.pack(
        MAGIC, payload_at, len(payload), index_at, len(streams), table_at, len(table_bytes), build.encode("ascii")
    )
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(head + payload + index + table_bytes + trailer)
    tmp.chmod(0o755)
    tmp.replace(out)
    return contents


def _trailer(binary: Path) -> tuple[int, int, int, int, str]:
    with binary.open("rb") as fh:
        fh.seek(-TRAILER.size, os.SEEK_END)
        magic, payload_at, payload_size, _, _, table_at, table_size, build = TRAILER.unpack(fh.read(TRAILER.size))
    if magic != MAGIC:
        raise ValueError(f"{binary}: not a CallReady single file (no {MAGIC.decode()} trailer)")
    return payload_at, payload_size, table_at, table_size, build.rstrip(b"\0").decode("ascii")


def read_table(binary: Path) -> dict:
    """The contents table of a packed single file."""
    _, _, table_at, table_size, _ = _trailer(binary)
    if table_size > MAX_TABLE_BYTES:
        raise ValueError("contents table too large")
    with binary.open("rb") as fh:
        fh.seek(table_at)
        return json.loads(fh.read(table_size))  # type: ignore[no-any-return]


def is_packed(binary: Path) -> bool:
    try:
        _trailer(binary)
    except (OSError, ValueError, struct.error):
        return False
    return True


def unpack(binary: Path, dest: Path) -> str:
    """Unpack a single file into `dest` as the launcher does (for tests); returns the build name."""
    payload_at, payload_size, _, _, build = _trailer(binary)
    with binary.open("rb") as fh:
        fh.seek(payload_at)
        payload = fh.read(payload_size)
    data, at = lzma.decompress(payload, format=lzma.FORMAT_XZ), 0  # concatenated streams
    while at < len(data):
        kind, length, size = RECORD.unpack_from(data, at)
        at += RECORD.size
        rel = data[at : at + length].decode("utf-8")
        at += length
        body = data[at : at + size]
        at += size
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise ValueError(f"unsafe name {rel!r}")
        path = dest / rel
        if kind == b"d":
            path.mkdir(parents=True, exist_ok=True)
        elif kind == b"l":
            path.symlink_to(body.decode("utf-8"))
        else:
            path.write_bytes(body)
            path.chmod(0o700 if kind == b"x" else 0o600)
    return build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--launcher", type=Path)
    parser.add_argument("--version")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--unpack", action="store_true")
    args = parser.parse_args(argv)
    if args.table:
        print(json.dumps(read_table(args.paths[0]), indent=1))
    elif args.unpack:
        print(unpack(args.paths[0], args.paths[1]))
    else:
        contents = pack(args.paths[0], args.paths[1], args.launcher, args.version)
        print(json.dumps(contents, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
