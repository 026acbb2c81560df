"""Verdict rules: check results -> findings, one verdict with its reason, and the message for IT.

Pure functions; they never open a socket. Cross-check rules (media paths, offline) live here;
per-check observations come from the probes as finding codes on each result.
"""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.engine.audience import INTERVIEWER_CODES, problems, verdict_words
from app.engine.codes import FindingCode
from app.engine.findings import CATALOGUE
from app.engine.ittable import it_rows, table_text
from app.engine.model import Category, CheckResult, Finding, Severity, Status, Verdict
from app.engine.profile import Profile
from app.engine.urls import UrlError, parse_ice_url

MEDIA_DIRECT = (Category.STUN,)
MEDIA_RELAY = (Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS)
MEDIA_CATEGORIES = MEDIA_DIRECT + MEDIA_RELAY
ESSENTIAL = ((Category.DNS,), (Category.HTTPS,), MEDIA_CATEGORIES)

F = FindingCode
Raised = dict[FindingCode, list[CheckResult]]

# Codes made moot by a broader one: offline explains every failed connection.
_SUPERSEDED_BY: dict[FindingCode, set[FindingCode]] = {
    F.OFFLINE: {
        F.DNS_FAILURE, F.DNS_NXDOMAIN, F.HTTPS_BLOCKED, F.TLS_ERROR, F.WEBSOCKET_BLOCKED, F.STUN_BLOCKED,
        F.UDP_BLOCKED, F.TURN_UDP_BLOCKED, F.TURN_TCP_BLOCKED, F.TURN_TLS_BLOCKED, F.CAPTIVE_PORTAL,
        F.PROXY_FAILED,
    },
    F.MEDIA_BLOCKED: {F.RELAY_ONLY},
    F.HIGH_PACKET_LOSS: {F.PACKET_LOSS},
}  # fmt: skip
LOSS_SEEN_PCT = 1.0  # measured loss from here up to the profile's "good" bound is information (issue 21)

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Assessment:
    """The verdict rules' answer for one run."""

    verdict: Verdict
    reason: str
    findings: tuple[Finding, ...]
    it_message: str


def assess(checks: Iterable[CheckResult], profile: Profile, ended_by: str = "completed") -> Assessment:
    """Derive findings, verdict, reason and IT message from check results."""
    results = list(checks)
    raised: Raised = defaultdict(list)
    for r in results:
        for code in r.findings:
            raised[code].append(r)
    for code, sources in derived_findings(results).items():
        raised.setdefault(code, []).extend(sources)
    _stand_in_media(raised, results, profile)
    _missing_names(raised, results)
    _moot_dns_failures(raised, results)
    _alternates_work(raised, results)
    for broad, narrower in _SUPERSEDED_BY.items():
        if broad in raised:
            for code in narrower:
                raised.pop(code, None)
    findings = sorted(
        (_finding(code, sources, results, profile) for code, sources in raised.items()),
        key=lambda f: (_SEVERITY_ORDER[f.severity], f.code),
    )
    verdict, reason = _verdict(results, findings, ended_by)
    return Assessment(verdict, reason, tuple(findings), it_message(profile, verdict, findings, results))


def derived_findings(results: list[CheckResult]) -> Raised:
    """Findings that need several checks at once: offline, media paths, unfinished checks (from typed signals)."""
    out: Raised = {}
    by_cat: dict[Category, list[CheckResult]] = defaultdict(list)
    for r in results:
        by_cat[r.category].append(r)

    def all_failed(*cats: Category) -> bool:
        rows = [r for c in cats for r in by_cat.get(c, [])]
        return bool(rows) and all(r.status is Status.FAIL for r in rows)

    def any_passed(*cats: Category) -> bool:
        return any(r.status in (Status.PASS, Status.WARN) for c in cats for r in by_cat.get(c, []))

    dns_rows = by_cat.get(Category.DNS, [])
    if dns_rows and all(r.signals.offline for r in dns_rows) and not any_passed(Category.HTTPS, *MEDIA_CATEGORIES):
        out[F.OFFLINE] = dns_rows

    media_rows = [r for c in MEDIA_CATEGORIES for r in by_cat.get(c, [])]
    if media_rows:
        if all_failed(*MEDIA_CATEGORIES):
            out[F.MEDIA_BLOCKED] = media_rows
        elif all_failed(*MEDIA_DIRECT) and any_passed(*MEDIA_RELAY):
            out[F.RELAY_ONLY] = by_cat[Category.STUN]
        if all_failed(*MEDIA_DIRECT) and not any(
            r.signals.udp_answered for c in (Category.STUN, Category.TURN_UDP) for r in by_cat.get(c, [])
        ):
            out[F.UDP_BLOCKED] = by_cat[Category.STUN]

    # Loss the media train measured below the warning band; DNS answers that came only after a resend go with it.
    lossy = [r for r in by_cat.get(Category.MEDIA, []) if (r.signals.loss_pct or 0.0) >= LOSS_SEEN_PCT]
    if lossy:
        out[F.PACKET_LOSS] = lossy + [r for r in dns_rows if r.signals.resent]

    unfinished = [r for r in results if not r.finished]
    if unfinished:
        out[F.CHECK_UNFINISHED] = unfinished
    return out


