"""Mail gateway recognition from real MX host names, and the allowlisting steps."""

from __future__ import annotations

import pytest

from app.probes import mailgw

# Real-world MX host name shapes of each service.
MX_TABLE = [
    (["contoso-com.mail.protection.outlook.com"], "m365"),
    (["contoso-de.mail.protection.outlook.de"], "m365"),
    (["aspmx.l.google.com", "alt1.aspmx.l.google.com", "aspmx2.googlemail.com"], "google"),
    (["smtp.google.com"], "google"),
    (["mx0a-001b2d01.pphosted.com", "mx0b-001b2d01.pphosted.com"], "proofpoint"),
    (["mx1-us1.ppe-hosted.com"], "proofpoint"),
    (["us-smtp-inbound-1.mimecast.com", "us-smtp-inbound-2.mimecast.com"], "mimecast"),
    (["eu-smtp-inbound-1.mimecast.com"], "mimecast"),
    (["za-smtp-inbound-1.mimecast.co.za"], "mimecast"),
    (["d123456a.ess.barracudanetworks.com"], "barracuda"),
    (["mx1.hc1234-56.iphmx.com", "mx2.hc1234-56.iphmx.com"], "cisco"),
    (["cluster1.eu.messagelabs.com", "cluster1a.eu.messagelabs.com"], "symantec"),
    (["cluster-a.mailcontrol.com"], "forcepoint"),
    (["contoso.in.tmes.trendmicro.com"], "trendmicro"),
    (["mx-01-us-west-2.prod.hydra.sophos.com"], "sophos"),
    (["mx01.hornetsecurity.com", "mx02.hornetsecurity.com"], "hornetsecurity"),
    (["mail.contoso.com"], None),
    (["outlook.com.evil.example"], None),
    (["aspmx.l.google.com.evil.example"], None),
]


@pytest.mark.parametrize(("hosts", "gateway"), MX_TABLE)
def test_recognise(hosts: list[str], gateway: str | None) -> None:
    found = mailgw.recognise(hosts)
    assert (found.id if found else None) == gateway


def test_most_preferred_recognised_gateway_wins() -> None:
    mx = mailgw.mx_hosts(["20 contoso-com.mail.protection.outlook.com.", "10 mx0a-1.pphosted.com."])
    assert mx == [(10, "mx0a-1.pphosted.com"), (20, "contoso-com.mail.protection.outlook.com")]
    assert mailgw.recognise(h for _, h in mx).id == "proofpoint"


def test_null_mx() -> None:
    assert mailgw.is_null_mx(mailgw.mx_hosts(["0 ."]))
    assert not mailgw.is_null_mx(mailgw.mx_hosts(["0 mx.example."]))
    assert not mailgw.is_null_mx([])


@pytest.mark.parametrize(
    ("txt", "autodiscover", "host"),
    [
        (["v=spf1 include:spf.protection.outlook.com -all"], "", "m365"),
        (["MS=ms12345678"], "", "m365"),
        ([], "autodiscover.outlook.com.", "m365"),
        (["v=spf1 include:_spf.google.com ~all"], "", "google"),
        (["v=spf1 mx -all"], "", ""),
    ],
)
def test_mailbox_host(txt: list[str], autodiscover: str, host: str) -> None:
    assert mailgw.mailbox_host(txt, autodiscover) == host


def gateway(gid: str) -> mailgw.Gateway:
    return next(g for g in mailgw.GATEWAYS if g.id == gid)


def test_steps_name_the_sender_and_add_m365_when_behind_a_gateway() -> None:
    ips = ["149.72.33.196", "129.213.22.154"]
    pp = gateway("proofpoint")
    alone = mailgw.allowlist_steps(pp, "floevents.email", ips)
    assert "floevents.email" in alone and "149.72.33.196, 129.213.22.154" in alone and "Microsoft" not in alone
    behind = mailgw.allowlist_steps(pp, "floevents.email", ips, "m365")
    assert "Enhanced Filtering for Connectors" in behind and "Connection filter policy" in behind
    assert mailgw.step_sources(pp, "m365") == [mailgw.M365_BEHIND_GATEWAY_SOURCE, mailgw.M365_SOURCE]
    unknown = mailgw.allowlist_steps(None, "floevents.email", ips)
    assert "floevents.email" in unknown and "129.213.22.154" in unknown
    assert all("{" not in mailgw.allowlist_steps(g, "d.example", ips, "m365") for g in mailgw.GATEWAYS)


# The vendor documentation host each sourced gateway's steps come from.
VENDOR_HOSTS = {
    "m365": "learn.microsoft.com", "google": "support.google.com", "mimecast": "mimecastsupport.zendesk.com",
    "barracuda": "campus.barracuda.com", "sophos": "docs.sophos.com",
    "trendmicro": "docs.trendmicro.com", "cisco": "www.cisco.com", "hornetsecurity": "www.hornetsecurity.com",
}  # fmt: skip


@pytest.mark.parametrize("g", mailgw.GATEWAYS, ids=lambda g: g.id)
def test_each_gateway_names_its_source_or_no_menu(g: mailgw.Gateway) -> None:
    """Steps with a console menu path cite the vendor page they come from; the others give no menu path."""
    if g.id in VENDOR_HOSTS:
        assert all(u.startswith(f"https://{VENDOR_HOSTS[g.id]}/") for u in mailgw.step_sources(g)), g.source
        assert ">" in g.steps  # a menu path, taken from that page
        assert mailgw.step_sources(g) == g.source.split() != []
    else:
        assert g.source == "" and ">" not in g.steps and "no vendor page" in g.steps
        assert mailgw.step_sources(g) == []
