"""Call-rate load test: media-sized datagrams paced through a credentialed relay loop (two TURN allocations on the
platform's relay, RFC 8656 §12 ChannelData), stepping up through the rates a call uses and stopping at the ceiling
(loss or queueing delay). Every packet crosses this computer's link twice (up to the relay, back down to the second
allocation), so both directions carry the load at once; sender and receiver share one clock, so one-way delay is
measured directly."""

from __future__ import annotations

import asyncio
import math
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.engine.codes import FindingCode
from app.engine.model import Category, CheckResult, Outcome, Status
from app.engine.options import RunOptions
from app.engine.profile import MediaThresholds, Profile
from app.engine.runner import Check, RunContext
from app.net import connect, turnclient
from app.probes import media_paths, quality
from app.probes.media_paths import choose_path

PACKET_BYTES = 1200  # a full RTP video packet (WebRTC keeps packets under ~1200 bytes of payload)
AUDIO_PACKET_BYTES = 200  # an Opus packet with its RTP/SRTP headers: audio is many small packets
WIRE_OVERHEAD = 32  # IPv4 (20) + UDP (8) + TURN ChannelData (4) bytes a link carries per datagram, counted in rates
# The rates a call sends, lowest first (kbit/s): audio with its overhead (Microsoft Teams' table: "0.1 Mb"; Vonage:
# "Audio: 50 kbps per stream"), standard video (Zoom: "600kbps (up/down) for high quality video"), HD video (Teams:
# one-to-one video 1,500 kbit/s each way; Zoom: "1.2 Mbps (up/down) for 720p HD video"), HD with simulcast headroom
# (Teams: "2,500" for group video; a simulcast sender uploads every layer at once).
STEPS_KBPS = (100, 600, 1500, 2500)
MIN_LOST = 2  # a step hits the ceiling on loss only when more than one packet is lost
STEP_S = 0.5
DRAIN_S = 0.3  # after each step: late packets still queued on the link
CEILING_LOSS_PCT = 10.0  # a step losing this much found the ceiling
CEILING_QUEUE_MS = 300.0  # ...or one whose delay grew this much over the idle delay (a full queue)
MAX_TOTAL_BYTES = 3_000_000  # never more than this sent in all
MAGIC = b"CRLD"


@dataclass(frozen=True)
class Step:
    """One rate step: what was sent and what arrived."""

    rate_kbps: int
    sent: int
    received: int
    delivered_kbps: float | None  # arrival rate after the first packet (bits over the arrival span)
    delay_ms: float | None  # median one-way delay (up to the relay and back down)
    queue_ms: float | None  # delay added over the idle delay

    @property
    def loss_pct(self) -> float:
        return round(100.0 * (self.sent - self.received) / self.sent, 1) if self.sent else 0.0


@dataclass(frozen=True)
class Capacity:
    """The load test's answer: the rate the link carried, and whether the ceiling was found or is above the test."""

    steps: tuple[Step, ...]
    carried_kbps: float
    above_highest: bool
    idle_delay_ms: float | None
    queue_ms: float | None
    loss_pct: float


def packet_bytes(rate_kbps: int) -> int:
    """Datagram size of a step: audio-sized for the audio step, video-sized above."""
    return AUDIO_PACKET_BYTES if rate_kbps <= STEPS_KBPS[0] else PACKET_BYTES


def summarize_step(rate_kbps: int, sent: Sequence[float], arrivals: dict[int, float], idle_ms: float | None) -> Step:
    """Pure: a step's figures from send times (index = sequence) and arrival times by sequence."""
    got = sorted((seq, t) for seq, t in arrivals.items() if 0 <= seq < len(sent))
    delays = [(t - sent[seq]) * 1000 for seq, t in got]
    times = sorted(t for _, t in got)
    delivered = None
    if len(times) >= 3 and times[-1] > times[0]:
        size = packet_bytes(rate_kbps) + WIRE_OVERHEAD
        delivered = round((len(times) - 1) * size * 8 / (times[-1] - times[0]) / 1000, 1)
    delay = round(quality.median(delays), 1) if delays else None
    queue = round(max(0.0, delay - idle_ms), 1) if delay is not None and idle_ms is not None else None
    return Step(rate_kbps, len(sent), len(got), delivered, delay, queue)


def ceiling(step: Step, p0: float | None) -> bool:
    """Pure: did this step hit what the link can carry? The queue grew by CEILING_QUEUE_MS, or loss rose with the
    rate: over twice the loss `p0` expected at a rate the link carries, plus three standard deviations and two packets
    (random loss, a flaky Wi-Fi, is flat across rates and is never a ceiling). Without any expectation (`p0` None),
    only half the packets lost is one."""
    if (step.queue_ms or 0.0) >= CEILING_QUEUE_MS:
        return True
    lost = step.sent - step.received
    if step.loss_pct < CEILING_LOSS_PCT or lost < MIN_LOST:
        return False
    if p0 is None:
        return step.loss_pct >= 50.0
    expected = p0 * step.sent
    return lost >= 2 * expected + 3 * math.sqrt(expected * (1 - p0)) + MIN_LOST


