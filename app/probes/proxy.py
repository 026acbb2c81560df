"""Proxy discovery: which proxy (if any) a browser uses for each platform host, including PAC scripts.

Settings come from `app.probes.proxy_os` (one interface per OS, explicit unknown). A PAC file
(Netscape proxy auto-config, as browsers run it) is evaluated with dukpy, a maintained embedded
JavaScript engine; the PAC helper functions (`shExpMatch`, `isInNet`, ...) are plain Python below.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fnmatch
import ipaddress
import signal
import socket
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl, UrlError, is_ip_address, parse_proxy_url
from app.probes.proxy_os import (
    CONFIGURED,
    DNS_WPAD_URL,
    NONE,
    UNKNOWN,
    SystemProxy,
    file_url_path,
    proxy_from_text,
    read_system,
)

PAC_FETCH_TIMEOUT_S = 3.0
PAC_EVAL_TIMEOUT_S = 2.0
PAC_MAX_BYTES = 512 * 1024
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True)
class Route:
    """How a browser would reach one URL: directly or through `proxy`, and which setting said so."""

    proxy: ProxyUrl | None
    source: str
    why: str = ""

    def describe(self) -> str:
        """`DIRECT` or `PROXY http://host:port` (passwords hidden)."""
        return f"PROXY {self.proxy}" if self.proxy else "DIRECT"


DIRECT = Route(None, "none")


# ---------------------------------------------------------------- pure rules


def bypassed(host: str, patterns: Sequence[str]) -> bool:
    """True when `host` matches a bypass entry (no_proxy / ProxyOverride / ExceptionsList conventions)."""
    host = host.lower().strip("[]")
    if host in _LOOPBACK_NAMES or _is_loopback(host):
        return True  # browsers never proxy loopback
    for raw in patterns:
        p = raw.strip().lower()
        if not p:
            continue
        if p == "*":
            return True
        if p == "<local>":
            if "." not in host and ":" not in host:
                return True
            continue
        if "/" in p and _in_cidr(host, p):
            return True
        if "*" in p or "?" in p:
            if fnmatch.fnmatchcase(host, p):
                return True
            if p.startswith("*.") and host == p[2:]:
                return True
            continue
        p = p.lstrip(".")
        if p.count(":") == 1:
            p = p.split(":")[0]
        if host == p or host.endswith("." + p):
            return True
    return False



def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _in_cidr(host: str, pattern: str) -> bool:
    """`10.0.0.0/8`, or macOS's shorthand `169.254/16`."""
    net_text, _, bits = pattern.partition("/")
    if ":" not in net_text:
        octets = net_text.split(".")
        net_text = ".".join([*octets, "0", "0", "0", "0"][:4])
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(f"{net_text}/{bits}", strict=False)
    except ValueError:
        return False


def fixed_route(settings: SystemProxy, scheme: str, host: str) -> Route | None:
    """The route fixed proxy settings give (None when the settings defer to a PAC file)."""
    proxy = settings.https if scheme in ("https", "wss") else settings.http
    if proxy is None and settings.socks and not bypassed(host, settings.bypass):
        return Route(None, settings.source, f"SOCKS proxy {settings.socks}: this check cannot connect through it")
    if proxy is None or bypassed(host, settings.bypass):
        why = "host in bypass list" if proxy is not None else "no proxy for this scheme"
        return Route(None, settings.source, why)
    return Route(proxy, settings.source)


def parse_pac_answer(answer: str) -> list[tuple[str, str]]:
    """`PROXY a:1; HTTPS b:2; DIRECT` -> [("PROXY", "a:1"), ("HTTPS", "b:2"), ("DIRECT", "")]."""
    entries: list[tuple[str, str]] = []
    for part in (answer or "").split(";"):
        words = part.split()
        if not words:
            continue
        kind = words[0].upper()
        entries.append((kind, words[1] if len(words) > 1 else ""))
    return entries


