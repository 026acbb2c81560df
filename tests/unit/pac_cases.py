"""The vendored PAC cases (tests/data/pac/, see SOURCES.md) as plain records, and a runner for them.

Each case is (source, id, JavaScript expression or PAC run, expected value, clock). `run_sources()` evaluates
every case through the real sandbox with a fake clock and a fake DNS table and returns the tallies;
`DISAGREEMENTS` lists the cases where the sources contradict browsers (or each other), with the reason.
"""

from __future__ import annotations

import ast
import asyncio
import calendar
import contextlib
import datetime as dt
import json
import os
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.net.pac import sandbox
from app.net.pac.evaluator import PacEvaluator
from app.net.pac.helpers import LocalAddresses

DATA = Path(__file__).resolve().parents[1] / "data" / "pac"
# Fake DNS: documentation addresses (RFC 5737), except where a source's own fake answer is part of the case.
DNS = {
    "www.google.com": ("203.0.113.10",),
    "google.com": ("203.0.113.11",),
    "example.com": ("8.8.8.8",),  # pypac's own fake answer in test_isInNetEx
}
ME = LocalAddresses("198.18.1.2", ("198.18.1.2",))
UTC = dt.UTC


@dataclass(frozen=True)
class Case:
    """One vendored expectation."""

    source: str
    id: str
    expr: str  # a JavaScript expression evaluated after the PAC library (empty for whole-script cases)
    expected: Any
    now: float = 0.0  # epoch seconds the clock shows


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: Any
    ok: bool


# Where the vendored sources disagree with Chromium's behaviour (the choice made here: Chromium's; issue 20).
DISAGREEMENTS: dict[str, str] = {
    "pypac:test_dnsDomainIs[www.netscape.com-NETSCAPE.com]": "pypac ignores case; Chromium and Mozilla compare "
    "exactly (`dnsDomainIs` is a substring comparison in both)",
    "pypac:test_timeRange[11 12]": "pypac makes the end hour exclusive; Chromium and Mozilla include it "
    "(`h1 <= hour && hour <= h2`; Chromium's own test expects timeRange(2, 3) true at 03:34)",
    "pypac:test_sortIpAddressList[]": 'pypac returns "" for an empty list; Chromium returns false',
    "pypac:test_sortIpAddressList[2001:xyz::1;a.b.c.d]": 'pypac returns "" for invalid addresses; Chromium '
    "returns false",
    "pypac:test_dnsResolve[bogus]": 'pypac returns "" for a failed look-up; Chromium and Mozilla return null',
    "pypac:test_isInNetEx[8.8.8.8;example.com-8.8.8.0/24]": "pypac accepts `;` lists and host names; Chromium "
    "takes one IP literal (false for anything else)",
    "pypac:test_isInNetEx[example.com-8.8.8.0/24]": "as above: Chromium does not resolve names in isInNetEx",
    "pypac:test_isInNetEx[8.8.8.8-1.1.1.1/24;1.1.1.1;8.8.8.0/24]": "pypac accepts a `;` list of prefixes; "
    "Chromium takes one prefix",
    "pypac:test_isInNetEx[2001:db8::1;example.com-2001:db8::/32]": "pypac accepts `;` lists; Chromium takes one "
    "IP literal",
    "pypac:test_isInNetEx[8.8.8.8;2001:db8::1-8.8.8.0/24;2001:db8::/32]": "pypac accepts `;` lists; Chromium "
    "takes one IP literal and one prefix",
    "pacparser:-u http://www.notresolvabledomainXXX.com": "browsers give the script the host lower-cased (URL "
    "canonicalisation), so its case-sensitive dnsDomainIs(host, '.notresolvabledomainXXX.com') is false; pacparser "
    "passes the host as typed",
    "chromium_v8:side_effects.js@http://www.google.com#1": "CallReady evaluates each URL once per run, each time in "
    "a fresh context (so a restart after a look-up sees the same state); Chromium keeps one context, so a global "
    "counter carries from call to call",
    "chromium_v8:side_effects.js@http://www.google.com#2": "as above",
    'mozilla:isPlainHostName("[::1]")@0': "Mozilla: any ':' makes a name not plain; Chromium: only a valid IPv6 "
    "literal does ([::1] with brackets is plain in Chromium's own test)",
    'mozilla:isPlainHostName("foo:80")@0': "as above (Chromium's test: isPlainHostName('foo:112') is true)",
    "pacparser:-c 3ffe:8311:ffff:1:0:0:0:0 -u http://www.somehost.com": "the script's prefix `3ffe:8311:ffff/48` "
    "is not an IPv6 literal; pacparser's isInNetEx pads it, Chromium's isInNetEx answers false",
}
# Cases not run, with the reason (not PAC functions, or they need the real network).
NOT_RUN = {
    "pypac:test_ipv6_parse*, test_ipv6_parse_reject*, test_ipv6_address_matches_prefix*": "pypac-internal "
    "helpers (_parse_ipv6_to_hextets, _ipv6_addr_in_network), not PAC functions",
    "pypac:test_myIpAddress, test_myIpAddressEx, test_myIpAddressEx_live": "read this machine's real addresses "
    "or monkeypatch socket internals",
    "pypac:test_dnsResolveEx, test_alert": "real DNS; alert has no result",
    "pacparser:logging.pac, test_*.c": "C-library internals (stderr logging, buffers, multi-IP look-ups of real "
    "names), not PAC semantics",
}


