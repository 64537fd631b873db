"""Tests written to kill hand-planted mutants of the mock that no other test caught.

Each test pins one wire-visible behaviour (reference: /work/shared/reference/ollama-api.md, or a
README promise) with the exact expected value.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest


def _sse_data(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in text.split("\n") if line.startswith("data: ") and line != "data: [DONE]"]


def test_anthropic_message_start_counts_the_prompt_when_the_first_record_has_it(asgi_client: Any) -> None:
    # §2.7: message_start's input_tokens is an estimate only "when unknown"; a stop sequence at the
    # reply's start makes the done record (with prompt_eval_count) the first one
    plain = {"model": "llama3.2", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    first_words = asgi_client.post("/v1/messages", json=plain).json()["content"][0]["text"][:3]
    response = asgi_client.post("/v1/messages", json={**plain, "stream": True, "stop_sequences": [first_words]})
    events = _sse_data(response.text)
    assert [e["type"] for e in events] == ["message_start", "message_delta", "message_stop"]
    assert events[0]["message"]["usage"] == {"input_tokens": 8, "output_tokens": 0}
    assert events[1]["usage"]["input_tokens"] == 8


@pytest.mark.parametrize("host", ["172.16.0.1", "172.20.3.4:11434", "172.31.255.254"])
def test_host_guard_lets_every_rfc1918_172_address_through(asgi_client: Any, host: str) -> None:
    # §0.1 Host guard: any private IP is allowed (Go's netip IsPrivate: 172.16.0.0/12)
    assert asgi_client.get("/api/version", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["172.15.255.255", "172.32.0.1"])
def test_host_guard_refuses_addresses_just_outside_172_16_12(asgi_client: Any, host: str) -> None:
    # §0.1 Host guard: a public address is answered 403 with an empty body
    response = asgi_client.get("/api/version", headers={"Host": host})
    assert (response.status_code, response.content) == (403, b"")


def test_cors_simple_request_varies_on_origin(asgi_client: Any) -> None:
    # §0.1 CORS (gin-contrib/cors): an allowed Origin is echoed with `Vary: Origin` on a normal request
    response = asgi_client.get("/api/version", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 200
    assert response.headers.get_list("vary") == ["Origin"]
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


def _tool(name: str) -> dict[str, Any]:
    parameters = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    return {"type": "function", "function": {"name": name, "description": name, "parameters": parameters}}


def test_tool_result_without_a_name_is_quoted_under_the_call_its_id_names(asgi_client: Any) -> None:
    # README "Tool calls out of the box": after tool results it answers quoting them; a result with
    # only tool_call_id belongs to the call with that id (reference §3.1 tool_call_id row)
    calls = [{"id": "call_a", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
             {"id": "call_b", "function": {"name": "get_time", "arguments": {"city": "Paris"}}}]
    messages = [{"role": "user", "content": "weather and time in Paris?"},
                {"role": "assistant", "content": "", "tool_calls": calls},
                {"role": "tool", "tool_call_id": "call_b", "content": "14:05"}]
    body = {"model": "llama3.2", "stream": False, "messages": messages, "tools": [_tool("get_weather"), _tool("get_time")]}
    content = asgi_client.post("/api/chat", json=body).json()["message"]["content"]
    assert content.startswith("Based on the tool results: get_time returned 14:05. ")


@pytest.mark.parametrize(("dimensions", "framing"), [(60, "length"), (200, "chunked"), (280, "chunked")])
def test_body_framing_threshold_is_2048_bytes(mock_url: str, dimensions: int, framing: str) -> None:
    # README "HTTP framing": a body of up to 2048 bytes has a Content-Length; a larger one goes out chunked
    body = {"model": "nomic-embed-text", "input": "x", "dimensions": dimensions}
    response = httpx.post(f"{mock_url}/api/embed", json=body)
    size = len(response.content)
    assert (size <= 2048) is (framing == "length"), size
    if framing == "chunked":
        assert 2048 < size <= 4096 and response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
    else:
        assert response.headers["content-length"] == str(size)
        assert "transfer-encoding" not in response.headers


def test_chat_counts_each_image_in_the_prompt_as_generate_does(asgi_client: Any) -> None:
    # README "Metrics are consistent": an image's embedding is prompt input on /api/chat too (256 tokens
    # each, as test_image_inputs pins for /api/generate)
    def count(images: int) -> int:
        message = {"role": "user", "content": "what is this", "images": ["iVBORw0KGgo="] * images}
        body = {"model": "llava:7b", "stream": False, "messages": [message]}
        return int(asgi_client.post("/api/chat", json=body).json()["prompt_eval_count"])

    base = count(0)
    assert (count(1) - base, count(3) - base) == (256, 768)
