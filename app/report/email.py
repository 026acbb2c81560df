"""The support email: subject and body from a result, and a mailto: URL (RFC 6068) short enough for Windows and macOS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from app.report.html import headline

# Windows' ShellExecute and some mail clients cut mailto URLs near 2,048 characters; stay well under.
MAILTO_LIMIT = 1800
_CUT = "\n\n(shortened: the attached report has every detail)"


@dataclass(frozen=True)
class SupportEmail:
    """Subject and plain-text body of the message to support or IT."""

    subject: str
    body: str


def support_email(report: Mapping[str, Any], bundle_name: str | None = None) -> SupportEmail:
    """Subject with verdict, profile and date; body with the headline, findings and the IT message."""
    profile = report.get("profile") or {}
    verdict = str(report.get("verdict", "unknown"))
    date = str(report.get("started_at", ""))[:10]
    subject = f"{profile.get('name', 'Video')} network check: {verdict.upper()} ({date})"
    lines = [f"{headline(verdict)}.", str(report.get("reason", "")), ""]
    problems = [f for f in report.get("findings") or [] if f.get("severity") in ("error", "warning")]
    if problems:
        lines.append("Findings:")
        lines += [f"- {f.get('title')} [{f.get('code')}]" for f in problems]
        lines.append("")
    lines.append(str(report.get("it_message", "")).strip())
    lines += ["", f"Profile {profile.get('id')} {profile.get('version')}, checked {report.get('started_at')} (UTC)."]
    if bundle_name:
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
