"""A shared, memoised resolver so every probe of a run waits for each host name only once.

The OS resolver (`getaddrinfo`) is asked first, as a browser does. glibc resends a lost query only after 5 s
(`options timeout`), so when the OS has not answered within `OS_GRACE_S`, or failed for a temporary reason, the same
nameservers are asked directly with resends well under a second (dnsquery): one lost packet does not make a name
"missing" (RFC 1536 §1). A name the OS says does not exist is never second-guessed.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from typing import Any

from app.engine.inputs import is_ip_address
from app.net import dnsquery
from app.net.dnsquery import split_nameserver as split_nameserver  # re-exported for probes

OS_GRACE_S = 1.0


@dataclass(frozen=True)
class Resolution:
    """Addresses found for a host (empty with `error` on failure); `source` says who answered first."""

    host: str
    addresses: tuple[str, ...]
    elapsed_ms: int
    error: str | None = None
    source: str = "os"  # "os": getaddrinfo; "dns": the nameservers asked directly (with resends); "literal"
    os_error: str | None = None  # why the OS resolver gave nothing, when the direct query answered instead

    def evidence(self) -> dict[str, Any]:
        """JSON evidence for a check's details."""
        found: dict[str, Any] = {"addresses": list(self.addresses), "ms": self.elapsed_ms, "error": self.error}
        if self.source != "os":
            found["source"] = self.source
            found["os_error"] = self.os_error
        return found


class HostResolver:
    """Memoised look-ups through the running loop; one per host per run."""

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
        if is_ip_address(host):  # `stun:[::1]:3478`, `turn:198.51.100.7`: nothing to look up
            return _resolution(host, [host.strip("[]")], start, None, "literal")
        if self._nameservers:
            addrs, error = await self._direct(host, self._nameservers)
            return _resolution(host, addrs, start, error or "no address found", "dns")
        os_task = asyncio.ensure_future(self._os_lookup(host))
        try:
            done, _ = await asyncio.wait({os_task}, timeout=OS_GRACE_S)
            if done:
                addrs, error, temporary = os_task.result()
                if addrs or not temporary:
                    return _resolution(host, addrs, start, error or "no address found")
            servers = tuple(dnsquery.system_nameservers())
            if not servers:
                addrs, error, _ = await os_task
                return _resolution(host, addrs, start, error or "no address found")
            return await self._race(host, os_task, servers, start)
        finally:
            os_task.cancel()

    async def _race(
        self, host: str, os_task: asyncio.Task[tuple[list[str], str | None, bool]], servers: tuple[str, ...],
        start: float,
    ) -> Resolution:  # fmt: skip
        """The OS resolver is late or failed for a temporary reason: the first of it and a direct query with
        resends that gives addresses wins; the OS has the last word on anything else."""
        left = max(0.5, self._timeout_s - (time.perf_counter() - start))
        direct = asyncio.ensure_future(self._direct(host, servers, left))
        try:
            pending: set[asyncio.Future[Any]] = {os_task, direct}
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if direct in done and direct.result()[0]:
                    os_error = os_task.result()[1] if os_task.done() else "no answer yet"
                    return _resolution(host, direct.result()[0], start, None, "dns", os_error)
                if os_task in done and os_task.result()[0]:
                    return _resolution(host, os_task.result()[0], start, None)
            addrs, error, _ = os_task.result()
            return _resolution(host, addrs, start, error or direct.result()[1] or "no address found")
        finally:
            direct.cancel()

    async def _os_lookup(self, host: str) -> tuple[list[str], str | None, bool]:
        """getaddrinfo within the deadline: (addresses, error, whether the error is temporary)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                loop = asyncio.get_running_loop()
                infos = await loop.getaddrinfo(host, None, family=self._family, type=socket.SOCK_STREAM)
        except TimeoutError:
            return [], f"no answer within {self._timeout_s:g} s", True
        except socket.gaierror as exc:
            return [], exc.strerror or str(exc), exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None))
        except OSError as exc:
            return [], exc.strerror or str(exc), True
        return list(dict.fromkeys(str(info[4][0]) for info in infos)), None, False

    async def _direct(
        self, host: str, servers: tuple[str, ...], timeout_s: float | None = None
    ) -> tuple[list[str], str | None]:
        """A and AAAA from `servers` in order, each with resends (dnsquery): (addresses, error)."""
        timeout_s = self._timeout_s if timeout_s is None else timeout_s
        per_server = max(1.0, timeout_s / len(servers))
        types = ("A",) if self._ipv4_only else ("A", "AAAA")

        async def ask(rdtype: str) -> dnsquery.Exchange:
            last = dnsquery.Exchange("", dnsquery.TIMEOUT)
            for server in servers:
                last = await dnsquery.exchange(host, rdtype, server, per_server)
                if last.rcode in ("NOERROR", "NXDOMAIN"):
                    break
            return last

        answers = await asyncio.gather(*(ask(t) for t in types))
        addrs = [a for ans in answers for a in ans.addresses]
        if addrs:
            return addrs, None
        if any(a.rcode == "NXDOMAIN" for a in answers):
            return [], "the name does not exist (NXDOMAIN)"
        if all(a.rcode == dnsquery.TIMEOUT for a in answers):
            return [], f"no answer within {timeout_s:g} s"
        return [], f"no address found ({', '.join(sorted({a.rcode for a in answers}))})"

    def close(self) -> None:
        """Cancel lookups still pending (the OS thread finishes on its own)."""
        for task in self._pending.values():
            task.cancel()


def _resolution(
    host: str, addrs: list[str], start: float, error: str | None, source: str = "os", os_error: str | None = None
) -> Resolution:
    elapsed = int((time.perf_counter() - start) * 1000)
    if not addrs:
        return Resolution(host, (), elapsed, error, source, os_error)
    ordered = sorted(dict.fromkeys(addrs), key=lambda a: ":" in a)
    return Resolution(host, tuple(ordered), elapsed, None, source, os_error)
