"""Media-path quality: a ~5 s packet train at a video-like rate over the best working path (STUN Binding train, or
a TURN relay loop when credentials are known), giving RTT, RFC 3550 jitter, loss, throughput and an estimated MOS."""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

from app.engine.model import Category, Outcome, Signals, Status
from app.engine.options import RunOptions
from app.engine.profile import Profile
from app.engine.runner import Check, RunContext
from app.engine.urls import ProxyUrl
from app.net import connect, ice, turnclient
from app.net.ice import nat_test
from app.net.trust import os_trust_context
from app.probes import media_paths, quality
from app.probes.media_paths import choose_path, nat_servers

RATE_PPS = 100  # about a 30 fps video stream's packet rate
RELAY_PAYLOAD = 1000  # bytes per relayed packet, video-sized
GRACE_S = 0.6  # wait for late echoes after the last send (more than any RTT a call tolerates)
MIN_TRAIN_S = 1.0

NEEDS = (Category.STUN, Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS)


# ---------------------------------------------------------------- trains


async def _pace(count: int, rate: float, send: Any) -> None:
    """Call send(seq) `count` times at `rate` per second on a fixed schedule."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for seq in range(count):
        delay = t0 + seq / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        send(seq)


async def udp_binding_train(address: str, port: int, duration_s: float, rate: float = RATE_PPS) -> list[quality.Probe]:
    """STUN Binding requests at `rate` to a UDP server, each answer timed (RFC 8489 §6.2.1, no retransmission)."""
    sock = await ice.open_udp(address, port)
    sent: dict[bytes, tuple[int, float]] = {}
    got: dict[int, float] = {}

    def on_reply(reply: ice.StunReply, now: float) -> None:
        entry = sent.get(reply.transaction_id)
        if entry is not None and entry[0] not in got:
            got[entry[0]] = now

    sock.on_reply = on_reply

    def send(seq: int) -> None:
        request = ice.binding_request()
        sent[request.transaction_id] = (seq, time.perf_counter())
        sock.send_raw(bytes(request))

    try:
        await _pace(max(1, int(duration_s * rate)), rate, send)
        await asyncio.sleep(GRACE_S)
    finally:
        sock.close()
    return [quality.Probe(seq, t, got.get(seq)) for seq, t in sent.values()]


async def open_path_stream(
    address: str, port: int, host: str, tls: bool, proxy: ProxyUrl | None = None, timeout_s: float = 4.0
) -> connect.Connection:
    """The TCP/TLS stream of a path: direct, or inside `proxy`'s CONNECT tunnel (TLS to `host` end to end)."""
    context = os_trust_context() if tls else None
    if proxy is not None:
        return await ice.open_stream_via_proxy(proxy, host, port, context, timeout_s)
    return await ice.open_stream(address, port, context, host, timeout_s)


async def stream_binding_train(
    address: str,
    port: int,
    host: str,
    tls: bool,
    duration_s: float,
    rate: float = RATE_PPS,
    proxy: ProxyUrl | None = None,
) -> list[quality.Probe]:
    """STUN Binding requests over one TCP/TLS connection (direct or through a proxy tunnel) at `rate`, answers
    matched by transaction id; STUN over a stream is framed by its header's length (RFC 8489 §6.2.2)."""
    conn = await open_path_stream(address, port, host, tls, proxy)
    return await binding_train_over(conn, duration_s, rate)


async def binding_train_over(
    conn: connect.Connection, duration_s: float, rate: float = RATE_PPS
) -> list[quality.Probe]:
    """A Binding train over an already open stream, which it closes."""
    sent: dict[bytes, tuple[int, float]] = {}
    got: dict[int, float] = {}

    async def reader() -> None:
        while True:
            frame = await ice.read_frame(conn.reader)
            now = time.perf_counter()
            reply = ice.parse_reply(frame)
            entry = sent.get(reply.transaction_id) if reply else None
            if entry is not None:
                got.setdefault(entry[0], now)

    def send(seq: int) -> None:
        request = ice.binding_request()
        sent[request.transaction_id] = (seq, time.perf_counter())
        conn.writer.write(bytes(request))

    task = asyncio.ensure_future(reader())
    try:
        await _pace(max(1, int(duration_s * rate)), rate, send)
        await asyncio.wait({task}, timeout=GRACE_S)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        ice.close_now(conn.writer.transport)
    return [quality.Probe(seq, t, got.get(seq)) for seq, t in sent.values()]


async def relay_train(
    target: media_paths.TurnTarget,
    address: str,
    duration_s: float,
    rate: float = RATE_PPS,
    proxy: ProxyUrl | None = None,
    creds: tuple[str, str] | None = None,
) -> tuple[list[quality.Probe], int]:
    """Video-sized packets A -> relay -> B -> relay -> A through two fresh allocations (over `proxy`'s tunnels
    when given); (probes, bytes echoed)."""
    if creds is None:
        creds = target.credentials()
    assert creds is not None
    sessions: list[turnclient.TurnSession] = []
    sent: dict[int, float] = {}
    got: dict[int, float] = {}
    echoed = 0
    try:
        for _ in range(2):
            sessions.append(await media_paths.allocate(address, target.url, *creds, proxy=proxy))
        a, b = sessions
        assert b.relayed is not None
        await media_paths.open_loop(a, b)

        def on_echo(data: bytes, peer: tuple[str, int]) -> None:
            nonlocal echoed
            if len(data) >= 8 and data.startswith(b"CRDY"):
                seq = struct.unpack("!I", data[4:8])[0]
                if seq in sent and seq not in got:
                    got[seq] = time.perf_counter()
                    echoed += len(data)

        a.on_data.append(on_echo)
        padding = bytes(RELAY_PAYLOAD - 8)
        b_relayed = b.relayed

        def send(seq: int) -> None:
            sent[seq] = time.perf_counter()
            media_paths.bind_now(a, b"CRDY" + struct.pack("!I", seq) + padding, b_relayed)

        await _pace(max(1, int(duration_s * rate)), rate, send)
        await asyncio.sleep(GRACE_S)
    finally:
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)
    return [quality.Probe(seq, t, got.get(seq)) for seq, t in sent.items()], echoed


