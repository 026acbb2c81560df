"""The lab's HTTPS and secure WebSocket server (asyncio + ssl + wsproto), run as a subprocess in cr-inet.

Standalone on purpose (stdlib + wsproto only) so it runs by file path inside a namespace:

    python webserver.py --cert chain.pem --key key.pem --listen 198.19.1.10:443:tls --listen 198.19.1.10:80

With `--site FILE` (JSON: `roles` host -> page|api|worker, `routes` host -> {path: JSON body}) each host behaves as
its real server does (tests/lab/internet.py): an API host answers its documented paths with JSON and anything else
with 404, WebSocket upgrades included; a worker accepts WebSocket upgrades; a page host answers every path.

Paths of page hosts (and of hosts not in the site file, e.g. `web.lab.test`):
- `Upgrade: websocket`: a WebSocket echo (text and binary), answering pings (lab names and workers only);
- `/echo`: the request (method, path, headers, client address) as JSON, for proxy and inspection tests;
- `/bytes/N`: N zero bytes (at most 50 MB), for throughput and shaping tests;
- anything else: a small HTML page with 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
import sys
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Request,
    TextMessage,
)

MAX_HEAD = 64 * 1024
IDLE_TIMEOUT_S = 120.0
SERVER = "callready-lab"


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1) + "\n").encode()


SITE: dict[str, Any] = {"roles": {}, "routes": {}, "addresses": {}}
NOT_FOUND = _json({"error": "not-found"})
REASONS = {200: "OK", 204: "No Content", 404: "Not Found"}


def _host(headers: dict[str, str]) -> str:
    return headers.get("host", "").rsplit(":", 1)[0].strip("[]").lower()


def role_of(headers: dict[str, str], local_ip: str = "") -> str:
    """The role of the requested host: its own (`addresses` says where its server is; a request for it that reached
    another address, e.g. a portal that DNS sent it to, is answered as a page), `page` for names not in the site."""
    host = _host(headers)
    home = SITE["addresses"].get(host)
    if home is not None and local_ip and home != local_ip:
        return "page"
    return str(SITE["roles"].get(host, "page"))


def accepts_upgrade(headers: dict[str, str], local_ip: str = "") -> bool:
    """Workers accept WebSocket upgrades, as do the lab's own names; API and page hosts answer them like any GET."""
    return role_of(headers, local_ip) == "worker" or _host(headers) not in SITE["roles"]


def route(method: str, path: str, headers: dict[str, str], peer: str, local_ip: str = "") -> tuple[int, str, bytes]:
    """Pure routing: (status, content type, body) for a plain HTTP request. An API route's value is its JSON body,
    or `{"status": N, "type": T, "text": S}` for a non-JSON answer (the OS captive-portal probes)."""
    bare = path.split("?", 1)[0]
    role = role_of(headers, local_ip)
    if role in ("api", "worker"):
        body = SITE["routes"].get(_host(headers), {}).get(bare) if role == "api" else None
        if body is None:
            return 404, "application/json", NOT_FOUND
        if isinstance(body, dict) and "status" in body and "text" in body:
            return int(body["status"]), str(body.get("type", "text/plain")), str(body["text"]).encode()
        return 200, "application/json", _json(body)
    if bare.startswith("/bytes/") and bare[7:].isdigit():  # a body of N bytes, for throughput and shaping tests
        return 200, "application/octet-stream", b"\0" * min(int(bare[7:]), 50_000_000)
    if bare == "/echo":
        body = {"method": method, "path": path, "headers": headers, "peer": peer}
        return 200, "application/json", _json(body)
    host = headers.get("host", "lab").split(":")[0]
    html = f"<!doctype html><html><head><title>{host}</title></head><body><p>{host} (CallReady lab)</p></body></html>\n"
    return 200, "text/html; charset=utf-8", html.encode()


def parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers (lower-case names) of an HTTP/1.1 request head."""
    lines = head.decode("latin-1").split("\r\n")
    method, path, version = [*lines[0].split(" "), "", "", ""][:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, path, version, headers


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    host, port = writer.get_extra_info("peername")[:2]
    peer = f"{host}:{port}"
    local_ip = str((writer.get_extra_info("sockname") or ("",))[0])
    try:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT_S)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                return
            method, path, version, headers = parse_head(head)
            if "websocket" in headers.get("upgrade", "").lower() and accepts_upgrade(headers, local_ip):
                await websocket_echo(head, reader, writer)
                return
            length = int(headers.get("content-length", "0") or 0)
            if length:
                await reader.readexactly(length)
            status, ctype, body = route(method, path, headers, peer, local_ip)
            close = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
            out = [
                f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}",
                f"Server: {SERVER}",
                f"Content-Type: {ctype}",
                f"Content-Length: {len(body)}",
                "Cache-Control: no-store",
                "Connection: close" if close else "Connection: keep-alive",
            ]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
            if close:
                return
    except (ConnectionError, ssl.SSLError, OSError):
        return
    finally:
        writer.close()


async def websocket_echo(head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """RFC 6455 echo through wsproto: the handshake bytes are fed first, then frames."""
    ws = WSConnection(ConnectionType.SERVER)
    ws.receive_data(head)
    while True:
        for event in ws.events():
            if isinstance(event, Request):
                writer.write(ws.send(AcceptConnection()))
            elif isinstance(event, TextMessage):
                writer.write(ws.send(TextMessage(data=event.data, message_finished=event.message_finished)))
            elif isinstance(event, BytesMessage):
                writer.write(ws.send(BytesMessage(data=event.data, message_finished=event.message_finished)))
            elif isinstance(event, Message):
                pass
            elif isinstance(event, Ping):
                writer.write(ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                writer.write(ws.send(event.response()))
                await writer.drain()
                return
        await writer.drain()
        data = await asyncio.wait_for(reader.read(65536), IDLE_TIMEOUT_S)
        if not data:
            return
        ws.receive_data(data)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


async def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listen", action="append", required=True, metavar="IP:PORT[:tls]")
    ap.add_argument("--cert", help="PEM chain (leaf first)")
    ap.add_argument("--key")
    ap.add_argument("--site", help="JSON: roles (host -> page|api|worker) and routes (host -> {path: body})")
    args = ap.parse_args(argv)
    if args.site:
        with open(args.site, encoding="utf-8") as f:
            SITE.update(json.load(f))
    servers = []
    for spec in args.listen:
        ip, port, *rest = spec.split(":")
        ctx = tls_context(args.cert, args.key) if rest and rest[0] == "tls" else None
        servers.append(await asyncio.start_server(handle, ip, int(port), ssl=ctx, limit=MAX_HEAD, reuse_address=True))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"{SERVER}: listening on {', '.join(args.listen)}", flush=True)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