@contextlib.contextmanager
def local_time_utc() -> Iterator[None]:
    """Local time is UTC meanwhile (the sources' local-time cases assume one fixed zone); restored after."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _epoch(*fields: int) -> float:
    return float(calendar.timegm(dt.datetime(*fields, tzinfo=UTC).timetuple()))  # type: ignore[misc]


# ---------------------------------------------------------------- pacparser: proxy.pac + testdata


def pacparser_cases() -> list[tuple[str, str, str, LocalAddresses]]:
    """(id, url, expected, my addresses) per line of tests/testdata."""
    out = []
    for line in (DATA / "pacparser" / "testdata").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        params, expected = line.split("|")
        words = shlex.split(params.replace("'", "\\'"))
        args = dict(zip(words[::2], words[1::2], strict=False))
        me = ME
        if "-c" in args:
            ip = args["-c"]
            me = LocalAddresses(ip if ":" not in ip else "127.0.0.1", (ip,))
        out.append((f"pacparser:{params.strip()}", args["-u"], expected, me))
    return out


def run_pacparser() -> list[Outcome]:
    script = (DATA / "pacparser" / "proxy.pac").read_text()
    results = []
    for cid, url, expected, me in pacparser_cases():
        got = _raw_answer(script, url, urlsplit(url).hostname or "", me)
        results.append(Outcome(Case("pacparser", cid, "", expected), got, got == expected))
    return results


def _raw_answer(script: str, url: str, host: str, me: LocalAddresses) -> str | None:
    """The script's answer text, with the fake DNS table complete (the evaluator parses answers into entries)."""
    return sandbox.evaluate(script, url, host, DNS | {"www.notresolvabledomainxxx.com": ()}, me, 0.0).answer


# ---------------------------------------------------------------- pypac: parametrized helper tests


_PYPAC_CLOCKS = {
    "test_weekdayRange": _epoch(2016, 6, 3),
    "test_dateRange": _epoch(2016, 6, 3),
    "test_timeRange": _epoch(2016, 6, 3, 12, 30, 30),
}
_PYPAC_CALLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "test_dnsDomainIs": lambda a: f"dnsDomainIs({_js(a['host'])}, {_js(a['domain'])})",
    "test_isResolvable": lambda a: f"isResolvable({_js(a['host'])})",
    "test_isInNet": lambda a: f"isInNet({_js(a['host'])}, {_js(a['pattern'])}, {_js(a['mask'])})",
    "test_localHostOrDomainIs": lambda a: f"localHostOrDomainIs({_js(a['host'])}, {_js(a['hostdom'])})",
    "test_dnsDomainLevels": lambda a: f"dnsDomainLevels({_js(a['host'])})",
    "test_isPlainHostName": lambda a: f"isPlainHostName({_js(a['host'])})",
    "test_shExpMatch": lambda a: f"shExpMatch({_js(a['url'])}, {_js(a['pattern'])})",
    "test_weekdayRange": lambda a: f"weekdayRange({', '.join(_js(x) for x in a['args'])})",
    "test_dateRange": lambda a: f"dateRange({', '.join(_js(x) for x in a['args'])})",
    "test_timeRange": lambda a: f"timeRange({', '.join(_js(x) for x in a['args'])})",
    "test_sortIpAddressList": lambda a: f"sortIpAddressList({_js(a['addresses'])})",
    "test_isInNetEx": lambda a: f"isInNetEx({_js(a['addrs_or_hosts'])}, {_js(a['patterns'])})",
}


def _js(value: Any) -> str:
    return json.dumps(value)


def _param_id(values: tuple[Any, ...]) -> str:
    return "-".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in values)


