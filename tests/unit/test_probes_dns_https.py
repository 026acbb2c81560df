"""DNS and HTTPS probes against real servers on loopback: normal, NXDOMAIN, SERVFAIL, sinkhole, silent."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.engine.model import Category, Status, Verdict
from app.engine.options import RunOptions
from app.engine.profile import load_profile
from app.engine.session import Session
from app.net import http
from app.probes import dns as dns_probe
from tests.unit.loopback_servers import DnsServer, HttpsServer, SilentServer, free_closed_port, make_ca

NAMES = ["ok.test", "web.test", "json.test", "silent-web.test", "closed.test", "slow.test"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("ca")
    ca = make_ca(folder, NAMES)
    dns_server = DnsServer().start()
    https = HttpsServer(ca).start()
    silent = SilentServer()
    yield {"ca": ca, "dns": dns_server, "https": https, "silent": silent, "closed": free_closed_port()}
    dns_server.stop()
    https.stop()
    silent.stop()


@pytest.fixture()
def os_trusts_ca(servers, monkeypatch: pytest.MonkeyPatch):
    """The test CA plays the operating system's store (truststore reads OpenSSL's default paths)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(servers["ca"].ca_pem))


def write_profile(path: Path, web: list[str], extra_hosts: list[str] = ()) -> Path:
    """A minimal valid profile whose probe targets are the loopback servers."""
    lines = [
        'schema_version = 1', 'id = "loop"', 'name = "Loopback"', 'version = "1"', 'video_provider = "Test"',
        'window_title = "Loopback check"', 'support_email = "help@example.org"', 'recommended_browser = "Any"',
        'browser_advice = "Any browser."', '[sources.t]', 'title = "test"',
    ]  # fmt: skip
    for url in web:
        lines += ["[[web]]", f'url = "{url}"', 'purpose = "test"', 'source = "t"']
    for host in extra_hosts:
        lines += ["[[wss]]", f'url = "wss://{host}/"', 'purpose = "test"', 'source = "t"']
    path.write_text("\n".join(lines) + "\n")
    return path


def run_session(profile_path: Path, servers, timeout: float = 20.0, public_roots: Path | None = None):
    profile = load_profile(str(profile_path))
    options = RunOptions(
        timeout_s=timeout,
        nameservers=(f"127.0.0.1:{servers['dns'].port}",),
        public_roots=public_roots,
        loopback_is_real=True,
        skip_categories=frozenset({"wss"}),  # [[wss]] rows here only name hosts for DNS
    )
    events: list[object] = []
    result = asyncio.run(Session(profile, options, events.append).run())
    return result, events


def by_target(result, category: Category) -> dict[str, object]:
    return {c.target: c for c in result.checks if c.category is category}


def test_dns_probe_tells_answers_apart(servers, os_trusts_ca, tmp_path: Path) -> None:
    hosts = ["ok.test", "nx.test", "fail.test", "refused.test", "hole.test", "slow.test"]
    prof = write_profile(tmp_path / "p.toml", [], hosts)
    result, _ = run_session(prof, servers, public_roots=servers["ca"].ca_pem)
    dns = by_target(result, Category.DNS)
    assert dns["ok.test"].status is Status.PASS and "127.0.0.1" in dns["ok.test"].summary
    assert dns["ok.test"].details["answered_by"] == f"127.0.0.1:{servers['dns'].port}"
    assert dns["nx.test"].findings == ("dns_nxdomain",)
    assert dns["fail.test"].findings == ("dns_failure",) and "SERVFAIL" in dns["fail.test"].summary
    assert dns["refused.test"].findings == ("dns_failure",) and "REFUSED" in dns["refused.test"].summary
    assert dns["hole.test"].findings == ("dns_sinkhole",) and "0.0.0.0" in dns["hole.test"].summary
    assert dns["slow.test"].status is Status.WARN and dns["slow.test"].findings == ("dns_slow",)
    codes = {f.code for f in result.findings}
    assert {"dns_nxdomain", "dns_failure", "dns_sinkhole", "dns_slow"} <= codes
    assert result.verdict is Verdict.BLOCKED


def test_silent_dns_server_is_a_timeout_not_a_hang(servers, tmp_path: Path) -> None:
    prof = write_profile(tmp_path / "p.toml", [], ["silent.test"])
    start = time.perf_counter()
    result, _ = run_session(prof, servers)
    elapsed = time.perf_counter() - start
    check = by_target(result, Category.DNS)["silent.test"]
    assert check.status is Status.FAIL and check.details["queries"]["A"]["rcode"] == "timeout"
    assert elapsed < dns_probe.QUERY_TIMEOUT_S + 4


