"""Proxy sign-in as browsers do it: read every `Proxy-Authenticate` challenge (RFC 9110 §11.6.1, §11.7.1) and, for
`Negotiate` (RFC 4559: Kerberos, or NTLM inside SPNEGO, RFC 4178) or `NTLM`, sign in with the signed-in user's own
credentials (pyspnego: SSPI on Windows, GSSAPI/Kerberos elsewhere) on a CONNECT tunnel, and say how it went.

No password is ever asked for, stored or logged; only the scheme, the outcome and the library's reason are kept.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import h11

SIGN_IN_SCHEMES = ("Negotiate", "NTLM")  # the order Chrome and Edge prefer
MAX_ROUNDS = 3  # NTLM needs two legs, Kerberos one; a third answer is a refusal
HEAD_MAX = 16 * 1024
BODY_MAX = 64 * 1024
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 §5.6.2 token
_TOKEN68 = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")  # RFC 9110 §11.2 token68


def _split_outside_quotes(text: str) -> list[str]:
    """Split a header value at commas that are not inside a quoted string (RFC 9110 §5.6.4)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def challenges(values: Iterable[str]) -> list[tuple[str, str]]:
    """Every challenge in the `Proxy-Authenticate` header values, in order: [(scheme, token68 or params text)].
    `Negotiate, NTLM` in one header and two headers give the same list; auth-params stay with their scheme."""
    found: list[tuple[str, str]] = []
    for value in values:
        for element in _split_outside_quotes(value[:HEAD_MAX]):
            element = element.strip()
            if not element:
                continue
            word, _, rest = element.partition(" ")
            if "=" in word or not _TOKEN.match(word):
                if found:  # an auth-param of the previous challenge
                    scheme, params = found[-1]
                    found[-1] = (scheme, f"{params}, {element}" if params else element)
                continue
            found.append((word, rest.strip()))
    return found


def challenge_schemes(values: Iterable[str]) -> tuple[str, ...]:
    """The distinct schemes offered (`Negotiate`, `NTLM`, `Basic`, ...), in the proxy's order."""
    return tuple(dict.fromkeys(scheme for scheme, _ in challenges(values)))


def sign_in_scheme(schemes: Iterable[str]) -> str | None:
    """The scheme a browser signs in with by itself: Negotiate before NTLM; None when only others are offered."""
    offered = {s.lower() for s in schemes}
    return next((s for s in SIGN_IN_SCHEMES if s.lower() in offered), None)


def challenge_token(values: Iterable[str], scheme: str) -> bytes | None:
    """The base64 token the proxy sent with `scheme` (NTLM's challenge, a Negotiate continuation), or None."""
    for name, rest in challenges(values):
        if name.lower() == scheme.lower() and rest and _TOKEN68.match(rest):
            try:
                return base64.b64decode(rest, validate=True)
            except (binascii.Error, ValueError):
                return None
    return None


@dataclass(frozen=True)
class SignIn:
    """How signing in to the proxy went: the scheme, whether a sign-in could be tried at all, whether it worked,
    and why not in plain words."""

    scheme: str
    tried: bool
    ok: bool
    detail: str

    def evidence(self) -> dict[str, Any]:
        """JSON evidence (no token, no user name)."""
        return {"proxy_sign_in": self.scheme, "proxy_sign_in_tried": self.tried, "proxy_sign_in_ok": self.ok,
                "proxy_sign_in_detail": self.detail}  # fmt: skip


class SignInUnavailable(Exception):
    """This computer or build cannot produce a token (no Kerberos ticket, no GSSAPI library, no NTLM credential)."""


def explain(exc: BaseException) -> str:
    """The library's reason in one line, without internal noise; never includes a token."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    minor = re.search(r"Minor \(\d+\): ([^,]*)", text)  # GSSAPI's own reason, without the SPNEGO wrapping
    text = minor.group(1).strip() if minor else text
    lowered = text.lower()
    if "no credentials cache" in lowered or "credentials cache file" in lowered or "no kerberos credentials" in lowered:
        return f"this user has no Kerberos ticket ({text})"
    if "server not found in kerberos database" in lowered:
        return f"the domain does not know the proxy's name as a Kerberos service ({text})"
    if "no username or password was specified" in lowered:
        return "no Kerberos ticket and no Windows credentials are available to this program (sign in to the domain)"
    if "ntlm" in lowered and ("credential" in lowered or "user_file" in lowered):
        return f"no Windows credentials to sign in with NTLM ({text})"
    return text[:300]


def client_context(scheme: str, proxy_host: str) -> Any:
    """A pyspnego client context for `HTTP/<proxy host>` with the current user's credentials; raise
    SignInUnavailable when the library or the credentials are missing."""
    try:
        import spnego
    except ImportError:
        raise SignInUnavailable("this build has no Windows sign-in library (pyspnego)") from None
    protocol = "ntlm" if scheme.lower() == "ntlm" else "negotiate"
    try:
        return spnego.client(hostname=proxy_host, service="HTTP", protocol=protocol)
    except Exception as exc:  # spnego raises its own error types for missing providers and credentials
        raise SignInUnavailable(explain(exc)) from None


def first_token(context: Any) -> bytes:
    """The first token of a context; SignInUnavailable when no credentials exist (no ticket, no NTLM user)."""
    try:
        token = context.step()
    except Exception as exc:
        raise SignInUnavailable(explain(exc)) from None
    if not token:
        raise SignInUnavailable("the sign-in library produced no token")
    return bytes(token)


def connect_request(client: h11.Connection, host: str, port: int, user_agent: str, authorization: str) -> bytes:
    """`CONNECT host:port` (RFC 9110 §9.3.6) with `Proxy-Authorization` (RFC 9110 §11.7.2), kept alive."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    headers = [("Host", authority), ("User-Agent", user_agent), ("Proxy-Connection", "keep-alive"),
               ("Proxy-Authorization", authorization)]  # fmt: skip
    return (client.send(h11.Request(method="CONNECT", target=authority, headers=headers)) or b"") + (
        client.send(h11.EndOfMessage()) or b""
    )


