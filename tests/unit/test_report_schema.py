"""The shipped JSON Schema describes RunResult.to_json() exactly: real engine results validate, wrong ones do not."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from app.engine.model import Category, Status
from app.engine.options import RunOptions
from app.report.schema import result_schema, schema_errors
from tests.unit.report_fakes import MIXED, run_result


def test_schema_is_valid_2020_12_and_lists_every_category_and_status() -> None:
    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["$defs"]["category"]["enum"]) == {c.value for c in Category}
    assert set(schema["$defs"]["status"]["enum"]) == {s.value for s in Status}


@pytest.mark.parametrize(
    "kind",
    ["mixed", "all_pass", "deadline", "blocked"],
)
def test_real_results_validate(kind: str) -> None:
    if kind == "mixed":
        result = run_result()
    elif kind == "all_pass":
        result = run_result([(*r[:2], Status.PASS, "ok", {}, ()) for r in MIXED])
    elif kind == "deadline":
        result = run_result(options=RunOptions(timeout_s=0.3), slow=frozenset({"stun.daily.co:3478"}))
        assert not result.finished and result.ended_by == "deadline"
    else:
        rows = [(Category.DNS, "a.daily.co", Status.FAIL, "NXDOMAIN", {"rcode": "NXDOMAIN"}, ("dns_nxdomain",))]
        result = run_result(rows)
        assert result.verdict.value == "blocked"
    data = json.loads(json.dumps(result.to_json()))  # exactly what a file holds
    assert schema_errors(data) == []


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("checks", 0, "status"), "ok", "checks/0/status"),
        (("checks", 0, "category"), "smtp", "checks/0/category"),
        (("verdict",), "fine", "verdict"),
        (("tool", "name"), "OtherTool", "tool/name"),
        (("findings", 0, "severity"), "fatal", "findings/0/severity"),
        (("started_at",), "yesterday", "started_at"),
        (("checks", 0, "duration_ms"), -1, "checks/0/duration_ms"),
    ],
)
def test_wrong_values_are_reported_with_their_place(path: tuple, value: object, where: str) -> None:
    data = run_result().to_json()
    bad = copy.deepcopy(data)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = schema_errors(bad)
    assert errors and errors[0].startswith(where + ":")


def test_unknown_and_missing_keys_are_refused() -> None:
    data = run_result().to_json()
    extra = {**data, "surprise": 1}
    assert any("surprise" in e for e in schema_errors(extra))
    missing = {k: v for k, v in data.items() if k != "it_message"}
    assert any("it_message" in e for e in schema_errors(missing))
