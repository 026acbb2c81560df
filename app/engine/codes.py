"""Finding codes: the closed vocabulary probes and verdict rules share (the catalogue in app.engine.findings).

A StrEnum, so report.json, summaries and string comparisons see the bare code; mypy rejects a code that is not a
member, and a code read back from JSON that this version does not know raises `UnknownFindingCode`.
"""

from __future__ import annotations

import enum


class FindingCode(enum.StrEnum):
    """Every finding code, one member per catalogue entry (StrEnum: JSON and string comparisons see the code)."""

    OFFLINE = "offline"
    DNS_NXDOMAIN = "dns_nxdomain"
    DNS_SINKHOLE = "dns_sinkhole"
    DNS_FAILURE = "dns_failure"
    DNS_SLOW = "dns_slow"
    DNS_RESOLVED_BY_PROXY = "dns_resolved_by_proxy"
    DNS_MEDIA_HOST_UNRESOLVED = "dns_media_host_unresolved"
    DNS_UNEXPECTED_ADDRESS = "dns_unexpected_address"
    HTTPS_BLOCKED = "https_blocked"
    TLS_ERROR = "tls_error"
    WEBSOCKET_BLOCKED = "websocket_blocked"
    WEBSOCKET_CUT = "websocket_cut"
    PROXY_DETECTED = "proxy_detected"
    PROXY_AUTH_REQUIRED = "proxy_auth_required"
    PROXY_FAILED = "proxy_failed"
    TLS_INSPECTION = "tls_inspection"
    CAPTIVE_PORTAL = "captive_portal"
    STUN_BLOCKED = "stun_blocked"
    UDP_BLOCKED = "udp_blocked"
    TURN_UDP_BLOCKED = "turn_udp_blocked"
    TURN_TCP_BLOCKED = "turn_tcp_blocked"
    TURN_TLS_BLOCKED = "turn_tls_blocked"
    TURN_AUTH_FAILED = "turn_auth_failed"
    ALTERNATE_SERVER_UNREACHABLE = "alternate_server_unreachable"
    PROFILE_NAME_MISSING = "profile_name_missing"
    MEDIA_STAND_IN = "media_stand_in"
    MEDIA_PORTS_UNCONFIRMED = "media_ports_unconfirmed"
    SIGNALLING_DISCOVERY_FAILED = "signalling_discovery_failed"
    SIGNALLING_REGION_UNREACHABLE = "signalling_region_unreachable"
    PLATFORM_CREDENTIALS_REFUSED = "platform_credentials_refused"
    LOW_CAPACITY = "low_capacity"
    CAPACITY_BELOW_HD = "capacity_below_hd"
    RELAY_ONLY = "relay_only"
    MEDIA_BLOCKED = "media_blocked"
    HIGH_PACKET_LOSS = "high_packet_loss"
    PACKET_LOSS = "packet_loss"
    HIGH_LATENCY = "high_latency"
    HIGH_JITTER = "high_jitter"
    VPN_DETECTED = "vpn_detected"
    VPN_FULL_TUNNEL = "vpn_full_tunnel"
    VPN_SPLIT_TUNNEL = "vpn_split_tunnel"
    EMAIL_ADDRESS_MISSING = "email_address_missing"
    EMAIL_SENDER_NOT_AUTHORIZED = "email_sender_not_authorized"
    EMAIL_SENDER_BLOCKLISTED = "email_sender_blocklisted"
    EMAIL_DMARC_MISSING = "email_dmarc_missing"
    EMAIL_NO_MX = "email_no_mx"
    EMAIL_IMPLICIT_MX = "email_implicit_mx"
    EMAIL_GATEWAY = "email_gateway"
    EMAIL_BLOCKLIST_UNUSABLE = "email_blocklist_unusable"
    BROWSER_MISSING = "browser_missing"
    BROWSER_POLICY_RELAY_ONLY = "browser_policy_relay_only"
    BROWSER_POLICY_UDP_PORTS = "browser_policy_udp_ports"
    BROWSER_POLICY_CAPTURE_BLOCKED = "browser_policy_capture_blocked"
    BROWSER_POLICY_URL_BLOCKED = "browser_policy_url_blocked"
    BROWSER_POLICY_WEBRTC_OFF = "browser_policy_webrtc_off"
    BROWSER_POLICY_PROXY = "browser_policy_proxy"
    BROWSER_PERMISSION_DENIED = "browser_permission_denied"
    BROWSER_NO_DEVICE = "browser_no_device"
    BROWSER_DEVICE_BUSY = "browser_device_busy"
    BROWSER_RELAY_UNREACHABLE = "browser_relay_unreachable"
    BROWSER_DIRECT_BLOCKED = "browser_direct_blocked"
    BROWSER_CHECK_UNFINISHED = "browser_check_unfinished"
    CHECK_UNFINISHED = "check_unfinished"


class UnknownFindingCode(ValueError):
    """A code this version does not know (e.g. read back from another version's report.json): never guessed at."""


def finding_code(value: object) -> FindingCode:
    """The member for a code's text; an unknown code raises UnknownFindingCode instead of becoming a warning."""
    try:
        return FindingCode(str(value))
    except ValueError:
        raise UnknownFindingCode(f"unknown finding code {str(value)!r}") from None