def route_from_pac(answer: str, source: str = "pac") -> Route:
    """The first entry of a PAC answer a browser would use (HTTP proxies and DIRECT are supported here)."""
    entries = parse_pac_answer(answer)
    for kind, where in entries:
        if kind == "DIRECT":
            return Route(None, source, f"PAC: {answer.strip()}")
        if kind == "PROXY" and where:
            proxy = proxy_from_text(where)
            if proxy:
                return Route(proxy, source, f"PAC: {answer.strip()}")
        if kind == "HTTPS" and where:
            proxy = proxy_from_text(where, "https")
            if proxy:
                return Route(proxy, source, f"PAC: {answer.strip()}")
    return Route(None, source, f"PAC gave no usable entry ({answer.strip() or 'empty'}); browsers go direct")


# ---------------------------------------------------------------- PAC helper functions (Netscape PAC)


def sh_exp_match(text: str, pattern: str) -> bool:
    """`shExpMatch`: shell glob (`*`, `?`) over the whole string."""
    return fnmatch.fnmatchcase(str(text), str(pattern))


def is_in_net(address: str, pattern: str, mask: str) -> bool:
    """`isInNet`: address (already an IP) inside pattern/mask."""
    try:
        ip = ipaddress.IPv4Address(address)
        net = ipaddress.IPv4Network(f"{pattern}/{mask}", strict=False)
    except ValueError:
        return False
    return ip in net


def dns_domain_is(host: str, domain: str) -> bool:
    """`dnsDomainIs`: the host ends with the domain."""
    return str(host).lower().endswith(str(domain).lower())


def local_host_or_domain_is(host: str, hostdom: str) -> bool:
    """`localHostOrDomainIs`: exact match, or an unqualified host matching the first label."""
    host, hostdom = str(host).lower(), str(hostdom).lower()
    return host == hostdom or ("." not in host and hostdom.split(".")[0] == host)


_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def weekday_range(*args: str, now: dt.datetime | None = None) -> bool:
    """`weekdayRange(wd1[, wd2][, "GMT"])`."""
    args_l = [str(a).upper() for a in args]
    gmt = bool(args_l) and args_l[-1] == "GMT"
    days = [a for a in args_l if a in _DAYS]
    if not days:
        return False
    now = now or (dt.datetime.now(dt.UTC) if gmt else dt.datetime.now())
    today = now.weekday()
    first = _DAYS.index(days[0])
    last = _DAYS.index(days[1]) if len(days) > 1 else first
    return first <= today <= last if first <= last else today >= first or today <= last


def time_range(*args: Any, now: dt.datetime | None = None) -> bool:
    """`timeRange(h1[, h2][, "GMT"])` by hours (the minute/second forms compare hours only)."""
    gmt = bool(args) and str(args[-1]).upper() == "GMT"
    hours = [int(a) for a in args if str(a).isdigit()]
    if not hours:
        return False
    now = now or (dt.datetime.now(dt.UTC) if gmt else dt.datetime.now())
    first, last = hours[0], hours[1] if len(hours) > 1 else hours[0]
    return first <= now.hour <= last if first <= last else now.hour >= first or now.hour <= last