# ---------------------------------------------------------------- the check


async def probe_media(ctx: RunContext, targets: dict[str, media_paths.TurnTarget]) -> Outcome:
    """Measure the best working path found by the STUN and TURN checks; skip when none works."""
    results = ctx.results(*NEEDS)
    details: dict[str, Any] = {}
    servers = nat_servers([r for r in results if r.category is Category.STUN])
    if len(servers) >= 2:
        try:
            async with asyncio.timeout(ice.UDP_GIVE_UP_S + 0.5):
                details["nat_hint"], details["nat_mapped"] = await nat_test(servers)
        except (OSError, TimeoutError):
            details["nat_hint"] = "unknown"
    choice = choose_path(results)
    if choice is None:
        return Outcome(Status.SKIP, "Not measured: no media path works.", details)
    duration = min(ctx.options.media_duration_s, ctx.remaining_s() - GRACE_S - 2.0)
    if duration < MIN_TRAIN_S:
        return Outcome(Status.SKIP, "Not measured: not enough time left in the run.", details)
    details.update({"path": choice.label, "path_kind": choice.kind, "transport": choice.transport,
                    "method": choice.method, "rate_pps": RATE_PPS, "duration_s": round(duration, 2)})  # fmt: skip
    proxy: ProxyUrl | None = None
    if choice.proxy:
        details["via"] = choice.proxy
        target = targets.get(choice.check_id)
        found = await media_paths.proxies_for(target.url, ctx) if target is not None else []
        proxy = next((p for p in found if str(p) == choice.proxy), None)
        if proxy is None:
            return Outcome(Status.SKIP, f"Not measured: the proxy {choice.proxy} no longer applies.", details)
    crossings = 2
    try:
        if choice.method == "relay_loop":
            target = targets[choice.check_id]
            creds, _kind = await media_paths.credentials_for(target, ctx)
            probes, echoed = await relay_train(target, choice.address, duration, proxy=proxy, creds=creds)
            details["throughput_kbps"] = round(echoed * 8 / 1000 / duration, 1)
            crossings = 4
        elif choice.transport == "udp":
            probes = await udp_binding_train(choice.address, choice.port, duration)
        else:
            probes = await stream_binding_train(
                choice.address, choice.port, choice.host, choice.transport == "tls", duration, proxy=proxy
            )
    except (OSError, TimeoutError, connect.PhaseError, media_paths.AuthFailed, media_paths.AllocationRefused,
            turnclient.ErrorResponse) as exc:  # fmt: skip
        details["error"] = str(exc) or type(exc).__name__
        return Outcome(Status.SKIP, f"Not measured: the path stopped working ({details['error']}).", details)
    q = quality.summarize(probes, crossings)
    details.update({
        "sent": q.sent, "received": q.received, "loss_pct": q.loss_pct, "round_trip_loss_pct": q.round_trip_loss_pct,
        "rtt_ms": q.rtt_median_ms, "rtt_p95_ms": q.rtt_p95_ms, "jitter_ms": q.jitter_ms, "mos": q.mos,
        "bands": quality.bands(q, ctx.profile.media),
    })  # fmt: skip
    codes = quality.quality_findings(q, ctx.profile.media)
    sig = Signals(loss_pct=q.loss_pct)
    figures = (
        f"loss {q.loss_pct:g} %, RTT {_num(q.rtt_median_ms)} ms (p95 {_num(q.rtt_p95_ms)}), "
        f"jitter {_num(q.jitter_ms)} ms, MOS {_num(q.mos)}"
    )
    if codes:
        worst = "badly" if "bad" in quality.bands(q, ctx.profile.media).values() else "somewhat"
        return Outcome(
            Status.WARN, f"Measured on {choice.label}: {figures}: quality will suffer {worst}.", details, codes, sig
        )
    return Outcome(Status.PASS, f"Measured on {choice.label}: {figures}.", details, signals=sig)


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One media-quality check after the STUN and TURN checks."""
    if not profile.stun and not profile.turn and not options.turn:
        return []
    by_id = {t.check_id: t for t in media_paths.targets(profile, options)}

    async def run(ctx: RunContext) -> Outcome:
        return await probe_media(ctx, by_id)

    # the train runs over one of the paths the STUN and TURN checks prove (the NAT test asks two STUN servers)
    return [Check("media:quality", Category.MEDIA, "best media path", "Video quality on the best route", run,
                  options.media_duration_s + 15.0, NEEDS, media_paths.path_contacts(profile, options))]  # fmt: skip
