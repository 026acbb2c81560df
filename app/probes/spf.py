"""A compact SPF evaluator (RFC 7208 check_host()) over an injected async DNS lookup function."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# lookup(name, rdtype) -> record texts: TXT strings joined per record, A/AAAA addresses, MX "pref exchange",
# PTR names. NXDOMAIN and NODATA give []; a temporary failure (SERVFAIL, timeout) raises DnsTempError.
Lookup = Callable[[str, str], Awaitable[list[str]]]

MAX_DNS_MECHANISMS = 10  # RFC 7208 §4.6.4
MAX_VOID_LOOKUPS = 2  # RFC 7208 §4.6.4
MAX_MX_PTR_NAMES = 10  # RFC 7208 §4.6.4 (mx, ptr)


class DnsTempError(Exception):
    """A DNS lookup failed temporarily (SERVFAIL, timeout): the SPF result is temperror (RFC 7208 §2.6.6)."""


class _PermError(Exception):
    """A record or the limits make the policy unusable: permerror (RFC 7208 §2.6.7)."""


@dataclass(frozen=True)
class SpfResult:
    """check_host()'s answer: result name, the matching term, lookups used and why (RFC 7208 §2.6)."""

    result: str  # none, neutral, pass, fail, softfail, temperror, permerror
    mechanism: str = ""
    reason: str = ""
    dns_lookups: int = 0
    void_lookups: int = 0


@dataclass
class _State:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    sender: str
    helo: str
    lookup: Lookup
    dns_lookups: int = 0
    void_lookups: int = 0
    trail: list[str] = field(default_factory=list)

    def count_mechanism(self, term: str) -> None:
        self.dns_lookups += 1
        if self.dns_lookups > MAX_DNS_MECHANISMS:
            raise _PermError(f"more than {MAX_DNS_MECHANISMS} DNS-querying terms (at {term})")

    async def query(self, name: str, rdtype: str) -> list[str]:
        answers = await self.lookup(name, rdtype)
        if not answers:
            self.void_lookups += 1
            if self.void_lookups > MAX_VOID_LOOKUPS:
                raise _PermError(f"more than {MAX_VOID_LOOKUPS} lookups returned nothing (at {name})")
        return answers


_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_MODIFIER_RE = re.compile(r"^([a-z][a-z0-9_.-]*)=(.*)$", re.IGNORECASE)
_DUAL_CIDR_RE = re.compile(r"^(.*?)(?:/(\d+))?(?://(\d+))?$")


async def check_host(ip: str, domain: str, sender: str, lookup: Lookup, helo: str = "") -> SpfResult:
    """Evaluate the SPF policy of `domain` for a message from `ip` with MAIL FROM `sender` (RFC 7208 §4)."""
    state = _State(ipaddress.ip_address(ip), sender if "@" in sender else f"postmaster@{sender}", helo, lookup)
    try:
        result, term = await _check(state, domain.rstrip(".").lower())
    except DnsTempError as exc:
        return SpfResult("temperror", "", str(exc) or "DNS lookup failed", state.dns_lookups, state.void_lookups)
    except _PermError as exc:
        return SpfResult("permerror", "", str(exc), state.dns_lookups, state.void_lookups)
    return SpfResult(result, term, "", state.dns_lookups, state.void_lookups)


async def find_record(domain: str, lookup: Lookup) -> str | None:
    """The domain's single SPF record (RFC 7208 §4.5); None when there is none; _PermError when several."""
    records = [r for r in await lookup(domain, "TXT") if re.match(r"^v=spf1(\s|$)", r, re.IGNORECASE)]
    if len(records) > 1:
        raise _PermError(f"{domain} publishes {len(records)} SPF records")
    return records[0] if records else None


