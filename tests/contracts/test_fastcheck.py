"""The compiled fast path (contracts/fastcheck.py) agrees with jsonschema's Draft7Validator.

Its "valid" must never be more lenient than jsonschema's: checked on tricky keywords one
by one, then differentially on every schema file with recorded bodies, their mutations
and random JSON values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from ollama_conformance.contracts import fastcheck, openapi_doc, validation

from ollama_conformance import contracts

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
BASE = "https://ollama-conformance.invalid/test/t.json"


def compiled(schema: dict[str, Any]) -> fastcheck.Check:
    return fastcheck.Compiler(lambda uri: schema).compile_document(BASE)


CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
    ({"type": ["number", "null"]}, [1, 2.5, None, False, "x"]),
    ({"enum": [1, "a", [1, 2], {"k": True}]}, [1, 1.0, True, "a", [1, 2], [True, 2], {"k": True}, {"k": 1}]),
    ({"const": False}, [False, 0, None, True]),
    ({"$ref": "#/definitions/s", "type": "integer", "definitions": {"s": {"type": "string"}}}, ["x", 1]),
    (
        {
            "properties": {"a": {"type": "string"}},
            "patternProperties": {"^x-": {"type": "integer"}},
            "additionalProperties": False,
        },
        [{"a": "s"}, {"x-1": 1}, {"x-1": "s"}, {"b": 1}, {}, "not an object"],
    ),
    (
        {"additionalProperties": {"type": "string"}, "properties": {"n": {"type": "integer"}}},
        [{"n": 1, "o": "s"}, {"o": 1}],
    ),
    (
        {"required": ["a", "b"], "minProperties": 2, "maxProperties": 3},
        [{"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2, "c": 3, "d": 4}, []],
    ),
    ({"items": [{"type": "string"}], "additionalItems": False}, [["a"], ["a", "b"], [1], []]),
    (
        {"items": {"type": "integer"}, "minItems": 1, "maxItems": 2, "uniqueItems": True},
        [[1], [1, 1], [1, True], [], [1, 2, 3], [1.0, 1]],
    ),
    ({"contains": {"const": 3}}, [[1, 3], [1], []]),
    ({"multipleOf": 0.1}, [0.3, 0.35, 1, True]),
    ({"multipleOf": 3}, [9, 10, 9.0, 1e308]),
    ({"minimum": 0, "exclusiveMaximum": 10}, [0, -1, 10, 9.99, True]),
    ({"minLength": 2, "maxLength": 3, "pattern": "^a"}, ["ab", "a", "abcd", "ba", 5]),
    (
        {
            "if": {"properties": {"k": {"const": "a"}}},
            "then": {"required": ["x"]},
            "else": {"required": ["y"]},
        },
        [{"k": "a", "x": 1}, {"k": "a"}, {"y": 1}, {}],
    ),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, [1, -1, 0.5, -0.5]),
    ({"anyOf": [{"type": "string"}, {"type": "null"}], "not": {"const": ""}}, ["x", "", None, 1]),
    (
        {"dependencies": {"a": ["b"], "c": {"required": ["d"]}}},
        [{"a": 1, "b": 1}, {"a": 1}, {"c": 1}, {"c": 1, "d": 1}],
    ),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, [{"ab": 1}, {"A": 1}]),
    (
        {
            "definitions": {
                "node": {
                    "type": "object",
                    "properties": {"kids": {"type": "array", "items": {"$ref": "#/definitions/node"}}},
                }
            },
            "$ref": "#/definitions/node",
        },
        [{"kids": [{"kids": []}]}, {"kids": [{"kids": [1]}]}],
    ),
    ({"type": "object", "properties": {"a": True, "b": False}}, [{"a": 1}, {"b": 1}]),
]


@pytest.mark.parametrize(("schema", "instances"), CASES, ids=[json.dumps(c[0])[:60] for c in CASES])
def test_each_keyword_agrees_with_jsonschema(schema: dict[str, Any], instances: list[Any]) -> None:
    check, reference = compiled(schema), Draft7Validator(schema)
    for instance in instances:
        assert check(instance) == reference.is_valid(instance), instance


def recorded_cases() -> list[tuple[str, Any]]:
    """(schema path, body): recorded requests and answers against their endpoint's schemas of that kind."""
    if not RECORDED.is_dir():
        return []
    cases: list[tuple[str, Any]] = []
    for path in sorted(RECORDED.glob("*.json")):
        exchange = json.loads(path.read_text(encoding="utf-8"))
        if exchange["endpoint"] not in contracts.operations():
            continue
        entry = contracts.operation(exchange["endpoint"])
        if exchange.get("request") is not None:
            cases.extend((schema, exchange["request"]) for schema in _schemas(entry, "request"))
        records = exchange.get("response")
        records = records if isinstance(records, list) else [records]
        kind = (
            "error"
            if (exchange.get("status") or 200) >= 400
            else "chunk"
            if exchange["response_kind"] in ("ndjson", "sse")
            else "response"
        )
        for body in [
            r for r in records[:2] + records[-1:] if isinstance(r, dict)
        ]:  # streams: first, second, last
            cases.extend((schema, body) for schema in _schemas(entry, kind))
    return cases


def _schemas(entry: dict[str, Any], kind: str) -> set[str]:
    current = {
        "request": entry.get("request"),
        "response": (entry.get("response") or {}).get("schema"),
        "chunk": (entry.get("stream") or {}).get("chunk"),
        "error": (entry.get("errors") or {}).get("schema"),
    }[kind]
    found = {current, *(v.get(kind) for v in entry.get("variants", []))}
    return {p for p in found if isinstance(p, str)}


def mutations(value: Any) -> list[Any]:
    """The value, and copies with one key dropped, retyped or added (top level and one below)."""
    out = [value]
    if isinstance(value, dict):
        for key in list(value)[:12]:
            replacement: Any
            for replacement in (None, 1, "x", True, []):
                out.append({**value, key: replacement})
            out.append({k: v for k, v in value.items() if k != key})
            if isinstance(value[key], dict):
                out.extend({**value, key: inner} for inner in mutations(value[key])[1:8])
        out.append({**value, "unexpected": 1})
    return out


def test_endpoint_schemas_agree_with_jsonschema_on_recorded_bodies_and_mutations() -> None:
    cases = recorded_cases()
    assert cases or not RECORDED.is_dir()
    seen: set[str] = set()
    for path, body in cases:
        check, reference = validation.fast_check(path), validation.validator(path)
        for instance in mutations(body):
            key = path + json.dumps(instance, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            assert check(instance) == reference.is_valid(instance), (path, json.dumps(instance)[:200])


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 2, allow_nan=False)
    | st.sampled_from(["", "a", "assistant", "stop"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["model", "role", "content", "done", "type", "x"]), inner, max_size=4
        )
    ),
    max_leaves=8,
)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(JSON)
def test_every_schema_agrees_with_jsonschema_on_random_json(value: Any) -> None:
    for path in openapi_doc.schema_files():
        assert validation.fast_check(path)(value) == validation.validator(path).is_valid(value), path
