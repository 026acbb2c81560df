"""One DNS question to one server over UDP with stub-resolver retransmission (RFC 1035 §4.2.1, RFC 1536 §1), TCP on
truncation (RFC 7766 §5); every try has its own message id, so the evidence says which try was answered."""

from __future__ import annotations

import asyncio
import copy
import errno
import random
import socket
import struct
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.asyncbackend
import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

# Windows resends a query after 1 s, then 2 s, 4 s; glibc after `options timeout`. CallReady's deadline is a few
# seconds, so the first resend comes sooner: tries at 0, 0.5, 1.5, 3.5 s within a 6 s deadline.
FIRST_RETRY_S = 0.5
MAX_ANSWER = 65535
# Kinds of "no usable answer" besides the rcodes: nothing came back; ICMP said no route/port; the bytes were not DNS.
TIMEOUT, UNREACHABLE, ERROR, MALFORMED = "timeout", "unreachable", "error", "malformed"
_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EPERM, errno.EACCES, errno.EADDRNOTAVAIL}


def split_nameserver(text: str) -> tuple[str, int]:
    """`ip` or `ip:port` (IPv4) or `[v6]:port` -> (ip, port)."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host.rstrip("]"), int(port or 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53


def system_nameservers() -> list[str]:
    """The OS's configured nameservers: on Windows those of the adapters that are up (app.net.winnet), else as
    dnspython reads them (resolv.conf, or the registry, where a malformed entry raises ValueError)."""
    if sys.platform == "win32":
        from app.net import winnet

        found = winnet.system_nameservers()
        if found is not None:
            return found
    try:
        return [str(n) for n in dns.resolver.Resolver(configure=True).nameservers]
    except (dns.resolver.NoResolverConfiguration, OSError, ValueError):
        return []


def send_times(deadline_s: float, first_retry_s: float = FIRST_RETRY_S) -> list[float]:
    """When to send each try: 0, then the wait doubling from `first_retry_s`; a try is sent only if at least
    `first_retry_s` remains for its answer (0, 0.5, 1.5, 3.5 for 6 s)."""
    times, wait, t = [0.0], first_retry_s, first_retry_s
    while t <= deadline_s - first_retry_s:
        times.append(t)
        wait *= 2
        t += wait
    return times


@dataclass(frozen=True)
class Exchange:
    """A question's fate at one server: rcode (or timeout/unreachable/error/malformed), the answer's records of the
    asked type, tries sent, the try answered (0: none), its round trip, time spent, and how it was carried."""

    server: str
    rcode: str
    addresses: tuple[str, ...] = ()
    tries: int = 0
    answered_try: int = 0
    rtt_ms: int = 0
    elapsed_ms: int = 0
    transport: str = "udp"
    note: str = ""
    records: tuple[str, ...] = field(default=(), repr=False)

    @property
    def answered(self) -> bool:
        """A DNS answer with an rcode came back (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)."""
        return self.answered_try > 0 and self.rcode not in (TIMEOUT, UNREACHABLE, ERROR, MALFORMED)

    def evidence(self) -> dict[str, object]:
        """JSON evidence of the exchange (for a check's details)."""
        found: dict[str, object] = {"rcode": self.rcode, "addresses": list(self.addresses), "ms": self.rtt_ms,
                                    "tries": self.tries, "answered_try": self.answered_try}  # fmt: skip
        if self.transport != "udp":
            found["transport"] = self.transport
        if self.note:
            found["note"] = self.note
        return found


class _Listener(asyncio.DatagramProtocol):
    """Collects datagrams on the query's connected socket; remembers an ICMP error."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue()
        self.error: OSError | None = None
        self.woken = asyncio.Event()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.inbox.put_nowait((data[:MAX_ANSWER], time.perf_counter()))
        self.woken.set()

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, OSError):
            self.error = exc
            self.woken.set()


@dataclass
class _Tries:
    """What the UDP resends of one question got: the answer (with the try it answers), or why there is none."""

    response: dns.message.Message | None = None
    asked: dns.message.Message | None = None
    tries: int = 0
    answered_try: int = 0
    rtt_ms: int = 0
    garbled: int = 0
    error: OSError | None = None


async def _udp_tries(
    request: dns.message.Message, ip: str, port: int, deadline_s: float, first_retry_s: float = FIRST_RETRY_S
) -> _Tries:
    """Send `request` over one UDP socket on the `send_times` schedule, each try a copy with its own id, until an
    answer to any try or the deadline; bytes that answer no try are counted and ignored. Raises OSError only when
    the socket cannot be opened."""
    start = time.perf_counter()
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    transport, listener = await loop.create_datagram_endpoint(_Listener, remote_addr=(ip, port), family=family)
    times = send_times(deadline_s, first_retry_s)
    sent: dict[int, tuple[int, float, dns.message.Message]] = {}  # message id -> (try number, time sent, query)
    out = _Tries()
    try:
        while True:
            while len(sent) < len(times) and start + times[len(sent)] <= time.perf_counter():
                query = request if not sent else copy.copy(request)
                while query.id in sent:
                    query.id = random.randint(0, 0xFFFF)
                sent[query.id] = (len(sent) + 1, time.perf_counter(), query)
                out.tries = len(sent)
                transport.sendto(query.to_wire())
            if listener.error is not None:
                out.error = listener.error
                return out
            if not listener.inbox.empty():
                data, at = listener.inbox.get_nowait()
                reply = _match(data, sent)
                if reply is None:
                    out.garbled += 1
                    continue
                out.response, (out.answered_try, sent_at, out.asked) = reply
                out.rtt_ms = int((at - sent_at) * 1000)
                return out
            now = time.perf_counter()
            if now >= start + deadline_s:
                return out
            wake = start + min(deadline_s, times[len(sent)] if len(sent) < len(times) else deadline_s)
            listener.woken.clear()
            try:
                await asyncio.wait_for(listener.woken.wait(), max(0.0, wake - now))
            except TimeoutError:
                pass
    finally:
        transport.close()


async def exchange(
    name: str, rdtype: str, server: str, deadline_s: float, first_retry_s: float = FIRST_RETRY_S
) -> Exchange:
    """Ask `server` one question over UDP, resending on the `send_times` schedule until an answer or the deadline;
    a truncated answer is asked again over TCP in the time left. Never raises for network or parsing trouble."""
    start = time.perf_counter()
    ip, port = split_nameserver(server)
    wanted = dns.rdatatype.from_text(rdtype)
    try:
        got = await _udp_tries(dns.message.make_query(name, wanted), ip, port, deadline_s, first_retry_s)
    except OSError as exc:
        return Exchange(server, _os_kind(exc), elapsed_ms=_ms(start), note=exc.strerror or str(exc))
    if got.error is not None:
        note = got.error.strerror or str(got.error)
        return Exchange(server, _os_kind(got.error), tries=got.tries, elapsed_ms=_ms(start), note=note)
    if got.response is None or got.asked is None:
        if got.garbled:
            note = f"{got.garbled} answer(s) that are not a DNS reply to the question"
            return Exchange(server, MALFORMED, tries=got.tries, elapsed_ms=_ms(start), note=note)
        return Exchange(server, TIMEOUT, tries=got.tries, elapsed_ms=_ms(start))
    if got.response.flags & dns.flags.TC:
        return await _over_tcp(got.asked, ip, port, server, start, deadline_s, got.tries, got.answered_try, got.rtt_ms)
    return _answer(server, got.response, wanted, got.tries, got.answered_try, got.rtt_ms, _ms(start))


class ResendingNameserver(dns.nameserver.Do53Nameserver):
    """A dnspython nameserver whose UDP queries are resent on the `send_times` schedule over one socket within each
    attempt's timeout (dnspython alone waits the whole timeout on one packet); TCP as dnspython does it."""

    async def async_query(
        self,
        request: dns.message.QueryMessage,
        timeout: float,
        source: str | None,
        source_port: int,
        max_size: bool,
        backend: dns.asyncbackend.Backend,
        one_rr_per_rrset: bool = False,
        ignore_trailing: bool = False,
    ) -> dns.message.Message:
        if max_size:  # the resolver's retry over TCP after a truncated answer
            return await super().async_query(
                request, timeout, source, source_port, max_size, backend, one_rr_per_rrset, ignore_trailing
            )
        got = await _udp_tries(request, self.address, self.port, timeout)
        if got.error is not None:
            raise got.error
        if got.response is None:
            raise dns.exception.Timeout(timeout=timeout)
        if got.response.flags & dns.flags.TC:
            raise dns.message.Truncated(message=got.response)
        return got.response


def resending(nameservers: Sequence[object]) -> list[dns.nameserver.Nameserver]:
    """A dnspython resolver's nameservers (addresses or Do53 objects) as ResendingNameservers; others unchanged."""
    out: list[dns.nameserver.Nameserver] = []
    for ns in nameservers:
        if isinstance(ns, dns.nameserver.Do53Nameserver):
            out.append(ResendingNameserver(ns.address, ns.port))
        elif isinstance(ns, str):
            out.append(ResendingNameserver(*split_nameserver(ns)))
        elif isinstance(ns, dns.nameserver.Nameserver):
            out.append(ns)
    return out


def _match(
    data: bytes, sent: dict[int, tuple[int, float, dns.message.Message]]
) -> tuple[dns.message.Message, tuple[int, float, dns.message.Message]] | None:
    """The parsed answer and the try it answers, or None for bytes that answer none of our tries."""
    if len(data) < 12:
        return None
    entry = sent.get(struct.unpack("!H", data[:2])[0])
    if entry is None:
        return None
    try:
        response = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError, struct.error, IndexError, UnicodeError):
        return None
    if not entry[2].is_response(response):
        return None
    return response, entry


