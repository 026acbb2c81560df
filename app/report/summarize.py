"""Fleet summary: read many bundles safely (in memory, bounded), verify them, and show machines x categories."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from app import TOOL_NAME
from app.engine.inputs import InputError, bounded_json, csv_safe, read_regular_file, terminal_safe
from app.engine.model import Category
from app.report.bundle import BUNDLE_FORMAT, MANIFEST
from app.report.schema import schema_errors

MAX_MEMBER_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_RATIO = 200  # uncompressed/compressed; our text members compress about 5-15x
MAX_MEMBERS = 32
MAX_BUNDLE_BYTES = MAX_TOTAL_BYTES + 4 * 1024 * 1024  # the zip itself: members (compressed) plus headers
MAX_JSON_DEPTH = 32
CSV_HEADER = ["machine", "file", "os", "profile", "started_at", "verdict"]
log = logging.getLogger("callready.report")
_STATUS_RANK = {"fail": 3, "warn": 2, "skip": 1, "pass": 0}
_VERDICT_RANK = {"blocked": 0, "incomplete": 1, "degraded": 2, "ready": 3}
_MARK = {"pass": "ok", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


class Refused(Exception):
    """A file that is not a readable, intact CallReady bundle; the message is one line for the person."""


@dataclass(frozen=True)
class Machine:
    """One verified bundle, reduced to what the fleet table needs."""

    path: str
    label: str
    os: str
    profile: str
    started_at: str
    verdict: str
    categories: dict[str, str]  # category -> worst status
    findings: tuple[tuple[str, str, str], ...]  # (code, severity, title)


@dataclass(frozen=True)
class Summary:
    """Every machine read, every file refused, and the most common findings."""

    machines: tuple[Machine, ...]
    refused: tuple[tuple[str, str], ...]  # (path, reason)

    def categories(self) -> list[str]:
        """Categories present in any bundle, in the result's fixed order."""
        seen = {c for m in self.machines for c in m.categories}
        return [c.value for c in Category if c.value in seen]

    def common_findings(self, top: int = 10) -> list[tuple[str, str, str, int]]:
        """(code, severity, title, machines) for the most frequent finding codes."""
        counts: Counter[str] = Counter()
        info: dict[str, tuple[str, str]] = {}
        for m in self.machines:
            for code, severity, title in m.findings:
                counts[code] += 1
                info.setdefault(code, (severity, title))
        return [(code, *info[code], n) for code, n in counts.most_common(top)]

    def verdicts(self) -> Counter[str]:
        """How many machines got each verdict."""
        return Counter(m.verdict for m in self.machines)


# ---------------------------------------------------------------- reading one bundle