def my_ip_address() -> str:
    """`myIpAddress`: the local address of the default route (a UDP connect sends no packet)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("198.51.100.1", 9))
            return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"


_PAC_SHIMS = """
function isPlainHostName(h) { return String(h).indexOf('.') < 0; }
function dnsDomainIs(h, d) { return call_python('dnsDomainIs', String(h), String(d)); }
function localHostOrDomainIs(h, d) { return call_python('localHostOrDomainIs', String(h), String(d)); }
function isResolvable(h) { return call_python('dnsResolve', String(h)) !== null; }
function isInNet(h, p, m) {
  var ip = call_python('dnsResolve', String(h));
  return ip !== null && call_python('isInNet', ip, String(p), String(m));
}
function dnsResolve(h) { return call_python('dnsResolve', String(h)); }
function myIpAddress() { return call_python('myIpAddress'); }
function dnsDomainLevels(h) { return String(h).split('.').length - 1; }
function shExpMatch(s, p) { return call_python('shExpMatch', String(s), String(p)); }
function weekdayRange() { return call_python('weekdayRange', Array.prototype.slice.call(arguments).map(String)); }
function timeRange() { return call_python('timeRange', Array.prototype.slice.call(arguments).map(String)); }
function dateRange() { return false; }
function alert(m) {}
"""


class PacError(Exception):
    """A PAC script that cannot be used: syntax error, no FindProxyForURL, exception, or too slow."""


def evaluate_pac(script: str, url: str, host: str, resolve: Callable[[str], str | None]) -> str:
    """Run `FindProxyForURL(url, host)` of `script` (blocking; call from a thread) and return its answer."""
    import dukpy

    interp = dukpy.JSInterpreter()
    interp.export_function("dnsDomainIs", dns_domain_is)
    interp.export_function("localHostOrDomainIs", local_host_or_domain_is)
    interp.export_function("dnsResolve", lambda h: h if is_ip_address(h) else resolve(h))
    interp.export_function("isInNet", is_in_net)
    interp.export_function("myIpAddress", my_ip_address)
    interp.export_function("shExpMatch", sh_exp_match)
    interp.export_function("weekdayRange", lambda args: weekday_range(*args))
    interp.export_function("timeRange", lambda args: time_range(*args))
    try:
        interp.evaljs(_PAC_SHIMS)
        interp.evaljs(script)
        answer = interp.evaljs(
            "typeof FindProxyForURL === 'function' ? String(FindProxyForURL(dukpy.url, dukpy.host)) : null",
            url=url,
            host=host,
        )
    except _PacTimeout:
        raise
    except Exception as exc:  # dukpy raises JSRuntimeError for syntax and runtime errors
        raise PacError(
            f"the PAC script failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    if answer is None:
        raise PacError("the PAC script defines no FindProxyForURL function")
    return str(answer)


class _PacTimeout(Exception):
    """Raised by the interval timer inside a looping PAC script."""


def evaluate_pac_bounded(
    script: str, url: str, host: str, resolve: Callable[[str], str | None], timeout_s: float = PAC_EVAL_TIMEOUT_S
) -> str:
    """Evaluate with a deadline: dukpy holds the GIL while JavaScript runs, so a thread cannot stop a looping
    script; an interval timer (SIGALRM) can, because dukpy's interrupt handler checks pending signals.
    Where no timer exists (Windows, or not the main thread) the script runs unbounded; PAC files are tiny.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        return evaluate_pac(script, url, host, resolve)

    def on_alarm(_signum: int, _frame: object) -> None:
        raise _PacTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        return evaluate_pac(script, url, host, resolve)
    except _PacTimeout:
        raise PacError(f"the PAC script did not answer within {timeout_s:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sync_resolver(
    nameservers: Sequence[str], timeout_s: float = 1.0, known: dict[str, str | None] | None = None
) -> Callable[[str], str | None]:
    """`dnsResolve` for PAC scripts: answers already known to the run, else dnspython against the run's
    nameservers, else the OS; None when not found."""
    cache: dict[str, str | None] = dict(known or {})

    def resolve(host: str) -> str | None:
        if host in cache:
            return cache[host]
        try:
            ipaddress.ip_address(host)
            cache[host] = host
            return host
        except ValueError:
            pass
        address: str | None = None
        if nameservers:
            import dns.exception
            import dns.resolver

            from app.engine.resolver import split_nameserver

            r = dns.resolver.Resolver(configure=False)
            r.nameservers = [split_nameserver(n)[0] for n in nameservers]
            r.port = split_nameserver(nameservers[0])[1]
            r.lifetime = timeout_s
            try:
                address = next(iter(r.resolve(host, "A"))).to_text()
            except (dns.exception.DNSException, StopIteration):
                address = None
        else:
            try:
                address = socket.gethostbyname(host)
            except OSError:
                address = None
        cache[host] = address
        return address

    return resolve


# ---------------------------------------------------------------- I/O: PAC fetch, per-run routing