async def _over_tcp(
    query: dns.message.Message, ip: str, port: int, server: str, start: float, deadline_s: float,
    tries: int, number: int, udp_rtt: int,
) -> Exchange:  # fmt: skip
    """The question again over TCP after a truncated UDP answer, in the time left (RFC 7766 §5)."""
    left = max(0.5, deadline_s - (time.perf_counter() - start))
    wanted = query.question[0].rdtype
    t0 = time.perf_counter()
    try:
        response = await dns.asyncquery.tcp(query, ip, timeout=left, port=port)
    except dns.exception.Timeout:
        return Exchange(server, TIMEOUT, (), tries, 0, udp_rtt, _ms(start), "tcp", "truncated over UDP; no TCP answer")
    except OSError as exc:
        note = f"truncated over UDP; TCP failed: {exc.strerror or exc}"
        return Exchange(server, _os_kind(exc), (), tries, 0, udp_rtt, _ms(start), "tcp", note)
    except (dns.exception.DNSException, EOFError, ValueError, struct.error, IndexError, UnicodeError) as exc:
        note = f"truncated over UDP; the TCP answer is not DNS ({type(exc).__name__})"
        return Exchange(server, MALFORMED, (), tries, 0, udp_rtt, _ms(start), "tcp", note)
    answer = _answer(server, response, wanted, tries, number, int((time.perf_counter() - t0) * 1000), _ms(start))
    return Exchange(answer.server, answer.rcode, answer.addresses, answer.tries, answer.answered_try, answer.rtt_ms,
                    answer.elapsed_ms, "tcp", "truncated over UDP, answered over TCP", answer.records)  # fmt: skip


def _answer(
    server: str, response: dns.message.Message, wanted: int, tries: int, number: int, rtt: int, elapsed: int
) -> Exchange:
    rcode = dns.rcode.to_text(response.rcode())
    records = tuple(rd.to_text() for rrset in response.answer if rrset.rdtype == wanted for rd in rrset)
    addresses = records if wanted in (dns.rdatatype.A, dns.rdatatype.AAAA) else ()
    return Exchange(server, rcode, addresses, tries, number, rtt, elapsed, records=records)


def _os_kind(exc: OSError) -> str:
    return UNREACHABLE if exc.errno in _UNREACHABLE_ERRNOS else ERROR


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
