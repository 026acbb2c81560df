"""Host names the lab must answer, read from the shipped profiles (so new profile hosts just work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine.urls import is_ip_address


@dataclass
class PlatformHosts:
    """Every web/WebSocket host, every STUN/TURN host with its (port, transport) pairs, and mail domains."""

    web: set[str] = field(default_factory=set)
    ice: set[str] = field(default_factory=set)
    ice_ports: set[tuple[int, str]] = field(default_factory=set)
    mail_domains: set[str] = field(default_factory=set)
    mail: list[Any] = field(default_factory=list)  # EmailSender of each profile that has one
    other: set[str] = field(default_factory=set)  # concrete_hosts() not covered above (future target kinds)

    @property
    def all(self) -> set[str]:
        return self.web | self.ice | self.other

    @property
    def domains(self) -> set[str]:
        """Registrable-looking parents (last two labels) of every host: `daily.co`, `twilio.com`, ..."""
        return {".".join(h.split(".")[-2:]) for h in self.all}


def platform_hosts() -> PlatformHosts:
    """Collect hosts over every shipped profile and every region of it."""
    from app.engine.profile import load_profile, shipped_profiles

    found = PlatformHosts()
    for pid in shipped_profiles():
        base = load_profile(pid)
        regions: list[str | None] = [r.id for r in base.regions] or [None]
        for region in regions:
            prof = load_profile(pid, region) if region else base
            found.web |= {t.url.host for t in prof.web} | {t.url.host for t in prof.wss}
            for s in (*prof.stun, *prof.turn):
                found.ice.add(s.url.host)
                found.ice_ports.add((s.url.port, s.url.transport))
            found.other |= set(prof.concrete_hosts())
            if prof.email is not None and prof.email.domain not in found.mail_domains:
                found.mail_domains.add(prof.email.domain)
                found.mail.append(prof.email)
    found.other -= found.web | found.ice
    found.web, found.ice = (
        {h for h in found.web if not is_ip_address(h)},
        {h for h in found.ice if not is_ip_address(h)},
    )
    return found
