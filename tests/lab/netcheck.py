"""Ground-truth probes for the lab itself, run inside a namespace: is this server reachable, what answers?

Independent of CallReady's probes (so the lab can be trusted when the app is wrong). Prints JSON:

    ip netns exec cr-client python tests/lab/netcheck.py '[["dns", "gs.daily.co"], ["stun", "198.19.3.10", 3478, true]]'

Checks: ["dns", name, rdtype="A"], ["tcp", host, port], ["https", url, cafile=None (OS store)],
["wss", url], ["stun", host, port, classic=False], ["turn", host, port, transport, user, password],
["turn_loop", host, port, transport, user, password], ["stun_burst", ip, port, count=200].
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

TIMEOUT_S = float(os.environ.get("NETCHECK_TIMEOUT", "3"))


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def dns_check(name: str, rdtype: str = "A") -> dict[str, Any]:
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    r = dns.asyncresolver.Resolver()  # /etc/resolv.conf, i.e. the namespace's
    r.lifetime = 8.0
    r.timeout = 6.0
    start = time.perf_counter()
    try:
        ans = await r.resolve(name, rdtype)
        return {"ok": True, "rcode": "NOERROR", "answers": sorted(a.to_text() for a in ans), "ms": _ms(start)}
    except dns.resolver.NXDOMAIN:
        return {"ok": False, "rcode": "NXDOMAIN", "answers": [], "ms": _ms(start)}
    except dns.resolver.NoAnswer:
        return {"ok": False, "rcode": "NODATA", "answers": [], "ms": _ms(start)}
    except (dns.exception.DNSException, OSError) as exc:
        return {"ok": False, "rcode": "ERROR", "error": _err(exc), "answers": [], "ms": _ms(start)}


async def tcp_check(host: str, port: int) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        _, w = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT_S)
        w.close()
        return {"ok": True, "ms": _ms(start)}
    except (OSError, TimeoutError) as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}


def _client_ctx(cafile: str | None) -> ssl.SSLContext:
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    import truststore  # the "operating system" store: SSL_CERT_FILE in the lab client

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


async def https_check(url: str, cafile: str | None = None) -> dict[str, Any]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    host, port = u.hostname or "", u.port or 443
    start = time.perf_counter()
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=_client_ctx(cafile), server_hostname=host), TIMEOUT_S
        )
        w.write(f"GET {u.path or '/'} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = await asyncio.wait_for(r.read(), TIMEOUT_S)
        w.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return {"ok": True, "status": status, "body": body[:400].decode(errors="replace"), "ms": _ms(start)}
    except ssl.SSLCertVerificationError as exc:
        return {"ok": False, "error": _err(exc), "tls_verify": exc.verify_message, "ms": _ms(start)}
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}


async def wss_check(url: str) -> dict[str, Any]:
    from urllib.parse import urlsplit

    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage

    u = urlsplit(url)
    host, port = u.hostname or "", u.port or 443
    start = time.perf_counter()
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=_client_ctx(None), server_hostname=host), TIMEOUT_S
        )
        ws = WSConnection(ConnectionType.CLIENT)
        w.write(ws.send(Request(host=host, target=u.path or "/")))
        accepted, echoed = False, None
        while echoed is None:
            data = await asyncio.wait_for(r.read(65536), TIMEOUT_S)
            if not data:
                break
            ws.receive_data(data)
            for ev in ws.events():
                if isinstance(ev, AcceptConnection):
                    accepted = True
                    w.write(ws.send(TextMessage(data="lab-ping")))
                if isinstance(ev, TextMessage):
                    echoed = ev.data
        w.close()
        return {"ok": accepted and echoed == "lab-ping", "accepted": accepted, "echo": echoed, "ms": _ms(start)}
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}


async def stun_check(host: str, port: int, classic: bool = False) -> dict[str, Any]:
    """One Binding request over UDP; `classic` sends RFC 3489 (no magic cookie), else RFC 5389."""
    tid = os.urandom(16) if classic else b"\x21\x12\xa4\x42" + os.urandom(12)
    if classic and tid[:4] == b"\x21\x12\xa4\x42":
        tid = b"\x00" + tid[1:]
    request = struct.pack("!HH", 0x0001, 0) + tid
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    start = time.perf_counter()
    try:
        addr = (await loop.getaddrinfo(host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM))[0][4]
        await loop.sock_connect(sock, addr)
        for _ in range(3):
            await loop.sock_sendall(sock, request)
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 2048), TIMEOUT_S / 3)
            except TimeoutError:
                continue
            if data[4:20] == tid and struct.unpack("!H", data[:2])[0] == 0x0101:
                return {"ok": True, "mapped": _mapped(data), "ms": _ms(start)}
        return {"ok": False, "error": "no answer", "ms": _ms(start)}
    except OSError as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}
    finally:
        sock.close()


async def stun_burst_check(host: str, port: int, count: int = 200, interval_s: float = 0.005) -> dict[str, Any]:
    """Send `count` classic Binding requests and count the answers: the UDP loss rate of the path."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    start = time.perf_counter()
    answered: set[bytes] = set()
    try:
        await loop.sock_connect(sock, (host, port))

        async def receive() -> None:
            while True:
                data = await loop.sock_recv(sock, 2048)
                answered.add(data[4:20])

        reader = asyncio.ensure_future(receive())
        for i in range(count):
            await loop.sock_sendall(sock, struct.pack("!HH", 0x0001, 0) + b"\x00\x00\x00\x01" + i.to_bytes(12, "big"))
            await asyncio.sleep(interval_s)
        await asyncio.sleep(1.0)
        reader.cancel()
        loss = 100.0 * (count - len(answered)) / count
        return {
            "ok": bool(answered),
            "sent": count,
            "answered": len(answered),
            "loss_pct": round(loss, 1),
            "ms": _ms(start),
        }
    except OSError as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}
    finally:
        sock.close()