def test_https_probe_reaches_json_path_and_times_phases(servers, os_trusts_ca, tmp_path: Path) -> None:
    port = servers["https"].port
    prof = write_profile(tmp_path / "p.toml", [f"https://json.test:{port}/_ks_/x-swsl/:", f"https://web.test:{port}/"])
    result, _ = run_session(prof, servers, public_roots=servers["ca"].ca_pem)
    https = by_target(result, Category.HTTPS)
    json_check = https[f"https://json.test:{port}/_ks_/x-swsl/:"]
    assert json_check.status is Status.PASS, json_check.summary
    assert set(json_check.details["timings_ms"]) == {"connect", "tls", "http"}
    assert json_check.details["certificate"]["issuer"] == "CallReady Test Root CA"
    assert json_check.details["publicly_trusted"] is True
    assert result.verdict in (Verdict.READY, Verdict.INCOMPLETE)


def test_https_expecting_json_warns_on_html(servers, os_trusts_ca, tmp_path: Path) -> None:
    port = servers["https"].port
    path = tmp_path / "p.toml"
    write_profile(path, [f"https://web.test:{port}/"])
    path.write_text(path.read_text().replace('purpose = "test"', 'expect = "json"\npurpose = "test"', 1))
    result, _ = run_session(path, servers)
    check = next(iter(by_target(result, Category.HTTPS).values()))
    assert check.status is Status.WARN and "not the expected JSON" in check.summary


def test_untrusted_certificate_is_a_tls_error_with_issuer(servers, tmp_path: Path, monkeypatch) -> None:
    other = make_ca(tmp_path / "other", ["unrelated.test"], "Some Other Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_pem))
    port = servers["https"].port
    prof = write_profile(tmp_path / "p.toml", [f"https://web.test:{port}/"])
    result, _ = run_session(prof, servers)
    check = next(iter(by_target(result, Category.HTTPS).values()))
    assert check.status is Status.FAIL and check.findings == ("tls_error",)
    assert check.details["certificate"]["issuer"] == "CallReady Test Root CA"
    assert "tls_error" in {f.code for f in result.findings}


def test_inspection_hint_when_only_os_store_trusts(servers, os_trusts_ca, tmp_path: Path) -> None:
    other = make_ca(tmp_path / "public", ["unrelated.test"], "Public Root")
    port = servers["https"].port
    prof = write_profile(tmp_path / "p.toml", [f"https://web.test:{port}/"])
    result, _ = run_session(prof, servers, public_roots=other.ca_pem)
    check = next(iter(by_target(result, Category.HTTPS).values()))
    assert check.status is Status.PASS and check.details["publicly_trusted"] is False


def test_refused_and_silent_servers(servers, os_trusts_ca, tmp_path: Path) -> None:
    closed, silent = servers["closed"], servers["silent"].port
    prof = write_profile(tmp_path / "p.toml", [f"https://closed.test:{closed}/", f"https://silent-web.test:{silent}/"])
    start = time.perf_counter()
    result, _ = run_session(prof, servers)
    elapsed = time.perf_counter() - start
    https = by_target(result, Category.HTTPS)
    refused = https[f"https://closed.test:{closed}/"]
    assert refused.details["error_kind"] == "refused" and refused.findings == ("https_blocked",)
    hung = https[f"https://silent-web.test:{silent}/"]
    assert hung.details["failed_phase"] == "tls" and hung.details["error_kind"] == "timeout"
    assert elapsed < http.TLS_TIMEOUT_S + 4
    assert result.verdict is Verdict.BLOCKED


def test_run_deadline_ends_a_hanging_run_and_keeps_partial_results(servers, os_trusts_ca, tmp_path: Path) -> None:
    silent = servers["silent"].port
    prof = write_profile(tmp_path / "p.toml", [f"https://silent-web.test:{silent}/"], ["ok.test", "silent.test"])
    start = time.perf_counter()
    result, events = run_session(prof, servers, timeout=1.5)
    elapsed = time.perf_counter() - start
    assert elapsed < 4.0  # 1.5 s deadline plus cleanup, with slack for a loaded 2-core machine
    assert result.ended_by == "deadline" and not result.finished
    done = {c.target: c for c in result.checks}
    assert done["ok.test"].finished and done["ok.test"].status is Status.PASS
    assert not done["silent.test"].finished and done["silent.test"].status is Status.SKIP
    assert result.verdict is Verdict.INCOMPLETE
    assert len([e for e in events if type(e).__name__ == "CheckFinished"]) == len(result.checks)
