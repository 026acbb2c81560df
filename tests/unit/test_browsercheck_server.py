"""The local page server on loopback: only the token, only this listener's Host, one result, then closed."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.browsercheck.page import render_page
from app.browsercheck.server import MAX_BODY_BYTES, LocalPageServer

CONFIG = {"ice": [{"url": "turn:turn.lab.test:3478?transport=udp", "kind": "turn", "username": "u",
                   "credential": "s3cret</script><script>alert(1)</script>"}], "post": "/x/result"}  # fmt: skip


async def request(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def get(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


def post(path: str, host: str, body: bytes, ctype: str = "application/json") -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def test_page_only_with_token_and_own_host() -> None:
    asyncio.run(_test_page_only_with_token_and_own_host())


async def _test_page_only_with_token_and_own_host() -> None:
    async with LocalPageServer(CONFIG) as srv:
        host = f"127.0.0.1:{srv.port}"
        assert srv.url == f"http://{host}/{srv.token}" and len(srv.token) >= 32
        status, headers, body = await request(srv.port, get(f"/{srv.token}", host))
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in headers["content-security-policy"] and "connect-src 'self'" in headers[
            "content-security-policy"]  # fmt: skip
        assert b"</script><script>alert" not in body  # the config cannot close the script element
        assert b"http://" not in body.replace(b"http://127.0.0.1", b"") and b"https://" not in body  # no outside asset
        for path in ("/", "/favicon.ico", f"/{srv.token[:-1]}", f"/{srv.token}x", f"/x/{srv.token}"):
            assert (await request(srv.port, get(path, host)))[0] == 404, path
        for bad_host in ("evil.example", f"evil.example:{srv.port}", "127.0.0.1", f"127.0.0.1:{srv.port + 1}"):
            assert (await request(srv.port, get(f"/{srv.token}", bad_host)))[0] == 403, bad_host
        assert "wrong or missing token" in srv.refused and "Host header does not name this listener" in srv.refused
        assert await srv.result(0.05) is None


def test_one_result_then_closed() -> None:
    asyncio.run(_test_one_result_then_closed())


async def _test_one_result_then_closed() -> None:
    async with LocalPageServer(CONFIG) as srv:
        host = f"127.0.0.1:{srv.port}"
        assert (await request(srv.port, post("/wrong/result", host, b"{}")))[0] == 404
        assert (await request(srv.port, post(f"/{srv.token}/result", host, b"{}", "text/plain")))[0] == 415
        big = b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}'
        assert (await request(srv.port, post(f"/{srv.token}/result", host, big)))[0] == 413
        assert (await request(srv.port, post(f"/{srv.token}/result", host, b"[1]")))[0] == 400
        assert await srv.result(0.05) is None
        status, _, _ = await request(srv.port, post(f"/{srv.token}/result", host, b'{"media": {"ok": true}}'))
        assert status == 200
        assert await srv.result(1) == {"media": {"ok": True}}
        await asyncio.sleep(0.1)
        with pytest.raises(OSError):  # the listener is gone: one run only
            await asyncio.open_connection("127.0.0.1", srv.port)


def test_oversized_headers_and_garbage_are_refused() -> None:
    asyncio.run(_test_oversized_headers_and_garbage_are_refused())


async def _test_oversized_headers_and_garbage_are_refused() -> None:
    async with LocalPageServer(CONFIG) as srv:
        status, _, _ = await request(srv.port, b"GET / HTTP/1.1\r\nX: " + b"a" * 40000 + b"\r\n\r\n")
        assert status == 400
        assert (await request(srv.port, b"NONSENSE\r\n\r\n"))[0] == 400


def test_render_page_embeds_config_as_json() -> None:
    html = render_page({"ice": [], "post": "/t/result", "note": "<b>"})
    start = html.index("const CONFIG = ") + len("const CONFIG = ")
    assert json.loads(html[start : html.index(";\n", start)]) == {"ice": [], "post": "/t/result", "note": "<b>"}
