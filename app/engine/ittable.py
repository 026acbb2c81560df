"""The table for IT: destination (host or range) -> protocol/port -> what happened -> action, only what failed.

Built from the findings IT must act on (app.engine.audience.for_it) and the failed checks behind them; rows are
grouped per destination, identical failures merged, and where a proxy refused the action names the proxy
(CONNECT to that port, RFC 9110 §9.3.6) instead of "allow outbound". Pure; plain text and CSV renderings.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from app.engine.audience import for_it
from app.engine.codes import FindingCode, finding_code
from app.engine.inputs import csv_safe
from app.engine.model import Category, CheckResult, Finding, Signals, Status
from app.engine.urls import UrlError, parse_ice_url

C = Category
F = FindingCode
CSV_HEADER = ("destination", "protocol_port", "what_happened", "action")
_DEFAULT_PORT = {C.HTTPS: 443, C.WSS: 443, C.STUN: 3478, C.TURN_UDP: 3478, C.TURN_TCP: 3478, C.TURN_TLS: 443,
                 C.CAPTIVE_PORTAL: 80, C.TLS_INSPECTION: 443}  # fmt: skip
_KINDS = {
    "timeout": "no answer (timed out)",
    "refused": "connection refused",
    "unreachable": "no route to it",
    "reset": "connection reset",
    "protocol": "unexpected answer",
}


@dataclass(frozen=True)
class ItRow:
    """One line of the IT table."""

    destination: str
    protocol: str
    happened: str
    action: str


def _endpoint(check: CheckResult) -> tuple[str, int | None]:
    """Host and port a check contacted (from its `url` evidence, else its target); quality is the media path's."""
    if check.category is C.MEDIA:
        return "the call's media path", None
    raw = str(check.details.get("url") or check.target).split(" via ", 1)[0]
    if raw.startswith(("stun:", "stuns:", "turn:", "turns:")):
        try:
            u = parse_ice_url(raw)
            return u.host, u.port
        except UrlError:
            return raw, None
    if "://" in raw:
        parts = urlsplit(raw)
        try:
            port = parts.port
        except ValueError:
            port = None
        return (parts.hostname or raw).lower(), port
    return raw.lower(), None


def _protocol(check: CheckResult, port: int | None) -> str:
    p = port or _DEFAULT_PORT.get(check.category)
    return {
        C.DNS: "DNS lookup",
        C.HTTPS: f"HTTPS, TCP {p}",
        C.WSS: f"WebSocket, TCP {p}",
        C.STUN: f"STUN, UDP {p}",
        C.TURN_UDP: f"TURN, UDP {p}",
        C.TURN_TCP: f"TURN, TCP {p}",
        C.TURN_TLS: f"TURN over TLS, TCP {p}",
        C.CAPTIVE_PORTAL: f"HTTP, TCP {p}",
        C.TLS_INSPECTION: f"TLS, TCP {p}",
        C.MEDIA: f"media via {check.details.get('path') or 'the best route'}",
        C.EMAIL: "mail (SMTP)",
    }.get(check.category, str(check.category))


def _proxy(check: CheckResult) -> str:
    d = check.details
    return str(d.get("proxy") or d.get("via") or "")


def _dns_answer(d: Mapping[str, Any]) -> str:
    queries = d.get("queries")
    if isinstance(queries, Mapping):
        codes = [str(q.get("rcode")) for q in queries.values() if isinstance(q, Mapping) and q.get("rcode")]
        if "NXDOMAIN" in codes:
            return "the resolver says the name does not exist (NXDOMAIN)"
        if codes:
            return f"the resolver answered {codes[0]}"
    return ""


def happened(check: CheckResult) -> str:
    """What went wrong, in a few words, from the check's evidence (its summary when nothing better is known)."""
    d = check.details
    kind = str(d.get("error_kind") or d.get("failure") or "")
    if kind == "proxy_auth":
        return "the proxy asks for a login (HTTP 407)"
    if kind == "proxy_refused" or (d.get("failed_phase") == "proxy" and d.get("proxy_status")):
        return f"the proxy refused the connection (HTTP {d.get('proxy_status') or '?'})"
    if d.get("failed_phase") == "proxy_connect":
        return f"the proxy itself did not answer ({_KINDS.get(kind, kind or 'failed')})"
    if kind == "tls":
        return f"secure connection failed: {d.get('error') or d.get('tls_reason') or 'TLS error'}"
    if kind in _KINDS:
        return _KINDS[kind]
    if check.category is C.WSS and d.get("upgrade") not in (None, "accepted"):
        status = d.get("http_status")
        return f"WebSocket upgrade not passed (answered HTTP {status})" if status else "WebSocket upgrade not passed"
    if check.category is C.WSS and d.get("cut_after_s"):
        return f"WebSocket cut after {d.get('cut_after_s')} s"
    if check.category is C.DNS:
        return _dns_answer(d) or check.summary.rstrip(".")
    if check.category in (C.STUN, C.TURN_UDP) and d.get("udp_answered") is False:
        return "no answer (UDP dropped)"
    if check.category is C.TLS_INSPECTION and d.get("issuer"):
        return f"TLS re-signed by {d.get('issuer')}"
    return check.summary.rstrip(".")


