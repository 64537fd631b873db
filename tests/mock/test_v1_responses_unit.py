"""/v1/responses layer on the real native chat handler, in process (reference §3.5, §2.6)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat import openai_responses
from ollama_conformance.mock_server.compat.responses_request import native_tools, to_native
from ollama_conformance.mock_server.outcome import Chunk, RequestInfo, Single, Stream
from ollama_conformance.mock_server.profiles import Profile
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.state import State

from ollama_conformance import contracts

ENDPOINT = "POST /v1/responses"
INFO = RequestInfo(endpoint=ENDPOINT, api="openai")
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather",
    "strict": None,
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture
def state() -> State:
    return State(Settings(clock="2026-08-21T17:02:11Z"))


def events(stream: Stream) -> list[dict[str, Any]]:
    return [item.body for item in stream.items if isinstance(item, Chunk)]


def raw(stream: Stream) -> bytes:
    return b"".join(
        f"event: {i.event}\ndata: {json.dumps(i.body)}\n\n".encode()
        for i in stream.items
        if isinstance(i, Chunk)
    )


def error_of(body: dict[str, Any]) -> str:
    with pytest.raises(errors.OllamaError) as caught:
        to_native(body, Profile())
    assert caught.value.status == 400
    return caught.value.message


def test_input_items_map_to_native_messages() -> None:
    native = to_native(
        {
            "model": "m",
            "instructions": "be brief",
            "max_output_tokens": 9,
            "top_p": 0.5,
            "reasoning": {"effort": "minimal"},
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}}},
            "input": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "a"},
                        {"type": "input_text", "text": "b"},
                        {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
                    ],
                },
                {"type": "reasoning", "encrypted_content": "thought", "summary": []},
                {
                    "type": "function_call",
                    "call_id": "c1",
                    "name": "get_weather",
                    "arguments": '{"city":"Paris"}',
                },
                {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "It is sunny."}],
                },
                {"type": "web_search_call"},
            ],
        },
        Profile(),
    )
    assert native["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "ab", "images": ["iVBORw0KGgo="]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "c1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
            "thinking": "thought",
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "c1"},
        {"role": "assistant", "content": "It is sunny."},
    ]
    assert native["options"] == {"temperature": 1.0, "top_p": 0.5, "num_predict": 9}
    assert native["think"] == "low" and native["format"] == {"type": "object"} and native["stream"] is False


def test_namespace_tools_are_flattened() -> None:
    tools = native_tools(
        [
            WEATHER,
            {
                "type": "namespace",
                "name": "fs",
                "tools": [{"type": "function", "name": "read", "parameters": {"type": "object"}}],
            },
        ]
    )
    assert [t["function"]["name"] for t in tools] == ["get_weather", "fs.read"]
    assert tools[0] == {
        "type": "function",
        "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER["parameters"]},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": [{"type": "banana"}]}, 'input[0]: unknown input item type: "banana"'),
        ({"input": [{"content": "x"}]}, "input[0]: input item missing required 'type' field"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
            "file inputs are not currently supported",
        ),
        (
            {
                "input": [
                    {"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}
                ]
            },
            "image URLs are not currently supported, please use base64 encoded data instead",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "audio"}]}]},
            "input[0]: content[0]: unknown content type: audio",
        ),
        (
            {"input": 5},
            "input must be a string or array: json: cannot unmarshal number into Go value of type []json.RawMessage",
        ),
        # a content part is decoded into its own struct: a field of the wrong type is Go's error
        (
            {"input": [{"role": "user", "content": [{"type": "input_text", "text": 5}]}]},
            "input[0]: content[0]: json: cannot unmarshal number into Go struct field ResponsesTextContent.text of type string",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": 5}]}]},
            "input[0]: content[0]: json: cannot unmarshal number into Go struct field .type of type string",
        ),
        (
            {"input": [{"role": "user", "content": [5]}]},
            'input[0]: content[0]: json: cannot unmarshal number into Go value of type struct { Type string "json:\\"type\\"" }',
        ),
        (
            {"input": [{"type": "function_call_output", "call_id": "c", "output": [{"type": "output_text", "text": True}]}]},
            "input[0]: output[0]: json: cannot unmarshal bool into Go struct field ResponsesOutputTextContent.text of type string",
        ),
        (
            {"input": [{"type": "reasoning", "summary": [{"type": "summary_text", "text": 5}]}]},
            "input[0]: json: cannot unmarshal number into Go struct field ResponsesReasoningSummary.summary.text of type string",
        ),
        (
            {"input": "x", "tools": [{"type": "function", "name": "f", "parameters": {"type": 5}}]},
            "failed to unmarshal tool parameters: json: cannot unmarshal number into Go struct field "
            "ToolFunctionParameters.type of type string",
        ),
        (
            {"input": "x", "reasoning": {"effort": "huge"}},
            'invalid reasoning value: "huge" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")',
        ),
    ],
)
def test_input_errors(body: dict[str, Any], message: str) -> None:
    assert error_of({"model": "m", **body}) == message


def test_bad_function_call_arguments() -> None:
    message = error_of(
        {"model": "m", "input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{"}]}
    )
    assert message.startswith("failed to parse function call arguments: ")


def test_non_stream_text_answer(state: State) -> None:
    outcome = openai_responses.run(
        state, {"model": "llama3.2", "input": "Say hello", "instructions": "brief"}, INFO
    )
    assert isinstance(outcome, Single) and outcome.content_type == "application/json"
    body = outcome.body
    assert body["id"].startswith("resp_") and body["object"] == "response" and body["status"] == "completed"
    assert (
        body["instructions"] == "brief"
        and body["tool_choice"] == "auto"
        and body["parallel_tool_calls"] is True
    )
    assert [item["type"] for item in body["output"]] == ["message"]
    assert body["output"][0]["id"].startswith("msg_") and body["output"][0]["content"][0]["text"]
    assert body["completed_at"] >= body["created_at"]
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + body["usage"]["output_tokens"] > 0
    assert contracts.validate(ENDPOINT, "response", body) == []


def test_non_stream_tool_call_drops_text(state: State) -> None:
    body = openai_responses.run(
        state, {"model": "qwen3:8b", "input": "What is the weather in Paris?", "tools": [WEATHER]}, INFO
    ).body
    kinds = [item["type"] for item in body["output"]]
    assert kinds == ["reasoning", "function_call"]
    call = body["output"][1]
    assert (
        call["id"] == f"fc_{body['id']}_0"
        and call["status"] == "completed"
        and call["call_id"].startswith("call_")
    )
    assert json.loads(call["arguments"]) == {"city": "Paris"}
    assert body["output"][0]["id"] == f"rs_{body['id']}"
    assert body["tools"] == [WEATHER]
    assert contracts.validate(ENDPOINT, "response", body) == []


def test_stream_text_events(state: State) -> None:
    stream = openai_responses.run(state, {"model": "llama3.2", "input": "Say hello", "stream": True}, INFO)
    assert isinstance(stream, Stream) and stream.framing == "sse"
    payloads = events(stream)
    kinds = [p["type"] for p in payloads]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    assert all(list(p) == sorted(p) for p in payloads)
    text = "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta")
    assert payloads[-1]["response"]["output"][0]["content"][0]["text"] == text
    assert all(item.event == item.body["type"] for item in stream.items if isinstance(item, Chunk))
    assert contracts.validate_stream(ENDPOINT, raw(stream)) == []


def test_stream_echoes_the_text_format_schema_as_sent(state: State) -> None:
    # the schema is a json.RawMessage in Go's event maps: its keys keep their order, the map's are sorted
    schema = {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}
    body = {"model": "llama3.2", "input": "hi", "stream": True,
            "text": {"format": {"type": "json_schema", "name": "x", "schema": schema}}}
    payloads = events(openai_responses.run(state, body, INFO))
    echoed = [p["response"]["text"]["format"] for p in payloads if "response" in p]
    assert echoed and all(list(fmt) == ["name", "schema", "type"] for fmt in echoed)
    assert all(list(fmt["schema"]) == ["type", "required", "properties"] for fmt in echoed)


def test_stream_tool_call_events(state: State) -> None:
    body = {"model": "qwen3:8b", "input": "What is the weather in Paris?", "tools": [WEATHER], "stream": True}
    payloads = events(openai_responses.run(state, body, INFO))
    kinds = [p["type"] for p in payloads]
    assert "response.reasoning_summary_text.delta" in kinds
    start = kinds.index("response.function_call_arguments.delta")
    assert kinds[start - 1] == "response.output_item.added" and kinds[start + 1 : start + 3] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
    ]
    assert json.loads(payloads[start]["delta"]) == {"city": "Paris"}
    final = payloads[-1]["response"]["output"]
    assert [item["type"] for item in final] == ["reasoning", "function_call"]
    assert contracts.validate_stream(ENDPOINT, raw(openai_responses.run(state, body, INFO))) == []


def test_midstream_error_closes_silently(monkeypatch: pytest.MonkeyPatch, state: State) -> None:
    record = {
        "model": "m",
        "created_at": "2026-08-21T17:02:11Z",
        "message": {"role": "assistant", "content": "Hi"},
        "done": False,
    }
    native = Stream(items=[Chunk(body=record), Chunk(body={"error": "boom"})])
    monkeypatch.setattr(openai_responses, "call_native_streaming", lambda *args: native)
    kinds = [
        p["type"]
        for p in events(openai_responses.run(state, {"model": "m", "input": "x", "stream": True}, INFO))
    ]
    assert kinds[-1] == "response.output_text.delta" and "response.completed" not in kinds


def test_unknown_model_passes_through(state: State) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        openai_responses.run(state, {"model": "nope", "input": "x"}, INFO)
    assert (caught.value.status, caught.value.message) == (404, "model 'nope' not found")


def test_tool_choice_echo_under_strict_profile(state: State) -> None:
    state.profile = dataclasses.replace(Profile(), v1_tool_choice_honoured=True)
    choice = {"type": "function", "name": "get_weather"}
    outcome = openai_responses.run(
        state, {"model": "qwen3:8b", "input": "hi", "tools": [WEATHER], "tool_choice": choice}, INFO
    )
    assert outcome.body["tool_choice"] == choice
    assert outcome.headers["X-Ollama-Mock-Deliberate"] == "v1_tool_choice_honoured"
    assert [i["type"] for i in outcome.body["output"]][-1] == "function_call"


def test_function_call_arguments_null_is_no_arguments(asgi_client: Any) -> None:
    # Go decodes "null" into its ordered map as nil (no arguments); only other non-objects are a 400
    body = {"model": "llama3.2", "input": [
        {"type": "message", "role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "null"},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"}]}
    assert asgi_client.post("/v1/responses", json=body).status_code == 200
    body["input"][1]["arguments"] = "[1]"
    assert asgi_client.post("/v1/responses", json=body).status_code == 400
