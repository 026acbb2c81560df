"""Linux (and any OS's command-line tools): proxy settings from environment variables (curl/wget conventions)."""

from __future__ import annotations

from collections.abc import Mapping

from app.net.proxy_os import CONFIGURED, SystemProxy, proxy_from_text, state_of

_NAMES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


def _get(environ: Mapping[str, str], name: str) -> str:
    """Lower-case name first (curl's rule), then upper case."""
    return (environ.get(name) or environ.get(name.upper()) or "").strip()


def parse_environment(environ: Mapping[str, str]) -> SystemProxy:
    """`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy` -> SystemProxy (source `environment`); `auto_proxy`,
    as Chromium on Linux reads it, names a PAC file (empty: auto-detect) and then wins over the others."""
    values = {n: _get(environ, n) for n in _NAMES}
    auto = environ.get("auto_proxy")
    if auto is not None:  # Chromium then ignores the other variables, no_proxy included
        url = auto.strip() or None
        return SystemProxy("environment", CONFIGURED, None, None, (), url, url is None, "", {"auto_proxy": url or ""})
    fallback = proxy_from_text(values["all_proxy"])
    http = proxy_from_text(values["http_proxy"]) or fallback
    https = proxy_from_text(values["https_proxy"]) or fallback
    bad = [n for n in ("https_proxy", "http_proxy", "all_proxy") if values[n] and proxy_from_text(values[n]) is None]
    bypass = tuple(p.strip() for p in values["no_proxy"].split(",") if p.strip())
    note = f"unusable value in {', '.join(bad)}" if bad else ""
    raw = {n: str(proxy_from_text(v) or "(unusable)") if n != "no_proxy" else v for n, v in values.items() if v}
    return SystemProxy("environment", state_of(http, https, None, False), http, https, bypass, None, False, note, raw)
