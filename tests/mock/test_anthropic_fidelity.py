"""/v1/messages details checked against Ollama's anthropic.go: typed nested fields, what tool
results reach the model, and the input-token estimate of message_start."""

from __future__ import annotations

import json
from typing import Any

import pytest

BASE = {"model": "llama3.2", "max_tokens": 60, "messages": [{"role": "user", "content": "hi"}]}
TOOLS = [{"name": "w", "input_schema": {"type": "object"}}]


@pytest.mark.parametrize(("extra", "message"), [
    ({"metadata": {"user_id": 5}}, "Go struct field Metadata.metadata.user_id of type string"),
    ({"tool_choice": {"type": 5}}, "Go struct field ToolChoice.tool_choice.type of type string"),
    ({"tool_choice": {"type": "auto", "disable_parallel_tool_use": "x"}},
     "Go struct field ToolChoice.tool_choice.disable_parallel_tool_use of type bool"),
    ({"tools": [{"name": "t", "input_schema": {"type": "object"}, "max_uses": "x"}]},
     "Go struct field Tool.tools.max_uses of type int"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "citations": 5}]}]},
     "Go struct field MessagesRequest.messages.citations of type []anthropic.Citation"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "citations": [{"url": 3}]}]}]},
     "Go struct field MessagesRequest.messages.citations.url of type string"),
])
def test_typed_nested_fields_refuse_a_wrong_json_type(asgi_client: Any, extra: dict[str, Any], message: str) -> None:
    answer = asgi_client.post("/v1/messages", json={**BASE, **extra})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].endswith(message)


def test_right_types_in_those_fields_are_fine(asgi_client: Any) -> None:
    extra = {"metadata": {"user_id": "u"}, "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
             "tools": [{"name": "t", "input_schema": {"type": "object"}, "max_uses": 3}]}
    assert asgi_client.post("/v1/messages", json={**BASE, **extra}).status_code == 200


def _after_result(client: Any, result: dict[str, Any]) -> str:
    messages = [{"role": "user", "content": "weather?"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {"q": "x"}}]},
                {"role": "user", "content": [{"tool_use_id": "t1", **result}]}]
    answer = client.post("/v1/messages", json={**BASE, "max_tokens": 80, "messages": messages, "tools": TOOLS})
    return str(answer.json()["content"][0]["text"])  # the mock's answer quotes what the tool returned


def test_what_tool_results_give_the_model(asgi_client: Any) -> None:
    # convertToolResultContent: an object is no text; formatWebSearchToolResultContent: a line per result
    assert "w returned . " in _after_result(asgi_client, {"type": "tool_result", "content": {"temp": 22}})
    results = [{"type": "web_search_result", "title": "T", "url": "https://x.test"}]
    assert "w returned - T: https://x.test\n" in _after_result(asgi_client, {"type": "web_search_tool_result",
                                                                              "content": results})
    failed = {"type": "web_search_tool_result_error", "error_code": "unavailable"}
    assert "w returned web_search_tool_result_error: unavailable" in _after_result(
        asgi_client, {"type": "web_search_tool_result", "content": failed})


def test_message_start_estimates_blocks_as_go_marshals_them(asgi_client: Any) -> None:
    # countContentBlock marshals the ContentBlock struct: cache_control is no field of it and a
    # false is_error is left out; names, descriptions and schemas count in bytes
    messages = [{"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {"q": "x"},
                                                   "cache_control": {"type": "ephemeral"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok",
                                              "is_error": False}]}]
    tools = [{"name": "w", "description": "é", "input_schema": {"type": "object"}}]
    body = {**BASE, "stream": True, "messages": messages, "tools": tools}
    start = json.loads(asgi_client.post("/v1/messages", json=body).text.split("\n")[1][len("data: "):])
    tool_use = len('{"type":"tool_use","id":"t1","name":"w","input":{"q":"x"}}')
    tool_result = len('{"type":"tool_result","tool_use_id":"t1","content":"ok"}')
    total = len("user") + 2 + len("assistant") + tool_use + len("user") + tool_result + 1 + 2 + len('{"type":"object"}')
    assert start["message"]["usage"]["input_tokens"] == total // 4
