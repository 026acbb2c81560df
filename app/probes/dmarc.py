"""DMARC policy discovery (RFC 7489 §6.6.3) with the organisational domain from the Public Suffix List (§3.2)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from app.probes.spf import Lookup


@dataclass(frozen=True)
class DmarcPolicy:
    """The policy found for a domain: where, its tags, and the policy that applies to the domain itself (§6.3)."""

    record_name: str  # _dmarc.<domain> or _dmarc.<organisational domain>
    tags: dict[str, str] = field(default_factory=dict)
    from_organizational_domain: bool = False

    @property
    def policy(self) -> str:
        """p=, or sp= when the record is the organisational domain's and gives one (RFC 7489 §6.3)."""
        if self.from_organizational_domain and self.tags.get("sp"):
            return self.tags["sp"]
        return self.tags.get("p", "")


@functools.cache
def _suffix_list() -> object:
    from publicsuffixlist import PublicSuffixList  # the list ships inside the package: no fetch at run time

    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """The public suffix plus one label (RFC 7489 §3.2), e.g. mail.example.co.uk -> example.co.uk.

    A name that is itself a public suffix is its own organisational domain.
    """
    name = domain.rstrip(".").lower()
    registrable = _suffix_list().privatesuffix(name)  # type: ignore[attr-defined]
    return str(registrable) if registrable else name


def parse_tags(record: str) -> dict[str, str]:
    """`k=v; k=v` tag lists of DMARC (RFC 7489 §6.4) and DKIM (RFC 6376 §3.2)."""
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            tags[key.strip().lower()] = "".join(value.split())
    return tags


def is_dmarc_record(text: str) -> bool:
    """The first tag is v with exactly the value DMARC1 (RFC 7489 §6.4: other records are ignored)."""
    first, sep, value = text.split(";", 1)[0].partition("=")
    return bool(sep) and first.strip() == "v" and value.strip() == "DMARC1"


async def discover(domain: str, lookup: Lookup) -> DmarcPolicy | None:
    """RFC 7489 §6.6.3: _dmarc.<domain>; if it has no DMARC record, _dmarc.<organisational domain>.

    Several DMARC records at the name that is asked last end discovery without a policy. DnsTempError propagates.
    """
    name = domain.rstrip(".").lower()
    org = organizational_domain(name)
    for candidate in (name, org) if org != name else (name,):
        records = [r for r in await lookup(f"_dmarc.{candidate}", "TXT") if is_dmarc_record(r)]
        if len(records) == 1:
            return DmarcPolicy(f"_dmarc.{candidate}", parse_tags(records[0]), candidate != name)
        if records:
            return None  # more than one record: no DMARC processing (step 5)
    return None
