"""/v1/messages (Anthropic) layer on the real native chat handler, in process (reference §3.6, §2.7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat import anthropic_messages
from ollama_conformance.mock_server.compat.anthropic_request import estimate_tokens, to_native
from ollama_conformance.mock_server.outcome import Chunk, RequestInfo, Single, Stream
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.state import State

from ollama_conformance import contracts

ENDPOINT = "POST /v1/messages"
INFO = RequestInfo(endpoint=ENDPOINT, api="anthropic")
TOOL = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture
def state() -> State:
    return State(Settings(clock="2026-08-21T17:02:11Z"))


def base(**extra: Any) -> dict[str, Any]:
    return {
        "model": "llama3.2",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hello"}],
        **extra,
    }


def error_of(body: dict[str, Any]) -> str:
    with pytest.raises(errors.OllamaError) as caught:
        to_native(body, None)
    assert caught.value.status == 400
    return caught.value.message


def raw(stream: Stream) -> bytes:
    return b"".join(
        f"event: {i.event}\ndata: {json.dumps(i.body)}\n\n".encode()
        for i in stream.items
        if isinstance(i, Chunk)
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "model is required"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            "max_tokens is required and must be positive",
        ),
        (
            {"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]},
            "max_tokens is required and must be positive",
        ),
        ({"model": "m", "max_tokens": 5}, "messages is required"),
        ({"model": "", "max_tokens": 0}, "model is required"),  # model is checked first
    ],
)
def test_validation_order(body: dict[str, Any], message: str) -> None:
    assert error_of(body) == message


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"type": "image", "source": {"type": "url", "url": "https://x"}},
            "invalid image source type: url. Only base64 images are supported.",
        ),
        (
            {"type": "image", "source": {"type": "base64", "data": "@@"}},
            "invalid base64 image data: illegal base64 data at input byte 0",
        ),
        ({"type": "tool_use", "name": "f", "input": {}}, "tool_use block missing required 'id' field"),
        ({"type": "tool_use", "id": "t1", "input": {}}, "tool_use block missing required 'name' field"),
    ],
)
def test_block_errors(block: dict[str, Any], message: str) -> None:
    assert error_of(base(messages=[{"role": "assistant", "content": [block]}])) == message


def test_bad_input_schema() -> None:
    message = error_of(base(tools=[{"name": "f", "input_schema": "nope"}]))
    assert message.startswith('invalid input_schema for tool "f": ')


def test_request_mapping() -> None:
    native = to_native(
        base(
            system=[{"type": "text", "text": "Be "}, {"type": "text", "text": "brief."}],
            temperature=0.1,
            top_p=0.9,
            top_k=5,
            stop_sequences=["END"],
            tools=[TOOL],
            thinking={"type": "enabled", "budget_tokens": 100},
            messages=[
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "call it", "signature": "s"},
                        {"type": "text", "text": "Checking."},
                        {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": "get_weather",
                            "input": {"city": "Paris"},
                        },
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "and?"},
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_1",
                            "content": [{"type": "text", "text": "sunny"}],
                        },
                    ],
                },
            ],
        ),
        ["completion", "tools", "thinking"],
    )
    assert native["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "thinking": "call it",
            "tool_calls": [
                {"id": "toolu_1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
            ],
        },
        {
            "role": "tool",
            "content": "sunny",
            "tool_call_id": "toolu_1",
        },  # tool results come before the user's text
        {"role": "user", "content": "and?"},
    ]
    assert native["options"] == {
        "num_predict": 64,
        "temperature": 0.1,
        "top_p": 0.9,
        "top_k": 5,
        "stop": ["END"],
    }
    assert native["tools"] == [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "Weather", "parameters": TOOL["input_schema"]},
        }
    ]
    assert native["think"] is True and native["stream"] is False


def test_thinking_settings_and_relaxation() -> None:
    assert to_native(base(thinking={"type": "disabled"}), None)["think"] is False
    assert to_native(base(output_config={"effort": " XHigh "}), None)["think"] == "high"
    assert "think" not in to_native(base(output_config={"effort": "bogus"}), None)
    # a model without the thinking capability is silently relaxed
    assert "think" not in to_native(base(thinking={"type": "enabled"}), ["completion", "tools"])


def test_web_search_tool_replaces_custom_one() -> None:
    native = to_native(
        base(
            tools=[
                {"type": "web_search_20250305", "name": "web_search"},
                {"name": "web_search", "input_schema": {"type": "object"}},
            ]
        ),
        None,
    )
    assert [t["function"]["name"] for t in native["tools"]] == ["web_search"]
    assert native["tools"][0]["function"]["parameters"]["required"] == ["query"]


def test_non_stream_text(state: State) -> None:
    outcome = anthropic_messages.run(state, base(), INFO)
    assert isinstance(outcome, Single) and outcome.content_type == "application/json"
    body = outcome.body
    assert list(body) == ["id", "type", "role", "model", "content", "stop_reason", "usage"]
    assert body["id"].startswith("msg_") and len(body["id"]) == 28 and int(body["id"][4:], 16) >= 0
    assert body["type"] == "message" and body["role"] == "assistant" and body["model"] == "llama3.2"
    assert [block["type"] for block in body["content"]] == ["text"]
    assert body["stop_reason"] in ("end_turn", "max_tokens")
    assert contracts.validate(ENDPOINT, "response", body) == []
    assert anthropic_messages.run(state, base(), INFO).body == body  # deterministic


def test_non_stream_tool_use(state: State) -> None:
    body = anthropic_messages.run(
        state,
        base(model="qwen3:8b", tools=[TOOL], messages=[{"role": "user", "content": "Weather in Paris?"}]),
        INFO,
    ).body
    assert [block["type"] for block in body["content"]] == ["thinking", "tool_use"]
    tool_use = body["content"][1]
    assert tool_use["name"] == "get_weather" and tool_use["input"] == {"city": "Paris"} and tool_use["id"]
    assert body["stop_reason"] == "tool_use"
    assert contracts.validate(ENDPOINT, "response", body) == []


@pytest.mark.parametrize(
    ("reason", "calls", "expected"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("unload", False, "stop_sequence"),
        ("length", True, "tool_use"),
        ("", False, ""),
    ],
)
def test_stop_reason_mapping(reason: str, calls: bool, expected: str) -> None:
    assert anthropic_messages.stop_reason(reason, calls) == expected


def test_empty_content_is_null() -> None:
    record = {
        "model": "m",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        "eval_count": 0,
    }
    body = anthropic_messages.message_body("msg_" + "0" * 24, record)
    assert body["content"] is None and body["usage"] == {"input_tokens": 0, "output_tokens": 0}


def test_stream_events(state: State) -> None:
    stream = anthropic_messages.run(
        state,
        base(
            model="qwen3:8b",
            stream=True,
            max_tokens=400,
            tools=[TOOL],
            messages=[{"role": "user", "content": "Weather in Paris?"}],
        ),
        INFO,
    )
    assert isinstance(stream, Stream) and stream.content_type == "text/event-stream"
    payloads = [item.body for item in stream.items if isinstance(item, Chunk)]
    kinds = [p["type"] for p in payloads]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    start = payloads[0]["message"]
    assert (
        start["content"] == [] and start["usage"]["output_tokens"] == 0 and start["usage"]["input_tokens"] > 0
    )
    blocks = [p["content_block"]["type"] for p in payloads if p["type"] == "content_block_start"]
    assert blocks == ["thinking", "tool_use"]
    deltas = [
        p["delta"]
        for p in payloads
        if p["type"] == "content_block_delta" and p["delta"]["type"] == "input_json_delta"
    ]
    assert len(deltas) == 1 and json.loads(deltas[0]["partial_json"]) == {"city": "Paris"}
    assert payloads[-2]["delta"] == {"stop_reason": "tool_use"}
    assert [p["index"] for p in payloads if p["type"] == "content_block_stop"] == [0, 1]
    assert contracts.validate_stream(ENDPOINT, raw(stream)) == []


def test_stream_text_blocks(state: State) -> None:
    stream = anthropic_messages.run(state, base(stream=True), INFO)
    payloads = [item.body for item in stream.items if isinstance(item, Chunk)]
    text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert text == anthropic_messages.run(state, base(), INFO).body["content"][0]["text"]
    assert contracts.validate_stream(ENDPOINT, raw(stream)) == []


def test_native_404_passes_through(state: State) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        anthropic_messages.run(state, base(model="nope"), INFO)
    assert (caught.value.status, caught.value.message) == (404, "model 'nope' not found")


def test_estimate_tokens_is_len_over_four() -> None:
    assert estimate_tokens({"messages": [{"role": "user", "content": "x" * 36}]}) == 10
    assert estimate_tokens({"messages": [{"role": "user", "content": ""}]}) == 1


@pytest.mark.parametrize(
    ("choice", "native"),
    [
        ({"type": "any"}, "required"),
        ({"type": "none"}, "none"),
        ({"type": "tool", "name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_tool_choice_only_under_the_strict_profile(choice: dict[str, Any], native: Any) -> None:
    body = base(tools=[TOOL], tool_choice=choice)
    assert "_tool_choice" not in to_native(body, None)  # Ollama ignores it (gap 19)
    assert to_native(body, None, honour_tool_choice=True)["_tool_choice"] == native
    assert "_tool_choice" not in to_native(base(tools=[TOOL], tool_choice={"type": "auto"}), None, True)


def test_the_same_error_gives_the_same_bytes(asgi_client) -> None:
    # Ollama's request_id is random; the mock's follows the error, as every body it sends is deterministic
    body = {"model": "nope", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    first, second = (asgi_client.post("/v1/messages", json=body) for _ in range(2))
    assert first.status_code == 404 and first.content == second.content
    assert first.json()["request_id"].startswith("req_") and len(first.json()["request_id"]) == 28
