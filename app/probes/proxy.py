"""Proxy discovery: which proxy (if any) a browser uses for each platform host, including PAC scripts.

Settings come from `app.net.proxy_os` (one interface per OS, explicit unknown). A PAC file (Netscape proxy
auto-config) is evaluated as browsers evaluate it by `app.net.pac` (QuickJS in a worker thread with hard limits,
look-ups done asynchronously first, answers cached per URL), so the event loop never waits on a script.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import os
import stat
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.engine.model import Category, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl, UrlError, parse_proxy_url
from app.net.pac import sandbox
from app.net.pac.answer import PacAnswer, parse_answer
from app.net.pac.evaluator import PacEvaluator
from app.net.proxy_os import (
    CONFIGURED,
    DNS_WPAD_URL,
    NONE,
    UNKNOWN,
    SystemProxy,
    file_url_path,
    read_system,
)

PAC_FETCH_TIMEOUT_S = 3.0
PAC_MAX_BYTES = 512 * 1024
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True)
class Route:
    """How a browser would reach one URL: directly or through `proxy`, and which setting said so."""

    proxy: ProxyUrl | None
    source: str
    why: str = ""
    pac_error: str = ""  # the PAC script failed (browsers then go direct): reported by the proxy check

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


def route_from_pac(answer: str | PacAnswer, source: str = "pac") -> Route:
    """The route of a PAC answer: its first entry a browser would use (Chromium's reading; `answer.py`); no usable
    entry means direct. The reason shown lists the parsed entries only, never credentials or raw text."""
    parsed = answer if isinstance(answer, PacAnswer) else parse_answer(answer[: sandbox.ANSWER_MAX])
    first = parsed.first_usable()
    if first is None:
        return Route(None, source, f"PAC gave no usable entry ({parsed.describe()}); browsers go direct")
    return Route(first.proxy(), source, f"PAC: {parsed.describe()}")


def pac_url_for(url: str) -> str:
    """The URL a browser gives `FindProxyForURL`: ws/wss as http/https; credentials and fragment removed;
    https reduced to scheme, host and port (Chromium and Firefox strip paths of secure URLs)."""
    url = url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    if parts.scheme == "https":
        return f"https://{netloc}/"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


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
    from app.net import connect, macnet
    from app.net.trust import os_trust_context
    from app.probes.https import http_exchange

    start = time.perf_counter()
    parts = urlsplit(url)
    if parts.scheme == "file":
        try:
            text = await asyncio.wait_for(asyncio.to_thread(read_pac_file, file_url_path(url)), timeout_s)
        except (OSError, TimeoutError) as exc:
            return PacScript(url, None, (getattr(exc, "strerror", None) or str(exc) or "not readable in time").lower())
        return PacScript(url, text)
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
        conn = await connect.open_tcp(address, port, timeout_s)
    except connect.PhaseError as err:
        hint = macnet.local_network_hint(err.kind, address)  # macOS 15+: Local Network privacy
        return PacScript(url, None, connect.describe_error(err.cause) + (f". {hint}" if hint else ""), _ms(start))
    try:
        if parts.scheme == "https":
            await connect.start_tls(conn, os_trust_context(), host, timeout_s)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        resp = await http_exchange(conn, parts.netloc, path, timeout_s, PAC_MAX_BYTES)
    except connect.PhaseError as err:
        return PacScript(url, None, connect.describe_error(err.cause), _ms(start))
    except Exception as exc:  # h11 protocol errors, resets, timeouts: all mean "no script"
        return PacScript(url, None, connect.describe_error(exc), _ms(start))
    finally:
        await conn.close()
    if resp.status != 200:
        return PacScript(url, None, f"HTTP {resp.status} {resp.reason}".strip(), _ms(start))
    return PacScript(url, resp.body[:PAC_MAX_BYTES].decode("utf-8", errors="replace"), "", _ms(start))


def read_pac_file(path: str) -> str:
    """A local PAC file: regular files only (never a FIFO or a device such as /dev/zero), at most PAC_MAX_BYTES."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(PAC_MAX_BYTES)
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


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
        self._evaluators: dict[str, PacEvaluator] = {}
        self.pac_time_limit_s = sandbox.TIME_LIMIT_S

    def evaluator(self, script: PacScript, ctx: RunContext | None) -> PacEvaluator:
        """The run's evaluator of `script` (answers cached per URL; names resolved through the run's resolver)."""
        found = self._evaluators.get(script.url)
        if found is None:
            found = PacEvaluator(script.text or "", _pac_resolver(ctx), time_limit_s=self.pac_time_limit_s)
            self._evaluators[script.url] = found
        return found

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
        uses_pac = bool(eff.pac_url or eff.auto_detect)
        if bypassed(host, () if uses_pac else eff.bypass):  # a bypass list is for fixed proxies; a PAC decides alone
            return Route(None, eff.source, "host in bypass list")
        if uses_pac:
            pac = await self.pac_script(ctx)
            if pac is not None and pac.text is not None:
                result = await self.evaluator(pac, ctx).find_proxy(pac_url_for(url), host.lower())
                if result.answer is None:
                    fixed = fixed_route(eff, scheme, host)
                    if fixed is not None and fixed.proxy is not None:
                        return fixed
                    return Route(None, "pac", f"{result.error}; browsers go direct", result.error)
                return route_from_pac(result.answer, f"pac ({eff.source})")
            fixed = fixed_route(eff, scheme, host)
            if fixed is not None and fixed.proxy is not None:
                return fixed
            why = pac.error if pac is not None else "no PAC"
            if not eff.pac_url:
                return Route(None, "wpad", f"automatic detection found no proxy script ({why}); browsers go direct")
            return Route(None, "pac", f"PAC file not loaded ({why}); browsers go direct")
        return fixed_route(eff, scheme, host) or DIRECT


def _pac_resolver(ctx: RunContext | None) -> Callable[[str], Awaitable[tuple[str, ...]]]:
    """Look-ups for PAC scripts, asynchronous: the run's shared resolver, else the OS's (getaddrinfo) in time."""

    async def resolve(name: str) -> tuple[str, ...]:
        if ctx is not None:
            return tuple((await ctx.resolver.resolve(name)).addresses)
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(name, None), PAC_FETCH_TIMEOUT_S)
        except (OSError, TimeoutError, UnicodeError):
            return ()
        found = dict.fromkeys(str(info[4][0]) for info in infos)
        return tuple(sorted(found, key=lambda a: ":" in a))

    return resolve


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


async def system_routes(ctx: RunContext) -> SystemRoutes:
    """This run's proxy settings, read once per run (`RunContext.once`: per-run state lives on the run)."""

    async def read() -> SystemRoutes:
        settings = await asyncio.to_thread(read_system)  # WinHTTP's DHCP detection can take seconds
        return SystemRoutes(settings, ctx.options.nameservers)

    return await ctx.once("proxy:system-routes", read)


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
    pac_errors: list[str] = []
    for url in urls:
        r = await routes.route(url, ctx)
        per_url[url] = {"route": r.describe(), "source": r.source, "why": r.why}
        if r.proxy is not None:
            proxies.append(str(r.proxy))
        if r.pac_error:
            pac_errors.append(r.pac_error)
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
    return [Check("proxy:system", Category.PROXY, "system proxy settings", "Find the web proxy", probe_proxy, 10.0)]


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
