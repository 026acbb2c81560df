"""What the checks of one run share on the network: the name resolver, the proxy routes (settings read and PAC
scripts fetched once), DNS record lookups, and work done once per run; created and closed by the runner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.engine.urls import ProxyUrl
from app.net.records import DnsLookup
from app.net.resolver import HostResolver
from app.net.routing import Route, SystemRoutes, Via

_V = TypeVar("_V")


class RunServices:
    """One run's shared network state; `close()` cancels whatever is still running when the run ends."""

    def __init__(self, timeout_s: float, ipv4_only: bool = False, nameservers: tuple[str, ...] = ()) -> None:
        self.resolver = HostResolver(min(8.0, timeout_s), ipv4_only, nameservers)
        self._nameservers = nameservers
        self._records: DnsLookup | None = None
        self._shared: dict[str, asyncio.Future[Any]] = {}

    async def once(self, key: str, make: Callable[[], Awaitable[_V]]) -> _V:
        """Run `make()` once per run for `key` and share its value with every caller (a discovery fetch, the
        platform's ICE servers). A caller that is cancelled or times out does not cancel it for the others."""
        task = self._shared.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._shared[key] = task
        value: _V = await asyncio.shield(task)
        return value

    async def resolve(self, name: str) -> tuple[str, ...]:
        """A name's addresses through the shared resolver (IPv4 first); () when it has none."""
        return (await self.resolver.resolve(name)).addresses

    async def routes(self) -> SystemRoutes:
        """This computer's proxy settings, read once per run; PAC look-ups go through the shared resolver."""
        return await self.once("net:system-routes", lambda: SystemRoutes.read(self.resolve))

    async def route_for(self, url: str) -> Route:
        """The route a browser takes to `url` on this computer."""
        return await (await self.routes()).route(url)

    async def via(self, url: str, explicit: ProxyUrl | None = None) -> Via:
        """The proxy IT gave when `explicit`, else the route the system settings (env, OS, PAC) give for `url`."""
        if explicit is not None:
            return Via.given(explicit)
        return Via(await self.route_for(url))

    @property
    def records(self) -> DnsLookup:
        """Memoised DNS record look-ups (TXT, MX, PTR, ...) for the mail checks, built on first use."""
        if self._records is None:
            self._records = DnsLookup(self._nameservers)
        return self._records

    def close(self) -> None:
        """Cancel shared work still running when the run ends (errors retrieved, never 'never retrieved')."""
        for task in self._shared.values():
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()
        routes = self._shared.get("net:system-routes")
        if routes is not None and routes.done() and not routes.cancelled() and routes.exception() is None:
            routes.result().close()
        if self._records is not None:
            self._records.close()
        self.resolver.close()

    async def aclose(self) -> None:
        """close(), then wait for the cancelled work to finish."""
        pending = list(self._shared.values())
        self.close()
        await asyncio.gather(*pending, return_exceptions=True)