async def _check(state: _State, domain: str) -> tuple[str, str]:
    domain = domain.rstrip(".").lower()
    if not _valid_domain(domain):
        return "none", ""
    record = await find_record(domain, state.lookup)
    if record is None:
        return "none", ""
    terms = record.split()[1:]
    redirect: str | None = None
    seen_modifiers: set[str] = set()
    directives: list[tuple[str, str, str]] = []  # qualifier, mechanism, argument
    for term in terms:
        mod = _MODIFIER_RE.match(term)
        if mod and mod.group(1).lower() not in _MECHANISMS:
            name = mod.group(1).lower()
            if name in ("redirect", "exp"):
                if name in seen_modifiers:
                    raise _PermError(f"{name}= appears twice in {domain}'s record")
                seen_modifiers.add(name)
                if name == "redirect":
                    redirect = mod.group(2)
            continue  # unknown modifiers are ignored (§6)
        qualifier = _QUALIFIERS.get(term[0], "")
        body = term[1:] if qualifier else term
        name, sep, arg = _split_mechanism(body)
        if name not in _MECHANISMS:
            raise _PermError(f"unknown mechanism {term!r} in {domain}'s record")
        directives.append((qualifier or "pass", name, sep + arg))
    for result, name, arg in directives:
        if await _matches(state, domain, name, arg):
            return result, f"{name}{arg}"
    if redirect is not None:
        state.count_mechanism("redirect")
        target = await expand(redirect, state, domain)
        result, term = await _check(state, target)
        if result == "none":
            raise _PermError(f"redirect={target} has no SPF record")
        return result, term
    return "neutral", ""


def _split_mechanism(body: str) -> tuple[str, str, str]:
    """`include:x` -> (include, ':', x); `a/24` -> (a, '', /24); `all` -> (all, '', '')."""
    m = re.match(r"^([a-z0-9]+)([:/]?)(.*)$", body, re.IGNORECASE)
    if not m:
        return body.lower(), "", ""
    name, sep, rest = m.group(1).lower(), m.group(2), m.group(3)
    if sep == "/":
        return name, "", "/" + rest
    return name, sep, rest


async def _matches(state: _State, domain: str, name: str, arg: str) -> bool:
    """Whether one mechanism matches (RFC 7208 §5)."""
    spec = arg[1:] if arg.startswith(":") else arg
    if name == "all":
        return True
    if name == "ip4" or name == "ip6":
        if not arg.startswith(":"):
            raise _PermError(f"{name} without an address")
        try:
            net = ipaddress.ip_network(spec, strict=False)
        except ValueError:
            raise _PermError(f"bad {name}:{spec}") from None
        if net.version != (4 if name == "ip4" else 6):
            raise _PermError(f"bad {name}:{spec}")
        return state.ip.version == net.version and state.ip in net
    if name == "include":
        state.count_mechanism(f"include:{spec}")
        if not spec:
            raise _PermError("include without a domain")
        target = await expand(spec, state, domain)
        result, _ = await _check(state, target)
        if result == "pass":
            return True
        if result == "none":
            raise _PermError(f"include:{target} has no SPF record")
        return False
    if name == "exists":
        state.count_mechanism(f"exists:{spec}")
        target = await expand(spec, state, domain)
        return bool(await state.query(target, "A"))
    if name in ("a", "mx"):
        state.count_mechanism(name + arg)
        target_text, v4, v6 = _dual_cidr(spec if arg.startswith(":") else arg)
        target = await expand(target_text, state, domain) if target_text else domain
        if name == "a":
            hosts = [target]
        else:
            mx = await state.query(target, "MX")
            if len(mx) > MAX_MX_PTR_NAMES:
                raise _PermError(f"{target} has more than {MAX_MX_PTR_NAMES} MX names")
            hosts = [r.split()[-1].rstrip(".") for r in mx]
        for host in hosts:
            if host in ("", "."):
                continue
            rdtype = "A" if state.ip.version == 4 else "AAAA"
            addrs = await (state.query(host, rdtype) if name == "a" else state.lookup(host, rdtype))
            prefix = v4 if state.ip.version == 4 else v6
            for a in addrs:
                try:
                    if state.ip in ipaddress.ip_network(f"{a}/{prefix}", strict=False):
                        return True
                except ValueError:
                    continue
        return False
    if name == "ptr":
        state.count_mechanism("ptr")
        target = (await expand(spec, state, domain)) if spec else domain
        return target in await validated_names(state)
    raise _PermError(f"unknown mechanism {name}")


