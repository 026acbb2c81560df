"""A DNS relay that answers late: forwards UDP and TCP queries upstream and holds each answer back.

Standalone (stdlib only) so it runs by file path inside a namespace:

    python dnsdelay.py --listen 198.19.0.54:53 --upstream 198.19.0.53:53 --delay 4
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys


class UdpRelay(asyncio.DatagramProtocol):
    """Each query goes upstream on its own socket; the answer is sent back after `delay` seconds."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: set[asyncio.Future[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        task = asyncio.ensure_future(self.relay(data, addr))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def relay(self, query: bytes, addr: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, self.upstream)
            await loop.sock_sendall(sock, query)
            answer = await asyncio.wait_for(loop.sock_recv(sock, 65535), 10)
        except (OSError, TimeoutError):
            return
        finally:
            sock.close()
        await asyncio.sleep(self.delay)
        if self.transport is not None:
            self.transport.sendto(answer, addr)


async def tcp_relay(
    upstream: tuple[str, int], delay: float, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            size = await reader.readexactly(2)
            query = await reader.readexactly(int.from_bytes(size, "big"))
            up_r, up_w = await asyncio.open_connection(*upstream)
            up_w.write(size + query)
            await up_w.drain()
            n = await up_r.readexactly(2)
            answer = await up_r.readexactly(int.from_bytes(n, "big"))
            up_w.close()
            await asyncio.sleep(delay)
            writer.write(n + answer)
            await writer.drain()
    except (asyncio.IncompleteReadError, OSError):
        pass
    finally:
        writer.close()


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listen", required=True, metavar="IP:PORT")
    ap.add_argument("--upstream", required=True, metavar="IP:PORT")
    ap.add_argument("--delay", type=float, default=4.0, metavar="SECONDS")
    args = ap.parse_args(argv)
    listen, upstream = _addr(args.listen), _addr(args.upstream)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: UdpRelay(upstream, args.delay), local_addr=listen)
    server = await asyncio.start_server(lambda r, w: tcp_relay(upstream, args.delay, r, w), *listen, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"dnsdelay: {args.listen} -> {args.upstream} after {args.delay:g} s", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
