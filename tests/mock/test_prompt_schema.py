"""JSON mode (`format: "json"`) answers with the schema a prompt asks for, as a model would."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from ollama_conformance.mock_server.generation.prompt_schema import schema_in

CITY = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"], "additionalProperties": False,
        "$schema": "http://json-schema.org/draft-07/schema#"}
# the Vercel AI SDK's generateObject in JSON mode puts this in the system message
AI_SDK_SYSTEM = ("JSON schema:\n" + json.dumps(CITY)
                 + "\nYou MUST answer with a JSON object that matches the JSON schema above.")


def _chat(client: Any, messages: list[dict[str, str]]) -> Any:
    body = {"model": "llama3.2", "stream": False, "format": "json", "messages": messages}
    return json.loads(client.post("/api/chat", json=body).json()["message"]["content"])


def test_the_schema_in_the_system_message_shapes_the_answer(asgi_client: Any) -> None:
    answer = _chat(asgi_client, [{"role": "system", "content": AI_SDK_SYSTEM}, {"role": "user", "content": "Paris"}])
    Draft202012Validator(CITY).validate(answer)


def test_generate_reads_its_prompt_and_system(asgi_client: Any) -> None:
    for body in ({"prompt": "Paris.\n" + AI_SDK_SYSTEM}, {"prompt": "Paris", "system": AI_SDK_SYSTEM}):
        sent = {"model": "llama3.2", "stream": False, "format": "json", **body}
        Draft202012Validator(CITY).validate(json.loads(asgi_client.post("/api/generate", json=sent).json()["response"]))


def test_a_text_too_long_to_search_whole_is_not_searched() -> None:
    # cut short, the outer schema would not parse and an inner one would be taken for it
    huge = {"type": "object", "properties": {f"p{i}": {"type": "object", "properties": {"x": {"type": "string"}}}
                                             for i in range(20000)}}
    assert schema_in([json.dumps(huge)]) is None


def test_without_a_schema_json_mode_answers_its_own_object(asgi_client: Any) -> None:
    answer = _chat(asgi_client, [{"role": "user", "content": 'Describe Paris, e.g. {"name": "x"}'}])
    assert list(answer) == ["answer", "topic", "confidence"]


def test_the_last_schema_of_a_text_and_only_one_the_converter_takes() -> None:
    example = {"properties": {"foo": {"type": "array", "items": {"type": "string"}}}, "required": ["foo"]}
    real = {"properties": {"setup": {"type": "string"}}, "required": ["setup"]}
    text = f"for the schema {json.dumps(example)} the object {{\"foo\": [\"bar\"]}} fits.\nHere: {json.dumps(real)}"
    assert schema_in([text]) == real
    refused = {"properties": {"x": {"type": "string", "pattern": "[a-z]+"}}}  # the converter wants ^...$
    assert schema_in([json.dumps(refused)]) is None
    assert schema_in(["no JSON here {", "{not json}", json.dumps(real)]) == real


def test_json_mode_holds_after_tool_results(asgi_client: Any) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    messages = [{"role": "user", "content": "What is the weather in Paris?"},
                {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather",
                                                                                  "arguments": {"city": "Paris"}}}]},
                {"role": "tool", "tool_name": "get_weather", "content": "sunny"}]
    for fmt in ("json", {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}):
        body = {"model": "llama3.2", "stream": False, "format": fmt, "tools": tools, "messages": messages}
        answer = json.loads(asgi_client.post("/api/chat", json=body).json()["message"]["content"])
        assert isinstance(answer, dict) and answer, fmt
