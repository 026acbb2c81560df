"""report.html: one self-contained page (inline CSS, no external assets) rendered from the redacted result."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from app.engine import audience
from app.engine.audience import finding_of_json, verdict_words
from app.engine.codes import FindingCode
from app.engine.findings import CATALOGUE
from app.engine.gauge import capacity_gauge_json
from app.engine.ittable import rows_of_json
from app.engine.model import Category, Severity, Verdict

# One sentence under the verdict's words (app.engine.audience.VERDICT_WORDS, the same in the app, CLI and email).
SENTENCES = {
    "ready": "Ready for your video interviews.",
    "degraded": "Calls will work, with reduced quality.",
    "blocked": "Video interviews will not work on this network yet.",
    "incomplete": "The check could not finish.",
}
CATEGORY_LABELS = {
    "dns": "Name lookups (DNS)",
    "https": "Secure web (HTTPS)",
    "wss": "Signalling (WebSocket)",
    "stun": "Direct media path (STUN)",
    "turn_udp": "Media relay over UDP (TURN)",
    "turn_tcp": "Media relay over TCP (TURN)",
    "turn_tls": "Media relay over TLS (TURN)",
    "media": "Call quality",
    "media_load": "Call quality under load",
    "proxy": "Proxy",
    "tls_inspection": "TLS inspection",
    "captive_portal": "Captive portal",
    "vpn": "VPN",
    "email": "Interview emails",
    "system": "This computer",
    "browser": "Your web browser",
}
STATUS_LABELS = {"pass": "OK", "note": "Note", "warn": "Warning", "fail": "Failed", "skip": "Not checked"}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def headline(verdict: str) -> str:
    """The verdict's words, the same as the app's."""
    return verdict_words(verdict)


def view(report: Mapping[str, Any], system: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The template's data: the answer and steps first, the IT table, then the checks (identical results merged,
    checks not tried folded into one list), and the raw evidence of what failed in an appendix."""
    checks = [_noted(c) for c in report.get("checks", []) if isinstance(c, Mapping)]
    findings = sorted(
        (f for f in report.get("findings", []) if isinstance(f, Mapping)),
        key=lambda f: _SEVERITY_ORDER.get(str(f.get("severity")), 3),
    )
    as_findings = [finding_of_json(f) for f in findings]
    verdict = str(report.get("verdict"))
    try:
        v = Verdict(verdict)
    except ValueError:
        v = Verdict.INCOMPLETE
    browser = str(meta.get("browser_advice") or "") or next(
        (f.advice for f in as_findings if f.code == FindingCode.BROWSER_MISSING and f.advice), ""
    )
    steps = audience.steps(v, as_findings, browser, str(meta.get("support") or ""))
    failed_any = any(c.get("status") == "fail" for c in checks)
    shown = [c for c in checks if not (failed_any and c.get("status") == "skip")]
    not_tried = [c for c in checks if failed_any and c.get("status") == "skip"]
    longest = max((c.get("duration_ms", 0) for c in shown if c.get("status") != "skip"), default=0) or 1
    groups = []
    for cat in [*Category, *sorted({str(c.get("category")) for c in shown} - {x.value for x in Category})]:
        value = cat.value if isinstance(cat, Category) else cat
        rows = _merged([c for c in shown if c.get("category") == value])
        if rows:
            label = CATEGORY_LABELS.get(value, value)
            groups.append({"id": value, "label": label, "checks": [_check_view(c, longest) for c in rows]})
    counts = {s: sum(1 for c in checks if c.get("status") == s) for s in STATUS_LABELS}
    it_rows = rows_of_json(report)
    own = [f for f in audience.problems(as_findings) if f.code in audience.INTERVIEWER_CODES]
    return {
        "r": report,
        "gauge": capacity_gauge_json(report),
        "headline": verdict_words(verdict),
        "sentence": SENTENCES.get(verdict, ""),
        "steps": steps,
        "it_rows": it_rows,
        "it_note": ""
        if it_rows
        else (
            f"Nothing for IT to change: {own[0].title.lower()}; the person running the check can fix this."
            if own
            else "Nothing for IT to change."
        ),
        "problems": [f for f in findings if f.get("severity") in ("error", "warning")],
        "notes": [f for f in findings if f.get("severity") not in ("error", "warning")],
        "findings": findings,
        "groups": groups,
        "not_tried": [_check_view(c, longest) for c in not_tried],
        "not_tried_groups": [_check_view(c, longest) for c in _merged(not_tried, normalise=True)],
        "not_tried_count": len(not_tried),
        "appendix": [_check_view(c, longest) for c in _merged(checks) if c.get("status") in ("fail", "warn")],
        "counts": counts,
        "status_labels": STATUS_LABELS,
        "system": system,
        "system_rows": _system_rows(system),
        "meta": meta,
    }


_INFO_CODES = frozenset(code for code, spec in CATALOGUE.items() if spec.severity is Severity.INFO)


