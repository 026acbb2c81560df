"""Mail zone data for the lab DNS: a healthy sender's extra records, and scenario lines replacing base lines."""

from __future__ import annotations

from collections.abc import Iterable


def healthy_sender_lines(domain: str, blocklists: Iterable[str]) -> list[str]:
    """DMARC for the sender (RFC 7489) and each blocklist's RFC 5782 test entry (127.0.0.2 listed, 127.0.0.1 not)."""
    out = [f'txt-record=_dmarc.{domain},"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}"']
    out += [f"address=/2.0.0.127.{bl}/127.0.0.2" for bl in blocklists]
    return out


def record_key(line: str) -> tuple[str, str] | None:
    """(kind, name) of a dnsmasq record line: `txt-record=x.test,...` -> ('txt-record', 'x.test'); None for others."""
    kind, sep, rest = line.partition("=")
    if not sep or kind not in ("txt-record", "mx-host", "host-record", "ptr-record", "cname", "srv-host"):
        return None
    return kind, rest.split(",", 1)[0].strip().lower()


def merge_zone(base: Iterable[str], scenario: Iterable[str]) -> list[str]:
    """Base lines, minus those a scenario line of the same kind and name replaces, then the scenario's lines."""
    extra = list(scenario)
    replaced = {k for line in extra if (k := record_key(line)) is not None}
    return [line for line in base if record_key(line) not in replaced] + extra
