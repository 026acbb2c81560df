"""TLS inspection: product recognition by issuer (table), and end to end against a real HTTPS/WSS server whose
certificate comes from a corporate root the OS store trusts but the public roots do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.model import Category, CheckResult, Status
from app.probes import tls_inspection
from tests.unit.loopback_servers import DnsServer, HttpsServer, make_ca
from tests.unit.test_wss_probe import PROXY_VARS, checks, run, write_profile
from tests.unit.wss_server import WssServer


@pytest.mark.parametrize(
    ("issuer", "org", "product"),
    [
        ("Zscaler Intermediate Root CA (zscaler.net) (t)", "Zscaler Inc.", "Zscaler"),
        ("ca.goskope.com", "Netskope Inc", "Netskope"),
        ("FortiGate CA", "Fortinet", "Fortinet FortiGate"),
        ("Cisco Umbrella Secondary SubCA ash-SG", "Cisco", "Cisco Umbrella"),
        ("Palo Alto Decryption Trusted", "", "Palo Alto Networks"),
        ("Blue Coat ProxySG", "", "Blue Coat / Symantec"),
        ("Symantec Web Security Service", "", "Blue Coat / Symantec"),
        ("Forcepoint Cloud Security Gateway", "", "Forcepoint"),
        ("Sophos SSL CA_C0000000", "Sophos", "Sophos"),
        ("Check Point Inspection CA", "", "Check Point"),
        ("Example Corp Inspection CA", "Example Corp IT", tls_inspection.UNRECOGNISED),
    ],
)
def test_products_by_issuer(issuer: str, org: str, product: str) -> None:
    assert tls_inspection.recognise_product(issuer, org) == product


def _row(target: str, trusted: object, issuer: str = "") -> CheckResult:
    details = {"publicly_trusted": trusted, "certificate": {"issuer": issuer, "issuer_org": ""} if issuer else {}}
    return CheckResult(f"https:{target}", Category.HTTPS, target, target, Status.PASS, "", 1, details)


def test_assess_rules() -> None:
    out = tls_inspection.assess([_row("a", False, "Zscaler Root CA"), _row("b", True, "R3")])
    assert out.status is Status.WARN and out.findings == ("tls_inspection",)
    assert (out.details["issuer"], out.details["product"], out.details["inspected_count"]) == (
        "Zscaler Root CA",
        "Zscaler",
        1,
    )
    assert tls_inspection.assess([_row("b", True, "R3")]).status is Status.PASS
    assert tls_inspection.assess([_row("c", None)]).status is Status.SKIP


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory):
    corp = make_ca(tmp_path_factory.mktemp("corp"), ["web.test", "ok.test"], "Zscaler Root CA")
    public = make_ca(tmp_path_factory.mktemp("public"), ["unrelated.test"], "Public Root")
    dns_server = DnsServer().start()
    web = HttpsServer(corp).start()
    ws = WssServer(corp.cert_pem, corp.key_pem)
    yield {"corp": corp, "public": public, "dns": dns_server, "web": web, "wss": ws}
    for s in (ws, web, dns_server):
        s.stop()


def test_inspection_named_with_product_and_exempt_advice(inspected, tmp_path: Path, monkeypatch) -> None:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(inspected["corp"].ca_pem))  # the OS store trusts the corporate root
    web, ws = f"https://web.test:{inspected['web'].port}/", f"wss://ok.test:{inspected['wss'].port}/"
    prof = write_profile(tmp_path / "p.toml", [web], [ws])
    prof.write_text(prof.read_text() + '[[domains]]\npattern = "*.web.test"\npurpose = "t"\nsource = "t"\n')
    result = run(prof, inspected["dns"].port, public_roots=inspected["public"].ca_pem)
    assert checks(result, Category.HTTPS)[web].status is Status.PASS
    assert checks(result, Category.WSS)[ws].status is Status.PASS
    check = checks(result, Category.TLS_INSPECTION)["ok.test, web.test"]
    assert check.status is Status.WARN and check.details["inspected_count"] == 2
    finding = next(f for f in result.findings if f.code == "tls_inspection")
    assert (
        "Zscaler Root CA (Zscaler)" in finding.it_action
        and "Exempt *.web.test from TLS inspection" in finding.it_action
    )
