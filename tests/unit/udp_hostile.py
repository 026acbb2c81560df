"""Small UDP/TCP servers on loopback that lose, garble or mis-answer DNS and STUN, for retransmission tests."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable

import dns.flags
import dns.message
import dns.rrset
from aioice import stun


class UdpServer:
    """A UDP socket on loopback (IPv4 or IPv6) whose `handle(data)` gives the datagrams to send back."""

    def __init__(self, handle: Callable[[bytes], list[bytes]], host: str = "127.0.0.1", delay: float = 0.0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.1)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.handle, self.delay = handle, delay
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """`ip:port` (`[v6]:port`) as nameserver options spell it."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            self.received += 1
            answers = self.handle(data)
            if self.delay:
                threading.Timer(self.delay, self._send, (answers, peer)).start()
            else:
                self._send(answers, peer)

    def _send(self, answers: list[bytes], peer: tuple[str, int]) -> None:
        for answer in answers:
            try:
                self.sock.sendto(answer, peer)
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class TcpAnswerer:
    """A TCP listener on loopback (`port` 0: any) answering the first bytes of each connection with `answer(data)`,
    then closing it, or keeping it open and silent when `keep_open`."""

    def __init__(self, answer: Callable[[bytes], bytes], port: int = 0, keep_open: bool = False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.answer, self.keep_open = answer, keep_open
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            try:
                conn.sendall(self.answer(conn.recv(4096)))
            except OSError:
                return
            while self.keep_open and not self._stop.wait(0.1):
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def dns_answer(data: bytes, address: str = "127.0.0.1", truncated: bool = False) -> bytes:
    """A real answer to a DNS query: `address` for A questions, NODATA otherwise; TC set when `truncated`."""
    query = dns.message.from_wire(data)
    response = dns.message.make_response(query)
    q = query.question[0]
    if q.rdtype == dns.rdatatype.A and not truncated:
        response.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A", address))
    if truncated:
        response.flags |= dns.flags.TC
    return response.to_wire()


class LosesFirst:
    """A handler that drops the first `lose` datagrams of each question (DNS: name and type; STUN: transaction), then
    answers every one with `answer(data)`: a path that loses packets, deterministically."""

    def __init__(self, lose: int, answer: Callable[[bytes], bytes], key: Callable[[bytes], object]) -> None:
        self.lose, self.answer, self.key = lose, answer, key
        self.seen: Counter[object] = Counter()

    def __call__(self, data: bytes) -> list[bytes]:
        k = self.key(data)
        self.seen[k] += 1
        return [] if self.seen[k] <= self.lose else [self.answer(data)]


def dns_question(data: bytes) -> object:
    """A DNS query's (name, type), the same for every resend of it."""
    q = dns.message.from_wire(data).question[0]
    return (q.name.to_text(), q.rdtype)


def stun_transaction(data: bytes) -> object:
    """A STUN request's cookie and transaction id: every resend of one request counts together."""
    return data[4:20]


def stun_response(data: bytes, mapped: tuple[str, int] | None = ("198.18.0.9", 40000), **attrs: object) -> bytes:
    """A success answer to a STUN request with its transaction id (XOR-MAPPED-ADDRESS unless `mapped` is None)."""
    request = stun.parse_message(data)
    response = stun.Message(request.message_method, stun.Class.RESPONSE, transaction_id=request.transaction_id)
    if mapped is not None:
        response.attributes["XOR-MAPPED-ADDRESS"] = mapped
    response.attributes.update(attrs)
    return bytes(response)


def stun_challenge(data: bytes) -> bytes:
    """A TURN server's 401 to an unauthenticated request: ERROR-CODE, REALM, NONCE (RFC 8656 §7.1)."""
    request = stun.parse_message(data)
    response = stun.Message(request.message_method, stun.Class.ERROR, transaction_id=request.transaction_id)
    response.attributes["ERROR-CODE"] = (401, "Unauthorized")
    response.attributes["REALM"] = "hostile.test"
    response.attributes["NONCE"] = b"0123456789abcdef"
    return bytes(response)


def random_attributes(data: bytes, klass: int = 0x0100) -> bytes:
    """A success-class (or `klass` 0x0110: error-class) message with the request's transaction id and random
    attribute bytes (type, length, value)."""
    header = struct.pack("!HHI", klass | (struct.unpack("!H", data[:2])[0] & 0x3EEF), 0, stun.COOKIE) + data[8:20]
    body = b""
    for _ in range(3):
        value = os.urandom(8)
        kind = 0x80C0 | (os.urandom(1)[0] & 0x1F)  # comprehension-optional types no STUN usage defines
        body += struct.pack("!HH", kind, len(value)) + value
    return header[:2] + struct.pack("!H", len(body)) + header[4:] + body


def wrong_transaction(data: bytes) -> bytes:
    """A proper answer, but to a transaction id that was never sent."""
    flipped = data[:8] + bytes(b ^ 0xFF for b in data[8:20]) + data[20:]
    return stun_challenge(flipped)
