"""contracts.openapi(): an OpenAPI 3.1 document that schemathesis loads, with every operation."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from ollama_conformance.contracts import openapi_doc as openapi_module
from schemathesis.core.result import Err, Ok

from ollama_conformance import contracts


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return contracts.openapi()


def expected_operations() -> set[tuple[str, str]]:
    out = set()
    for name, entry in contracts.index()["operations"].items():
        method, path = name.split(" ", 1)
        out.add((method, path))
        if entry.get("head") and method == "GET":
            out.add(("HEAD", path))
    return out


def test_schemathesis_loads_the_document_and_lists_every_operation() -> None:
    schema = schemathesis.openapi.from_dict(document())
    listed = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"schemathesis cannot load an operation: {result.err()}")
        operation = result.ok()
        listed.add((operation.method.upper(), operation.path))
    assert listed == expected_operations()


def test_no_contract_file_is_missing() -> None:
    assert document()["x-missing-contracts"] == []


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_every_ref_points_inside_the_document() -> None:
    doc = document()
    refs = set(_refs(doc))
    assert refs, "the document should use component refs"
    for ref in sorted(refs):
        _resolve(doc, ref)  # KeyError names the dangling ref


def test_every_component_is_a_valid_2020_12_schema_without_draft_07_leftovers() -> None:
    for name, schema in document()["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert "definitions" not in schema and "$schema" not in schema, name


def test_streams_are_media_types_with_the_record_schema_and_x_stream() -> None:
    paths = document()["paths"]
    for name, entry in contracts.index()["operations"].items():
        if not entry.get("stream"):
            continue
        method, path = name.split(" ", 1)
        media = paths[path][method.lower()]["responses"]["200"]["content"][entry["stream"]["content_type"]]
        assert media["schema"] == {
            "$ref": "#/components/schemas/" + openapi_module.component_name(entry["stream"]["chunk"])
        }
        assert media["x-stream"]["grammar"] == entry["stream"]["grammar"]
        assert media["x-stream"]["framing"] in {"ndjson", "sse-data", "sse-event"}


def test_success_and_error_statuses_and_content_types_come_from_the_index() -> None:
    paths = document()["paths"]
    for name, entry in contracts.index()["operations"].items():
        method, path = name.split(" ", 1)
        responses = paths[path][method.lower()]["responses"]
        statuses = set(entry["response"]["status"]) | set((entry.get("errors") or {}).get("status", []))
        assert {int(s) for s in responses} == statuses, name
        if entry["response"]["kind"] == "empty":
            assert all("content" not in responses[str(s)] for s in entry["response"]["status"]), name
        else:
            assert (
                entry["response"]["content_type"] in responses[str(entry["response"]["status"][0])]["content"]
            ), name


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/", "text/plain; charset=utf-8"), ("/v1/chat/completions", "text/event-stream")],
)
def test_text_and_event_stream_media_types_are_present(path: str, content_type: str) -> None:
    operation = next(iter(document()["paths"][path].values()))
    assert content_type in operation["responses"]["200"]["content"]


def test_refs_are_rewritten_to_hoisted_definitions() -> None:
    target = openapi_module._ref_target(
        "native/chat.response.json", "../common/defs.json#/definitions/duration_ns"
    )
    assert target == "#/components/schemas/common.defs.definitions.duration_ns"
    assert (
        openapi_module._ref_target("native/a.json", "#/definitions/x")
        == "#/components/schemas/native.a.definitions.x"
    )
    assert openapi_module._ref_target("native/a.json", "b.json") == "#/components/schemas/native.b"


def test_draft_07_tuple_items_and_dependencies_are_translated() -> None:
    converted = openapi_module.convert(
        {
            "$schema": "x",
            "items": [{"type": "string"}],
            "additionalItems": False,
            "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
        },
        "native/a.json",
    )
    assert converted == {
        "prefixItems": [{"type": "string"}],
        "items": False,
        "dependentRequired": {"a": ["b"]},
        "dependentSchemas": {"c": {"required": ["d"]}},
    }


def test_errors_list_both_json_content_types_where_ollama_uses_both() -> None:
    paths = document()["paths"]
    chat_errors = paths["/api/chat"]["post"]["responses"]["404"]["content"]
    assert set(chat_errors) == {"application/json; charset=utf-8", "application/json"}  # streaming path
    show_errors = paths["/api/show"]["post"]["responses"]["404"]["content"]
    assert set(show_errors) == {"application/json; charset=utf-8"}
    v1_errors = paths["/v1/embeddings"]["post"]["responses"]["400"]["content"]
    assert set(v1_errors) == {"application/json", "application/json; charset=utf-8"}  # handler vs middleware


@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /v1/chat/completions", "POST /v1/messages"])
def test_request_bodies_schemathesis_generates_are_valid_requests(endpoint: str) -> None:
    path = endpoint.split(" ", 1)[1]
    schema = schemathesis.openapi.from_dict(document())
    operation = next(r.ok() for r in schema.get_all_operations() if isinstance(r, Ok) and r.ok().path == path)
    drawn: list[Any] = []

    @settings(max_examples=5, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def check(case: Any) -> None:
        drawn.append(case.body)
        assert contracts.validate(endpoint, "request", case.body) == []

    check()
    assert drawn