_DNS_FAILURES = (F.DNS_NXDOMAIN, F.DNS_FAILURE, F.DNS_SINKHOLE)


def host_of(check: CheckResult) -> str:
    """The host a check contacted: a URL's host, a STUN/TURN URI's host, or the target itself (DNS)."""
    target = check.target.split(" via ", 1)[0]
    if target.startswith(("stun:", "stuns:", "turn:", "turns:")):
        try:
            return parse_ice_url(target).host
        except UrlError:
            return target
    return (urlsplit(target).hostname or target).lower() if "://" in target else target.lower()


def _moot_dns_failures(raised: Raised, results: list[CheckResult]) -> None:
    """Demote DNS failures that do not stop calls to information.

    A host reached through a proxy: with CONNECT the proxy resolves the name (RFC 9110 §9.3.6), as browsers
    behind such proxies rely on. A media-only host (STUN/TURN) while another media path works: the media rules
    already say what that costs.
    """
    ok = [r for r in results if r.status in (Status.PASS, Status.WARN)]
    via_proxy = {host_of(r) for r in ok if r.signals.via_proxy}
    web_hosts = {host_of(r) for r in results if r.category in (Category.HTTPS, Category.WSS)}
    media_works = any(r.category in MEDIA_CATEGORIES for r in ok)

    def demoted_to(r: CheckResult) -> FindingCode | None:
        if r.category is not Category.DNS:
            return None
        host = host_of(r)
        if host in via_proxy:
            return F.DNS_RESOLVED_BY_PROXY
        return F.DNS_MEDIA_HOST_UNRESOLVED if host not in web_hosts and media_works else None

    for code in _DNS_FAILURES:
        for r in list(raised.get(code, [])):
            new = demoted_to(r)
            if new:
                raised[code].remove(r)
                raised.setdefault(new, []).append(r)
        if code in raised and not raised[code]:
            del raised[code]


# A call uses one working server of each kind: the others failing is information (DESIGN-BRIEF rule 7).
_ANY_OF = {
    Category.WSS: F.WEBSOCKET_BLOCKED,
    Category.STUN: F.STUN_BLOCKED,
    Category.TURN_UDP: F.TURN_UDP_BLOCKED,
    Category.TURN_TCP: F.TURN_TCP_BLOCKED,
    Category.TURN_TLS: F.TURN_TLS_BLOCKED,
}


def _route_kind(r: CheckResult) -> bool:
    """True for checks through the proxy IT gave (`+proxy`): compared only with each other."""
    return r.id.endswith("+proxy")


def _alternates_work(raised: Raised, results: list[CheckResult]) -> None:
    """Demote a blocked server to `alternate_server_unreachable` when another server of the same kind (category and
    route) fully works (pass; a WebSocket that is cut or a relay that refuses allocations does not count): the call
    uses that one."""
    for category, code in _ANY_OF.items():
        working = {_route_kind(r) for r in results if r.category is category and r.status is Status.PASS}
        for r in list(raised.get(code, [])):
            if r.category is category and _route_kind(r) in working:
                raised[code].remove(r)
                raised.setdefault(F.ALTERNATE_SERVER_UNREACHABLE, []).append(r)
        if code in raised and not raised[code]:
            del raised[code]


def _parent(host: str) -> str:
    return host.split(".", 1)[1] if host.count(".") >= 2 else host


def _missing_names(raised: Raised, results: list[CheckResult]) -> None:
    """NXDOMAIN for a name while the same resolver answers other names of the same domain: the name does not exist
    (a profile problem, `profile_name_missing`), not a network that hides the platform."""
    answered = {_parent(host_of(r)) for r in results if r.category is Category.DNS and r.status is not Status.FAIL
                and r.status is not Status.SKIP}  # fmt: skip
    for r in list(raised.get(F.DNS_NXDOMAIN, [])):
        if _parent(host_of(r)) in answered:
            raised[F.DNS_NXDOMAIN].remove(r)
            raised.setdefault(F.PROFILE_NAME_MISSING, []).append(r)
    if F.DNS_NXDOMAIN in raised and not raised[F.DNS_NXDOMAIN]:
        del raised[F.DNS_NXDOMAIN]


def _stand_in_media(raised: Raised, results: list[CheckResult], profile: Profile) -> None:
    """When every media check is a stand-in (a public server on the platform's published ports, because the
    platform assigns its media servers per session), their failing proves the ports closed for that server only:
    `media_blocked` becomes `media_ports_unconfirmed` (a warning)."""
    stand_ins = {str(s.url) for s in (*profile.stun, *profile.turn) if s.stand_in}
    media = [r for r in results if r.category in MEDIA_CATEGORIES]
    if any(r.target in stand_ins for r in media):
        raised.setdefault(F.MEDIA_STAND_IN, []).extend(r for r in media if r.target in stand_ins)
    if media and stand_ins and all(r.target in stand_ins for r in media) and F.MEDIA_BLOCKED in raised:
        raised[F.MEDIA_PORTS_UNCONFIRMED] = raised.pop(F.MEDIA_BLOCKED)


