"""Lab scenarios as data: one row per network situation, with the verdict CallReady must reach.

A scenario says what the firewall does (nftables rules for the router's forward chain), what the
resolver answers, which extra servers run, and what the client's environment is. Rule and DNS text
may use lab placeholders: `{dns}`, `{dns_slow}`, `{web}`, `{turn}`, `{turn_alt}`, `{turn_rest}`,
`{proxy}`, `{client}`, `{mail}`, `{lan}`/`{wan}`/`{dmz}` (firewall interfaces), `{proxy_port}`, ...
Adding a scenario is adding a row to `_ROWS` (see docs/lab.md).

Rules are stateless on purpose (no `ct state established accept`): conntrack entries survive a
scenario switch, so a stateful rule set could let a flow from the previous scenario through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# Categories every full flo-recruit run must report (one check or more each).
LOSSY_UDP_PCT = 10  # issue 4: nft random loss of 10 % on UDP
CORE_CATEGORIES = frozenset({"dns", "https", "wss", "stun", "turn_udp", "turn_tcp", "turn_tls", "media"})

VERDICT_EXIT = {"ready": 0, "degraded": 1, "blocked": 2, "incomplete": 1}


@dataclass(frozen=True)
class Expect:
    """What the app must report: verdict, finding codes present/absent, categories present."""

    verdict: str
    codes: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    categories: frozenset[str] = CORE_CATEGORIES
    no_problems: bool = False  # no finding of severity warning or error
    summaries: tuple[tuple[str, str], ...] = ()  # (check id, text its summary must contain)
    not_raised: frozenset[str] = frozenset()  # codes that must not be run findings (a check may still observe them)
    figures: tuple[tuple[str, str, float, float], ...] = ()  # (check id, details key, low, high) the figure must meet

    @property
    def exit_code(self) -> int:
        return VERDICT_EXIT[self.verdict]

    def mismatches(self, result: Mapping[str, Any], exit_code: int | None = None) -> list[str]:
        """Every way a CallReady JSON result (and exit code) differs from this expectation; [] when it matches."""
        out = []
        verdict = result.get("verdict")
        if verdict != self.verdict:
            out.append(f"verdict {verdict!r}, expected {self.verdict!r}")
        if exit_code is not None and exit_code != self.exit_code:
            out.append(f"exit code {exit_code}, expected {self.exit_code}")
        codes = finding_codes(result)
        if missing := sorted(self.codes - codes):
            out.append(f"missing finding codes {missing}")
        if unwanted := sorted(self.absent & codes):
            out.append(f"unexpected finding codes {unwanted}")
        categories = {c.get("category") for c in result.get("checks", [])}
        wanted = set(self.categories)
        prof = result.get("profile") or {}
        if isinstance(prof, Mapping) and prof.get("id"):  # core categories the profile has no targets for are not due
            wanted -= CORE_CATEGORIES - profile_categories(str(prof["id"]), prof.get("region"))
        if lacking := sorted(wanted - categories):
            out.append(f"no checks in categories {lacking}")
        raised = {f.get("code") for f in result.get("findings", []) if isinstance(f, Mapping)}
        if unwanted := sorted(self.not_raised & raised):
            out.append(f"unexpected run findings {unwanted}")
        details = {c.get("id"): c.get("details") or {} for c in result.get("checks", [])}
        for check_id, key, low, high in self.figures:
            value = details.get(check_id, {}).get(key)
            if not isinstance(value, (int, float)) or not low <= value <= high:
                out.append(f"{check_id}: {key} = {value!r}, expected {low:g}..{high:g}")
        by_id = {c.get("id"): str(c.get("summary", "")) for c in result.get("checks", [])}
        for check_id, text in self.summaries:
            if text not in by_id.get(check_id, ""):
                out.append(f"{check_id}: summary {by_id.get(check_id)!r} lacks {text!r}")
        if self.no_problems:
            bad = sorted(
                f"{f.get('code')} ({f.get('severity')})"
                for f in result.get("findings", [])
                if f.get("severity") in ("warning", "error")
            )
            if bad:
                out.append(f"warning/error findings {bad}")
        return out


def profile_categories(profile_id: str, region: str | None = None) -> frozenset[str]:
    """The core categories a profile has targets for (KUDO lists no TURN over TCP, for one)."""
    from app.engine.profile import load_profile

    prof = load_profile(profile_id, region)
    found = {"dns", "media"}
    found |= {"https"} if prof.web or prof.signalling else set()
    found |= {"wss"} if prof.wss or prof.signalling else set()
    found |= {"stun"} if prof.stun else set()
    found |= {f"turn_{t.url.transport}" for t in prof.turn}
    return frozenset(found)


def finding_codes(result: Mapping[str, Any]) -> set[str]:
    """Codes of the run's findings plus those attached to individual checks."""
    codes = {f["code"] if isinstance(f, Mapping) else f for f in result.get("findings", [])}
    for c in result.get("checks", []):
        codes |= {f["code"] if isinstance(f, Mapping) else f for f in c.get("findings", [])}
    return codes


