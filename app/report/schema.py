"""The shipped JSON Schema of the result (app/engine/result.schema.json) and a compiled validator."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def result_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) describing RunResult.to_json()."""
    text = resources.files("app.engine").joinpath("result.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(report: Any, limit: int = 3) -> list[str]:
    """Up to `limit` readable schema violations of a report ('checks/3/status: 'ok' is not one of ...')."""
    errors = []
    for err in _validator().iter_errors(report):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        errors.append(f"{where}: {err.message}")
        if len(errors) >= limit:
            break
    return errors
