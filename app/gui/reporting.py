"""The wizard's side of the report engine (app/report): bundle writing, a plain contents preview, the emails, and
opening them with the OS while telling whether anything opened.

Thin adapter: the report package owns the formats; this module only calls it, and says clearly when a
piece is missing instead of failing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from app import TOOL_NAME
from app.engine.model import RunResult
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.gui.wording import headline

OPENER_WAIT_S = 10.0  # an opener still running after this long has handed the URL to a program: count it as opened


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
    """What the report holds, in plain words for the person (no file formats, no fingerprints)."""
    try:
        _bundle_module()
    except ReportUnavailable:
        return []
    lines = [
        f"The result of each of the {len(result.checks)} checks, and what IT must change, if anything",
        "This computer's network settings: operating system, proxy and DNS settings, network adapters, "
        "browsers, and your public internet address",
        "A technical log of this check",
        "Never: passwords or other secrets",
    ]
    if anonymize:
        lines.append("Left out: your user name, this computer's name and its local network addresses")
    else:
        lines.append("Included: your user name where it appears, this computer's name and its local addresses")
    return lines


def _mail(to: str, subject: str, body: str) -> str:
    try:
        from app.report.email import SupportEmail, mailto_url
    except ImportError:
        return mailto(to, subject, body)
    return str(mailto_url(to, SupportEmail(subject, body)))


def email_text(result: RunResult, profile: Profile, bundle_path: Path | None, to_it: bool) -> tuple[str, str]:
    """Subject and body of the email to IT or to support (app.report.email; a short fallback if it is missing)."""
    try:
        from app.report.email import support_email
    except ImportError:
        return support_message(result, profile, bundle_path)
    mail = support_email(
        result.to_json(),
        bundle_path.name if bundle_path else None,
        saved_at=str(bundle_path) if bundle_path else None,
        to_it=to_it,
    )
    return mail.subject, mail.body


def support_mailto(result: RunResult, profile: Profile, to: str, bundle_path: Path | None) -> str:
    """A mailto: URL with the support address, a subject and the body (RFC 6068)."""
    return _mail(to, *email_text(result, profile, bundle_path, to_it=False))


def it_mailto(result: RunResult, profile: Profile, to: str, bundle_path: Path | None) -> str:
    """A mailto: URL for the person's own IT team (address left for them to fill in unless IT preset one)."""
    return _mail(to, *email_text(result, profile, bundle_path, to_it=True))


def support_message(result: RunResult, profile: Profile, bundle_path: Path | None) -> tuple[str, str]:
    """Subject and short body for the support email (used when app.report.email is missing)."""
    h = headline(result)
    subject = f"{profile.name} network check: {h.text}"
    lines = ["Hello,", "", f"I ran the {profile.name} network check ({TOOL_NAME}). Result: {h.text}.", h.reason, ""]
    if bundle_path is not None:
        lines += [f"The full report is saved as {bundle_path}.", ""]
    lines += ["Thank you."]
    return subject, "\n".join(lines)


def mailto(to: str, subject: str, body: str) -> str:
    """Build a mailto: URL (RFC 6068: percent-encoded, CRLF line breaks)."""
    crlf = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:{quote(to, safe='@')}?subject={quote(subject, safe='')}&body={quote(crlf, safe='')}"


def opener_command(url: str, platform: str = sys.platform) -> list[str] | None:
    """The OS's own opener for a URL (xdg-open, open), or None where the shell API is used (Windows)."""
    if platform.startswith("win"):
        return None
    if platform == "darwin":
        return ["open", url]
    return ["xdg-open", url]


def mail_command(url: str, attachment: Path | None, platform: str = sys.platform) -> list[str] | None:
    """The command that opens a mailto: URL: on Linux `xdg-email --attach FILE URL` when xdg-email is there, which
    attaches the report where the mail program allows (Thunderbird, Evolution, KMail); else the plain opener."""
    if platform.startswith("linux") and attachment is not None and shutil.which("xdg-email"):
        return ["xdg-email", "--attach", str(attachment), url]
    return opener_command(url, platform)


def open_external(url: str) -> bool:
    """Hand `url` (mailto:, file:) to the OS and say whether a program took it: the opener's exit status
    (xdg-open, open) or, on Windows, whether ShellExecute found a handler. Blocks up to OPENER_WAIT_S: call it
    from a worker thread."""
    return _run(opener_command(url), url)


def open_mail(url: str, attachment: Path | None = None) -> bool:
    """Open the message in the mail program, with the report attached where the platform allows; True if a
    program took it (same rules as open_external)."""
    return _run(mail_command(url, attachment if attachment is not None and attachment.is_file() else None), url)


def _run(cmd: list[str] | None, url: str) -> bool:
    if cmd is None:
        try:
            os.startfile(url)  # type: ignore[attr-defined]  # Windows only: raises OSError without a handler
        except OSError:
            return False
        return True
    if shutil.which(cmd[0]) is None:
        return False
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return False
    try:
        return proc.wait(OPENER_WAIT_S) == 0
    except subprocess.TimeoutExpired:
        return True  # still running: the handler (a mail program in a terminal, say) has the message
