"""Proxy routing: the route a browser takes to each URL with this computer's settings, PAC scripts included.

Settings come from `app.net.proxy_os` (one interface per OS, explicit unknown). A PAC file (Netscape proxy
auto-config) is fetched once per run (`app.net.http.get`, never through a proxy) and evaluated as browsers evaluate
it by `app.net.pac` (QuickJS in a worker thread with hard limits, look-ups done asynchronously first, answers cached
per URL), so the event loop never waits on a script. Pure rules first, then the per-run I/O (`SystemRoutes`).
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import os
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.engine.urls import ProxyUrl
from app.net import http
from app.net.http import Resolve
from app.net.pac import sandbox
from app.net.pac.answer import PacAnswer, parse_answer
from app.net.pac.evaluator import PacEvaluator
from app.net.proxy_os import CONFIGURED, DNS_WPAD_URL, NONE, UNKNOWN, SystemProxy, file_url_path, read_system

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


async def os_resolve(name: str) -> tuple[str, ...]:
    """The OS resolver (getaddrinfo) within PAC_FETCH_TIMEOUT_S, IPv4 first: for routing outside a run."""
    try:
        infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(name, None), PAC_FETCH_TIMEOUT_S)
    except (OSError, TimeoutError, UnicodeError):
        return ()
    found = dict.fromkeys(str(info[4][0]) for info in infos)
    return tuple(sorted(found, key=lambda a: ":" in a))


async def fetch_pac(url: str, resolve: Resolve = os_resolve, timeout_s: float = PAC_FETCH_TIMEOUT_S) -> PacScript:
    """GET a PAC file directly (never through a proxy), or read a file:// URL."""
    start = time.perf_counter()
    if urlsplit(url).scheme == "file":
        try:
            text = await asyncio.wait_for(asyncio.to_thread(read_pac_file, file_url_path(url)), timeout_s)
        except (OSError, TimeoutError) as exc:
            return PacScript(url, None, (getattr(exc, "strerror", None) or str(exc) or "not readable in time").lower())
        return PacScript(url, text)
    try:
        resp = await http.get(url, resolve, timeout_s, PAC_MAX_BYTES)
    except http.FetchError as exc:
        return PacScript(url, None, exc.why, _ms(start))
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


async def _first_loaded(urls: Sequence[str], resolve: Resolve) -> PacScript:
    """The first of `urls` that loads (WPAD order); when none does, the last attempt with every error named."""
    errors: list[str] = []
    script = PacScript("", None, "no URL")
    for url in urls:
        script = await fetch_pac(url, resolve)
        if script.text is not None:
            return script
        errors.append(f"{url}: {script.error}")
    if len(errors) > 1:
        return PacScript(script.url, None, "; ".join(errors), script.elapsed_ms)
    return script


class SystemRoutes:
    """The proxy settings of one run and the route for each URL (PAC scripts fetched once, answers cached);
    names are looked up with `resolve` (the run's shared resolver)."""

    def __init__(self, settings: tuple[SystemProxy, ...], resolve: Resolve = os_resolve) -> None:
        self.settings = settings
        self.effective = effective_settings(settings)
        self._resolve = resolve
        self._pac: dict[str, asyncio.Task[PacScript]] = {}
        self._evaluators: dict[str, PacEvaluator] = {}
        self.pac_time_limit_s = sandbox.TIME_LIMIT_S

    @classmethod
    async def read(cls, resolve: Resolve = os_resolve) -> SystemRoutes:
        """This computer's settings, read off the loop (WinHTTP's DHCP detection can take seconds)."""
        return cls(await asyncio.to_thread(read_system), resolve)

    def evaluator(self, script: PacScript) -> PacEvaluator:
        """The run's evaluator of `script` (answers cached per URL)."""
        found = self._evaluators.get(script.url)
        if found is None:
            found = PacEvaluator(script.text or "", self._resolve, time_limit_s=self.pac_time_limit_s)
            self._evaluators[script.url] = found
        return found

    @property
    def uses_pac(self) -> bool:
        """True when the settings name a PAC script or automatic detection (WPAD)."""
        return bool(self.effective.pac_url or self.effective.auto_detect)

    @property
    def pac_fetched(self) -> bool:
        """True once a route needed the PAC script (its fetch started)."""
        return bool(self._pac)

    async def pac_script(self) -> PacScript | None:
        """The effective settings' PAC script, fetched once per run; auto-detect (WPAD) tries DHCP's URL, then
        DNS (http://wpad/wpad.dat), as browsers do, and the first script that loads wins."""
        eff = self.effective
        urls = (eff.pac_url,) if eff.pac_url else (eff.wpad_urls or (DNS_WPAD_URL,)) if eff.auto_detect else ()
        if not urls:
            return None
        key = "\n".join(urls)
        task = self._pac.get(key)
        if task is None:
            task = asyncio.ensure_future(_first_loaded(urls, self._resolve))
            self._pac[key] = task
        return await asyncio.shield(task)

    async def route(self, url: str) -> Route:
        """How a browser would reach `url` with these settings (PAC first, then fixed proxies)."""
        parts = urlsplit(url)
        scheme, host = parts.scheme, (parts.hostname or "")
        eff = self.effective
        if eff.state != CONFIGURED:
            return Route(None, eff.source, "settings unknown; assumed direct" if eff.state == UNKNOWN else "")
        if bypassed(host, () if self.uses_pac else eff.bypass):  # a bypass list is for fixed proxies; a PAC decides
            return Route(None, eff.source, "host in bypass list")
        if self.uses_pac:
            pac = await self.pac_script()
            if pac is not None and pac.text is not None:
                result = await self.evaluator(pac).find_proxy(pac_url_for(url), host.lower())
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

    def close(self) -> None:
        """Cancel PAC fetches still running."""
        for task in self._pac.values():
            task.cancel()


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


@dataclass(frozen=True)
class Via:
    """Which way a connection goes: the route a browser would take, or the proxy IT gave (`explicit`)."""

    route: Route
    explicit: bool = False

    @classmethod
    def given(cls, proxy: ProxyUrl) -> Via:
        """Through the proxy IT gave (`--proxy`), tested in addition to the browser's way."""
        return cls(Route(proxy, "--proxy"), True)

    def evidence(self) -> dict[str, Any]:
        """How the connection was made (passwords hidden)."""
        found: dict[str, Any] = {"route": self.route.describe(), "route_source": self.route.source}
        if self.route.why:
            found["route_why"] = self.route.why
        if self.route.proxy is not None:
            found["proxy"] = str(self.route.proxy)
        return found


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
