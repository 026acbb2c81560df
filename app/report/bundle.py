"""The report bundle: one zip per run with report.json/html/pdf, log.txt, system.json and a SHA-256 manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import socket
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app import TOOL_NAME, __version__
from app.engine.findings import CATALOGUE
from app.engine.model import Category, RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.report import html as html_report
from app.report import system as system_facts
from app.report.redact import Redactor, make_redactor
from app.report.schema import result_schema, schema_errors

log = logging.getLogger("callready.report")

BUNDLE_FORMAT = "callready-bundle"
BUNDLE_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = ("report.json", "report.html", "report.pdf", "log.txt", "system.json")


@dataclass(frozen=True)
class Bundle:
    """The files of a bundle before zipping, and notes on files left out."""

    name: str
    files: dict[str, bytes]
    notes: dict[str, str]
    anonymized: bool
    created_at: str


def run_secrets(profile: Profile, options: RunOptions) -> tuple[str, ...]:
    """Every secret a run knows: proxy password, TURN passwords and REST secrets (options and profile)."""
    found = list(options.secrets())
    found += [s for t in profile.turn for s in (t.password, t.secret) if s]
    return tuple(found)


def bundle_name(profile_id: str, host: str | None, started_at: str) -> str:
    """`callready-<profile>-<host-or-anonymous>-<UTC time>.zip` with only file-name-safe characters."""
    stamp = re.sub(r"[^0-9TZ]", "", started_at) or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    who = _slug(host) if host else "anonymous"
    return f"callready-{_slug(profile_id) or 'profile'}-{who or 'unknown'}-{stamp}.zip"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:40]


def build_bundle(
    result: RunResult,
    profile: Profile,
    options: RunOptions,
    log_text: str,
    anonymize: bool,
    *,
    facts: Mapping[str, Any] | None = None,
    make_pdf: Callable[[str, str], bytes] | None = None,
    redactor: Redactor | None = None,
) -> Bundle:
    """Every file of the bundle, redacted: secrets always; user, host and local addresses when anonymizing."""
    red = redactor or make_redactor(run_secrets(profile, options), anonymize)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    host = None if anonymize else socket.gethostname()
    name = bundle_name(result.profile.id, host, result.started_at)
    notes: dict[str, str] = {}

    keep = vocabulary()
    report = red.data(result.to_json(), keep)
    problems = schema_errors(report)
    if problems:  # an engine bug: keep the evidence for support, and say so
        log.error("report.json does not match the schema: %s", "; ".join(problems))
        notes["report.json"] = "does not match the result schema: " + "; ".join(problems)

    raw_facts = dict(facts) if facts is not None else system_facts.collect(result, profile, options)
    if anonymize:
        raw_facts["hostname"] = None
    raw_facts["anonymized"] = anonymize
    facts_out = red.data(raw_facts, keep)

    meta = {
        "file_name": name,
        "created_at": created,
        "anonymized": anonymize,
        "support": profile.support_email,
        "browser_advice": profile.browser_advice,
    }  # the app's steps need both (app.engine.audience.steps)
    files: dict[str, bytes] = {
        "report.json": _json(report),
        "report.html": _utf8(red.text(html_report.render_html(report, facts_out, meta))),
    }
    try:
        printable = red.text(html_report.render_print_html(report, facts_out, meta))
        title = f"{result.profile.name} network check {result.started_at}"
        files["report.pdf"] = (make_pdf or _qt_pdf)(printable, title)
    except Exception as exc:  # Qt missing or broken: the bundle is still useful without the PDF
        log.warning("report.pdf left out: %s", exc)
        notes["report.pdf"] = f"not included: {exc}"
    files["log.txt"] = _utf8(red.text(log_text))
    files["system.json"] = _json(facts_out)
    for member in ("report.html", "log.txt"):  # belt and braces: never ship a secret
        text = files[member].decode("utf-8", "replace")
        if red.leaks(text):
            files[member] = _utf8(red.text(text))
    for member, doc in (("report.json", report), ("system.json", facts_out)):  # values only: keys keep the shape
        if red.leaks_in(doc, keep):
            files[member] = _json(red.data(doc, keep))
    return Bundle(name, files, notes, anonymize, created)


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Strings the program itself writes as structure (schema enums and constants, categories, finding codes):
    the redactor leaves them whole, so a secret such as `udp` cannot break a bundle's schema."""
    found: set[str] = {c.value for c in Category} | set(CATALOGUE)
    stack: list[Any] = [result_schema()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(v for v in node.get("enum", ()) if isinstance(v, str))
            if isinstance(node.get("const"), str):
                found.add(node["const"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def _utf8(text: str) -> bytes:
    """UTF-8 bytes of any text (undecodable command-line bytes become escapes, never a crash)."""
    return text.encode("utf-8", "backslashreplace")


def _qt_pdf(html_text: str, title: str) -> bytes:
    from app.report.pdf import html_to_pdf

    return html_to_pdf(html_text, title)


def _json(value: Any) -> bytes:
    return _utf8(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def manifest(bundle: Bundle) -> dict[str, Any]:
    """The manifest: format, tool, and SHA-256 and size of every other file."""
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "created_at": bundle.created_at,
        "anonymized": bundle.anonymized,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in bundle.files.items()
        },
        "notes": bundle.notes,
    }


def pack(bundle: Bundle) -> bytes:
    """The zip archive bytes (members in a fixed order, manifest last)."""
    buf = io.BytesIO()
    stamp = _zip_time(bundle.created_at)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in [m for m in MEMBERS if m in bundle.files] + [m for m in bundle.files if m not in MEMBERS]:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, bundle.files[name])
        info = zipfile.ZipInfo(MANIFEST, stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, _json(manifest(bundle)))
    return buf.getvalue()


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    try:
        t = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        t = dt.datetime.now(dt.UTC)
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


def destination(dest: Path, name: str) -> Path:
    """A directory gets the standard name inside it; anything else is the zip's own path."""
    return dest / name if dest.is_dir() else dest


def save(bundle: Bundle, dest: Path) -> Path:
    """Write the zip atomically (temporary file, then rename) and return its path."""
    path = destination(Path(dest), bundle.name)
    data = pack(bundle)
    fd, tmp = tempfile.mkstemp(prefix=".callready-", suffix=".zip.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an ordinary file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("report bundle written: %s (%d bytes)", path, len(data))
    return path


def write_bundle(
    result: RunResult, profile: Profile, options: RunOptions, log_text: str, dest: Path, anonymize: bool
) -> Path:
    """Build, redact and save the bundle of one run; returns the zip's path. Raises OSError if dest is unwritable."""
    return save(build_bundle(result, profile, options, log_text, anonymize), Path(dest))


def bundle_contents_preview(result: RunResult, anonymize: bool, pdf: bool = True) -> list[str]:
    """What the bundle will contain, in plain words, for the person to read before saving."""
    n = len(result.checks)
    lines = [
        f"report.json: the full result of the check ({n} checks, verdict, findings, message for IT)",
        "report.html: the same result as a page anyone can open in a browser",
    ]
    if pdf:
        lines.append("report.pdf: the same page as a PDF, to print or attach")
    lines += [
        "log.txt: the technical log of this check",
        "system.json: operating system, CallReady version, network interfaces, proxy and DNS settings, "
        "your public internet address as a media server saw it, installed browsers",
        "manifest.json: a fingerprint (SHA-256) of each file, so IT can tell it was not damaged",
        "Never included: passwords, TURN secrets or proxy passwords",
    ]
    if anonymize:
        lines.append("Removed: your user name, this computer's name and its local network addresses")
    else:
        lines.append("Included: your user name where it appears in the log, this computer's name and local addresses")
    return lines


def bundle_from_files(
    name: str, files: Mapping[str, bytes], created_at: str, notes: Iterable[tuple[str, str]] = ()
) -> Bundle:
    """A bundle from ready-made files (tests and benchmarks build variants of a real bundle this way)."""
    return Bundle(name, dict(files), dict(notes), False, created_at)
