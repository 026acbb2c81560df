"""A shared, memoised OS resolver so every probe of a run waits for each host name only once."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Resolution:
    """Addresses the OS resolver gave for a host (empty with `error` on failure)."""

    host: str
    addresses: tuple[str, ...]
    elapsed_ms: int
    error: str | None = None


class HostResolver:
    """Memoised `getaddrinfo` through the running loop; one lookup per host per run."""

    def __init__(self, timeout_s: float = 6.0, ipv4_only: bool = False, nameservers: tuple[str, ...] = ()) -> None:
        self._timeout_s = timeout_s
        self._nameservers = nameservers
        self._ipv4_only = ipv4_only
        self._family = socket.AF_INET if ipv4_only else socket.AF_UNSPEC
        self._pending: dict[str, asyncio.Task[Resolution]] = {}

    async def resolve(self, host: str) -> Resolution:
        """Addresses of `host` (IPv4 first); never raises for network failures."""
        task = self._pending.get(host)
        if task is None:
            task = asyncio.ensure_future(self._lookup(host))
            self._pending[host] = task
        return await asyncio.shield(task)

    async def _lookup(self, host: str) -> Resolution:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                if self._nameservers:
                    addrs = await self._lookup_via(host)
                else:
                    loop = asyncio.get_running_loop()
                    infos = await loop.getaddrinfo(host, None, family=self._family, type=socket.SOCK_STREAM)
                    addrs = list(dict.fromkeys(str(info[4][0]) for info in infos))
        except TimeoutError:
            return Resolution(host, (), _ms(start), f"no answer within {self._timeout_s:g} s")
        except OSError as exc:
            return Resolution(host, (), _ms(start), exc.strerror or str(exc))
        if not addrs:
            return Resolution(host, (), _ms(start), "no address found")
        addrs.sort(key=lambda a: ":" in a)
        return Resolution(host, tuple(addrs), _ms(start))

    async def _lookup_via(self, host: str) -> list[str]:
        """Resolve with dnspython against the configured nameservers instead of the OS."""
        import dns.asyncresolver
        import dns.exception

        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [split_nameserver(n)[0] for n in self._nameservers]
        resolver.port = split_nameserver(self._nameservers[0])[1]
        resolver.lifetime = self._timeout_s
        addrs: list[str] = []
        for rdtype in ("A",) if self._ipv4_only else ("A", "AAAA"):
            try:
                answer = await resolver.resolve(host, rdtype)
            except dns.exception.DNSException:
                continue
            addrs += [rd.to_text() for rd in answer]
        return addrs

    def close(self) -> None:
        """Cancel lookups still pending (the OS thread finishes on its own)."""
        for task in self._pending.values():
            task.cancel()


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


def split_nameserver(text: str) -> tuple[str, int]:
    """`ip` or `ip:port` (IPv4) or `[v6]:port` -> (ip, port)."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host.rstrip("]"), int(port or 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53
