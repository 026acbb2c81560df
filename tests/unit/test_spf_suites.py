"""The SPF evaluator against the OpenSPF test suites (RFC 7208 and RFC 4408), vendored in tests/data/spf/.

Every case runs through an in-memory DNS built from its scenario's zone data, with the suite drivers' rules
(pyspf test/testspf.py): a type SPF record stands in for TXT when a name has no TXT record, "TIMEOUT" is a
temporary failure, a missing name under `error.` times out, CNAMEs are followed. Names a resolver cannot send
(an empty label, a label over 63 octets) fail like dnspython's do in the app's real lookup: a temporary error.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from app.probes import spf

DATA = Path(__file__).resolve().parents[1] / "data" / "spf"
DEFAULT_EXPLANATION = "DEFAULT"  # what the suite's driver sets as the default explanation


def _records(entries: list[Any]) -> list[tuple[str, Any]]:
    """The zone entries of one name as (type, value); SPF-type records double as TXT when no TXT is given."""
    out: list[tuple[str, Any]] = []
    has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
    for entry in entries:
        if entry == "TIMEOUT":
            out.append(("TIMEOUT", None))
            continue
        for rdtype, value in entry.items():
            if rdtype in ("TXT", "SPF") and isinstance(value, str) and value != "TIMEOUT":
                value = [value]
            if value == ["NONE"]:
                continue
            out.append((rdtype, value))
            if rdtype == "SPF" and not has_txt:
                out.append(("TXT", value))
    return out


def _text(rdtype: str, value: Any) -> str:
    if rdtype == "TXT":
        return "".join(value)
    if rdtype == "MX":
        return f"{value[0]} {value[1]}"
    if rdtype == "AAAA":
        return str(ipaddress.ip_address(value))
    return str(value)


def zone_lookup(zonedata: dict[str, list[Any]]) -> spf.Lookup:
    """An async lookup answering from one scenario's zone data, as a recursive resolver would."""
    zone = {name.lower().rstrip("."): _records(entries) for name, entries in zonedata.items()}

    def answer(name: str, rdtype: str, depth: int = 0) -> list[str]:
        labels = name.rstrip(".").split(".")
        if any(not label or len(label) > 63 for label in labels):
            raise spf.DnsTempError(f"{name} is not a valid DNS name")
        key = ".".join(labels).lower()
        if key not in zone:
            if key.startswith("error."):
                raise spf.DnsTempError(f"timeout for {name}")
            return []
        out: list[str] = []
        for rtype, value in zone[key]:
            if rtype == "TIMEOUT":
                if not out:
                    raise spf.DnsTempError(f"timeout for {name}")
                break
            if rtype == rdtype:
                if value == "TIMEOUT":
                    raise spf.DnsTempError(f"timeout for {name} {rdtype}")
                out.append(_text(rtype, value))
            elif rtype == "CNAME" and rdtype != "CNAME" and depth < 8:
                out.extend(answer(str(value), rdtype, depth + 1))
        return out

    async def lookup(name: str, rdtype: str) -> list[str]:
        return answer(name, rdtype)

    return lookup


def load_cases(filename: str) -> list[Any]:
    """(case id, zone data, case) for each test of a suite file (one JSON list of the YAML's documents)."""
    scenarios = json.loads((DATA / filename).read_text(encoding="utf-8"))
    return [
        pytest.param(scenario["zonedata"], case, id=name)
        for scenario in scenarios
        for name, case in sorted(scenario["tests"].items())
    ]


def run_case(zonedata: dict[str, list[Any]], case: dict[str, Any]) -> spf.SpfResult:
    lookup = zone_lookup(zonedata)
    return asyncio.run(spf.check_host_for_sender(case["host"], case["mailfrom"], case["helo"], lookup))


def assert_case(zonedata: dict[str, list[Any]], case: dict[str, Any]) -> None:
    result = run_case(zonedata, case)
    expected = case["result"] if isinstance(case["result"], list) else [case["result"]]
    assert result.result in expected, f"{case.get('description', '')}: {result}"
    if "explanation" in case:
        assert (result.explanation or DEFAULT_EXPLANATION) == case["explanation"], result


@pytest.mark.parametrize(("zonedata", "case"), load_cases("rfc7208-tests.json"))
def test_rfc7208(zonedata: dict[str, list[Any]], case: dict[str, Any]) -> None:
    assert_case(zonedata, case)


@pytest.mark.parametrize(("zonedata", "case"), load_cases("rfc4408-tests.json"))
def test_rfc4408(zonedata: dict[str, list[Any]], case: dict[str, Any]) -> None:
    """Where RFC 7208 changed a result (void lookups, MX limit, type SPF), the 4408 suite lists both answers."""
    assert_case(zonedata, case)


def test_suites_are_complete() -> None:
    """The vendored files hold the whole suites: 203 cases for RFC 7208, 191 for RFC 4408."""
    assert len(load_cases("rfc7208-tests.json")) == 203
    assert len(load_cases("rfc4408-tests.json")) == 191


def test_json_is_the_yaml() -> None:
    """The JSON files are the vendored YAML files, converted (checked when PyYAML is installed)."""
    yaml = pytest.importorskip("yaml")
    for name in ("rfc7208-tests", "rfc4408-tests"):
        with (DATA / f"{name}.yml").open("rb") as f:
            assert list(yaml.safe_load_all(f)) == json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
