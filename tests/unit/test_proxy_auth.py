"""Proxies that ask for Windows sign-in: every Proxy-Authenticate scheme is kept (RFC 9110 §11.6.1), and for
Negotiate/NTLM the check signs in as a browser would (pyspnego) against a loopback proxy running pyspnego's
server side: with credentials the tunnel opens, without them the result says why, never "blocked"."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.model import Status
from app.engine.profile import load_profile
from app.engine.urls import parse_proxy_url
from app.net import connect, proxyauth
from app.net.routing import Route, Via
from app.probes import connection

SERVER = Path(__file__).with_name("ntlm_proxy_server.py")


@pytest.mark.parametrize(
    ("headers", "schemes"),
    [
        (["Negotiate", "NTLM"], ("Negotiate", "NTLM")),
        (["Negotiate, NTLM"], ("Negotiate", "NTLM")),
        (['Basic realm="Corp, London", charset="UTF-8"', "Negotiate"], ("Basic", "Negotiate")),
        (['Digest realm="p", qop="auth,auth-int", nonce="a,b", Negotiate'], ("Digest", "Negotiate")),
        (["NTLM TlRMTVNTUAACAAAADAAMADgAAAA="], ("NTLM",)),
        (['Bearer realm="x", error="invalid_token"'], ("Bearer",)),
        ([", ,", '="x"'], ()),
    ],
)
def test_every_scheme_is_collected(headers: list[str], schemes: tuple[str, ...]) -> None:
    assert proxyauth.challenge_schemes(headers) == schemes


def test_sign_in_scheme_prefers_negotiate_and_ignores_basic() -> None:
    assert proxyauth.sign_in_scheme(["Basic", "NTLM", "Negotiate"]) == "Negotiate"
    assert proxyauth.sign_in_scheme(["ntlm"]) == "NTLM"
    assert proxyauth.sign_in_scheme(["Basic", "Digest"]) is None


def test_challenge_token() -> None:
    token = base64.b64encode(b"NTLMSSP\x00\x02").decode()
    assert proxyauth.challenge_token([f"NTLM {token}", "Negotiate"], "ntlm") == b"NTLMSSP\x00\x02"
    assert proxyauth.challenge_token(["NTLM"], "NTLM") is None
    assert proxyauth.challenge_token(["NTLM not*base64"], "NTLM") is None


def test_refusal_evidence_names_every_scheme() -> None:
    refusal = connect.ProxyRefusal(407, "Proxy Authentication Required", {"server": "squid"}, b"",
                               ("Negotiate", "NTLM", 'Basic realm="corp"'))  # fmt: skip
    assert refusal.evidence()["proxy_auth_schemes"] == "Negotiate, NTLM, Basic"


@pytest.fixture
def ntlm_proxy(tmp_path: Path) -> Iterator[int]:
    """The loopback sign-in proxy with one domain user, CORP\\alice."""
    users = tmp_path / "server-users"
    users.write_text("CORP:alice:Correct-Horse-1\n")
    env = {**os.environ, "NTLM_USER_FILE": str(users)}
    proc = subprocess.Popen([sys.executable, str(SERVER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.communicate(timeout=5)


def _tunnel(port: int) -> connect.Connection:
    async def go() -> connect.Connection:
        conn = await connect.open_tunnel(parse_proxy_url(f"http://127.0.0.1:{port}"), "gs.daily.co", 443, 5.0)
        conn.writer.write(b"ping through the tunnel")
        await conn.writer.drain()
        conn.facts["echo"] = await asyncio.wait_for(conn.reader.readexactly(23), 5.0)
        await conn.close()
        return conn

    return asyncio.run(go())


def _refusal(port: int) -> connect.PhaseError:
    with pytest.raises(connect.PhaseError) as caught:
        _tunnel(port)
    return caught.value


def _judge(err: connect.PhaseError) -> tuple[Status, str, tuple[str, ...]]:
    via = Via(Route(parse_proxy_url("http://127.0.0.1:3128"), "test"))
    status, summary, codes, _extra = connection.judge_failure(err, "gs.daily.co", 443, via, load_profile("daily"))
    return status, summary, codes


@pytest.mark.skipif(sys.platform == "win32", reason="Windows signs in with SSPI as the logged-in user, not from a file")
def test_user_with_credentials_signs_in_and_the_tunnel_opens(ntlm_proxy: int, tmp_path: Path, monkeypatch) -> None:
    users = tmp_path / "client-users"
    users.write_text("CORP:alice:Correct-Horse-1\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    conn = _tunnel(ntlm_proxy)
    assert conn.facts["echo"] == b"ping through the tunnel"
    assert conn.facts["proxy_sign_in"] == "Negotiate" and conn.facts["proxy_sign_in_ok"] is True


def test_wrong_credentials_are_refused_and_told_why(ntlm_proxy: int, tmp_path: Path, monkeypatch) -> None:
    users = tmp_path / "client-users"
    users.write_text("CORP:alice:an-old-password\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    err = _refusal(ntlm_proxy)
    assert err.kind == connect.PROXY_AUTH and err.cause.sign_in.tried and not err.cause.sign_in.ok
    assert err.evidence()["proxy_auth_schemes"] == "Negotiate, NTLM, Basic"
    status, summary, codes = _judge(err)
    assert status is Status.FAIL and codes == ("proxy_auth_required",) and "did not work" in summary


@pytest.mark.skipif(sys.platform == "win32", reason="Windows signs in with SSPI as the logged-in user, not from a file")
def test_no_credentials_is_not_blocked_but_says_why(ntlm_proxy: int, monkeypatch) -> None:
    monkeypatch.delenv("NTLM_USER_FILE", raising=False)
    monkeypatch.setenv("KRB5CCNAME", "FILE:/nonexistent/callready-no-ticket")
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent/callready-krb5.conf")  # never the machine's realm or KDCs
    err = _refusal(ntlm_proxy)
    sign_in = err.cause.sign_in
    assert sign_in is not None and not sign_in.tried and "no Kerberos ticket" in sign_in.detail
    status, summary, codes = _judge(err)
    assert status is Status.SKIP and codes == () and "Windows sign-in (Negotiate)" in summary