def _mapped(msg: bytes) -> str | None:
    pos, end = 20, 20 + struct.unpack("!H", msg[2:4])[0]
    found = None
    while pos + 4 <= end:
        atype, alen = struct.unpack("!HH", msg[pos : pos + 4])
        val = msg[pos + 4 : pos + 4 + alen]
        if atype == 0x0020 and len(val) >= 8:  # XOR-MAPPED-ADDRESS
            port = struct.unpack("!H", val[2:4])[0] ^ 0x2112
            ip = bytes(a ^ b for a, b in zip(val[4:8], b"\x21\x12\xa4\x42", strict=True))
            return f"{socket.inet_ntoa(ip)}:{port}"
        if atype == 0x0001 and len(val) >= 8:  # MAPPED-ADDRESS (RFC 3489)
            found = f"{socket.inet_ntoa(val[4:8])}:{struct.unpack('!H', val[2:4])[0]}"
        pos += 4 + alen + (-alen % 4)
    return found


async def turn_check(host: str, port: int, transport: str, user: str | None, password: str | None) -> dict[str, Any]:
    """Allocate a relay with aioice (transport udp, tcp or tls); without credentials a 401 proves reachability."""
    from aioice import stun, turn

    stun.RETRY_MAX, stun.RETRY_RTO = 2, 0.5
    start = time.perf_counter()
    try:
        kwargs: dict[str, Any] = {"transport": "udp" if transport == "udp" else "tcp"}
        if transport == "tls":
            kwargs["ssl"] = _client_ctx(None)
        tr, _ = await asyncio.wait_for(
            turn.create_turn_endpoint(asyncio.DatagramProtocol, (host, port), user, password, **kwargs), TIMEOUT_S + 2
        )
        relayed = tr.get_extra_info("sockname")
        tr.close()
        return {"ok": True, "relayed": f"{relayed[0]}:{relayed[1]}", "ms": _ms(start)}
    except stun.TransactionFailed as exc:
        code = exc.response.attributes.get("ERROR-CODE", (0, ""))[0]
        return {"ok": code == 401 and not user, "error_code": code, "ms": _ms(start)}
    except (OSError, TimeoutError, stun.TransactionTimeout, ConnectionError, ssl.SSLError) as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}


async def turn_loop_check(
    host: str, port: int, transport: str, user: str, password: str, packets: int = 5
) -> dict[str, Any]:
    """Two allocations on one relay send to each other's relayed address: data really flows through the relay."""
    from aioice import stun, turn

    stun.RETRY_MAX, stun.RETRY_RTO = 2, 0.5

    class Sink(asyncio.DatagramProtocol):
        def __init__(self) -> None:
            self.got: list[bytes] = []

        def datagram_received(self, data: bytes, addr: Any) -> None:
            self.got.append(data)

    start = time.perf_counter()
    kwargs: dict[str, Any] = {"transport": "udp" if transport == "udp" else "tcp"}
    if transport == "tls":
        kwargs["ssl"] = _client_ctx(None)
    ends = []
    try:
        for _ in range(2):
            ends.append(
                await asyncio.wait_for(
                    turn.create_turn_endpoint(Sink, (host, port), user, password, **kwargs), TIMEOUT_S + 2
                )
            )
        (ta, pa), (tb, pb) = ends
        ra, rb = ta.get_extra_info("sockname"), tb.get_extra_info("sockname")
        for i in range(packets):
            ta.sendto(b"a%d" % i, rb)  # also installs A's permission for B's address
            tb.sendto(b"b%d" % i, ra)
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        return {
            "ok": bool(pa.got and pb.got),
            "a_got": len(pa.got),
            "b_got": len(pb.got),
            "sent": packets,
            "ms": _ms(start),
        }
    except stun.TransactionFailed as exc:
        return {"ok": False, "error_code": exc.response.attributes.get("ERROR-CODE", (0, ""))[0], "ms": _ms(start)}
    except (OSError, TimeoutError, stun.TransactionTimeout, ConnectionError, ssl.SSLError) as exc:
        return {"ok": False, "error": _err(exc), "ms": _ms(start)}
    finally:
        for t, _ in ends:
            t.close()


CHECKS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    "dns": dns_check,
    "tcp": tcp_check,
    "https": https_check,
    "wss": wss_check,
    "stun": stun_check,
    "turn": turn_check,
    "turn_loop": turn_loop_check,
    "stun_burst": stun_burst_check,
}


async def run_all(specs: list[list[Any]]) -> list[dict[str, Any]]:
    results = await asyncio.gather(*(CHECKS[s[0]](*s[1:]) for s in specs))
    return [{"check": s, **r} for s, r in zip(specs, results, strict=True)]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_all(json.loads(sys.argv[1]))), indent=1))
