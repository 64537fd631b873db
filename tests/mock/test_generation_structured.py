"""Structured outputs: any schema of the supported subset yields a value that validates."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator  # 2020-12: prefixItems
from ollama_conformance.mock_server.generation import structured, text

_WORD = st.sampled_from(["name", "city", "count", "tags", "score", "kind", "owner", "items"])


def _scalar() -> st.SearchStrategy[dict[str, Any]]:
    bounds = st.tuples(st.integers(-50, 50), st.integers(0, 60))
    return st.one_of(
        st.builds(
            lambda lo_len, extra: {"type": "string", "minLength": lo_len, "maxLength": lo_len + extra},
            st.integers(0, 12),
            st.integers(0, 10),
        ),
        st.just({"type": "string", "format": "date"}),
        st.builds(lambda b: {"type": "integer", "minimum": b[0], "maximum": b[0] + b[1]}, bounds),
        st.builds(
            lambda b: {
                "type": "integer",
                "exclusiveMinimum": b[0],
                "maximum": b[0] + b[1] + 1,
                "multipleOf": 1,
            },
            bounds,
        ),
        st.builds(
            lambda b: {"type": "number", "minimum": b[0], "exclusiveMaximum": b[0] + b[1] + 0.5}, bounds
        ),
        st.builds(
            lambda b: {"type": "number", "multipleOf": 0.5, "minimum": b[0], "maximum": b[0] + b[1] + 1},
            bounds,
        ),
        st.just({"type": "boolean"}),
        st.just({"type": ["string", "null"]}),
        st.builds(
            lambda vals: {"enum": vals},
            st.lists(st.sampled_from(["a", "b", 3, None, True]), min_size=1, max_size=4, unique_by=repr),
        ),
        st.builds(lambda v: {"const": v}, st.sampled_from(["fixed", 4, False])),
    )


def _schema(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    props = st.dictionaries(_WORD, children, min_size=1, max_size=4)
    obj = props.flatmap(
        lambda p: st.builds(
            lambda req: {"type": "object", "properties": p, "required": sorted(req)},
            st.sets(st.sampled_from(sorted(p)), max_size=len(p)),
        )
    )
    arr = st.builds(
        lambda items, lo, extra, uniq: {
            "type": "array",
            "items": items,
            "minItems": lo,
            "maxItems": lo + extra,
            "uniqueItems": uniq,
        },
        children,
        st.integers(0, 2),
        st.integers(0, 3),
        st.just(False),
    )
    any_of = st.builds(lambda a, b: {"anyOf": [a, b]}, children, children)
    return st.one_of(obj, arr, any_of)


SCHEMAS = st.recursive(_scalar(), _schema, max_leaves=8).map(
    lambda s: (
        s
        if s.get("type") == "object"
        else {"type": "object", "properties": {"value": s}, "required": ["value"]}
    )
)


@settings(max_examples=120, derandomize=True, deadline=None)
@given(SCHEMAS, st.binary(min_size=1, max_size=8), st.booleans())
def test_generated_values_validate(schema: dict[str, Any], seed: bytes, every: bool) -> None:
    value = structured.generate(schema, seed, all_properties=every)
    errors = [e.message for e in Draft7Validator(schema).iter_errors(value)]
    assert errors == [], (schema, value)


def test_required_properties_present_and_optional_ones_in_full_mode() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert set(structured.generate(schema, b"s", all_properties=False)) == {"a"}
    assert set(structured.generate(schema, b"s")) == {"a", "b"}


def test_defaults_are_used_for_tool_arguments() -> None:
    schema = {
        "type": "object",
        "properties": {"unit": {"type": "string", "enum": ["c", "f"], "default": "f"}},
        "required": ["unit"],
    }
    assert structured.generate(schema, b"s", all_properties=False) == {"unit": "f"}


def test_local_refs_and_all_of_resolve() -> None:
    schema = {
        "$defs": {
            "point": {
                "type": "object",
                "properties": {"x": {"type": "integer", "minimum": 5}},
                "required": ["x"],
            }
        },
        "type": "object",
        "properties": {
            "p": {"$ref": "#/$defs/point"},
            "q": {
                "allOf": [
                    {"type": "object", "properties": {"y": {"type": "boolean"}}, "required": ["y"]},
                    {"required": ["z"], "properties": {"z": {"const": 1}}},
                ]
            },
        },
        "required": ["p", "q"],
    }
    value = structured.generate(schema, b"r")
    assert Draft7Validator(schema).is_valid(value)
    assert value["q"]["z"] == 1 and isinstance(value["q"]["y"], bool)


def test_recursive_schema_terminates() -> None:
    schema = {
        "definitions": {"node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}}},
        "$ref": "#/definitions/node",
    }
    value = structured.generate(schema, b"deep")
    assert Draft7Validator(schema).is_valid(value)


def test_unique_items_are_unique() -> None:
    schema = {
        "type": "array",
        "items": {"enum": ["a", "b", "c"]},
        "minItems": 3,
        "maxItems": 3,
        "uniqueItems": True,
    }
    value = structured.generate(schema, text.digest("u"))
    assert sorted(value) == ["a", "b", "c"]


def test_same_seed_same_value() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "number"}, "s": {"type": "string"}}}
    assert structured.generate(schema, b"1") == structured.generate(schema, b"1")


# --- what pydantic writes: recursion, patterns, tuples, dicts with a minimum size ----------------

NODE = {"$ref": "#/$defs/N", "$defs": {"N": {"type": "object", "required": ["v", "next"], "properties": {
    "v": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}}}}
TREE = {"$ref": "#/$defs/T", "$defs": {"T": {"type": ["object", "null"], "required": ["v", "kids"], "properties": {
    "v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}}}}


@pytest.mark.parametrize("schema", [
    NODE,  # Optional[Self], required (the openai SDK's .parse() and strict tools require every field)
    TREE,
    {"type": "object", "required": ["zip", "code"], "properties": {
        "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
        "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{3,4}$", "maxLength": 7}}},
    {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2},
    {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2},
])
def test_schemas_pydantic_writes_give_valid_values(schema: dict[str, Any]) -> None:
    for seed in range(12):
        Draft202012Validator(schema).validate(structured.generate(schema, text.digest("s", seed)))


def test_a_schema_with_no_finite_value_ends_instead_of_recursing_forever() -> None:
    endless = {"$ref": "#/$defs/N", "$defs": {"N": {"type": "object", "required": ["next"],
                                                     "properties": {"next": {"$ref": "#/$defs/N"}}}}}
    value = structured.generate(endless, text.digest("endless"))
    depth = 0
    while isinstance(value, dict):
        value, depth = value["next"], depth + 1
    assert value is None and depth <= 4 * structured.MAX_DEPTH + 1


def test_a_pattern_the_walker_cannot_satisfy_falls_back_to_words() -> None:
    value = structured.generate({"type": "string", "pattern": "x(?=y)"}, text.digest("p"))
    assert isinstance(value, str) and value


def test_recursive_formats_and_tools_answer_over_http(asgi_client: Any) -> None:
    body = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "x"}], "format": NODE}
    response = asgi_client.post("/api/chat", json=body)
    assert response.status_code == 200
    tool = {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "required": ["head"],
                                                                            "properties": {"head": NODE}}}}
    call = asgi_client.post("/v1/chat/completions", json={"model": "llama3.2", "tools": [tool],
                                                          "messages": [{"role": "user", "content": "add"}]})
    assert call.status_code == 200 and call.json()["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"v": {"type": "string", "pattern": "a{2000000000}"}}, "required": ["v"]},
    {"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}, "required": ["a", "b"]},
    {"type": "array", "items": {"$ref": "#"}, "minItems": 2},
    {"type": "object", "minProperties": 10**9},
    {"type": "string", "pattern": "(((a{100}){100}){100}){10}"},
    {"type": "array", "minItems": 10**12, "items": {"type": "string", "minLength": 10**12}},
    {"allOf": [{"$ref": "#"}]},
    {"type": "object", "minProperties": "x", "properties": {"n": {"type": "array", "minItems": "y"}}},
])
def test_no_schema_makes_a_huge_answer_or_an_exception(schema: dict[str, Any]) -> None:
    import json

    value = structured.generate(schema, text.digest("huge"))
    assert len(json.dumps(value)) < 4 * structured.MAX_TEXT


@pytest.mark.parametrize("pattern", ["^\\S+$", "^\\W\\D$", "^[a-z0-9-]{3,63}$"])
def test_negated_classes_and_wide_repeats_match(pattern: str) -> None:
    schema = {"type": "string", "pattern": pattern, "maxLength": 40}
    for seed in range(8):
        Draft202012Validator(schema).validate(structured.generate(schema, text.digest("p", seed)))