async def _next_event(reader: asyncio.StreamReader, client: h11.Connection, budget: list[int]) -> Any:
    """The next h11 event, reading as needed; the whole exchange is bounded by `budget` bytes."""
    while True:
        event = client.next_event()
        if event is not h11.NEED_DATA:
            return event
        data = await reader.read(4096)
        budget[0] -= len(data)
        if budget[0] < 0:
            raise h11.RemoteProtocolError("proxy answer too large")
        client.receive_data(data)


@dataclass
class Tunnel:
    """An open tunnel after signing in (the reader/writer to wrap), with how the sign-in went."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    sign_in: SignIn


class SignInRefused(Exception):
    """The proxy did not accept the sign-in: its last status and headers, with the SignIn that says why."""

    def __init__(self, sign_in: SignIn, status: int, reason: str, headers: Sequence[tuple[str, str]]) -> None:
        self.sign_in, self.status, self.reason, self.headers = sign_in, status, reason, list(headers)
        super().__init__(sign_in.detail)


async def open_signed_in(
    proxy_host: str, proxy_port: int, host: str, port: int, scheme: str, timeout_s: float, user_agent: str
) -> Tunnel:
    """Open a fresh connection to the proxy and CONNECT with `scheme` the way a browser does (token first, the
    proxy's challenge answered on the same connection). Raise SignInUnavailable when no token can be made,
    SignInRefused when the proxy refuses, OSError/TimeoutError/h11 errors for the network."""
    context = client_context(scheme, proxy_host)
    token = first_token(context)
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(proxy_host, proxy_port)
    try:
        async with asyncio.timeout(timeout_s):
            return await _handshake(reader, writer, context, token, scheme, host, port, user_agent)
    except BaseException:
        writer.transport.abort()
        raise


async def _handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: Any, token: bytes, scheme: str,
    host: str, port: int, user_agent: str,
) -> Tunnel:  # fmt: skip
    """The CONNECT rounds of one sign-in on one connection."""
    client = h11.Connection(h11.CLIENT, max_incomplete_event_size=HEAD_MAX)
    budget = [BODY_MAX + HEAD_MAX * MAX_ROUNDS]
    status, reason, headers = 0, "", []
    for _ in range(MAX_ROUNDS):
        writer.write(connect_request(client, host, port, user_agent, f"{scheme} {base64.b64encode(token).decode()}"))
        await writer.drain()
        response = await _next_event(reader, client, budget)
        if not isinstance(response, h11.Response):
            raise asyncio.IncompleteReadError(b"", None)
        status, reason = response.status_code, response.reason.decode("latin-1")
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers]
        offered = [v for k, v in headers if k == "proxy-authenticate"]
        if 200 <= status < 300:
            mechanism = getattr(context, "negotiated_protocol", None)  # kerberos or ntlm inside Negotiate
            how = f"{scheme} ({mechanism})" if mechanism and mechanism.lower() != scheme.lower() else scheme
            detail = f"signed in with {how} as this computer's user"
            return Tunnel(reader, writer, SignIn(scheme, True, True, detail))
        if status != 407:
            raise SignInRefused(SignIn(scheme, True, False, f"the proxy answered {status} {reason}".strip()),
                                status, reason, headers)  # fmt: skip
        answer = challenge_token(offered, scheme)
        if answer is None or context.complete:
            why = f"the proxy did not accept this user's {scheme} sign-in (HTTP 407 again)"
            raise SignInRefused(SignIn(scheme, True, False, why), status, reason, headers)
        while not isinstance(await _next_event(reader, client, budget), (h11.EndOfMessage, h11.ConnectionClosed)):
            pass
        if client.their_state is not h11.DONE or client.our_state is not h11.DONE:
            why = f"the proxy closed the connection in the middle of the {scheme} sign-in"
            raise SignInRefused(SignIn(scheme, True, False, why), status, reason, headers)
        client.start_next_cycle()
        try:
            token = bytes(context.step(answer) or b"")
        except Exception as exc:
            raise SignInRefused(SignIn(scheme, True, False, explain(exc)), status, reason, headers) from None
        if not token:
            raise SignInRefused(SignIn(scheme, True, False, "the sign-in library had no answer to the proxy's "
                                       "challenge"), status, reason, headers)  # fmt: skip
    raise SignInRefused(SignIn(scheme, True, False, f"no tunnel after {MAX_ROUNDS} sign-in rounds"), status, reason,
                        headers)  # fmt: skip
