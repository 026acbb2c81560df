"""Outside input, bounded and validated once for every front end (CLI, wizard, presets, profiles, bundles).

Files are read only when regular and with a size cap; JSON and TOML are depth- and size-bounded; host names
follow RFC 1035 §2.3.4 and IDNA (RFC 5891); text from outside is neutralised before a terminal or a CSV cell.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import stat
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

MAX_DEPTH = 32  # nesting of any JSON or TOML we read; our own documents need 6
MAX_NUMBER_DIGITS = 40  # a JSON number longer than this is not ours (and int() refuses > 4300 digits)
MAX_TOML_LINE = 4096
_TOML_KEY_LINE = re.compile(r"""\s*(?:\[\[?(?P<table>[^\]=]*)\]\]?\s*(?:#.*)?|(?P<key>[A-Za-z0-9_\-."' \t]+)=.*)""")
_TOML_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")


class InputError(ValueError):
    """Outside input that cannot be used; the message is one plain line."""


# ---------------------------------------------------------------- files


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FIFOs, devices and folders are refused unread."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file")
        if info.st_size > limit:
            raise InputError(f"larger than {limit} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(f"larger than {limit} bytes")
    return b"".join(chunks)


def check_output_path(path: Path | str, is_ours: Any = None) -> None:
    """Raise InputError unless `path` can be written: its folder exists and is writable, and it is new, or an
    existing regular file that `is_ours(path)` recognises as written by us (never a folder or a stranger's file)."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a folder")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{folder}: not writable")
    if os.path.lexists(target):
        if not target.is_file():
            raise InputError(f"{target}: not a regular file")
        if is_ours is None or not is_ours(target):
            raise InputError(f"{target}: already exists and was not written by CallReady (choose another name)")
        if not os.access(target, os.W_OK):
            raise InputError(f"{target}: not writable")


# ---------------------------------------------------------------- bounded parsers


def json_depth_ok(text: str, max_depth: int = MAX_DEPTH) -> bool:
    """True when brackets outside strings never nest deeper than `max_depth` (checked before json.loads)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise InputError(f"a number of {len(text)} digits")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> Any:
    raise InputError(f"{name} is not JSON")


def bounded_json(data: bytes | str, limit: int, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with a size, depth and number-length bound; raise InputError with a one-line reason."""
    if len(data) > limit:
        raise InputError(f"larger than {limit} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text") from None
    if not json_depth_ok(text, max_depth):
        raise InputError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except InputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({type(exc).__name__})") from None


def structure_depth(value: Any) -> int:
    """How deeply dicts and lists nest in `value` (iterative: safe on any depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def bounded_toml(raw: bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """tomllib.loads of UTF-8 bytes with a line-length and depth bound; raise InputError or TOMLDecodeError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_TOML_LINE:
            raise InputError(f"line {number} is longer than {MAX_TOML_LINE} characters")
        key = _TOML_KEY_LINE.fullmatch(line)
        if key and _TOML_QUOTED.sub("", key.group("table") or key.group("key") or "").count(".") >= max_depth:
            # tomllib spends O(parts^2) on a dotted key: 240 lines of 2,000 parts took 10 s before this bound
            raise InputError(f"line {number}: a dotted key deeper than {max_depth} levels")
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(f"nested deeper than {max_depth} levels") from None
    if structure_depth(data) > max_depth:
        raise InputError(f"nested deeper than {max_depth} levels")
    return data


# ---------------------------------------------------------------- one validator per input kind

_EMAIL_RE = re.compile(r"[^@\s\x00-\x1f\x7f]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_LABEL_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


def is_email(text: str) -> bool:
    """An address `local@domain.tld` without spaces or control characters (the whole string, no trailing newline)."""
    return isinstance(text, str) and len(text) <= 254 and _EMAIL_RE.fullmatch(text) is not None


def is_hostname(text: str) -> bool:
    """A DNS name IDNA can encode (labels 1-63 octets, 253 in all), or an IP literal; nothing else."""
    if not isinstance(text, str) or not text or any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in text):
        return False
    if is_ip_address(text):
        return True
    name = text[:-1] if text.endswith(".") else text
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return len(name) <= 253 and all(_LABEL_RE.fullmatch(label) for label in name.split("."))


def is_ip_address(text: str) -> bool:
    """True for a literal IPv4 or IPv6 address (not a host name)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def port_number(text: str) -> int:
    """A port 1-65535 written in ASCII digits (at most 5 of them); raise InputError."""
    if not re.fullmatch(r"[0-9]{1,5}", text) or not 0 < int(text) < 65536:
        raise InputError("port must be 1-65535")
    return int(text)


def dns_server(text: str) -> str:
    """`ip`, `ip:port` or `[v6]:port` normalised; raise InputError (a name is not allowed: it needs a resolver)."""
    text = text.strip() if isinstance(text, str) else ""
    port = None
    if text.startswith("["):
        host, sep, tail = text[1:].partition("]")
        if not sep or (tail and not tail.startswith(":")):
            raise InputError(f"{text!r} is not an IP address or IP:port")
        port = port_number(tail[1:]) if tail else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = port_number(port_text)
    else:
        host = text
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise InputError(f"{text!r} is not an IP address or IP:port") from None
    if port is None:
        return str(ip)
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


# ---------------------------------------------------------------- output neutralisation

_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def terminal_safe(text: object, limit: int = 300) -> str:
    """Text from outside made safe for a terminal line: control, escape and bidi characters shown as \\xNN."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if code < 32 or code == 0x7F or 0x80 <= code < 0xA0 or code in _BIDI or unicodedata.category(ch) == "Cs":
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(ch)
    joined = "".join(out)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def csv_safe(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    text = terminal_safe(value, limit=10_000)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%") else text
