"""An SPF evaluator (RFC 7208 check_host()) over an injected async DNS lookup function."""

from __future__ import annotations

import ipaddress
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.net.records import DnsTempError as DnsTempError  # re-exported: lookups raise it

# lookup(name, rdtype) -> record texts: TXT strings joined per record, A/AAAA addresses, MX "pref exchange",
# PTR names. NXDOMAIN and NODATA give []; a temporary failure (SERVFAIL, timeout) raises DnsTempError.
Lookup = Callable[[str, str], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_DNS_MECHANISMS = 10  # RFC 7208 §4.6.4
MAX_VOID_LOOKUPS = 2  # RFC 7208 §4.6.4
MAX_MX_PTR_NAMES = 10  # RFC 7208 §4.6.4 (mx, ptr)
MAX_DOMAIN_LENGTH = 253  # RFC 7208 §7.3 (macro-expanded names are truncated from the left)


class _PermError(Exception):
    """A record or the limits make the policy unusable: permerror (RFC 7208 §2.6.7)."""


@dataclass(frozen=True)
class SpfResult:
    """check_host()'s answer: result name, the matching term, lookups used, why, and a fail's explanation (§2.6)."""

    result: str  # none, neutral, pass, fail, softfail, temperror, permerror
    mechanism: str = ""
    reason: str = ""
    dns_lookups: int = 0
    void_lookups: int = 0
    explanation: str = ""  # the domain's exp= text for a fail (RFC 7208 §6.2); "" when it gives none
    offline: bool = False  # a temperror because the DNS service itself is out of reach


# ---------------------------------------------------------------- record syntax (RFC 7208 §4.6, §12)

_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
_MACRO_LETTERS = "slodiphcrtv"
_EXP_ONLY_LETTERS = "crt"
_MACRO_EXPAND_RE = r"%\{[a-zA-Z]\d*r?[.\-+,/_=]*\}|%%|%_|%-"
_MACRO_STRING_RE = re.compile(rf"(?:{_MACRO_EXPAND_RE}|[\x21-\x24\x26-\x7e])*")
_TOPLABEL = r"(?:[a-zA-Z0-9]*[a-zA-Z][a-zA-Z0-9]*|[a-zA-Z0-9]+-[a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_END_RE = re.compile(rf"(?:\.{_TOPLABEL}\.?|{_MACRO_EXPAND_RE})$")
_MODIFIER_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9_.\-]*)=(.*)", re.DOTALL)
_MECHANISM_RE = re.compile(r"([+\-~?]?)([a-zA-Z0-9]+)(.*)", re.DOTALL)
_CIDR_RE = re.compile(r"(.*?)(?:/(0|[1-9]\d*))?(?://(0|[1-9]\d*))?", re.DOTALL)
_VERSION_RE = re.compile(r"v=spf1(?: |$)", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """One parsed mechanism: qualifier result, name, domain-spec or network, and the CIDR lengths (§5)."""

    result: str
    name: str
    target: str = ""
    v4: int = 32
    v6: int = 128
    text: str = ""


@dataclass(frozen=True)
class Record:
    """A whole SPF record, syntax checked: its directives and the redirect= and exp= modifiers (§4.6, §6)."""

    directives: tuple[Directive, ...]
    redirect: str | None = None
    exp: str | None = None


def is_macro_string(text: str) -> bool:
    """Whether `text` is a valid macro-string (RFC 7208 §7.1); letters are checked at expansion."""
    if _MACRO_STRING_RE.fullmatch(text) is None:
        return False
    return all(m.group(1).lower() in _MACRO_LETTERS for m in re.finditer(r"%\{([a-zA-Z])", text))


def _domain_spec(text: str, what: str) -> str:
    """Syntax of a domain-spec (§7.1): a macro-string ending in `.toplabel` or a macro, no c/r/t; else permerror."""
    if not text or not is_macro_string(text) or not _DOMAIN_END_RE.search(text):
        raise _PermError(f"bad domain in {what}")
    if any(m.group(1).lower() in _EXP_ONLY_LETTERS for m in re.finditer(r"%\{([a-zA-Z])", text)):
        raise _PermError(f"macros c, r and t are only for explanations ({what})")
    return text


def _cidr(text: str, what: str) -> tuple[str, int | None, int | None]:
    """Split a trailing dual-cidr-length (§5.6) off `text`: prefix lengths without leading zeros, in range."""
    m = _CIDR_RE.fullmatch(text)
    assert m is not None
    v4 = int(m.group(2)) if m.group(2) is not None else None
    v6 = int(m.group(3)) if m.group(3) is not None else None
    if (v4 is not None and v4 > 32) or (v6 is not None and v6 > 128):
        raise _PermError(f"bad prefix length in {what}")
    return m.group(1), v4, v6


def _parse_directive(term: str) -> Directive:
    m = _MECHANISM_RE.fullmatch(term)
    if not m:
        raise _PermError(f"unknown term {term!r}")
    result, name, rest = _QUALIFIERS.get(m.group(1), "pass"), m.group(2).lower(), m.group(3)
    if name == "all":
        if rest:
            raise _PermError(f"bad term {term!r}")
        return Directive(result, name, text=term)
    if name in ("include", "exists"):
        if not rest.startswith(":"):
            raise _PermError(f"{name} needs a domain ({term!r})")
        return Directive(result, name, _domain_spec(rest[1:], term), text=term)
    if name == "ptr":
        if rest and not rest.startswith(":"):
            raise _PermError(f"bad term {term!r}")
        return Directive(result, name, _domain_spec(rest[1:], term) if rest else "", text=term)
    if name in ("a", "mx"):
        if rest and rest[0] not in ":/":
            raise _PermError(f"bad term {term!r}")
        spec, v4, v6 = _cidr(rest, term)
        if spec.startswith(":"):
            spec = _domain_spec(spec[1:], term)
        elif spec:
            raise _PermError(f"bad term {term!r}")
        return Directive(result, name, spec, 32 if v4 is None else v4, 128 if v6 is None else v6, term)
    if name in ("ip4", "ip6"):
        if not rest.startswith(":"):
            raise _PermError(f"{name} needs an address ({term!r})")
        address, _, length = rest[1:].partition("/")
        try:
            addr = ipaddress.IPv4Address(address) if name == "ip4" else ipaddress.IPv6Address(address)
        except ValueError:
            raise _PermError(f"bad address in {term!r}") from None
        limit = 32 if name == "ip4" else 128
        if length and (not re.fullmatch(r"0|[1-9]\d{0,2}", length) or int(length) > limit):
            raise _PermError(f"bad prefix length in {term!r}")
        bits = int(length) if length else limit
        return Directive(result, name, str(addr), bits if name == "ip4" else 32, bits if name == "ip6" else 128, term)
    raise _PermError(f"unknown mechanism {term!r}")


def parse_record(text: str) -> Record:
    """Parse a whole `v=spf1` record (RFC 7208 §4.6): any syntax error anywhere is a permerror (_PermError)."""
    if not _VERSION_RE.match(text):
        raise _PermError("not an SPF record")
    bad = re.search(r"[^\x20-\x7e]", text)
    if bad:
        raise _PermError(f"character {bad.group()!r} not allowed in an SPF record")
    directives: list[Directive] = []
    modifiers: dict[str, str] = {}
    for term in text[6:].split(" "):
        if not term:
            continue
        mod = _MODIFIER_RE.fullmatch(term)
        if mod:
            name, value = mod.group(1).lower(), mod.group(2)
            if name in ("redirect", "exp"):
                if name in modifiers:
                    raise _PermError(f"{name}= appears twice")
                modifiers[name] = _domain_spec(value, term)
            elif not is_macro_string(value):
                raise _PermError(f"bad modifier {term!r}")
            continue
        directives.append(_parse_directive(term))
    return Record(tuple(directives), modifiers.get("redirect"), modifiers.get("exp"))


# ---------------------------------------------------------------- evaluation (RFC 7208 §4, §5, §6)


@dataclass
class _State:
    ip: IPAddress
    sender: str
    helo: str
    lookup: Lookup
    receiver: str = "unknown"
    upper_hex: bool = False  # %{i} of an IPv6 sender keeps the letter case the address was given in
    dns_lookups: int = 0
    void_lookups: int = 0

    def count_term(self, term: str) -> None:
        self.dns_lookups += 1
        if self.dns_lookups > MAX_DNS_MECHANISMS:
            raise _PermError(f"more than {MAX_DNS_MECHANISMS} DNS-querying terms (at {term})")

    async def query(self, name: str, rdtype: str) -> list[str]:
        """A lookup whose empty answer counts as a void lookup (§4.6.4); a name no resolver can ask has none."""
        answers = await self.lookup(name, rdtype) if is_valid_domain(name) else []
        if not answers:
            self.void_lookups += 1
            if self.void_lookups > MAX_VOID_LOOKUPS:
                raise _PermError(f"more than {MAX_VOID_LOOKUPS} lookups returned nothing (at {name})")
        return answers


async def check_host(
    ip: str, domain: str, sender: str, lookup: Lookup, helo: str = "", receiver: str = "unknown"
) -> SpfResult:
    """Evaluate the SPF policy of `domain` for a message from `ip` with MAIL FROM `sender` (RFC 7208 §4)."""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # §5: an IPv4-mapped IPv6 sender is an IPv4 sender
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        local, sender_domain = "", sender
    upper_hex = re.search("[A-F]", ip) is not None and re.search("[a-f]", ip) is None
    state = _State(addr, f"{local or 'postmaster'}@{sender_domain}", helo, lookup, receiver, upper_hex)
    try:
        result, term, explanation = await _check(state, domain.lower(), top=True)
    except DnsTempError as exc:
        reason = str(exc) or "DNS lookup failed"
        return SpfResult("temperror", "", reason, state.dns_lookups, state.void_lookups, offline=exc.offline)
    except _PermError as exc:
        return SpfResult("permerror", "", str(exc), state.dns_lookups, state.void_lookups)
    return SpfResult(result, term, "", state.dns_lookups, state.void_lookups, explanation)


async def check_host_for_sender(ip: str, mail_from: str, helo: str, lookup: Lookup) -> SpfResult:
    """The MAIL FROM identity, or the HELO identity when MAIL FROM is empty (RFC 7208 §2.3, §2.4)."""
    if mail_from:
        return await check_host(ip, mail_from.rpartition("@")[2], mail_from, lookup, helo)
    return await check_host(ip, helo, f"postmaster@{helo}", lookup, helo)


async def find_record(domain: str, lookup: Lookup) -> str | None:
    """The domain's single SPF record (RFC 7208 §4.5); None when there is none; _PermError when several."""
    records = [r for r in await lookup(domain, "TXT") if _VERSION_RE.match(r)]
    if len(records) > 1:
        raise _PermError(f"{domain} publishes {len(records)} SPF records")
    return records[0] if records else None


async def _check(state: _State, domain: str, top: bool = False) -> tuple[str, str, str]:
    """(result, matching term, explanation) for one domain; `none` for a malformed or record-less domain (§4.3)."""
    domain = domain[:-1] if domain.endswith(".") else domain
    if not is_valid_domain(domain):
        return "none", "", ""
    text = await find_record(domain, state.lookup)
    if text is None:
        return "none", "", ""
    record = parse_record(text)
    for directive in record.directives:
        if await _matches(state, domain, directive):
            explanation = ""
            if directive.result == "fail" and record.exp is not None:
                explanation = await _explain(state, domain, record.exp)
            return directive.result, directive.text, explanation
    if record.redirect is not None:
        state.count_term("redirect")
        target = await _target(state, record.redirect, domain)
        result, term, explanation = await _check(state, target)
        if result == "none":
            raise _PermError(f"redirect={target} has no SPF record")
        return result, term, explanation
    return "neutral", "", ""


async def _target(state: _State, spec: str, domain: str) -> str:
    """A domain-spec macro-expanded and truncated (§7.3). Syntax is checked before expansion, never after (§7.1):
    an expanded name no resolver can ask for matches nothing (an include or redirect to it finds no record)."""
    target = await expand(spec, state, domain)
    return target[:-1] if target.endswith(".") else target


async def _matches(state: _State, domain: str, d: Directive) -> bool:
    """Whether one mechanism matches (RFC 7208 §5)."""
    if d.name == "all":
        return True
    if d.name in ("ip4", "ip6"):
        network = ipaddress.ip_network(f"{d.target}/{d.v4 if d.name == 'ip4' else d.v6}", strict=False)
        return state.ip.version == network.version and state.ip in network
    state.count_term(d.text)
    if d.name == "include":
        target = await _target(state, d.target, domain)
        result, _, _ = await _check(state, target)
        if result in ("none", "permerror"):
            raise _PermError(f"include:{target} has no usable SPF record")
        return result == "pass"
    if d.name == "exists":
        return bool(await state.query(await _target(state, d.target, domain), "A"))
    if d.name == "ptr":
        target = await _target(state, d.target, domain) if d.target else domain
        return any(_is_subdomain(n, target) for n in await validated_names(state, target))
    target = await _target(state, d.target, domain) if d.target else domain
    prefix = d.v4 if state.ip.version == 4 else d.v6
    if d.name == "a":
        return _any_in(state.ip, await state.query(target, _address_type(state.ip)), prefix)
    hosts = [r.split()[-1] for r in await state.query(target, "MX")]
    if len(hosts) > MAX_MX_PTR_NAMES:
        raise _PermError(f"{target} has more than {MAX_MX_PTR_NAMES} MX names")
    for host in hosts:
        host = host.rstrip(".")
        if is_valid_domain(host) and _any_in(state.ip, await state.lookup(host, _address_type(state.ip)), prefix):
            return True
    return False


def _address_type(ip: IPAddress) -> str:
    return "A" if ip.version == 4 else "AAAA"


def _any_in(ip: IPAddress, addresses: list[str], prefix: int) -> bool:
    for a in addresses:
        try:
            if ip in ipaddress.ip_network(f"{a}/{prefix}", strict=False):
                return True
        except ValueError:
            continue
    return False


def _is_subdomain(name: str, domain: str) -> bool:
    name, domain = name.lower(), domain.lower()
    return name == domain or name.endswith("." + domain)


async def validated_names(state: _State, target: str = "") -> list[str]:
    """PTR names of the IP whose forward lookup returns the IP again (RFC 7208 §5.5); a DNS error gives none."""
    try:
        names = await state.query(reverse_name(str(state.ip)), "PTR")
    except DnsTempError:
        return []
    ok: list[str] = []
    for n in names[:MAX_MX_PTR_NAMES]:
        n = n.rstrip(".")
        if not is_valid_domain(n):
            continue
        try:
            addrs = await state.lookup(n, _address_type(state.ip))
        except DnsTempError:
            continue
        if _any_in(state.ip, addrs, 32 if state.ip.version == 4 else 128):
            ok.append(n)
    return ok


def reverse_name(ip: str) -> str:
    """The in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5)."""
    return ipaddress.ip_address(ip).reverse_pointer


def is_valid_domain(domain: str) -> bool:
    """A multi-label name a resolver can ask for: no empty label, none over 63 octets (RFC 7208 §4.3)."""
    labels = domain.split(".")
    return len(labels) > 1 and all(0 < len(x) <= 63 for x in labels) and len(domain) <= MAX_DOMAIN_LENGTH


# ---------------------------------------------------------------- explanations (RFC 7208 §6.2)


async def _explain(state: _State, domain: str, spec: str) -> str:
    """The exp= text: one TXT record, macro-expanded; any trouble gives "" (the receiver's default)."""
    try:
        target = await _target(state, spec, domain)
        if not is_valid_domain(target):
            return ""
        records = await state.lookup(target, "TXT")
        if len(records) != 1:
            return ""
        text = records[0]
        if re.search(r"[^\x20-\x7e]", text) or not all(is_macro_string(p) for p in text.split(" ")):
            return ""
        return await expand(text, state, domain, explanation=True)
    except (DnsTempError, _PermError):
        return ""


# ---------------------------------------------------------------- macros (RFC 7208 §7)


def _ip_dotted(ip: IPAddress, upper_hex: bool = False) -> str:
    if ip.version == 4:
        return str(ip)
    nibbles = ".".join(ip.exploded.replace(":", ""))
    return nibbles.upper() if upper_hex else nibbles


async def _validated_name(state: _State, domain: str) -> str:
    """%{p}: a validated name of the IP, preferring `domain` or one under it (§7.3); "unknown" if none."""
    names = await validated_names(state, domain)
    for n in names:
        if n.lower() == domain.lower():
            return n
    for n in names:
        if _is_subdomain(n, domain):
            return n
    return names[0] if names else "unknown"


async def expand(spec: str, state: _State, domain: str, explanation: bool = False) -> str:
    """Macro expansion (RFC 7208 §7): %{s l o d i p v h} (and c r t in explanations), digits, `r`, delimiters."""
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
        if nxt in ("%", "_", "-"):
            out.append({"%": "%", "_": " ", "-": "%20"}[nxt])
            i += 2
            continue
        end = spec.find("}", i)
        m = re.fullmatch(r"\{([a-zA-Z])(\d*)(r?)([.\-+,/_=]*)", spec[i + 1 : end]) if nxt == "{" and end > 0 else None
        if m is None:
            raise _PermError(f"bad '%' in {spec!r}")
        letter, digits, reverse, delims = m.group(1), m.group(2), m.group(3), m.group(4) or "."
        key = letter.lower()
        if key not in _MACRO_LETTERS or (key in _EXP_ONLY_LETTERS and not explanation):
            raise _PermError(f"macro %{{{letter}}} not allowed here")
        if key == "p":
            value = await _validated_name(state, domain)
        else:
            value = {
                "s": state.sender, "l": local, "o": sender_domain, "d": domain, "i": _ip_dotted(state.ip, state.upper_hex),
                "v": "in-addr" if state.ip.version == 4 else "ip6", "h": state.helo, "c": str(state.ip),
                "r": state.receiver, "t": str(int(time.time())),
            }[key]  # fmt: skip
        parts = re.split("[" + re.escape(delims) + "]", value)
        if reverse:
            parts.reverse()
        if digits:
            if int(digits) == 0:
                raise _PermError("macro with 0 labels")
            parts = parts[-int(digits) :]
        value = ".".join(parts)
        if letter.isupper():
            value = urllib.parse.quote(value, safe="-._~")  # §7.3: URL-escape upper-case macros
        out.append(value)
        i = end + 1
    result = "".join(out)
    if not explanation and len(result.rstrip(".")) > MAX_DOMAIN_LENGTH:
        labels = result.rstrip(".").split(".")
        while len(".".join(labels)) > MAX_DOMAIN_LENGTH:
            labels.pop(0)
        result = ".".join(labels)
    return result