def summarize(result: Mapping[str, Any]) -> str:
    """A readable digest of a result for assertion messages: verdict, one line per check, findings."""
    lines = [f"verdict: {result.get('verdict')} ({result.get('reason', '')})"]
    for c in result.get("checks", []):
        codes = ",".join(f["code"] if isinstance(f, Mapping) else f for f in c.get("findings", []))
        lines.append(
            f"  {c.get('status', '?'):4} {c.get('category', '?'):14} {c.get('target', '')[:50]:50} {c.get('summary', '')[:90]} [{codes}]"
        )
    lines.append("findings: " + ", ".join(f"{f.get('code')}({f.get('severity')})" for f in result.get("findings", [])))
    return "\n".join(lines)


@dataclass(frozen=True)
class Scenario:
    """A network situation the lab can build."""

    name: str
    description: str
    expect: Expect
    forward: str = ""  # nft rules (one per line) for the firewall's forward chain, policy accept
    nat: bool = True  # the firewall masquerades the client behind its WAN address, like a home router
    dns: Mapping[str, str] = field(default_factory=dict)  # domain suffix or "@platform" -> nxdomain|sinkhole|IP
    dns_extra: tuple[str, ...] = ()  # extra dnsmasq lines (txt-record=, mx-host=, ptr-record=, address=, ...)
    resolver: str = "dns"  # Addresses field the client's resolv.conf points to
    offline: bool = False  # the client has no default route
    shape_down: str | None = (
        None  # tc tbf arguments on the firewall's LAN side, e.g. "rate 1mbit burst 32kbit latency 400ms"
    )
    shape_up: str | None = None  # same on the WAN side
    servers: frozenset[str] = frozenset()  # extra servers: dns_slow, squid (core: dnsmasq, web, coturn, coturn_rest)
    os_trust: tuple[str, ...] = ("lab",)  # CAs in the client's OS store: lab, corp
    client_env: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # extra `app check` arguments (placeholders allowed)
    profile: str = "flo-recruit"
    vpn: str = ""  # "full" | "split": a vxlan named cscotun0 carries the default route to cr-fw (tests/lab/vpnlab.py)


def loss(percent: int, match: str = "meta l4proto udp") -> str:
    """An nft rule dropping `percent`% of matching packets at random (netem is not in this kernel)."""
    return f"{match} numgen random mod 100 < {percent} drop"


# DNS to the lab resolver (both directions; stateless).
ALLOW_DNS = """
ip daddr {dns} meta l4proto { udp, tcp } th dport 53 accept
ip saddr {dns} meta l4proto { udp, tcp } th sport 53 accept
"""

# Only the proxy (DMZ) may talk to the internet; the client reaches the proxy and DNS, nothing else.
PROXY_ONLY = (
    ALLOW_DNS
    + """
iifname "{dmz}" accept
oifname "{dmz}" accept
drop
"""
)

# Extra zone lines every scenario gets (the profiles' mail senders are generated from the profiles).
BASE_ZONE: tuple[str, ...] = (
    # the candidate's own mail domain, for `--email someone@candidate.test`
    "mx-host=candidate.test,mx.candidate.test,10",
    "host-record=mx.candidate.test,{mail}",
    'txt-record=candidate.test,"v=spf1 mx -all"',
)

# What random loss must never be reported as (issue 21): a failure needs every resend to go unanswered.
LOSS_NOT_A_BLOCK = frozenset({
    "dns_failure", "dns_nxdomain", "dns_slow", "offline", "udp_blocked", "stun_blocked", "turn_udp_blocked",
    "media_blocked", "check_unfinished",
})  # fmt: skip

