"""The wizard's side of the report engine (app/report): bundle writing, contents preview, support email.

Thin adapter: the report package owns the formats; this module only calls it, and says clearly when a
piece is missing instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from app import TOOL_NAME
from app.engine.model import RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.gui.wording import headline


class ReportUnavailable(Exception):
    """The report writer is not part of this build."""


def default_folder(candidates: list[str]) -> Path:
    """The first existing folder of Desktop, Documents, home (given in that order)."""
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return Path.home()


def _bundle_module() -> Any:
    try:
        from app.report import bundle
    except ImportError as exc:
        raise ReportUnavailable(f"the report writer is not available in this build ({exc})") from None
    return bundle


def write_bundle(
    result: RunResult, profile: Profile, options: RunOptions, log_text: str, folder: Path, anonymize: bool
) -> Path:
    """Write the report bundle (a dated .zip named by app.report) into `folder`; returns its path."""
    bundle = _bundle_module()
    return Path(bundle.write_bundle(result, profile, options, log_text, folder, anonymize))


def contents_preview(result: RunResult, anonymize: bool) -> list[str]:
    """Lines saying what the bundle holds (empty when the report writer is missing)."""
    try:
        bundle = _bundle_module()
    except ReportUnavailable:
        return []
    return [str(x) for x in bundle.bundle_contents_preview(result, anonymize)]


def support_mailto(result: RunResult, profile: Profile, to: str, bundle_path: Path | None) -> str:
    """A mailto: URL with the support address, a subject and a short summary (RFC 6068)."""
    try:
        from app.report.email import mailto_url, support_email
    except ImportError:
        return mailto(to, *support_message(result, profile, bundle_path))
    return str(mailto_url(to, support_email(result.to_json(), bundle_path.name if bundle_path else None)))


def support_message(result: RunResult, profile: Profile, bundle_path: Path | None) -> tuple[str, str]:
    """Subject and short body for the support email (used when app.report.email is missing)."""
    h = headline(result)
    subject = f"{profile.name} network check: {h.text}"
    lines = ["Hello,", "", f"I ran the {profile.name} network check ({TOOL_NAME}). Result: {h.text}.", h.reason, ""]
    if bundle_path is not None:
        lines += [f"The full report is attached ({bundle_path.name}).", ""]
    lines += ["Thank you."]
    return subject, "\n".join(lines)


def mailto(to: str, subject: str, body: str) -> str:
    """Build a mailto: URL (RFC 6068: percent-encoded, CRLF line breaks)."""
    crlf = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:{quote(to, safe='@')}?subject={quote(subject, safe='')}&body={quote(crlf, safe='')}"