def pypac_cases() -> Iterator[Case]:
    """Every parametrized row of the vendored pypac tests whose function is a PAC function, plus the plain ones."""
    for name in ("test_parser_functions.py.txt", "test_parser_functions_ex.py.txt"):
        tree = ast.parse((DATA / "pypac" / name).read_text())
        for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            call = _PYPAC_CALLS.get(fn.name)
            for deco in fn.decorator_list:
                if call is None or not (isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize"):
                    continue
                names = [n.strip() for n in ast.literal_eval(deco.args[0]).split(",")]
                for row in ast.literal_eval(deco.args[1]):
                    row = row if isinstance(row, tuple) else (row,)
                    args = dict(zip(names, row, strict=True))
                    expected = row[-1]
                    cid = f"pypac:{fn.name}[{_param_id(row[:-1])}]"
                    yield Case("pypac", cid, call(args), expected, _PYPAC_CLOCKS.get(fn.name, 0.0))
    yield Case("pypac", "pypac:test_getClientVersion", "getClientVersion()", "1.0")
    yield Case("pypac", "pypac:test_dnsResolve[google.com]", "dnsResolve('google.com').split('.').length - 1", 3)
    yield Case("pypac", "pypac:test_dnsResolve[bogus]", "dnsResolve('bogus.domain.foobar')", "")


def run_expressions(cases: list[Case]) -> list[Outcome]:
    """Evaluate each case's expression in the sandbox (one script per clock), results as JSON."""
    results = []
    by_clock: dict[float, list[Case]] = {}
    for c in cases:
        by_clock.setdefault(c.now, []).append(c)
    for now, group in by_clock.items():
        body = ",".join(f"(function(){{ try {{ return {{v: {c.expr}}}; }} catch (e) {{ return {{e: String(e)}}; }} }})()"
                        for c in group)  # fmt: skip
        script = f"function FindProxyForURL(u, h) {{ return JSON.stringify([{body}]); }}"
        ev = sandbox.evaluate(script, "http://x/", "x", DNS, ME, now * 1000.0)
        got = json.loads(ev.answer or "[]") if ev.answer else [{"e": ev.error}] * len(group)
        for c, g in zip(group, got, strict=True):
            value = g.get("v", f"throws {g.get('e')}") if isinstance(g, dict) else g
            results.append(Outcome(c, value, value == c.expected and type(value) is type(c.expected)))
    return results


# ---------------------------------------------------------------- Chromium: pac_library_unittest.js


_INSTRUMENT = """
var __cases = [];
TestContext.prototype.expectEquals = function (expectation, actual) {
  __cases.push([this.name_, expectation === actual, String(expectation), String(actual)]);
};
FindProxyForURL = function (u, h) {
  for (var test in Tests) {
    try { Tests[test](new TestContext(test)); }
    catch (e) { __cases.push([test, false, 'no exception', 'threw ' + String(e)]); }
  }
  return JSON.stringify(__cases);
};
"""


def run_chromium() -> list[Outcome]:
    script = (DATA / "chromium" / "pac_library_unittest.js").read_text() + _INSTRUMENT
    ev = sandbox.evaluate(script, "http://x/", "x", DNS, ME, 0.0)
    rows = json.loads(ev.answer or "[]")
    counts: dict[str, int] = {}
    out = []
    for test, ok, expected, actual in rows:
        counts[test] = counts.get(test, 0) + 1
        out.append(Outcome(Case("chromium", f"chromium:{test}#{counts[test]}", "", expected), actual, bool(ok)))
    return out


# ---------------------------------------------------------------- Chromium: proxy_resolver_v8_unittest scripts

# (file, URL, expected route or "fails"), from services/proxy_resolver/proxy_resolver_v8_unittest.cc (commit
# 2445d21f5613fdd462aa16c2bde1a98c50dd1e09): its mock bindings fail every look-up and myIpAddressEx, and answer
# myIpAddress with 127.0.0.1.
V8_CASES: tuple[tuple[str, str, str], ...] = (
    ("direct.js", "http://www.google.com", "DIRECT"),
    ("return_empty_string.js", "http://www.google.com", "DIRECT"),
    ("passthrough.js", "http://query.com/path", "PROXY http.query.com.path.query.com:80"),
    ("passthrough.js", "ftp://query.com:90/path", "PROXY ftp.query.com.90.path.query.com:80"),
    ("return_undefined.js", "http://www.google.com", "fails"),
    ("return_integer.js", "http://www.google.com", "fails"),
    ("return_function.js", "http://www.google.com", "fails"),
    ("return_object.js", "http://www.google.com", "fails"),
    ("return_null.js", "http://www.google.com", "fails"),
    ("no_entrypoint.js", "http://www.google.com", "fails"),
    ("missing_close_brace.js", "http://www.google.com", "fails"),
    ("unhandled_exception.js", "http://www.google.com", "fails"),
    ("return_unicode.js", "http://www.google.com", "fails"),
    ("binding_from_global.js", "http://www.google.com", "PROXY 127.0.0.1:80"),
    ("ends_with_comment.js", "http://www.google.com", "PROXY success:80"),
    ("ends_with_statement_no_semicolon.js", "http://www.google.com", "PROXY success:3"),
    ("dns_fail.js", "http://www.google.com", "PROXY success:80"),
    ("resolve_host.js", "http://[abcd::efff]:99/watsupdawg", "DIRECT"),
    ("side_effects.js", "http://www.google.com#0", "PROXY sideffect_0:80"),
    ("side_effects.js", "http://www.google.com#1", "PROXY sideffect_1:80"),
    ("side_effects.js", "http://www.google.com#2", "PROXY sideffect_2:80"),
)


def run_chromium_v8() -> list[Outcome]:
    """Each script through the run's evaluator (one per script, as Chromium keeps one resolver per script)."""
    from app.net.routing import pac_url_for

    async def fail(name: str) -> tuple[str, ...]:
        return ()

    async def main() -> list[Outcome]:
        evaluators: dict[str, PacEvaluator] = {}
        out = []
        for name, url, expected in V8_CASES:
            if name not in evaluators:
                script = (DATA / "chromium" / "proxy_resolver_v8_unittest" / name).read_text()
                evaluators[name] = PacEvaluator(script, fail, clock=lambda: 0.0, me=LocalAddresses("127.0.0.1", ()))
            target = url.split("#")[0]
            result = await evaluators[name].find_proxy(pac_url_for(target), urlsplit(target).hostname or "")
            first = result.answer.first_usable() if result.answer is not None else None
            got = "fails" if result.answer is None else first.describe() if first is not None else "DIRECT"
            out.append(Outcome(Case("chromium_v8", f"chromium_v8:{name}@{url}", "", expected), got, got == expected))
        return out

    return asyncio.run(main())


# ---------------------------------------------------------------- Mozilla: ascii_pac_utils.js, differential


_MOZ_FUNCS = ("dnsDomainIs", "dnsDomainLevels", "isInNet", "isPlainHostName", "isResolvable", "localHostOrDomainIs",
              "shExpMatch", "weekdayRange", "dateRange", "timeRange")  # fmt: skip
HOSTS = ["www.netscape.com", "WWW.Netscape.com", "www", "netscape.com", ".netscape.com", "a.b.c.d.e", "", "::1",
         "[::1]", "foo:80", "198.95.249.79", "google.com", "www.google.com", "nowhere.invalid", "xn--bcher-kva.example",
         "host.", ".", "a..b"]  # fmt: skip
DOMAINS = [".netscape.com", "netscape.com", ".com", "NETSCAPE.com", "", "www.netscape.com", ".ad", "com."]
NETS = [("198.95.0.0", "255.255.0.0"), ("198.95.249.79", "255.255.255.255"), ("0.0.0.0", "0.0.0.0"),
        ("10.0.0.0", "255.0.0.0"), ("203.0.113.0", "255.255.255.0"), ("198.95.0.0", "255.0.255.0"),
        ("8", "255.0.0.0"), ("198.95.0.0", "255.255"), ("256.0.0.0", "255.0.0.0"), ("198.095.0.0", "255.255.0.0")]  # fmt: skip
PATTERNS = ["*", "*.com", "*.netscape.*", "www.?etscape.com", "http://*/ari/*", "a+b", "(www)*", "{1}*", "[wx]*",
            "*.netscape.com", "www", "*\\*", "^www*", "*$"]  # fmt: skip
TEXTS = ["www.netscape.com", "http://home.netscape.com/people/ari/index.html", "a+b", "aab", "www", "(www).com", "{1}x",
         "x.netscape.com", "wwwnetscape.com"]  # fmt: skip
DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "mon", "Fri", "XYZ"]
DATE_ARGS = [[1], [3], [31], [2016], [2017], ["JUN"], ["jun"], ["MAY", "JUL"], ["JUL", "MAY"], [1, 15], [15, 30],
             [3, "GMT"], ["JUN", "GMT"], [2016, "GMT"], [1, "MAY", 15, "JUN"], [5, "JUN", 15, "JUN"],
             ["JUN", 2016, "JUN", 2017], [1, "JAN", 2016, 5, "JUN", 2016], [1, "JAN", 2016, 2, "JUN", 2016],
             ["foo"], [], [3, "JUN", 2016], [4, "MAR", 1, "JAN"], ["DEC", "JAN"], [2015, 2016]]  # fmt: skip