def action(finding: Finding, check: CheckResult, host: str, port: int | None, protocol: str) -> str:
    """The change IT makes for this failure: on the proxy when the proxy refused, else on the firewall or resolver."""
    proxy = _proxy(check)
    p = port or _DEFAULT_PORT.get(check.category)
    code = finding.code
    via_proxy = bool(proxy) and str(check.details.get("failed_phase") or "") in ("proxy", "")
    if code == F.PROXY_AUTH_REQUIRED:
        return f"On the proxy {proxy}: let {host} through without a login (CONNECT to port {p})."
    if check.details.get("failed_phase") == "proxy_connect":
        return f"Make the proxy {proxy} reachable from this computer, or correct the proxy setting."
    if code in (F.DNS_NXDOMAIN, F.DNS_SINKHOLE, F.DNS_FAILURE):
        return f"Let the DNS resolver (and any DNS filter) answer for {host}."
    if code == F.TLS_INSPECTION:
        return f"Exempt {host} from TLS inspection."
    if code == F.WEBSOCKET_CUT:
        return f"Exempt {host} from connection time limits and inspection."
    if code == F.WEBSOCKET_BLOCKED and via_proxy:
        return f"On the proxy {proxy}: allow CONNECT to {host} port {p} and WebSocket upgrades."
    if code == F.WEBSOCKET_BLOCKED:
        return f"Allow WebSocket (HTTP Upgrade) to {host} on TCP {p}, in the firewall and any filter."
    if via_proxy and check.category in (C.HTTPS, C.WSS, C.TURN_TCP, C.TURN_TLS):
        return f"On the proxy {proxy}: allow CONNECT to {host} port {p}."
    if code == F.TURN_AUTH_FAILED:
        return "Check the TURN username and password (or shared secret) given to the check."
    wire = {C.STUN: "UDP", C.TURN_UDP: "UDP", C.TURN_TCP: "TCP", C.TURN_TLS: "TCP", C.HTTPS: "TCP", C.WSS: "TCP"}
    if check.category in wire and p:
        extra = " and exempt it from TLS inspection" if check.category is C.TURN_TLS else ""
        return f"Allow outbound {wire[check.category]} {p} to {host}{extra}."
    return finding.it_action


_REGION_HOST = re.compile(r"\b(?:to|for|from) ([a-z0-9-]+(?:\.[a-z0-9-]+){2,})", re.I)
_REGION_STATUS = re.compile(r"HTTP ([0-9]{3})")


def _endpoints(check: CheckResult) -> list[tuple[str, int | None, str]]:
    """(host, port, what happened) for each destination one check covers: most checks one; the TLS inspection
    check one per host it compared; the compact check of other regions' live call servers one per failed region."""
    if check.category is C.TLS_INSPECTION and "," in check.target:
        hosts = [h.strip().lower() for h in check.target.split(",") if h.strip()]
        return [(h, 443, happened(check)) for h in hosts]
    regions = check.details.get("regions")
    if check.category is C.WSS and isinstance(regions, Mapping):
        found: list[tuple[str, int | None, str]] = []
        for r in regions.values():
            if not isinstance(r, Mapping) or r.get("status") not in ("fail", "warn"):
                continue
            summary = str(r.get("summary", ""))
            m = _REGION_HOST.search(summary)
            if m:
                code = _REGION_STATUS.search(summary)
                what = (f"WebSocket upgrade not passed (answered HTTP {code.group(1)})" if code and "upgrade" in summary
                        else summary.split(": ", 1)[-1].rstrip("."))  # fmt: skip
                found.append((m.group(1).lower(), 443, what))
        if found:
            return found
    host, port = _endpoint(check)
    return [(host, port, happened(check))]


