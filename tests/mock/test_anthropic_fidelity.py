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


SEARCH = {**BASE, "max_tokens": 100, "messages": [{"role": "user", "content": "Search the web for tokyo weather"}],
          "tools": [{"type": "web_search_20250305", "name": "web_search"}]}


def _search_blocks(message_hex: str, error_code: str = "unavailable") -> list[dict[str, Any]]:
    tool_use_id = "srvtoolu_" + message_hex
    return [{"type": "server_tool_use", "id": tool_use_id, "name": "web_search", "input": {"query": "search web tokyo weather"}},
            {"type": "web_search_tool_result", "tool_use_id": tool_use_id,
             "content": {"type": "web_search_tool_result_error", "error_code": error_code}}]


def test_a_web_search_ollama_cannot_run_answers_its_failure(asgi_client: Any) -> None:
    # WebSearchAnthropicWriter runs the model's web_search call itself; without ollama.com (the
    # mock, an offline or signed-out Ollama) the result is the `unavailable` error, end_turn
    answer = asgi_client.post("/v1/messages", json=SEARCH).json()
    assert answer["content"] == _search_blocks(answer["id"][len("msg_"):])
    assert answer["stop_reason"] == "end_turn" and answer["usage"]["output_tokens"] > 0


def _events(client: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    text = client.post("/v1/messages", json={**body, "stream": True}).text
    return [json.loads(line[len("data: "):]) for line in text.splitlines() if line.startswith("data: ")]


def test_a_streamed_web_search_ends_with_the_result_blocks(asgi_client: Any) -> None:
    events = _events(asgi_client, SEARCH)
    hex_id = events[0]["message"]["id"][len("msg_"):]
    assert [e["type"] for e in events] == ["message_start", "content_block_start", "content_block_stop",
                                           "content_block_start", "content_block_stop", "message_delta", "message_stop"]
    assert [e["content_block"] for e in events if e["type"] == "content_block_start"] == _search_blocks(hex_id)
    assert events[-2]["delta"] == {"stop_reason": "end_turn"}


def test_thinking_before_the_search_is_closed_first(asgi_client: Any) -> None:
    events = _events(asgi_client, {**SEARCH, "model": "qwen3:8b"})
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [s["content_block"]["type"] for s in starts] == ["thinking", "server_tool_use", "web_search_tool_result"]
    assert [s["index"] for s in starts] == [0, 1, 2]
    stops = [e["index"] for e in events if e["type"] == "content_block_stop"]
    assert stops == [0, 1, 2]


def test_a_client_tool_named_web_search_is_still_a_client_call_without_the_server_tool(asgi_client: Any) -> None:
    tools = [{"name": "web_search", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
    answer = asgi_client.post("/v1/messages", json={**SEARCH, "tools": tools}).json()
    assert answer["stop_reason"] == "tool_use" and answer["content"][-1]["type"] == "tool_use"


def test_a_search_call_without_a_query_is_an_invalid_request() -> None:
    from ollama_conformance.mock_server.compat.anthropic_messages import web_search_failure

    blocks = web_search_failure("msg_" + "a" * 24, {"function": {"name": "web_search", "arguments": {"q": 1}}})
    assert blocks[0]["input"] == {"query": ""}
    assert blocks[1]["content"] == {"type": "web_search_tool_result_error", "error_code": "invalid_request"}