TIME_ARGS = [[12], [0], [23], [11, 12], [12, 13], [22, 2], [0, 23], [12, "GMT"], [12, 15, 12, 45], [0, 0, 23, 59],
             [12, 30, 15, 12, 30, 45], [12, 30, 40, 12, 30, 45], [23, 0, 1, 0], [], [1, 2, 3], [1, 2, 3, 4, 5],
             [12, 31, 13, 0, "GMT"], ["12"], ["12", "13"]]  # fmt: skip
MOZ_CLOCKS = [_epoch(2016, 6, 3, 12, 30, 30), _epoch(2009, 3, 3, 3, 34, 1), _epoch(2024, 12, 31, 23, 59, 59),
              _epoch(2023, 1, 1, 0, 0, 0)]  # fmt: skip


def mozilla_inputs() -> Iterator[tuple[str, list[Any], float]]:
    """Inputs for the differential run: (function, arguments, clock)."""
    for h in HOSTS:
        yield "dnsDomainLevels", [h], 0.0
        yield "isResolvable", [h], 0.0
        yield "isPlainHostName", [h], 0.0
        for d in DOMAINS:
            yield "dnsDomainIs", [h, d], 0.0
        for other in ("www.netscape.com", "www", "WWW.netscape.com"):
            yield "localHostOrDomainIs", [h, other], 0.0
        for net, mask in NETS:
            yield "isInNet", [h, net, mask], 0.0
    for t in TEXTS:
        for p in PATTERNS:
            yield "shExpMatch", [t, p], 0.0
    for now in MOZ_CLOCKS:
        for a in DAYS:
            yield "weekdayRange", [a], now
            for b in ("FRI", "MON", "sat", "GMT"):
                yield "weekdayRange", [a, b], now
        for args in DATE_ARGS:
            yield "dateRange", args, now
        for args in TIME_ARGS:
            yield "timeRange", args, now