async def validated_names(state: _State) -> set[str]:
    """Names of the IP whose forward lookup returns the IP again (RFC 7208 §5.5), parents included for ptr."""
    names = await state.lookup(reverse_name(str(state.ip)), "PTR")
    ok: set[str] = set()
    for n in names[:MAX_MX_PTR_NAMES]:
        n = n.rstrip(".").lower()
        try:
            addrs = await state.lookup(n, "A" if state.ip.version == 4 else "AAAA")
        except DnsTempError:
            continue
        if str(state.ip) in {str(ipaddress.ip_address(a)) for a in addrs}:
            labels = n.split(".")
            ok |= {".".join(labels[i:]) for i in range(len(labels))}
    return ok


def _dual_cidr(text: str) -> tuple[str, int, int]:
    m = _DUAL_CIDR_RE.match(text)
    assert m is not None
    v4 = int(m.group(2)) if m.group(2) else 32
    v6 = int(m.group(3)) if m.group(3) else 128
    if v4 > 32 or v6 > 128:
        raise _PermError(f"bad prefix length in {text!r}")
    return m.group(1), v4, v6


def reverse_name(ip: str) -> str:
    """The in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5)."""
    return ipaddress.ip_address(ip).reverse_pointer


def _ip_dotted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))


async def expand(spec: str, state: _State, domain: str) -> str:
    """Macro expansion (RFC 7208 §7): %{s l o d i p v h} with digits, `r` and delimiters; %%, %_, %-."""
    out: list[str] = []
    i = 0
    local, _, sender_domain = state.sender.rpartition("@")
    while i < len(spec):
        c = spec[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        nxt = spec[i + 1 : i + 2]
        if nxt == "%":
            out.append("%")
            i += 2
        elif nxt == "_":
            out.append(" ")
            i += 2
        elif nxt == "-":
            out.append("%20")
            i += 2
        elif nxt == "{":
            end = spec.find("}", i)
            if end < 0:
                raise _PermError(f"unterminated macro in {spec!r}")
            m = re.fullmatch(r"([slodipvhcrt])(\d*)(r?)([.\-+,/_=]*)", spec[i + 2 : end], re.IGNORECASE)
            if not m:
                raise _PermError(f"bad macro {spec[i : end + 1]!r}")
            letter, digits, reverse, delims = m.group(1).lower(), m.group(2), m.group(3), m.group(4) or "."
            value = {
                "s": state.sender, "l": local or "postmaster", "o": sender_domain, "d": domain,
                "i": _ip_dotted(state.ip), "v": "in-addr" if state.ip.version == 4 else "ip6",
                "h": state.helo or sender_domain, "p": "unknown",
            }.get(letter)  # fmt: skip
            if value is None:
                raise _PermError(f"macro %{{{letter}}} is only for explanations")
            parts = re.split("[" + re.escape(delims) + "]", value)
            if reverse:
                parts.reverse()
            if digits:
                if int(digits) == 0:
                    raise _PermError("macro with 0 labels")
                parts = parts[-int(digits) :]
            out.append(".".join(parts))
            i = end + 1
        else:
            raise _PermError(f"bad '%' in {spec!r}")
    result = "".join(out)
    if len(result) > 253:  # §7.3: drop left labels until it fits
        labels = result.split(".")
        while len(".".join(labels)) > 253:
            labels.pop(0)
        result = ".".join(labels)
    return result


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return len(labels) > 1 and all(0 < len(x) <= 63 for x in labels)
