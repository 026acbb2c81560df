"""The proxy check: which proxy (if any) a browser uses for each platform URL, and whether its PAC script loads.

Routing itself (settings per OS, PAC fetched once and evaluated off the loop) is `app.net.routing`, shared by every
check through the run's services; this check only reports it. Passwords are never shown.
"""

from __future__ import annotations

import sys
from typing import Any

from app.engine import contacts
from app.engine.codes import FindingCode
from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions, explicit_proxy
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.net.proxy_os import UNKNOWN

# ---------------------------------------------------------------- the check


async def probe_proxy(ctx: RunContext) -> Outcome:
    """Report the proxy settings and the route each platform URL takes; passwords are never shown."""
    routes = await ctx.services.routes()
    eff = routes.effective
    details: dict[str, Any] = {
        "platform": sys.platform,
        "settings": [s.to_json() for s in routes.settings],
        "applies": eff.source,
    }
    urls = [str(t.url) for t in ctx.profile.web] + [str(t.url) for t in ctx.profile.wss]
    per_url: dict[str, dict[str, str]] = {}
    proxies: list[str] = []
    pac_errors: list[str] = []
    for url in urls:
        r = await routes.route(url)
        per_url[url] = {"route": r.describe(), "source": r.source, "why": r.why}
        if r.proxy is not None:
            proxies.append(str(r.proxy))
        if r.pac_error:
            pac_errors.append(r.pac_error)
    details["routes"] = per_url
    if routes.pac_fetched:
        script = await routes.pac_script()
        if script is not None:
            details["pac"] = {"url": script.url, "loaded": script.text is not None, "error": script.error,
                              "ms": script.elapsed_ms, "auto_detect": not eff.pac_url}  # fmt: skip
    extra = explicit_proxy(ctx.profile, ctx.options)
    if extra is not None:
        details["explicit_proxy"] = str(extra)
    if eff.state == UNKNOWN:
        return Outcome(Status.SKIP, f"Proxy settings could not be read ({eff.note}).", details)
    if proxies:
        used = ", ".join(dict.fromkeys(proxies))
        details["proxy"] = used
        return Outcome(Status.PASS, f"Web traffic goes through a proxy: {used} ({eff.source}).", details,
                       (FindingCode.PROXY_DETECTED,))  # fmt: skip
    if pac_errors:
        details["pac"]["script_error"] = pac_errors[0]
        return Outcome(Status.WARN, f"The proxy script was loaded but failed ({pac_errors[0]}); browsers then go "
                       "direct, as this check does.", details)  # fmt: skip
    if "pac" in details and not details["pac"]["loaded"] and details["pac"]["auto_detect"]:
        return Outcome(Status.PASS, "No proxy: automatic proxy detection found no proxy script, so browsers go "
                       "direct.", details)  # fmt: skip
    if eff.socks:
        details["socks"] = eff.socks
        return Outcome(Status.WARN, f"The browser uses a SOCKS proxy ({eff.socks}); this check connects directly, "
                       "so its results may differ from the browser's.", details)  # fmt: skip
    if "pac" in details and not details["pac"]["loaded"]:
        return Outcome(Status.WARN, f"The proxy script could not be loaded ({details['pac']['error']}); "
                       "the browser will try direct connections.", details)  # fmt: skip
    return Outcome(Status.PASS, "No proxy: connections go direct.", details)


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One check: the proxy settings and the route for every platform URL."""
    if not profile.web and not profile.wss:
        return []
    return [Check("proxy:system", Category.PROXY, "system proxy settings", "Find the web proxy", probe_proxy, 10.0,
                  contacts=contacts.discovery())]  # fmt: skip