def read_bundle(path: Path) -> Machine:
    """Verify and read one bundle without extracting anything to disk; raise Refused with a one-line reason."""
    try:
        data = read_regular_file(path, MAX_BUNDLE_BYTES)
    except InputError as exc:
        raise Refused(f"cannot read: {exc}") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError):
        raise Refused("not a zip file, or the zip is truncated or corrupted") from None
    with zf:
        infos = zf.infolist()
        _check_entries(infos)
        names = {i.filename: i for i in infos}
        if MANIFEST not in names or "report.json" not in names:
            raise Refused("not a CallReady bundle (no manifest.json and report.json)")
        manifest = _json_member(zf, names[MANIFEST])
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise Refused("not a CallReady bundle (manifest of another format)")
        listed = manifest.get("files")
        if not isinstance(listed, dict):
            raise Refused("damaged bundle: the manifest lists no files")
        extra = sorted(set(names) - set(listed) - {MANIFEST})
        if extra:
            raise Refused(f"tampered bundle: {extra[0]} is not in the manifest")
        contents: dict[str, bytes] = {}
        for name, entry in listed.items():
            if name not in names:
                raise Refused(f"damaged bundle: {name} is missing")
            data = _read_member(zf, names[name])
            want = entry.get("sha256") if isinstance(entry, dict) else None
            if hashlib.sha256(data).hexdigest() != want:
                raise Refused(f"tampered or damaged bundle: {name} does not match its SHA-256 in the manifest")
            if name in ("report.json", "system.json"):
                contents[name] = data
    report = _parse(contents["report.json"], "report.json")
    tool = report.get("tool") if isinstance(report, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME:
        raise Refused("not a CallReady bundle (report.json was not written by CallReady)")
    problems = schema_errors(report, limit=1)
    if problems:
        raise Refused(f"report.json does not match the result schema: {problems[0]}")
    system = _parse(contents["system.json"], "system.json") if "system.json" in contents else {}
    return _machine(path, report, system if isinstance(system, dict) else {}, contents["report.json"])


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse unsafe archives before reading a byte: traversal, absolute names, bombs, too many entries."""
    if len(infos) > MAX_MEMBERS:
        raise Refused(f"{len(infos)} entries (a bundle has at most {MAX_MEMBERS})")
    total = 0
    seen: set[str] = set()
    for i in infos:
        name = i.filename
        if name in seen:  # zipfile reads the last copy, unzip shows the first: neither can be trusted
            raise Refused(f"tampered bundle: {name!r} appears twice")
        seen.add(name)
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
            raise Refused(f"unsafe entry name {name!r} (path traversal)")
        if i.file_size > MAX_MEMBER_BYTES:
            raise Refused(
                f"{name} would unpack to {i.file_size} bytes, over the {MAX_MEMBER_BYTES}-byte limit (zip bomb?)"
            )
        if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise Refused(f"{name} is compressed {i.file_size // max(i.compress_size, 1)}x (zip bomb?)")
        total += i.file_size
        if total > MAX_TOTAL_BYTES:
            raise Refused(f"the bundle would unpack to more than {MAX_TOTAL_BYTES} bytes")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read at most the limit, whatever the header claims (a forged size cannot make us read more)."""
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise Refused(f"damaged bundle: cannot read {info.filename} ({exc})") from None
    except RuntimeError as exc:  # encrypted members
        raise Refused(f"{info.filename} is encrypted ({exc})") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise Refused(f"{info.filename} is larger than {MAX_MEMBER_BYTES} bytes")
    return data


def _json_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    return _parse(_read_member(zf, info), info.filename)


def _parse(data: bytes, name: str) -> Any:
    try:
        return bounded_json(data, MAX_MEMBER_BYTES, MAX_JSON_DEPTH)
    except InputError as exc:
        raise Refused(f"damaged bundle: {name} is not usable JSON ({exc})") from None


def _machine(path: Path, report: dict[str, Any], system: dict[str, Any], raw: bytes) -> Machine:
    worst: dict[str, str] = {}
    for c in report["checks"]:
        cat, st = c["category"], c["status"]
        if cat not in worst or _STATUS_RANK[st] > _STATUS_RANK[worst[cat]]:
            worst[cat] = st
    host = system.get("hostname")
    label = str(host) if host else f"anonymous-{hashlib.sha256(raw).hexdigest()[:6]}"
    os_ = system.get("os") or {}
    os_text = " ".join(str(x) for x in (os_.get("system"), os_.get("release")) if x) if isinstance(os_, dict) else ""
    prof = report["profile"]
    return Machine(
        path=str(path),
        label=label,
        os=os_text,
        profile=prof["id"] + (f"/{prof['region']}" if prof.get("region") else ""),
        started_at=report["started_at"],
        verdict=report["verdict"],
        categories=worst,
        findings=tuple(
            {
                f["code"]: (f["code"], f["severity"], f["title"])
                for f in report["findings"]
                if f["severity"] in ("error", "warning")
            }.values()
        ),
    )


# ---------------------------------------------------------------- many bundles


def bundle_paths(inputs: Iterable[Path]) -> Iterator[Path]:
    """Zip files named directly, and every *.zip under directories (sorted)."""
    for p in inputs:
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.zip") if q.is_file())
        else:
            yield p


def summarize(inputs: Iterable[Path]) -> Summary:
    """Read every bundle; bad ones are refused with their reason, never fatal."""
    machines: list[Machine] = []
    refused: list[tuple[str, str]] = []
    for path in bundle_paths(inputs):
        try:
            machines.append(read_bundle(path))
        except Refused as exc:
            refused.append((str(path), str(exc)))
        except Exception as exc:  # a bundle we did not foresee costs its own line, never the batch
            log.exception("summarize: unexpected failure reading %s", path)
            refused.append((str(path), f"cannot read this bundle ({type(exc).__name__})"))
    machines.sort(key=lambda m: (_VERDICT_RANK.get(m.verdict, 9), m.label, m.started_at))
    return Summary(tuple(machines), tuple(refused))


# ---------------------------------------------------------------- output


def render_table(s: Summary) -> str:
    """Text table (machines x categories, worst status per category) and the most common failures."""
    cats = s.categories()
    header = ["machine", "profile", "date", "verdict", *cats]
    rows = [
        [
            terminal_safe(m.label, 60),
            terminal_safe(m.profile, 60),
            terminal_safe(m.started_at[:10]),
            terminal_safe(m.verdict.upper()),
            *(_MARK.get(m.categories.get(c, ""), "-") for c in cats),
        ]
        for m in s.machines
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    v = s.verdicts()
    n = len(s.machines)
    lines += ["", f"{n} machine{'s' if n != 1 else ''}: " + ", ".join(f"{v[k]} {k}" for k in _VERDICT_RANK if v[k])]
    common = s.common_findings()
    if common:
        lines += ["", "Most common problems:"]
        lines += [
            f"  {n:>5} x  {terminal_safe(code, 60):<24} {terminal_safe(sev, 20):<8} {terminal_safe(title, 200)}"
            for code, sev, title, n in common
        ]
    return "\n".join(lines) + "\n"


def write_csv(s: Summary, out: io.TextIOBase | Any) -> None:
    """One row per machine: identity, verdict, worst status per category, finding codes."""
    cats = s.categories()
    w = csv.writer(out)
    w.writerow([*CSV_HEADER, *cats, "findings"])
    for m in s.machines:
        w.writerow(
            [csv_safe(x) for x in
             [m.label, m.path, m.os, m.profile, m.started_at, m.verdict, *(m.categories.get(c, "") for c in cats),
              " ".join(code for code, _, _ in m.findings)]]
        )  # fmt: skip


def is_our_csv(path: Path) -> bool:
    """A fleet CSV this command wrote (its header), which `--csv` may rewrite."""
    try:
        head = read_regular_file(path, MAX_TOTAL_BYTES)[:4096].decode("utf-8", "replace")
    except InputError:
        return False
    return head.startswith(",".join(CSV_HEADER) + ",")


def is_our_html(path: Path) -> bool:
    """A fleet HTML page this command wrote, which `--html` may rewrite."""
    try:
        head = read_regular_file(path, MAX_TOTAL_BYTES)[:512].decode("utf-8", "replace")
    except InputError:
        return False
    return head.startswith("<!DOCTYPE html>") and "<title>CallReady fleet summary</title>" in head


def is_our_bundle(path: Path) -> bool:
    """A report bundle CallReady wrote (a zip whose manifest has our format), which `--bundle` may replace."""
    try:
        with zipfile.ZipFile(io.BytesIO(read_regular_file(path, MAX_BUNDLE_BYTES))) as zf:
            info = zf.getinfo(MANIFEST)
            manifest = _parse(_read_member(zf, info), MANIFEST)
    except (InputError, Refused, KeyError, zipfile.BadZipFile, ValueError, EOFError, OSError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == BUNDLE_FORMAT


def render_html(s: Summary) -> str:
    """A self-contained HTML page of the same table and counts."""
    import jinja2

    env = jinja2.Environment(autoescape=True)
    return env.from_string(_HTML).render(s=s, cats=s.categories(), common=s.common_findings(), v=s.verdicts())


_HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>CallReady fleet summary</title>
<style>body{font:14px/1.4 "DejaVu Sans",Arial,sans-serif;margin:24px;color:#1f1f1f}
table{border-collapse:collapse}td,th{border:1px solid #dadce0;padding:4px 8px;text-align:left}
th{background:#f1f3f4}.pass{background:#e6f4ea}.warn{background:#fef7e0}.fail{background:#fce8e6}.skip{background:#f1f3f4}
</style></head><body><h1>CallReady fleet summary</h1>
<p>{{ s.machines|length }} machine{{ "" if s.machines|length == 1 else "s" }}{% for k, n in v.items() %}, {{ n }} {{ k }}{% endfor %};
{{ s.refused|length }} files refused.</p>
{% if common %}<h2>Most common problems</h2><table><tr><th>Machines</th><th>Code</th><th>Severity</th><th>Problem</th></tr>
{% for code, sev, title, n in common %}<tr><td>{{ n }}</td><td>{{ code }}</td><td>{{ sev }}</td><td>{{ title }}</td></tr>{% endfor %}
</table>{% endif %}
<h2>Machines</h2><table><tr><th>Machine</th><th>Profile</th><th>Date</th><th>Verdict</th>
{% for c in cats %}<th>{{ c }}</th>{% endfor %}</tr>
{% for m in s.machines %}<tr><td>{{ m.label }}</td><td>{{ m.profile }}</td><td>{{ m.started_at }}</td>
<td class="{{ {'ready': 'pass', 'degraded': 'warn', 'blocked': 'fail'}.get(m.verdict, 'skip') }}">{{ m.verdict }}</td>
{% for c in cats %}{% set st = m.categories.get(c) %}<td class="{{ st or '' }}">{{ st or '-' }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% if s.refused %}<h2>Refused files</h2><ul>{% for p, why in s.refused %}<li>{{ p }}: {{ why }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""
