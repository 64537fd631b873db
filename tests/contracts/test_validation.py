"""contracts.validate / validate_document: schema choice, violations as data, caching, lazy import."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from ollama_conformance.contracts import validation

from ollama_conformance import contracts

CHAT_RESPONSE = {
    "model": "qwen3",
    "created_at": "2026-08-21T17:02:12.1Z",
    "message": {"role": "assistant", "content": "Hello"},
    "done": True,
    "done_reason": "stop",
    "total_duration": 1589000000,
    "load_duration": 42000000,
    "prompt_eval_count": 26,
    "prompt_eval_duration": 130000000,
    "eval_count": 59,
    "eval_duration": 1410000000,
}


def test_a_reference_chat_response_is_valid() -> None:
    assert contracts.validate("POST /api/chat", "response", CHAT_RESPONSE) == []


def test_a_chat_request_and_an_error_body_are_valid() -> None:
    request = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}
    assert contracts.validate("POST /api/chat", "request", request) == []
    assert contracts.validate("POST /api/chat", "error", {"error": "model 'x' not found"}) == []


def test_a_violation_carries_instance_path_schema_path_keyword_and_one_line_message() -> None:
    bad = {**CHAT_RESPONSE, "message": {"role": 7, "content": "x"}}
    found = contracts.validate("POST /api/chat", "response", bad)
    role = [v for v in found if v.instance_path == "$.message.role"]
    assert role, found
    assert role[0].schema_path.startswith("properties/message/")
    assert role[0].keyword in {"type", "const", "enum"}
    assert all("\n" not in v.message for v in found)


def test_every_error_is_listed_with_best_match_first() -> None:
    found = contracts.validate("POST /api/chat", "request", {"messages": "x"})
    paths = {v.instance_path for v in found}
    assert {"$", "$.messages"} <= paths  # the missing model and the wrong type, both
    assert len(found) >= 2
    best = validation.best_match(
        list(validation.validator("native/chat.request.json").iter_errors({"messages": "x"}))
    )
    assert found[0].message == validation.one_line(best.message)


def test_violation_is_a_frozen_dataclass() -> None:
    v = contracts.Violation("$.a", "properties/a/type", "bad", "type")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.message = "other"  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(v)] == ["instance_path", "schema_path", "message", "keyword"]


def test_chunk_kind_uses_the_stream_chunk_schema() -> None:
    chunk = {
        "model": "m",
        "created_at": "2026-08-21T17:02:11.5Z",
        "message": {"role": "assistant", "content": "Hi"},
        "done": False,
    }
    assert (
        validation.schema_for("POST /api/chat", "chunk")
        == contracts.operation("POST /api/chat")["stream"]["chunk"]
    )
    assert contracts.validate("POST /api/chat", "chunk", chunk) == []
    assert contracts.validate("POST /api/chat", "chunk", {**chunk, "done": "no"}) != []


def test_validate_document_resolves_refs_across_files() -> None:
    # chat.response.json refers to ../common/defs.json for durations
    found = contracts.validate_document("native/chat.response.json", {**CHAT_RESPONSE, "eval_duration": "1s"})
    assert any(v.instance_path == "$.eval_duration" for v in found)


def test_unknown_kind_names_the_valid_kinds() -> None:
    with pytest.raises(contracts.ContractError, match="request, response, chunk, error"):
        contracts.validate("POST /api/chat", "body", {})


def test_unknown_endpoint_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="POST /api/chat"):
        contracts.validate("POST /api/nope", "request", {})


def test_an_empty_response_has_no_schema() -> None:
    with pytest.raises(contracts.ContractError, match="empty"):
        contracts.validate("POST /api/copy", "response", {})
    with pytest.raises(contracts.ContractError, match="does not stream"):
        contracts.validate("POST /api/embed", "chunk", {})


def test_a_variant_replaces_only_the_documents_it_names() -> None:
    entry = contracts.operation("POST /v1/chat/completions")
    variant = next(v for v in entry["variants"] if v.get("chunk"))
    assert validation.schema_for("POST /v1/chat/completions", "chunk", variant["name"]) == variant["chunk"]
    if not variant.get("request"):
        assert (
            validation.schema_for("POST /v1/chat/completions", "request", variant["name"]) == entry["request"]
        )


def test_an_unknown_variant_lists_the_known_ones() -> None:
    with pytest.raises(contracts.ContractError, match="known variants"):
        contracts.validate("POST /api/chat", "response", CHAT_RESPONSE, variant="nope")


def test_validators_are_compiled_once() -> None:
    assert validation.validator("native/chat.response.json") is validation.validator(
        "native/chat.response.json"
    )
    assert validation.registry() is validation.registry()


def test_every_schema_file_is_registered_under_its_id() -> None:
    registry = validation.registry()
    for path in ("common/defs.json", "native/chat.response.json", "native/error.json"):
        document = contracts.schema(path)
        assert document["$id"] == f"https://ollama-conformance.invalid/{path}"
        assert registry.contents(document["$id"]) == document


def test_long_messages_are_cut_to_one_line() -> None:
    found = contracts.validate("POST /api/chat", "error", {"error": ["x\ny" * 500]})
    assert found and all(len(v.message) <= 240 and "\n" not in v.message for v in found)


def test_json_paths_quote_keys_that_are_not_identifiers() -> None:
    assert validation.json_path(["a", 0, "b c", "d"]) == '$.a[0]["b c"].d'


def test_importing_contracts_does_not_import_jsonschema() -> None:
    code = "import sys; from ollama_conformance import contracts; contracts.operations(); print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_every_exported_name_resolves() -> None:
    for name in contracts.__all__:
        assert getattr(contracts, name) is not None, name
    assert contracts.Warning is contracts.FieldWarning
    with pytest.raises(AttributeError):
        contracts.no_such_name  # noqa: B018