def expected_loss(steps: Sequence[Step], index: int, prior: float | None) -> float | None:
    """Pure: the random loss to expect at step `index`: for the first, the quality train's (`prior`, one-way over the
    two crossings of this path); after it, the first step's, smoothed (a clean step is not 0)."""
    if index == 0:
        return prior
    first = steps[0]
    return (first.sent - first.received + 1) / (first.sent + 2)


def two_crossings(loss_pct_per_crossing: float | None) -> float | None:
    """Pure: the chance a packet is lost over two crossings of a link losing this share per crossing."""
    if loss_pct_per_crossing is None:
        return None
    q = 1.0 - min(100.0, max(0.0, loss_pct_per_crossing)) / 100
    return 1.0 - q * q


def conclude(steps: Sequence[Step], idle_ms: float | None, prior: float | None = None) -> Capacity:
    """Pure: the rate the link carried: the arrival rate at the first step that hit the ceiling (never above what
    was offered), else the highest step's rate (the link carries more than the test offers)."""
    hit = next((s for i, s in enumerate(steps) if ceiling(s, expected_loss(steps, i, prior))), None)
    if hit is None:
        top = steps[-1]
        return Capacity(tuple(steps), float(top.rate_kbps), True, idle_ms, top.queue_ms, top.loss_pct)
    carried = min(float(hit.rate_kbps), hit.delivered_kbps or 0.0)
    return Capacity(tuple(steps), round(carried, 1), False, idle_ms, hit.queue_ms, hit.loss_pct)


def judge(cap: Capacity, bands: MediaThresholds) -> tuple[Status, str, tuple[FindingCode, ...]]:
    """Pure: plain words for the interviewer and the finding code, by the platform's capacity bands."""
    mbit, need = cap.carried_kbps / 1000, bands.capacity_good_kbps / 1000
    under = f", delay under load +{cap.queue_ms:g} ms" if cap.queue_ms else ""
    if cap.above_highest:
        text = f"Carried {mbit:g} Mbit/s up and down at once, the test's highest step (video needs about {need:g})"
        return Status.PASS, f"{text}{under}.", ()
    text = (f"The connection carried about {mbit:.2f} Mbit/s (loss {cap.loss_pct:g} % at the ceiling{under}); "
            f"video interviews need about {need:g} Mbit/s each way.")  # fmt: skip
    if cap.carried_kbps < bands.capacity_bad_kbps:
        return Status.WARN, text, (FindingCode.LOW_CAPACITY,)
    if cap.carried_kbps < bands.capacity_good_kbps:
        return Status.PASS, text, (FindingCode.CAPACITY_BELOW_HD,)
    return Status.PASS, text, ()


def relay_choice(results: list[CheckResult]) -> CheckResult | None:
    """The relay check whose credentialed loop worked (the media check's choice when it is a relay loop)."""
    path = choose_path(results)
    if path is None or path.method != "relay_loop":
        return None
    return next((r for r in results if r.id == path.check_id), None)


async def load(
    a: turnclient.TurnSession, b: turnclient.TurnSession, deadline: float, prior: float | None = None
) -> tuple[list[Step], float | None]:
    """Send the steps A -> relay -> B, stopping at the ceiling, at MAX_TOTAL_BYTES or at `deadline` (loop time)."""
    assert b.relayed is not None and a.relayed is not None
    await asyncio.gather(a.send(b"CRLD-bind", b.relayed), b.send(b"CRLD-bind", a.relayed))
    loop = asyncio.get_running_loop()
    arrivals: dict[tuple[int, int], float] = {}
    expected: dict[int, int] = {}
    complete = asyncio.Event()

    def on_data(data: bytes, peer: tuple[str, int]) -> None:
        if len(data) >= 12 and data.startswith(MAGIC) and data != b"CRLD-bind":
            step, seq = struct.unpack("!II", data[4:12])
            arrivals.setdefault((step, seq), time.perf_counter())
            if sum(1 for s, _ in arrivals if s == step) >= expected.get(step, -1):
                complete.set()

    b.on_data.append(on_data)
    steps: list[Step] = []
    idle_ms: float | None = None
    total = 0
    b_relayed = b.relayed
    try:
        for index, rate in enumerate(STEPS_KBPS):
            size = packet_bytes(rate)
            padding = bytes(size - 12)
            count = max(3, int(rate * 1000 / 8 / (size + WIRE_OVERHEAD) * STEP_S))
            if total + count * size > MAX_TOTAL_BYTES or loop.time() + STEP_S + DRAIN_S > deadline:
                break
            sent: list[float] = []
            expected[index] = count
            complete.clear()
            interval = STEP_S / count
            t0 = loop.time()
            for seq in range(count):
                delay = t0 + seq * interval - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent.append(time.perf_counter())
                media_paths.bind_now(a, MAGIC + struct.pack("!II", index, seq) + padding, b_relayed)
            total += count * size
            try:  # late packets still queued on the link; none outstanding: on at once
                async with asyncio.timeout(DRAIN_S):
                    await complete.wait()
            except TimeoutError:
                pass
            mine = {seq: t for (s, seq), t in arrivals.items() if s == index}
            step = summarize_step(rate, sent, mine, idle_ms)
            if idle_ms is None and step.delay_ms is not None:  # the lowest rate is the idle reference
                idle_ms = step.delay_ms
                step = summarize_step(rate, sent, mine, idle_ms)
            steps.append(step)
            if ceiling(step, expected_loss(steps, index, prior)):
                break
    finally:
        b.on_data.remove(on_data)
    return steps, idle_ms


