"""report.html: one self-contained page (inline CSS, no external assets) rendered from the redacted result."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from app.engine.model import Category

HEADLINES = {
    "ready": "Ready for your video interviews",
    "degraded": "Calls will work, with reduced quality",
    "blocked": "Video interviews will not work on this network yet",
    "incomplete": "The check could not finish",
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
    "proxy": "Proxy",
    "tls_inspection": "TLS inspection",
    "captive_portal": "Captive portal",
    "vpn": "VPN",
    "email": "Interview emails",
    "system": "This computer",
}
STATUS_LABELS = {"pass": "OK", "warn": "Warning", "fail": "Failed", "skip": "Not checked"}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def headline(verdict: str) -> str:
    """The plain-language headline for a verdict."""
    return HEADLINES.get(verdict, verdict)


def view(report: Mapping[str, Any], system: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The template's data: the report grouped for reading (top: verdict and steps; below: evidence)."""
    checks = list(report.get("checks", []))
    longest = max((c.get("duration_ms", 0) for c in checks), default=0) or 1
    groups = []
    for cat in Category:
        rows = [c for c in checks if c.get("category") == cat.value]
        if rows:
            groups.append(
                {
                    "id": cat.value,
                    "label": CATEGORY_LABELS.get(cat.value, cat.value),
                    "checks": [_check_view(c, longest) for c in rows],
                }
            )
    findings = sorted(report.get("findings", []), key=lambda f: _SEVERITY_ORDER.get(f.get("severity"), 3))
    steps = [f for f in findings if f.get("severity") in ("error", "warning") and f.get("advice")]
    counts = {s: sum(1 for c in checks if c.get("status") == s) for s in STATUS_LABELS}
    return {
        "r": report,
        "headline": headline(str(report.get("verdict"))),
        "steps": steps,
        "findings": findings,
        "groups": groups,
        "counts": counts,
        "status_labels": STATUS_LABELS,
        "system": system,
        "system_rows": _system_rows(system),
        "meta": meta,
    }


def _check_view(c: Mapping[str, Any], longest: int) -> dict[str, Any]:
    details = c.get("details") or {}
    return {
        **c,
        "evidence": [(str(k), _show(v)) for k, v in details.items()],
        "bar_pct": max(1, round(100 * (c.get("duration_ms") or 0) / longest)),
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