@dataclass(frozen=True)
class PacScript:
    """A fetched PAC file, or why it could not be fetched."""

    url: str
    text: str | None
    error: str = ""
    elapsed_ms: int = 0


async def fetch_pac(url: str, ctx: RunContext | None, timeout_s: float = PAC_FETCH_TIMEOUT_S) -> PacScript:
    """GET a PAC file directly (never through a proxy), or read a file:// URL."""
    from app.probes import net
    from app.probes.https import http_exchange
    from app.probes.trust import os_trust_context

    start = time.perf_counter()
    parts = urlsplit(url)
    if parts.scheme == "file":
        try:
            return PacScript(url, Path(file_url_path(url)).read_text("utf-8", errors="replace")[:PAC_MAX_BYTES])
        except OSError as exc:
            return PacScript(url, None, exc.strerror or str(exc))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return PacScript(url, None, "unsupported PAC URL")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return PacScript(url, None, "invalid port in PAC URL")
    if ctx is not None:
        res = await ctx.resolver.resolve(host)
        if not res.addresses:
            return PacScript(url, None, f"{host} could not be looked up ({res.error})", _ms(start))
        address = res.addresses[0]
    else:
        address = host
    try:
        conn = await net.open_tcp(address, port, timeout_s)
    except net.PhaseError as err:
        return PacScript(url, None, net.describe_error(err.cause), _ms(start))
    try:
        if parts.scheme == "https":
            await net.start_tls(conn, os_trust_context(), host, timeout_s)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        resp = await http_exchange(conn, parts.netloc, path, timeout_s)
    except net.PhaseError as err:
        return PacScript(url, None, net.describe_error(err.cause), _ms(start))
    except Exception as exc:  # h11 protocol errors, resets, timeouts: all mean "no script"
        return PacScript(url, None, net.describe_error(exc), _ms(start))
    finally:
        await conn.close()
    if resp.status != 200:
        return PacScript(url, None, f"HTTP {resp.status} {resp.reason}".strip(), _ms(start))
    return PacScript(url, resp.body.decode("utf-8", errors="replace"), "", _ms(start))


async def _first_loaded(urls: Sequence[str], ctx: RunContext | None) -> PacScript:
    """The first of `urls` that loads (WPAD order); when none does, the last attempt with every error named."""
    errors: list[str] = []
    script = PacScript("", None, "no URL")
    for url in urls:
        script = await fetch_pac(url, ctx)
        if script.text is not None:
            return script
        errors.append(f"{url}: {script.error}")
    if len(errors) > 1:
        return PacScript(script.url, None, "; ".join(errors), script.elapsed_ms)
    return script


class SystemRoutes:
    """The proxy settings of this run and the route for each URL (PAC scripts fetched once)."""

    def __init__(self, settings: tuple[SystemProxy, ...], nameservers: Sequence[str] = ()) -> None:
        self.settings = settings
        self.effective = effective_settings(settings)
        self._nameservers = tuple(nameservers)
        self._pac: dict[str, asyncio.Task[PacScript]] = {}

    async def pac_script(self, ctx: RunContext | None) -> PacScript | None:
        """The effective settings' PAC script, fetched once per run; auto-detect (WPAD) tries DHCP's URL, then
        DNS (http://wpad/wpad.dat), as browsers do, and the first script that loads wins."""
        eff = self.effective
        urls = (eff.pac_url,) if eff.pac_url else (eff.wpad_urls or (DNS_WPAD_URL,)) if eff.auto_detect else ()
        if not urls:
            return None
        key = "\n".join(urls)
        task = self._pac.get(key)
        if task is None:
            task = asyncio.ensure_future(_first_loaded(urls, ctx))
            self._pac[key] = task
        return await asyncio.shield(task)

    async def route(self, url: str, ctx: RunContext | None = None) -> Route:
        """How a browser would reach `url` with these settings (PAC first, then fixed proxies)."""
        parts = urlsplit(url)
        scheme, host = parts.scheme, (parts.hostname or "")
        eff = self.effective
        if eff.state != CONFIGURED:
            return Route(None, eff.source, "settings unknown; assumed direct" if eff.state == UNKNOWN else "")
        if bypassed(host, eff.bypass):
            return Route(None, eff.source, "host in bypass list")
        if eff.pac_url or eff.auto_detect:
            pac = await self.pac_script(ctx)
            if pac is not None and pac.text is not None:
                pac_url = url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
                known: dict[str, str | None] = {}
                if ctx is not None and host:
                    res = await ctx.resolver.resolve(host)
                    known[host] = res.addresses[0] if res.addresses else None
                resolve = sync_resolver(self._nameservers, known=known)
                try:
                    answer = evaluate_pac_bounded(pac.text, pac_url, host, resolve)
                except PacError as exc:
                    fixed = fixed_route(eff, scheme, host)
                    return fixed or Route(None, "pac", f"{exc}; browsers go direct")
                return route_from_pac(answer, f"pac ({eff.source})")
            fixed = fixed_route(eff, scheme, host)
            if fixed is not None and fixed.proxy is not None:
                return fixed
            why = pac.error if pac is not None else "no PAC"
            if not eff.pac_url:
                return Route(None, "wpad", f"automatic detection found no proxy script ({why}); browsers go direct")
            return Route(None, "pac", f"PAC file not loaded ({why}); browsers go direct")
        return fixed_route(eff, scheme, host) or DIRECT


