"""Pure judgement of the page's posted result: camera and microphone, devices, and each ICE server's answer.

getUserMedia error names follow W3C Media Capture and Streams §10 (NotAllowedError, NotFoundError, NotReadableError,
OverconstrainedError, AbortError); candidate types follow RFC 8445 §5.1.1 (host, srflx, relay); an
icecandidateerror with code 401 is the TURN server's Unauthorized answer (RFC 8656 §6.4): the relay was reached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Outcome, Status

MAX_ENTRIES = 64
MAX_ITEMS = 200


@dataclass(frozen=True)
class JudgedCheck:
    """One browser check row: id, target, title and its outcome."""

    id: str
    target: str
    title: str
    outcome: Outcome


_DENIED = {"NotAllowedError", "PermissionDeniedError", "SecurityError"}
_NO_DEVICE = {"NotFoundError", "DevicesNotFoundError", "OverconstrainedError"}
_BUSY = {"NotReadableError", "TrackStartError", "AbortError"}


def browser_name(user_agent: str) -> str:
    """A short name and major version from a user agent string (`Chrome 120`, `Edge 121`, `Firefox 128`)."""
    ua = str(user_agent or "")
    for token, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("HeadlessChrome/", "Chromium (headless)"),
                        ("Chrome/", "Chrome"), ("Version/", "Safari")):  # fmt: skip
        m = re.search(re.escape(token) + r"(\d+)", ua)
        if m:
            return f"{name} {m.group(1)}"
    return "the browser"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9 else 0


def _str(value: Any, limit: int = 120) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", value)[:limit] if isinstance(value, str) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def judge_media(data: Mapping[str, Any]) -> JudgedCheck:
    """Camera and microphone: opened, or denied / no device / busy told apart."""
    media = _mapping(data.get("media"))
    devices = _mapping(data.get("devices"))
    name = browser_name(_str(data.get("user_agent"), 400))
    counts = {k: _int(devices.get(k)) for k in ("videoinput", "audioinput", "audiooutput")}
    details: dict[str, Any] = {
        "browser_name": name,
        "device_counts": f"{counts['videoinput']} camera(s), {counts['audioinput']} microphone(s)",
        "devices": counts,
        "level_max": float(media.get("level_max") or 0) if isinstance(media.get("level_max"), (int, float)) else 0.0,
    }
    title = "Camera and microphone work in the browser"
    if media.get("ok") is True:
        video, audio = _int(media.get("video_tracks")), _int(media.get("audio_tracks"))
        details.update(video_tracks=video, audio_tracks=audio)
        if video and audio:
            return JudgedCheck("browser:media", "camera and microphone", title,
                               Outcome(Status.PASS, f"{name} opened the camera and the microphone.", details))  # fmt: skip
        missing = "camera" if not video else "microphone"
        details["media_error"] = f"no {missing} track"
        return JudgedCheck("browser:media", "camera and microphone", title,
                           Outcome(Status.FAIL, f"{name} found no {missing}.", details, (FindingCode.BROWSER_NO_DEVICE,)))  # fmt: skip
    error = _str(media.get("error_name"), 60) or "unknown error"
    details["media_error"] = error
    if error in _DENIED:
        code, status, summary = (
            FindingCode.BROWSER_PERMISSION_DENIED,
            Status.FAIL,
            "Camera and microphone were not allowed",
        )
    elif error in _NO_DEVICE:
        code, status, summary = FindingCode.BROWSER_NO_DEVICE, Status.FAIL, "No camera or microphone was found"
    elif error in _BUSY:
        code, status, summary = FindingCode.BROWSER_DEVICE_BUSY, Status.WARN, "The camera or microphone is busy"
    else:
        return JudgedCheck("browser:media", "camera and microphone", title,
                           Outcome(Status.FAIL, f"{name} could not open the camera and microphone ({error}).",
                                   details))  # fmt: skip
    return JudgedCheck("browser:media", "camera and microphone", title,
                       Outcome(status, f"{summary} in {name} ({error}).", details, (code,)))  # fmt: skip


def _entries(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    ice = data.get("ice")
    return [e for e in ice[:MAX_ENTRIES] if isinstance(e, Mapping)] if isinstance(ice, list) else []


def _candidates(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = entry.get("candidates")
    out = []
    for c in raw[:MAX_ITEMS] if isinstance(raw, list) else []:
        if isinstance(c, Mapping):
            out.append({"type": _str(c.get("type"), 10), "protocol": _str(c.get("protocol"), 10),
                        "address": _str(c.get("address"), 64)})  # fmt: skip
    return out


def _errors(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = entry.get("errors")
    return [
        {"code": _int(e.get("code")), "text": _str(e.get("text"))}
        for e in (raw[:MAX_ITEMS] if isinstance(raw, list) else [])
        if isinstance(e, Mapping)
    ]


def judge_ice(data: Mapping[str, Any], planned: Sequence[Mapping[str, Any]]) -> list[JudgedCheck]:
    """One check for the direct path (all STUN servers together) and one per TURN URL (per transport)."""
    name = browser_name(_str(data.get("user_agent"), 400))
    posted = {str(e.get("url")): e for e in _entries(data)}
    out: list[JudgedCheck] = []
    stun = [p for p in planned if p["kind"] == "stun"]
    if stun:
        rows = [(str(p["url"]), posted.get(str(p["url"]), {})) for p in stun]
        srflx = sorted({c["address"] for _u, e in rows for c in _candidates(e) if c["type"] == "srflx"})
        hosts = sum(1 for _u, e in rows for c in _candidates(e) if c["type"] == "host")
        details: dict[str, Any] = {"browser_name": name, "servers": [u for u, _e in rows], "public_addresses": srflx,
                                   "host_candidates": hosts}  # fmt: skip
        target = ", ".join(u for u, _e in rows)
        if srflx:
            oc = Outcome(Status.PASS, f"{name} found its public address ({', '.join(srflx[:3])}): video can flow "
                         "directly.", details)  # fmt: skip
        else:
            oc = Outcome(Status.FAIL, f"{name} got no answer from the STUN server(s): no direct video path.", details,
                         (FindingCode.BROWSER_DIRECT_BLOCKED,))  # fmt: skip
        out.append(JudgedCheck("browser:direct", target, "Video can flow directly from the browser", oc))
    relays: list[JudgedCheck] = []
    for p in planned:
        if p["kind"] != "turn":
            continue
        url = str(p["url"])
        e = posted.get(url, {})
        cands, errors = _candidates(e), _errors(e)
        relay = [c for c in cands if c["type"] == "relay"]
        details = {"browser_name": name, "transport": p.get("transport", ""), "relay_candidates": len(relay),
                   "errors": errors[:10], "with_credentials": bool(p.get("with_credentials")),
                   "credentials_from": str(p.get("credentials_from") or ""),
                   "ms": _int(e.get("ms"))}  # fmt: skip
        if relay:
            oc = Outcome(Status.PASS, f"{name} got a relay address over {p.get('transport', '?').upper()}.", details)
        elif any(err["code"] == 401 for err in errors):
            why = "" if not p.get("with_credentials") else " (the credentials were refused)"
            oc = Outcome(Status.PASS, f"{name} reached the relay over {p.get('transport', '?').upper()}: it asked for "
                         f"credentials (401){why}.", details)  # fmt: skip
        elif not e:
            oc = Outcome(Status.SKIP, f"{name} did not report this relay.", details)
        elif not p.get("with_credentials") and data.get("ice_error_events") is False and not errors:
            oc = Outcome(Status.SKIP, f"{name} cannot show a relay's answer without credentials (no "
                         "icecandidateerror): not proved from the browser.", details)  # fmt: skip
        else:
            codes = sorted({err["code"] for err in errors if err["code"]})
            tail = f" (errors {', '.join(map(str, codes))})" if codes else ""
            oc = Outcome(Status.FAIL, f"{name} got no answer from the relay over "
                         f"{p.get('transport', '?').upper()}{tail}.", details)  # fmt: skip
        relays.append(JudgedCheck(f"browser:relay:{url}", url, f"The browser reaches the relay ({url})", oc))
    if relays and not any(r.outcome.status is Status.PASS for r in relays):
        relays = [
            JudgedCheck(
                r.id,
                r.target,
                r.title,
                Outcome(
                    r.outcome.status, r.outcome.summary, r.outcome.details, (FindingCode.BROWSER_RELAY_UNREACHABLE,)
                ),
            )
            if r.outcome.status is Status.FAIL
            else r
            for r in relays
        ]
    return out + relays


def judge_result(
    data: Mapping[str, Any] | None, planned: Sequence[Mapping[str, Any]], problem: str
) -> list[JudgedCheck]:
    """Every browser check from the posted result; without one, a single unfinished row saying why."""
    if data is None:
        oc = Outcome(Status.SKIP, f"The browser page did not report back ({problem}).", {"browser_problem": problem},
                     (FindingCode.BROWSER_CHECK_UNFINISHED,))  # fmt: skip
        return [JudgedCheck("browser:page", "browser page", "The browser check finished", oc)]
    return [judge_media(data), *judge_ice(data, planned)]
