"""Soak (issue 14): 200 runs of a session in one process against loopback servers, half answering, half silent.
Nothing may accumulate: the same open file descriptors and threads at the end as after the first run, and RSS
within 10 %. Slow (about 3 minutes), so deselected by default (pyproject addopts); run with `pytest -m soak -s`."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from pathlib import Path

import psutil
import pytest

from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.probes import dns, https, tls_inspection
from tests.unit.loopback_servers import DnsServer, HttpsServer, SilentServer, make_ca
from tests.unit.test_probes_dns_https import write_profile
from tests.unit.test_wss_probe import PROXY_VARS

pytestmark = pytest.mark.soak

RUNS = int(os.environ.get("CALLREADY_SOAK_RUNS", "200"))
PLANNERS = [dns.plan, https.plan, tls_inspection.plan]


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_two_hundred_sessions_leak_no_fds_threads_or_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    ca = make_ca(tmp_path / "ca", ["web.test", "silent-web.test"])
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_pem))
    dns_server, web, silent = DnsServer().start(), HttpsServer(ca).start(), SilentServer()
    answering = load_profile(str(write_profile(tmp_path / "a.toml", [f"https://web.test:{web.port}/"])))
    quiet = load_profile(str(write_profile(tmp_path / "s.toml", [f"https://silent-web.test:{silent.port}/"])))
    options = RunOptions(timeout_s=1.5, nameservers=(f"127.0.0.1:{dns_server.port}",), public_roots=ca.ca_pem,
                         loopback_is_real=True)  # fmt: skip
    proc = psutil.Process()
    try:
        baseline: tuple[int, int, int] | None = None
        for i in range(RUNS):
            profile = answering if i % 2 == 0 else quiet
            result = asyncio.run(Session(profile, options, planners=PLANNERS).run())
            web_checks = [c for c in result.checks if c.category is Category.HTTPS]
            if i % 2 == 0:
                assert [c.status for c in web_checks] == [Status.PASS], web_checks
            else:
                assert all(c.status is not Status.PASS for c in web_checks), web_checks
            if i == 1:  # after the first answering and the first silent run: caches and pools are warm
                gc.collect()
                baseline = (_fds(), threading.active_count(), proc.memory_info().rss)
        gc.collect()
        end = (_fds(), threading.active_count(), proc.memory_info().rss)
    finally:
        web.stop()
        silent.stop()
        dns_server.stop()
    assert baseline is not None
    print(f"\nsoak: {RUNS} runs; fds {baseline[0]} -> {end[0]}, threads {baseline[1]} -> {end[1]}, "
          f"RSS {baseline[2] / 2**20:.1f} -> {end[2] / 2**20:.1f} MiB ({(end[2] / baseline[2] - 1) * 100:+.1f} %)")  # fmt: skip
    assert end[0] == baseline[0], "file descriptors accumulated"
    assert end[1] == baseline[1], "threads accumulated"
    assert end[2] <= baseline[2] * 1.10, "RSS grew by more than 10 %"