MAIL_PROBLEMS = frozenset(
    {"email_sender_not_authorized", "email_sender_blocklisted", "email_dmarc_missing", "email_no_mx"}
)

_ROWS: tuple[Scenario, ...] = (
    Scenario(
        "open",
        "Nothing blocked: every server reachable.",
        Expect("ready", no_problems=True),
    ),
    Scenario(
        "udp_blocked",
        "All UDP dropped except DNS to the resolver; TCP passes.",
        Expect(
            "degraded",
            codes=frozenset({"udp_blocked", "stun_blocked", "turn_udp_blocked", "relay_only"}),
            absent=frozenset({"media_blocked"}),
        ),
        forward="""
        ip daddr {dns} udp dport 53 accept
        ip saddr {dns} udp sport 53 accept
        meta l4proto udp drop
        """,
    ),
    *(
        Scenario(
            f"open_{pid}",
            f"Nothing blocked, with the {pid} profile: every name it probes exists and answers as the real one does.",
            Expect("ready", no_problems=True),
            profile=pid,
        )
        for pid in ("daily", "kudo", "whereby")
    ),
    # ---- the access link's capacity (issue 22): tc tbf both ways; the call-rate load must find the rate within 20 %
    *(
        Scenario(
            f"shaped_{label}",
            f"The access link carries {label}bit/s each way (tc tbf down and up): the call-rate load through Daily's "
            "relay must report that rate within 20 % (or 'above the highest step').",
            Expect(verdict, codes=codes, figures=(("media_load:relay", "carried_kbps", low, high),)),
            shape_down=f"rate {rate}kbit burst {burst} latency 60ms",
            shape_up=f"rate {rate}kbit burst {burst} latency 60ms",
        )
        for label, rate, burst, verdict, codes, low, high in (
            ("256k", 256, "4kb", "degraded", frozenset({"low_capacity"}), 205, 307),
            ("384k", 384, "4kb", "degraded", frozenset({"low_capacity"}), 307, 461),
            ("1m", 1000, "8kb", "degraded", frozenset({"capacity_below_hd"}), 800, 1200),
            ("20m", 20000, "64kb", "ready", frozenset(), 2500, 2500),
        )
    ),
    Scenario(
        "signalling_blocked",
        "Daily's signalling workers unreachable (TCP 443 to the worker address dropped); web and discovery work.",
        Expect(
            "blocked",
            codes=frozenset({"websocket_blocked"}),
            absent=frozenset({"https_blocked", "signalling_discovery_failed", "media_blocked"}),
        ),
        forward="ip daddr {wss} tcp dport 443 drop",
    ),
    Scenario(
        "discovery_unreachable",
        "gs.daily.co (Daily's discovery service) unreachable; everything else works: an HTTPS finding, not a "
        "blocked WebSocket.",
        Expect("blocked", codes=frozenset({"https_blocked"}), absent=frozenset({"websocket_blocked", "media_blocked"})),
        forward="ip daddr {discovery} tcp dport 443 drop",
    ),
    Scenario(
        "tcp443_only",
        "Only DNS to the resolver and TCP 443 pass; everything else dropped. Media is measured through Daily's own "
        "TURN over TCP 443 with the ICE servers' credentials.",
        Expect(
            "degraded",
            codes=frozenset({"relay_only", "udp_blocked", "alternate_server_unreachable"}),
            absent=frozenset({"media_blocked", "websocket_blocked", "https_blocked"}),
            not_raised=frozenset({"turn_tcp_blocked"}),  # TCP 3478 fails, TCP 443 works: information
            summaries=(
                ("media:quality", "TURN over TCP to global.turn.twilio.com:443 (relay loop"),
                ("turn_tcp:global.turn.twilio.com:443", "media looped through two allocations"),
            ),
        ),
        forward=ALLOW_DNS
        + """
        tcp dport 443 accept
        tcp sport 443 accept
        drop
        """,
    ),
    Scenario(
        "dns_nxdomain",
        "The resolver answers NXDOMAIN for the platforms' domains.",
        Expect("blocked", codes=frozenset({"dns_nxdomain"})),
        dns={"@platform": "nxdomain"},
    ),
    Scenario(
        "dns_sinkhole",
        "The resolver answers 0.0.0.0 (and ::) for the platforms' domains.",
        Expect("blocked", codes=frozenset({"dns_sinkhole"})),
        dns={"@platform": "sinkhole"},
    ),
    Scenario(
        "https_blocked",
        "TCP 443 to the web server address dropped (TURN, on its own address, still reachable).",
        Expect("blocked", codes=frozenset({"https_blocked"})),
        forward="ip daddr {web} tcp dport 443 drop",
    ),
    Scenario(
        "stun_dpi_blocked",
        "UDP packets carrying the STUN magic cookie dropped (DPI); other UDP, classic RFC 3489 STUN included, passes.",
        Expect("degraded", codes=frozenset({"stun_blocked", "relay_only"}), absent=frozenset({"udp_blocked"})),
        forward="meta l4proto udp @th,96,32 0x2112a442 drop",
    ),
    Scenario(
        "offline",
        "The client has no route out (no default route): nothing, not even DNS, is reachable.",
        Expect("blocked", codes=frozenset({"offline"})),
        offline=True,
    ),
    Scenario(
        "slow_dns",
        "The resolver answers every query 4 s late.",
        Expect("degraded", codes=frozenset({"dns_slow"})),
        resolver="dns_slow",
        servers=frozenset({"dns_slow"}),
    ),
    Scenario(
        "blackhole",
        "Everything except DNS silently dropped (worst case for timeouts; used by the benchmark).",
        Expect("blocked", codes=frozenset({"https_blocked"})),
        forward=ALLOW_DNS + "\ndrop\n",
    ),
    Scenario(
        "lossy_udp",
        "10 % of UDP (DNS excepted) dropped at random each way; media must measure it within 3 points.",
        Expect("degraded", codes=frozenset({"high_packet_loss"}), absent=frozenset({"udp_blocked", "media_blocked"})),
        forward=loss(LOSSY_UDP_PCT, "ip saddr != {dns} ip daddr != {dns} meta l4proto udp"),
    ),
    # ---- loss on ALL UDP, DNS included (issue 21): resends absorb it; the loss is named, never a block
    Scenario(
        "loss_all_udp_3",
        "3 % of all UDP, DNS included, dropped at random each way (a flaky Wi-Fi where calls work).",
        Expect(
            "ready", codes=frozenset({"packet_loss"}), absent=LOSS_NOT_A_BLOCK | {"high_packet_loss"}, no_problems=True
        ),
        forward=loss(3),
    ),
    Scenario(
        "loss_all_udp_15",
        "15 % of all UDP, DNS included, dropped at random each way: calls suffer, but every name and route is found.",
        Expect("degraded", codes=frozenset({"high_packet_loss"}), absent=LOSS_NOT_A_BLOCK),
        forward=loss(15),
    ),
    Scenario(
        "turn_credentials",
        "Open network; IT's TURN relay (coturn with a REST secret) given on the command line: relay loop proven.",
        Expect("ready", no_problems=True),
        args=("--turn", "turn:{turn_rest}:3478?transport=udp", "--turn-secret", "lab-rest-secret"),
    ),
    # ---- VPN (issue 6)
    Scenario(
        "vpn_full_tunnel",
        "A VPN adapter named like Cisco AnyConnect's (cscotun0, a vxlan to the firewall as gateway) carries everything.",
        Expect(
            "degraded",
            codes=frozenset({"vpn_detected", "vpn_full_tunnel"}),
            absent=frozenset({"vpn_split_tunnel"}),
            categories=CORE_CATEGORIES | {"vpn"},
        ),
        vpn="full",
    ),
    Scenario(
        "vpn_split_tunnel",
        "The same VPN, with the platform's published ranges and the lab servers routed outside the tunnel.",
        Expect(
            "ready",
            codes=frozenset({"vpn_detected", "vpn_split_tunnel"}),
            absent=frozenset({"vpn_full_tunnel"}),
            categories=CORE_CATEGORIES | {"vpn"},
            no_problems=True,
        ),
        vpn="split",
    ),
    # ---- email deliverability (issue 7); the sender zone is generated from the profile, rows replace lines of it
    Scenario(
        "mail_healthy",
        "Healthy sender (SPF, DMARC, DKIM, FCrDNS, usable blocklists); the candidate's domain has its own mail server.",
        Expect(
            "ready",
            codes=frozenset({"email_gateway"}),
            absent=MAIL_PROBLEMS | {"email_blocklist_unusable"},
            categories=CORE_CATEGORIES | {"email"},
            no_problems=True,
        ),
        args=("--email", "pat@candidate.test"),
    ),
    Scenario(
        "mail_spf_gap",
        "The sender's SPF record leaves out one of the three sending IPs (155.248.199.62).",
        Expect("degraded", codes=frozenset({"email_sender_not_authorized"}), categories=CORE_CATEGORIES | {"email"}),
        dns_extra=('txt-record=floevents.email,"v=spf1 ip4:149.72.33.196 ip4:129.213.22.154 ~all"',),
        args=("--email", "pat@candidate.test"),
    ),
    Scenario(
        "mail_spf_lookup_limit",
        "The sender's SPF is a chain of 12 includes: over RFC 7208's 10-lookup limit (permerror).",
        Expect("degraded", codes=frozenset({"email_sender_not_authorized"}), categories=CORE_CATEGORIES | {"email"}),
        dns_extra=(
            'txt-record=floevents.email,"v=spf1 include:i1.spf.floevents.email ~all"',
            *(
                f'txt-record=i{i}.spf.floevents.email,"v=spf1 include:i{i + 1}.spf.floevents.email ~all"'
                for i in range(1, 12)
            ),
            'txt-record=i12.spf.floevents.email,"v=spf1 ip4:149.72.33.196 ip4:129.213.22.154 ip4:155.248.199.62 ~all"',
        ),
        args=("--email", "pat@candidate.test"),  # without an address the sender checks are never judged (issue 15)
    ),
    Scenario(
        "mail_blocklisted",
        "zen.spamhaus.org lists one sending IP (149.72.33.196).",
        Expect(
            "degraded",
            codes=frozenset({"email_sender_blocklisted"}),
            absent=frozenset({"email_blocklist_unusable"}),
            categories=CORE_CATEGORIES | {"email"},
        ),
        dns_extra=("address=/196.33.72.149.zen.spamhaus.org/127.0.0.2",),
        args=("--email", "pat@candidate.test"),
    ),
    Scenario(
        "mail_blocklist_broken",
        "bl.spamcop.net answers 127.0.0.2 for everything, 127.0.0.1 included: unusable, never 'listed'.",
        Expect(
            "ready",
            codes=frozenset({"email_blocklist_unusable"}),
            absent=frozenset({"email_sender_blocklisted"}),
            categories=CORE_CATEGORIES | {"email"},
            no_problems=True,
        ),
        dns_extra=("address=/bl.spamcop.net/127.0.0.2",),
        args=("--email", "pat@candidate.test"),
    ),
    *(
        Scenario(
            f"mail_{gw}",
            f"The candidate's domain receives mail through {label}; IT gets that gateway's allowlisting steps.",
            Expect(
                "ready", codes=frozenset({"email_gateway"}), categories=CORE_CATEGORIES | {"email"}, no_problems=True
            ),
            dns_extra=tuple(f"{line}" for line in zone),
            args=("--email", f"pat@{gw}.candidate.test"),
        )
        for gw, label, zone in (
            ("m365", "Microsoft 365", ("mx-host=m365.candidate.test,candidate-test.mail.protection.outlook.com,0",)),
            (
                "google",
                "Google Workspace",
                (
                    "mx-host=google.candidate.test,aspmx.l.google.com,1",
                    "mx-host=google.candidate.test,alt1.aspmx.l.google.com,5",
                ),
            ),
            (
                "proofpoint",
                "Proofpoint with Microsoft 365 behind it",
                (
                    "mx-host=proofpoint.candidate.test,mx0a-00123.pphosted.com,10",
                    'txt-record=proofpoint.candidate.test,"v=spf1 include:spf.protection.outlook.com -all"',
                ),
            ),
            ("mimecast", "Mimecast", ("mx-host=mimecast.candidate.test,us-smtp-inbound-1.mimecast.com,10",)),
        )
    ),
    Scenario(
        "mail_no_mx",
        "The candidate's domain publishes a null MX (RFC 7505): it accepts no mail.",
        Expect(
            "degraded",
            codes=frozenset({"email_no_mx"}),
            absent=frozenset({"email_gateway"}),
            categories=CORE_CATEGORIES | {"email"},
        ),
        dns_extra=("host-record=nomx.candidate.test,{web}", "mx-host=nomx.candidate.test,.,0"),
        args=("--email", "pat@nomx.candidate.test"),
    ),
    Scenario(
        "email_a_fallback",
        "The candidate's domain has no MX, only an address record: mail goes there (RFC 5321 §5.1), information only.",
        Expect(
            "ready",
            codes=frozenset({"email_implicit_mx"}),
            absent=MAIL_PROBLEMS | {"email_gateway"},
            categories=CORE_CATEGORIES | {"email"},
            no_problems=True,
        ),
        dns_extra=("host-record=afallback.candidate.test,{web}",),
        args=("--email", "pat@afallback.candidate.test"),
    ),
    Scenario(
        "email_psl",
        "The candidate's domain is under a multi-label public suffix (people.candidate.co.uk, behind Proofpoint); the "
        "Microsoft 365 evidence sits at the organisational domain candidate.co.uk, a decoy at co.uk.",
        Expect(
            "ready",
            codes=frozenset({"email_gateway"}),
            absent=MAIL_PROBLEMS,
            categories=CORE_CATEGORIES | {"email"},
            no_problems=True,
        ),
        dns_extra=(
            "mx-host=people.candidate.co.uk,mx0a-00123.pphosted.com,10",
            'txt-record=candidate.co.uk,"v=spf1 include:spf.protection.outlook.com -all"',
            'txt-record=co.uk,"v=spf1 include:_spf.google.com ~all"',
        ),
        args=("--email", "pat@people.candidate.co.uk"),
    ),
    # ---- proxies and portals (issue 5): the client's only way out is squid, given by the environment
    Scenario(
        "proxy_only",
        "Direct traffic dropped; squid (no login) allows CONNECT 443 (any host; 403 for other ports, as squid's "
        "default); HTTPS_PROXY set in the client's environment. TURN over TLS 443 goes through the proxy, as Chrome's.",
        Expect(
            "degraded",
            codes=frozenset({"proxy_detected", "relay_only"}),
            absent=frozenset(
                {"https_blocked", "websocket_blocked", "proxy_failed", "proxy_auth_required", "media_blocked"}
            ),
        ),
        forward=PROXY_ONLY,
        servers=frozenset({"squid"}),
        client_env={"HTTPS_PROXY": "http://{proxy}:{proxy_port}", "HTTP_PROXY": "http://{proxy}:{proxy_port}"},
    ),
    Scenario(
        "proxy_auth_required",
        "As proxy_only, but squid demands a login (407) that the client does not have.",
        Expect("blocked", codes=frozenset({"proxy_auth_required"}), absent=frozenset({"https_blocked"})),
        forward=PROXY_ONLY,
        servers=frozenset({"squid"}),
        client_env={
            "HTTPS_PROXY": "http://{proxy}:{proxy_auth_port}",
            "HTTP_PROXY": "http://{proxy}:{proxy_auth_port}",
        },
    ),
    Scenario(
        "proxy_auth_kudo",
        "proxy_auth_required with the KUDO profile, whose documents say authenticating proxies are not supported.",
        Expect("blocked", codes=frozenset({"proxy_auth_required"}), absent=frozenset({"https_blocked"})),
        forward=PROXY_ONLY,
        servers=frozenset({"squid"}),
        client_env={
            "HTTPS_PROXY": "http://{proxy}:{proxy_auth_port}",
            "HTTP_PROXY": "http://{proxy}:{proxy_auth_port}",
        },
        profile="kudo",
    ),
    # ---- proxy auto-config (issue 20): a PAC file given by `auto_proxy`, as Chromium on Linux reads it
    Scenario(
        "pac_socks",
        "A PAC file sends the platform's web hosts to a SOCKS5 proxy (dante) and everything else direct; the firewall "
        "drops the client's own TCP to those hosts, so only the SOCKS route reaches them. TURN and media go direct.",
        Expect(
            "ready",
            codes=frozenset({"proxy_detected"}),
            absent=frozenset({"https_blocked", "websocket_blocked", "proxy_failed", "media_blocked", "relay_only"}),
            summaries=(("proxy:system", "Web traffic goes through a proxy: socks5://198.18.3.2:1080"),),
        ),
        forward="ip saddr {client} ip daddr { {web}, {api}, {discovery}, {wss} } tcp dport { 80, 443 } drop",
        servers=frozenset({"dante"}),
        client_env={"auto_proxy": "file://{pac_dir}/socks.pac"},
    ),
    Scenario(
        "pac_unresolvable",
        "The client's own DNS answers nothing (as office networks that resolve only internal names), squid resolves "
        "for it; a PAC file sends every name isResolvable() cannot resolve to squid, the rest direct.",
        # Media goes only through TURN over TCP 443 via squid; STUN is "not tried" (its name does not resolve), so
        # the relay_only rule (every direct media check failed) does not fire and the verdict is ready.
        Expect(
            "ready",
            codes=frozenset({"proxy_detected", "dns_resolved_by_proxy"}),
            absent=frozenset({"https_blocked", "websocket_blocked", "proxy_failed", "media_blocked"}),
            summaries=(("proxy:system", "Web traffic goes through a proxy: http://198.18.3.2:3128"),),
        ),
        forward=PROXY_ONLY,
        resolver="client",  # its own address, where nothing listens: every look-up fails at once
        servers=frozenset({"squid"}),
        client_env={"auto_proxy": "file://{pac_dir}/unresolvable.pac"},
    ),
    Scenario(
        "tls_inspection",
        "An inspecting proxy (squid ssl-bump, HTTPS_PROXY) re-signs TLS with 'Zscaler Root CA', which the OS store "
        "trusts and the public roots do not; WebSocket upgrades pass.",
        Expect(
            "degraded",
            codes=frozenset({"tls_inspection", "proxy_detected"}),
            absent=frozenset({"https_blocked", "tls_error", "websocket_blocked", "websocket_cut", "proxy_failed"}),
            categories=CORE_CATEGORIES | {"tls_inspection"},
        ),
        servers=frozenset({"squid_bump"}),
        os_trust=("lab", "corp"),
        client_env={"HTTPS_PROXY": "http://{proxy}:{inspect_port}", "HTTP_PROXY": "http://{proxy}:{inspect_port}"},
    ),
    Scenario(
        "ws_upgrade_blocked",
        "The inspecting proxy's policy forbids WebSockets: upgrades get 403 from squid, plain HTTPS works.",
        Expect(
            "blocked",
            codes=frozenset({"websocket_blocked", "tls_inspection"}),
            absent=frozenset({"https_blocked", "tls_error", "proxy_failed"}),
        ),
        servers=frozenset({"squid_bump"}),
        os_trust=("lab", "corp"),
        client_env={
            "HTTPS_PROXY": "http://{proxy}:{inspect_no_ws_port}",
            "HTTP_PROXY": "http://{proxy}:{inspect_no_ws_port}",
        },
    ),
    Scenario(
        "ws_upgrade_stripped",
        "The inspecting proxy keeps squid's default for upgrades: it removes the Upgrade header, so the server "
        "answers the WebSocket request with its plain web page; plain HTTPS works.",
        Expect(
            "blocked",
            codes=frozenset({"websocket_blocked", "tls_inspection"}),
            absent=frozenset({"https_blocked", "tls_error", "proxy_failed"}),
        ),
        servers=frozenset({"squid_bump"}),
        os_trust=("lab", "corp"),
        client_env={
            "HTTPS_PROXY": "http://{proxy}:{inspect_strip_ws_port}",
            "HTTP_PROXY": "http://{proxy}:{inspect_strip_ws_port}",
        },
    ),
    Scenario(
        "captive_portal",
        "Hotel Wi-Fi before sign-in: only DNS and plain HTTP to the portal pass; the OS probe names lead to the portal page.",
        Expect("blocked", codes=frozenset({"captive_portal"})),
        forward=ALLOW_DNS
        + """
        ip daddr {web} tcp dport 80 accept
        ip saddr {web} tcp sport 80 accept
        drop
        """,
        dns={"connectivitycheck.gstatic.com": "{web}", "captive.apple.com": "{web}"},  # the portal answers for them
    ),
)

SCENARIOS: Mapping[str, Scenario] = MappingProxyType({s.name: s for s in _ROWS})
assert len(SCENARIOS) == len(_ROWS), "duplicate scenario name"
