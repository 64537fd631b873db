"""`format` schemas Ollama's grammar converter refuses (llama.cpp json-schema-to-grammar): the
converter's words, and how Ollama answers them on each surface and profile."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.generation.schema_grammar import conversion_error
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient

FAILED = "JSON schema conversion failed:\n"


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "foo"}, FAILED + 'Unrecognized schema: {"type":"foo"}'),
        ({"type": "object", "properties": {"a": True, "b": {"type": "é"}}},
         FAILED + 'Unrecognized schema: true\nUnrecognized schema: {"type":"é"}'),
        ({"properties": ["a"]}, FAILED + 'Unrecognized schema: "a"'),  # an array's items are the values
        ({"$defs": {"x": {"type": "foo"}}, "properties": {"a": {"$ref": "#/$defs/x"}, "b": {"$ref": "#/$defs/x"}}},
         FAILED + 'Unrecognized schema: {"type":"foo"}\nUnrecognized schema: {"type":"foo"}'),  # once per use
        ({"type": "string", "pattern": "^[a-z$"}, FAILED + "Unbalanced square brackets"),
        ({"type": "string", "pattern": "^a{x}$"}, FAILED + "Invalid number in curly brackets"),
        ({"type": "string", "pattern": "^a{1,2,3}$"}, FAILED + "Wrong number of values in curly brackets"),
        ({"type": "integer", "minimum": True}, "[json.exception.type_error.302] type must be number, but is boolean"),
        ({"type": "array", "prefixItems": [{"type": "integer"}], "items": False}, FAILED + "Unrecognized schema: false"),
        ({"type": "string", "pattern": "[a-z]+"}, FAILED + "Pattern must start with '^' and end with '$'"),
        ({"$ref": "other.json#/x"}, FAILED + "Unsupported ref: other.json#/x"),
        ({"$ref": "#/$defs/missing", "$defs": {}},
         FAILED + 'Error resolving ref #/$defs/missing: missing not in {}'),
        ({"type": "string", "format": 5}, "[json.exception.type_error.302] type must be string, but is number"),
        ({"type": "string", "minLength": "3"}, "[json.exception.type_error.302] type must be number, but is string"),
        ({"anyOf": {"type": "string"}}, "[json.exception.type_error.302] type must be array, but is object"),
    ],
)
def test_what_the_converter_refuses_and_says(schema: dict[str, Any], problem: str) -> None:
    assert conversion_error(schema) == problem


@pytest.mark.parametrize(
    "schema",
    [
        {},
        {"type": "object"},
        {"type": "object", "properties": {"x": {"title": "X"}}},  # untyped annotations: any value
        {"$schema": "http://json-schema.org/draft-07/schema#", "description": "anything"},
        {"$ref": "#/$defs/a/prefixItems/0", "$defs": {"a": {"prefixItems": [{"type": "string"}]}}},
        {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer", "minimum": 1}}},
        {"type": ["string", "null"]},
        {"enum": [1, "a"]},
        {"const": {"x": 1}},
        {"type": "string", "pattern": "^[a-z]+$", "minLength": 2},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "email"},
        {"$defs": {"p": {"type": "object", "properties": {"next": {"$ref": "#/$defs/p"}}}}, "$ref": "#/$defs/p"},
        {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"b": {"type": "boolean"}}}]},
        {"type": "array", "items": {"type": "number"}, "minItems": 1},
        {"type": "object", "additionalProperties": {"type": "integer"}},
    ],
)
def test_schemas_the_converter_takes(schema: dict[str, Any], asgi_client: Any) -> None:
    assert conversion_error(schema) is None
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False, "format": schema}
    answer = asgi_client.post("/api/chat", json=body)
    assert answer.status_code == 200
    Draft202012Validator(schema).validate(json.loads(answer.json()["message"]["content"]))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "minLength": True},  # get<int> reads a boolean as a number
        {"type": "array", "items": {"type": "string"}, "maxItems": "3"},  # read only when an integer
        {"type": "array", "prefixItems": [{"type": "string"}], "minItems": "1"},  # tuples read no counts
        {"properties": {"p": {"$defs": {"y": {"type": "integer"}}, "$ref": "#/$defs/y"}}},  # nested $defs hoisted
    ],
)
def test_schemas_the_converter_takes_though_json_schema_would_not(schema: dict[str, Any], asgi_client: Any) -> None:
    assert conversion_error(schema) is None
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False, "format": schema}
    answer = asgi_client.post("/api/chat", json=body)
    assert answer.status_code == 200 and json.loads(answer.json()["message"]["content"]) is not None


LLAMA_SERVER_BODY = ('{"error":{"code":400,"message":"\\"json_schema\\": JSON schema conversion failed:\\n'
                     'Pattern must start with \'^\' and end with \'$\'","type":"invalid_request_error"}}')
# pydantic's Field(pattern=r"[A-Z]{3}") writes the pattern unanchored, as Python's re.search reads it
PYDANTIC_PATTERN = {"type": "object", "properties": {"code": {"type": "string", "pattern": "[A-Z]{3}"}},
                    "required": ["code"]}


def test_native_chat_and_generate_pass_llama_servers_400_on(asgi_client: Any) -> None:
    chat = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "format": PYDANTIC_PATTERN}
    for path, body in (("/api/chat", chat), ("/api/generate", {"model": "llama3.2", "prompt": "hi", "format": PYDANTIC_PATTERN})):
        for stream in (False, True):
            answer = asgi_client.post(path, json={**body, "stream": stream})
            assert (answer.status_code, answer.json()) == (400, {"error": LLAMA_SERVER_BODY}), (path, stream)


def test_openai_surface_gets_it_as_an_invalid_request(asgi_client: Any) -> None:
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": PYDANTIC_PATTERN}}}
    answer = asgi_client.post("/v1/chat/completions", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == {"message": LLAMA_SERVER_BODY, "type": "invalid_request_error",
                                      "param": None, "code": None}


def test_a_thinking_model_streams_its_thinking_before_the_refusal(asgi_client: Any) -> None:
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "format": PYDANTIC_PATTERN}
    lines = [json.loads(line) for line in asgi_client.post("/api/chat", json=body).text.splitlines()]
    assert lines[0]["message"]["thinking"] and lines[-1] == {"error": LLAMA_SERVER_BODY}


def test_before_llama_server_the_runner_said_invalid_json_schema() -> None:
    client = TestClient(create_app(Settings(validate_emitted=True, profile="ollama-0.12.9")),
                        base_url="http://127.0.0.1:11434")
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False,
            "format": PYDANTIC_PATTERN}
    answer = client.post("/api/chat", json=body)
    assert (answer.status_code, answer.json()) == (500, {"error": "invalid JSON schema in format"})