def _noted(c: Mapping[str, Any]) -> Mapping[str, Any]:
    """A warning that only carries information (another browser, say) is shown as a note, as the app shows it."""
    codes = c.get("findings") or []
    if c.get("status") == "warn" and codes and all(code in _INFO_CODES for code in codes):
        return {**c, "status": "note"}
    return c


def _merged(checks: list[Mapping[str, Any]], normalise: bool = False) -> list[dict[str, Any]]:
    """Checks with the same category, status and summary become one row listing every target (with `normalise`,
    each summary's own host name is replaced first, so "Not tried: a.example could not be looked up." and the same
    for b.example merge)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for c in checks:
        summary = str(c.get("summary", ""))
        if normalise:
            host = _host(c)
            summary = summary.replace(host, "its server") if host else summary
        key = (str(c.get("category")) if not normalise else "", str(c.get("status")), summary)
        if key in out:
            row = out[key]
            row["targets"].append(str(c.get("target", "")))
            row["duration_ms"] = max(row["duration_ms"], c.get("duration_ms") or 0)
            row["finished"] = row["finished"] and c.get("finished", True)
            row["ids"].append(str(c.get("id", "")))
            row["title"] = f"{row['first_title']} and {len(row['targets']) - 1} more like it"
        else:
            out[key] = {**c, "summary": summary, "targets": [str(c.get("target", ""))], "ids": [str(c.get("id", ""))],
                        "first_title": str(c.get("title", "")), "duration_ms": c.get("duration_ms") or 0,
                        "finished": c.get("finished", True)}  # fmt: skip
    return list(out.values())


def _host(c: Mapping[str, Any]) -> str:
    from app.engine.ittable import _check_of_json, _endpoint

    check = _check_of_json(c)
    if check is None:
        return ""
    host, _port = _endpoint(check)
    return host if "." in host and " " not in host else ""


def _check_view(c: Mapping[str, Any], longest: int) -> dict[str, Any]:
    details = c.get("details") or {}
    tried = c.get("status") != "skip" and (c.get("duration_ms") or 0) > 0
    return {
        **c,
        "target": ", ".join(c.get("targets") or [str(c.get("target", ""))]),
        "evidence": [(str(k), _show(v)) for k, v in details.items()],
        "bar_pct": max(1, round(100 * (c.get("duration_ms") or 0) / longest)) if tried else None,
    }


def _show(value: Any) -> str:
    """Evidence values as short readable text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _system_rows(system: Mapping[str, Any]) -> list[tuple[str, str]]:
    """System facts as label/value rows."""
    if not system:
        return []
    rows: list[tuple[str, str]] = []
    os_ = system.get("os") or {}
    rows.append(("Operating system", os_.get("platform") or f"{os_.get('system', '')} {os_.get('release', '')}"))
    for key, label in (("distribution", "Distribution"), ("macos", "macOS"), ("windows", "Windows")):
        if os_.get(key):
            rows.append((label, str(os_[key])))
    cr = system.get("callready") or {}
    prof = cr.get("profile") or {}
    rows.append(("CallReady", f"{cr.get('version', '?')} (profile {prof.get('id', '?')} {prof.get('version', '')})"))
    if system.get("hostname"):
        rows.append(("Computer name", str(system["hostname"])))
    rows.append(("Public address (seen by STUN)", system.get("public_address") or "unknown (no STUN answer)"))
    rows.append(("DNS resolvers", ", ".join(system.get("dns_resolvers") or []) or "unknown"))
    px = system.get("proxies") or {}
    proxy_items = [f"{k}={v}" for part in ("environment", "system") for k, v in (px.get(part) or {}).items()]
    rows.append(("Proxies", ", ".join(proxy_items) or "none configured"))
    browsers = system.get("browsers") or []
    text = ", ".join(f"{b.get('name')} {b.get('version') or '(version unknown)'}" for b in browsers)
    rows.append(("Browsers found", text or "none found"))
    if system.get("recommended_browser"):
        rows.append(("Recommended browser", str(system["recommended_browser"])))
    for iface in system.get("interfaces") or []:
        addrs = ", ".join(a.get("address", "") for a in iface.get("addresses") or [] if a.get("family") != "link")
        state = "up" if iface.get("up") else "down" if iface.get("up") is False else "?"
        rows.append((f"Interface {iface.get('name')}", f"{state}, MTU {iface.get('mtu')}; {addrs or 'no address'}"))
    return rows


@lru_cache(maxsize=4)
def _template(name: str) -> jinja2.Template:
    text = resources.files("app.report").joinpath("templates", name).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.from_string(text)


def render_html(report: Mapping[str, Any], system: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The self-contained HTML page for browsers."""
    return _template("report.html.j2").render(**view(report, system, meta))


def render_print_html(report: Mapping[str, Any], system: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The same content in the HTML subset Qt's QTextDocument lays out (tables, no modern CSS), for the PDF."""
    return _template("report_print.html.j2").render(**view(report, system, meta))