def run_mozilla() -> list[Outcome]:
    """Each input through Mozilla's functions and ours in one sandbox (same clock, same DNS); equal results pass.
    isPlainHostName is compared against Chromium's rule (IPv6 literals are not plain), where the two differ."""
    moz = (DATA / "mozilla" / "ascii_pac_utils.js").read_text()
    ns = (
        "var __moz = (function () {\n" + moz + "\nreturn {" + ", ".join(f"{f}: {f}" for f in _MOZ_FUNCS) + "};\n})();\n"
    )
    out: list[Outcome] = []
    by_clock: dict[float, list[tuple[str, list[Any]]]] = {}
    for fn, args, now in mozilla_inputs():
        by_clock.setdefault(now, []).append((fn, args))
    for now, calls in by_clock.items():

        def one(who: str, fn: str, args: list[Any]) -> str:
            return (f"(function(){{ try {{ return {{v: {who}{fn}({', '.join(_js(a) for a in args)})}}; }} "
                    f"catch (e) {{ return {{e: 1}}; }} }})()")  # fmt: skip

        pairs = ",".join(f"[{one('__moz.', fn, args)}, {one('', fn, args)}]" for fn, args in calls)
        script = ns + f"function FindProxyForURL(u, h) {{ return JSON.stringify([{pairs}]); }}"
        ev = sandbox.evaluate(script, "http://x/", "x", DNS, ME, now * 1000.0)
        assert ev.answer is not None, ev.error
        for (fn, args), (theirs, ours) in zip(calls, json.loads(ev.answer), strict=True):
            cid = f"mozilla:{fn}({', '.join(map(_js, args))})@{int(now)}"
            out.append(Outcome(Case("mozilla", cid, "", theirs), ours, theirs == ours))
    return out


def run_all() -> dict[str, list[Outcome]]:
    return {
        "pacparser": run_pacparser(),
        "pypac": run_expressions(list(pypac_cases())),
        "chromium": run_chromium(),
        "chromium_v8": run_chromium_v8(),
        "mozilla": run_mozilla(),
    }


if __name__ == "__main__":  # python -m tests.unit.pac_cases: the tally per source (local time UTC)
    with local_time_utc():
        tally = run_all()
    for source, outcomes in tally.items():
        failing = [o for o in outcomes if not o.ok]
        print(f"{source}: {len(outcomes) - len(failing)} / {len(outcomes)}")
        for o in failing:
            print(f"  differs: {o.case.id} ({DISAGREEMENTS.get(o.case.id, 'NOT LISTED')})")