def it_rows(findings: Iterable[Finding], checks: Iterable[CheckResult]) -> tuple[ItRow, ...]:
    """The table: one row per failed destination and protocol, grouped per destination in first-seen order; the
    same failure on two or more servers of one domain becomes one row for `*.domain`."""
    checks = list(checks)
    by_id = {c.id: c for c in checks}
    run_proxy = next((str(c.details["proxy"]) for c in checks if c.category is C.WSS and c.details.get("proxy")), "")
    rows: dict[tuple[str, str, str], list[str]] = {}
    order: list[str] = []
    for f in for_it(findings):
        failed = [by_id[i] for i in f.checks if i in by_id and by_id[i].status in (Status.FAIL, Status.WARN)]
        if not failed:
            key = ("(this network)", "-", f.title)
            rows.setdefault(key, [])
            if f.it_action and f.it_action not in rows[key]:
                rows[key].append(f.it_action)
            order.append(key[0])
            continue
        for check in failed:
            if isinstance(check.details.get("regions"), Mapping) and run_proxy and not check.details.get("proxy"):
                check = replace(check, details={**check.details, "proxy": run_proxy})  # the same route as its siblings
            for host, port, what in _endpoints(check):
                proto = _protocol(check, port)
                key = (host, proto, what)
                act = action(f, check, host, port, proto)
                rows.setdefault(key, [])
                if act and act not in rows[key]:
                    rows[key].append(act)
                order.append(host)
    rank = {h: i for i, h in reversed(list(enumerate(order)))}
    keys = sorted(rows, key=lambda k: rank[k[0]])
    return _by_domain([ItRow(k[0], k[1], k[2], " ".join(rows[k])) for k in keys])


def _by_domain(rows: list[ItRow]) -> tuple[ItRow, ...]:
    """Rows that differ only in a host of the same parent domain (three labels or more) become one `*.domain` row."""

    def shape(r: ItRow) -> tuple[str, str, str, str] | None:
        if r.destination.count(".") < 2 or " " in r.destination:
            return None
        parent = r.destination.split(".", 1)[1]
        return parent, r.protocol, r.happened, r.action.replace(r.destination, "{host}")

    groups: dict[tuple[str, str, str, str], list[ItRow]] = {}
    for r in rows:
        k = shape(r)
        if k is not None:
            groups.setdefault(k, []).append(r)
    out: list[ItRow] = []
    done: set[tuple[str, str, str, str]] = set()
    for r in rows:
        k = shape(r)
        members = groups.get(k, []) if k is not None else []
        if k is None or len({m.destination for m in members}) < 2:
            out.append(r)
            continue
        if k in done:
            continue
        done.add(k)
        wild = f"*.{k[0]}"
        out.append(ItRow(wild, k[1], f"{k[2]} ({len(members)} servers)", k[3].replace("{host}", wild)))
    return tuple(out)


def table_text(rows: Iterable[ItRow]) -> str:
    """Plain text, one block per destination: `protocol | what happened | action` lines under the host."""
    lines: list[str] = []
    last = None
    for r in rows:
        if r.destination != last:
            if lines:
                lines.append("")
            lines.append(r.destination)
            last = r.destination
        lines.append(f"  - {r.protocol} | {r.happened} | {r.action}")
    return "\n".join(lines)


def table_csv(rows: Iterable[ItRow]) -> str:
    """CSV (RFC 4180) with a header row; cells neutralised against spreadsheet formulas."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow([csv_safe(r.destination), csv_safe(r.protocol), csv_safe(r.happened), csv_safe(r.action)])
    return buf.getvalue()


def rows_of_json(report: Mapping[str, Any]) -> tuple[ItRow, ...]:
    """The table from a report.json document (for the HTML/PDF report and the email)."""
    from app.engine.audience import finding_of_json

    findings = [finding_of_json(f) for f in report.get("findings") or [] if isinstance(f, Mapping)]
    checks = [_check_of_json(c) for c in report.get("checks") or [] if isinstance(c, Mapping)]
    return it_rows(findings, [c for c in checks if c is not None])


def _check_of_json(c: Mapping[str, Any]) -> CheckResult | None:
    """A check back from report.json; None when malformed. Its finding codes are parsed strictly: a code this version
    does not know raises UnknownFindingCode (never dropped, never guessed: re-assessing the check must not change the
    verdict silently). `signals` missing (a report written before they existed): from the details that carried them."""
    details = c.get("details")
    details = details if isinstance(details, Mapping) else {}
    found = c.get("findings") or ()
    codes = tuple(finding_code(x) for x in found) if isinstance(found, (list, tuple)) else ()
    signals = Signals.of_json(c["signals"]) if "signals" in c else Signals.of_legacy_details(details)
    try:
        return CheckResult(
            id=str(c.get("id", "")),
            category=Category(str(c.get("category"))),
            target=str(c.get("target", "")),
            title=str(c.get("title", "")),
            status=Status(str(c.get("status"))),
            summary=str(c.get("summary", "")),
            duration_ms=int(c.get("duration_ms") or 0),
            details=details,
            findings=codes,
            finished=bool(c.get("finished", True)),
            signals=signals,
        )
    except (ValueError, TypeError):
        return None
