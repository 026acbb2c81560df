"""A loopback CONNECT proxy that demands Negotiate/NTLM sign-in (pyspnego's server side, credentials from
NTLM_USER_FILE) and, once signed in, echoes the tunnel's bytes (it never connects anywhere). Prints its port."""

from __future__ import annotations

import asyncio
import base64
import sys

import h11
import spnego

CHALLENGE = [("Proxy-Authenticate", "Negotiate"), ("Proxy-Authenticate", "NTLM"),
             ("Proxy-Authenticate", 'Basic realm="Corp proxy, sign in"')]  # fmt: skip


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    conn = h11.Connection(h11.SERVER)
    context = None
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(4096)
                if not data:
                    return
                conn.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed):
                return
            if not isinstance(event, h11.Request):
                continue
            while not isinstance(conn.next_event(), h11.EndOfMessage):
                pass
            auth = dict((k.lower(), v) for k, v in event.headers).get(b"proxy-authorization", b"").decode()
            scheme, _, token = auth.partition(" ")
            headers: list[tuple[str, str]] = list(CHALLENGE)
            if scheme in ("Negotiate", "NTLM"):
                if context is None:
                    context = spnego.server(protocol=scheme.lower())
                try:
                    answer = context.step(base64.b64decode(token))
                except Exception as exc:
                    print(f"sign-in refused: {exc}", file=sys.stderr, flush=True)
                    answer, context = None, None
                if context is not None and context.complete:
                    writer.write(conn.send(h11.Response(status_code=200, reason=b"Connection established",
                                                        headers=[])) or b"")  # fmt: skip
                    await writer.drain()
                    while data := await reader.read(4096):
                        writer.write(data)
                        await writer.drain()
                    return
                if answer:
                    headers = [("Proxy-Authenticate", f"{scheme} {base64.b64encode(answer).decode()}")]
            body = b"<html>Proxy sign-in required</html>"
            headers += [("Content-Length", str(len(body))), ("Content-Type", "text/html")]
            writer.write(conn.send(h11.Response(status_code=407, reason=b"Proxy Authentication Required",
                                                headers=headers)) or b"")  # fmt: skip
            writer.write((conn.send(h11.Data(data=body)) or b"") + (conn.send(h11.EndOfMessage()) or b""))
            await writer.drain()
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