def _verdict(results: list[CheckResult], findings: list[Finding], ended_by: str) -> tuple[Verdict, str]:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if errors:
        return Verdict.BLOCKED, _sentence(errors[0], len(errors))
    unknown = _unknown_essentials(results)
    if unknown:
        why = "the run was cancelled" if ended_by == "cancelled" else "some checks could not finish"
        return Verdict.INCOMPLETE, f"No answer yet: {why} ({', '.join(unknown)} unknown). Run the check again."
    if warnings:
        return Verdict.DEGRADED, _sentence(warnings[0], len(warnings))
    return Verdict.READY, "Every check passed: video calls should work well on this computer and network."


def _unknown_essentials(results: list[CheckResult]) -> list[str]:
    """Essential groups with no passing check and at least one unknown (skipped/unfinished) check. Signalling
    counts when the profile has it (KUDO's is per session): a WebSocket never tried because its server's name or
    discovery failed leaves the answer unknown, never ready."""
    unknown = []
    for group in (*ESSENTIAL, (Category.WSS,)):
        rows = [r for r in results if r.category in group]
        if not rows and group == (Category.WSS,):
            continue
        passed = any(r.status in (Status.PASS, Status.WARN) for r in rows)
        if not rows or (not passed and any(r.status is Status.SKIP for r in rows)):
            unknown.append(group[0].value if len(group) == 1 else "media")
    return unknown


def _sentence(first: Finding, count: int) -> str:
    more = f" (and {count - 1} more issue{'s' if count > 2 else ''})" if count > 1 else ""
    return f"{first.title}{more}."


class _Facts(string.Formatter):
    """Formatter that renders missing fields as '(unknown)' instead of raising."""

    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(key) if isinstance(key, str) else None
        return "(unknown)" if value in (None, "") else value


_FORMATTER = _Facts()


def _finding(
    code: FindingCode, sources: list[CheckResult], all_results: list[CheckResult], profile: Profile
) -> Finding:
    spec = CATALOGUE[code]  # total: every member has an entry (tests/unit/test_finding_codes.py)
    facts = run_facts(profile)
    for r in sources:
        for key, value in r.details.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                facts.setdefault(key, value)
    facts["targets"] = ", ".join(dict.fromkeys(r.target for r in sources)) or profile.name
    return Finding(
        code=code,
        severity=spec.severity,
        title=spec.title,
        advice=_FORMATTER.format(spec.advice, **facts),
        it_action=_FORMATTER.format(spec.it_action, **facts),
        checks=_ids(sources),
    )


def run_facts(profile: Profile) -> dict[str, Any]:
    """Profile facts available to every finding template."""
    m = profile.media
    return {
        "platform": profile.name,
        "support": profile.support_email,
        "domains": profile.domain_summary() or "(none published)",
        "ports": profile.port_summary() or "(none published)",
        "turn_ranges": profile.range_summary("turn") or "see the platform's published IP list",
        "hosts": ", ".join(profile.concrete_hosts()),
        "browser_advice": profile.browser_advice,
        "recommended_browser": profile.recommended_browser,
        "loss_good_pct": f"{m.loss_good_pct:g}",
        "loss_bad_pct": f"{m.loss_bad_pct:g}",
        "rtt_good_ms": f"{m.rtt_good_ms:g}",
        "rtt_bad_ms": f"{m.rtt_bad_ms:g}",
        "udp_ports": ", ".join(
            dict.fromkeys(
                f"{p.first}" if p.first == p.last else f"{p.first}-{p.last}"
                for p in profile.ports
                if p.protocol == "udp"
            )
        )
        or "3478",
        "jitter_poor_ms": f"{m.jitter_poor_ms:g}",
        "sender_domain": profile.email.domain if profile.email else "",
        "sender_ips": ", ".join(profile.email.sending_ips) if profile.email else "",
    }


def _ids(sources: list[CheckResult]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.id for r in sources))


def it_message(
    profile: Profile, verdict: Verdict, findings: Iterable[Finding], checks: Iterable[CheckResult] = ()
) -> str:
    """The text for IT: the table of what failed (app.engine.ittable), each row with its precise action."""
    findings = list(findings)
    rows = it_rows(findings, checks)
    lines = [f"{profile.name} network check: {verdict_words(verdict)}.", ""]
    if rows:
        lines += ["Hello IT team, the network check for video interviews found these problems on this network.",
                  "Each destination with its protocol and port, what happened, and the change to make:", "",
                  table_text(rows), ""]  # fmt: skip
        if profile.ip_lists:
            lines.append(f"{profile.name}'s published address list: {profile.ip_lists[0].url}")
    elif problems(findings):
        own = [f for f in problems(findings) if f.code in INTERVIEWER_CODES] or problems(findings)
        lines.append("Nothing for IT to change: the person running the check can fix this themselves "
                     f"({own[0].title.lower()}).")  # fmt: skip
    else:
        lines.append("Nothing needs your attention: every check passed.")
    lines += ["", f"Questions: {profile.support_email}"]
    return "\n".join(lines)