def effective_settings(settings: Sequence[SystemProxy]) -> SystemProxy:
    """The settings browsers use: the OS source when it answered, else the environment (Linux: environment)."""
    if not settings:
        return SystemProxy("none", NONE)
    first = settings[0]
    if first.state != UNKNOWN:
        return first
    env = next((s for s in settings if s.source == "environment"), None)
    if env is not None and env.state == CONFIGURED:
        return env
    return first


_RUNS: weakref.WeakKeyDictionary[Any, SystemRoutes] = weakref.WeakKeyDictionary()


async def system_routes(ctx: RunContext) -> SystemRoutes:
    """This run's proxy settings, read once per run (keyed on the run's shared resolver)."""
    found = _RUNS.get(ctx.resolver)
    if found is None:
        settings = await asyncio.to_thread(read_system)  # WinHTTP's DHCP detection can take seconds
        found = _RUNS.setdefault(ctx.resolver, SystemRoutes(settings, ctx.options.nameservers))
    return found


async def route_for(url: str, ctx: RunContext) -> Route:
    """The route a browser takes to `url` on this computer."""
    return await (await system_routes(ctx)).route(url, ctx)


def explicit_proxy(profile: Profile, options: RunOptions) -> ProxyUrl | None:
    """The proxy IT gave (`--proxy`, or the profile's self-hosted proxy URL), tested in addition."""
    if options.proxy is not None:
        return options.proxy
    if profile.self_hosted_proxy_url:
        try:
            return parse_proxy_url(profile.self_hosted_proxy_url)
        except UrlError:
            return None
    return None


# ---------------------------------------------------------------- the check


async def probe_proxy(ctx: RunContext) -> Outcome:
    """Report the proxy settings and the route each platform URL takes; passwords are never shown."""
    routes = await system_routes(ctx)
    eff = routes.effective
    details: dict[str, Any] = {
        "platform": sys.platform,
        "settings": [s.to_json() for s in routes.settings],
        "applies": eff.source,
    }
    urls = [str(t.url) for t in ctx.profile.web] + [str(t.url) for t in ctx.profile.wss]
    per_url: dict[str, dict[str, str]] = {}
    proxies: list[str] = []
    for url in urls:
        r = await routes.route(url, ctx)
        per_url[url] = {"route": r.describe(), "source": r.source, "why": r.why}
        if r.proxy is not None:
            proxies.append(str(r.proxy))
    details["routes"] = per_url
    pac = routes._pac
    if pac:
        script = await routes.pac_script(ctx)
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
                       ("proxy_detected",))  # fmt: skip
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
    return [Check("proxy:system", Category.PROXY, "system proxy settings", "Find the web proxy", probe_proxy, 10.0)]


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