async def probe_capacity(ctx: RunContext) -> Outcome:
    """Load the best credentialed relay loop; without one, say plainly that capacity was not measured."""
    results = ctx.results(Category.TURN_UDP, Category.TURN_TCP, Category.TURN_TLS, Category.STUN)
    chosen = relay_choice(results)
    if chosen is None:
        return Outcome(Status.SKIP, "Not measured: capacity needs a TURN relay with credentials (the platform's or "
                                    "IT's), and none worked.", {"measured": False})  # fmt: skip
    targets = {t.check_id: t for t in media_paths.targets(ctx.profile, ctx.options)}
    target = targets.get(chosen.id)
    if target is None:
        return Outcome(Status.SKIP, "Not measured: the relay is no longer known.", {"measured": False})
    creds, _kind = await media_paths.credentials_for(target, ctx)
    if creds is None:
        return Outcome(Status.SKIP, "Not measured: no relay credentials.", {"measured": False})
    d = chosen.details
    address = str(d.get("address") or target.url.host)
    proxy = None
    if d.get("path") == "proxy":
        found = await media_paths.proxies_for(target.url, ctx)
        proxy = next((p for p in found if str(p) == d.get("via")), None)
    media = next((r for r in ctx.results(Category.MEDIA) if r.status in (Status.PASS, Status.WARN)), None)
    train_loss = media.details.get("loss_pct") if media is not None else None
    prior = two_crossings(float(train_loss)) if isinstance(train_loss, (int, float)) else None
    details: dict[str, Any] = {"measured": True, "relay": str(target.url), "packet_bytes": PACKET_BYTES,
                               "steps_kbps": list(STEPS_KBPS)}  # fmt: skip
    sessions: list[turnclient.TurnSession] = []
    try:
        for _ in range(2):
            sessions.append(await media_paths.allocate(address, target.url, *creds, proxy=proxy))
        deadline = asyncio.get_running_loop().time() + _budget(ctx)
        steps, idle_ms = await load(sessions[0], sessions[1], deadline, prior)
    except (OSError, TimeoutError, connect.PhaseError, media_paths.AuthFailed, media_paths.AllocationRefused,
            turnclient.ErrorResponse) as exc:  # fmt: skip
        details.update({"measured": False, "error": str(exc) or type(exc).__name__})
        return Outcome(Status.SKIP, f"Not measured: the relay stopped working ({details['error']}).", details)
    finally:
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)
    if not steps or all(s.received == 0 for s in steps):
        details["measured"] = False
        return Outcome(Status.SKIP, "Not measured: nothing came back through the relay under load.", details)
    cap = conclude(steps, idle_ms, prior)
    bands = ctx.profile.media
    details.update({
        "carried_kbps": cap.carried_kbps, "need_kbps": bands.capacity_good_kbps,
        "min_video_kbps": bands.capacity_bad_kbps, "need_mbit": f"{bands.capacity_good_kbps / 1000:g}",
        "above_highest_step": cap.above_highest, "idle_delay_ms": cap.idle_delay_ms,
        "queue_delay_ms": cap.queue_ms, "loss_pct_under_load": cap.loss_pct,
        "carried_mbit": f"{cap.carried_kbps / 1000:.2f}",
        "steps": [{"rate_kbps": s.rate_kbps, "sent": s.sent, "received": s.received, "loss_pct": s.loss_pct,
                   "delivered_kbps": s.delivered_kbps, "delay_ms": s.delay_ms, "queue_ms": s.queue_ms} for s in steps],
    })  # fmt: skip
    status, summary, codes = judge(cap, bands)
    return Outcome(status, summary, details, codes)


def _budget(ctx: RunContext) -> float:
    return max(0.0, min(len(STEPS_KBPS) * (STEP_S + DRAIN_S) + 1.0, ctx.remaining_s() - 1.0))


def plan(profile: Profile, options: RunOptions) -> list[Check]:
    """One load check after the media-quality check (it needs the credentialed relay the media check used)."""
    if not profile.turn and not options.turn:
        return []
    # after every other network check (and the media train), so nothing of ours shares the link while it is loaded
    quiet = (Category.MEDIA, Category.HTTPS, Category.WSS, Category.PROXY, Category.TLS_INSPECTION,
             Category.CAPTIVE_PORTAL)  # fmt: skip
    relays = media_paths.path_contacts(profile, options, direct=False)  # the relay the media check proved
    return [Check("media_load:relay", Category.MEDIA_LOAD, "call-rate load through the relay",
                  "Can this connection carry video?", probe_capacity, 15.0, quiet, relays)]  # fmt: skip
