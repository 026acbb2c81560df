"""The support and IT emails: subject and body from a result, and a mailto: URL (RFC 6068) short enough for Windows
and macOS. The body holds the IT table once (app.engine.ittable), in the same verdict words as the app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from app.engine.audience import finding_of_json, needs_it, problems, verdict_words
from app.engine.ittable import rows_of_json, table_text

# Windows' ShellExecute and some mail clients cut mailto URLs near 2,048 characters; stay well under.
MAILTO_LIMIT = 1800
_CUT = "\n\n(shortened: the report file has every detail)"


@dataclass(frozen=True)
class SupportEmail:
    """Subject and plain-text body of the message to support or IT."""

    subject: str
    body: str


def support_email(
    report: Mapping[str, Any], bundle_name: str | None = None, *, saved_at: str | None = None, to_it: bool = False
) -> SupportEmail:
    """Subject with the verdict's words, platform and date; body: the answer, the IT table once, where the report is.

    `saved_at` is the report file's full path (said when the mail program cannot attach it); `to_it` words the
    message for the person's own IT team instead of the platform's support."""
    profile = report.get("profile") or {}
    verdict = str(report.get("verdict", "unknown"))
    date = str(report.get("started_at", ""))[:10]
    name = profile.get("name", "Video")
    words = verdict_words(verdict)
    subject = f"{name} network check: {words} ({date})"
    if to_it:
        subject = f"{name} video interviews: please change these network settings ({date})"
    findings = [finding_of_json(f) for f in report.get("findings") or [] if isinstance(f, Mapping)]
    lines = ["Hello IT team," if to_it else "Hello,", ""]
    lines.append(f"I ran the {name} network check for video interviews. Result: {words}. {report.get('reason', '')}")
    lines.append("")
    rows = rows_of_json(report)
    if rows:
        lines += ["What needs to change on the network (destination, then protocol and port | what happened | "
                  "change to make):", "", table_text(rows), ""]  # fmt: skip
    elif problems(findings) and not needs_it(findings):
        lines += [f"Nothing for IT to change: {problems(findings)[0].title.lower()}.", ""]
    lines.append(f"Profile {profile.get('id')} {profile.get('version')}, checked {report.get('started_at')} (UTC).")
    if saved_at:
        lines.append(f"The full report is saved on my computer as {saved_at} (attached if my mail program allowed it).")
    elif bundle_name:
        lines.append(f"Report bundle: {bundle_name} (please find it attached).")
    return SupportEmail(subject, "\n".join(lines).strip() + "\n")


def _enc(text: str) -> str:
    """Percent-encode for a mailto: header value; line breaks become CRLF (RFC 6068 section 5)."""
    return quote(text.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")


def mailto_url(to: str, email: SupportEmail, limit: int = MAILTO_LIMIT) -> str:
    """A mailto: URL no longer than `limit`; the body is cut at a line boundary with a note when needed."""
    head = f"mailto:{quote(to, safe='@')}?subject={_enc(email.subject)}&body="
    url = head + _enc(email.body)
    if len(url) <= limit:
        return url
    lines = email.body.splitlines()
    while lines:
        lines.pop()
        url = head + _enc("\n".join(lines).rstrip() + _CUT)
        if len(url) <= limit:
            return url
    return (head + _enc(_CUT.strip()))[:limit]
