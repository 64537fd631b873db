"""/v1/chat/completions request -> native /api/chat body: validation and mapping (reference §3.1)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat.openai_chat_request import to_native
from ollama_conformance.mock_server.profiles import Profile

CURRENT = Profile()


# ---- request mapping -------------------------------------------------------------------------


def _native(**body: Any) -> dict[str, Any]:
    body.setdefault("model", "qwen3:8b")
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return to_native(body, CURRENT)


def _error(**body: Any) -> str:
    with pytest.raises(errors.OllamaError) as caught:
        _native(**body)
    assert caught.value.status == 400
    return caught.value.message


def test_messages_must_be_non_empty() -> None:
    assert _error(messages=[]) == "[] is too short - 'messages'"
    with pytest.raises(errors.OllamaError, match=r"\[\] is too short"):
        to_native({"model": "x"}, CURRENT)


def test_defaults_stream_false_and_sampling_one() -> None:
    native = _native()
    assert native["stream"] is False
    assert native["options"] == {"temperature": 1.0, "top_p": 1.0}
    assert native["messages"] == [{"role": "user", "content": "hi"}]


def test_options_mapping() -> None:
    native = _native(
        max_tokens=7,
        temperature=0.2,
        top_p=0.5,
        seed=3,
        frequency_penalty=0.1,
        presence_penalty=0.4,
        stop="END",
        stream=True,
    )
    assert native["stream"] is True
    assert native["options"] == {
        "num_predict": 7,
        "temperature": 0.2,
        "top_p": 0.5,
        "seed": 3,
        "frequency_penalty": 0.1,
        "presence_penalty": 0.4,
        "stop": ["END"],
    }
    assert _native(stop=["a", 1, "b"])["options"]["stop"] == ["a", "b"]
    assert "stop" not in _native(stop=5)["options"]


def test_response_format_mapping() -> None:
    assert _native(response_format={"type": " JSON_Object "})["format"] == "json"
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert (
        _native(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})[
            "format"
        ]
        == schema
    )
    assert "format" not in _native(response_format={"type": "text"})
    assert "format" not in _native(response_format={"type": "json_schema", "json_schema": {"name": "x"}})


@pytest.mark.parametrize(
    ("effort", "think"),
    [
        ("none", False),
        ("minimal", "low"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("max", "max"),
        ("xhigh", "max"),
        ("ultra", "max"),
    ],
)
def test_reasoning_effort_mapping(effort: str, think: Any) -> None:
    assert _native(reasoning_effort=effort)["think"] == think
    assert _native(reasoning={"effort": effort}, reasoning_effort="low")["think"] == think


def test_reasoning_effort_empty_and_invalid() -> None:
    assert "think" not in _native(reasoning_effort="")
    assert _error(reasoning_effort="huge") == (
        'invalid reasoning value: "huge" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")'
    )


def test_content_parts_become_separate_messages() -> None:
    png = "iVBORw0KGgo="
    native = _native(
        messages=[
            {
                "role": "USER",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
                    {"type": "image_url", "image_url": f"data:;base64,{png}"},
                ],
            }
        ]
    )
    assert native["messages"] == [
        {"role": "user", "content": "look"},
        {"role": "user", "content": "", "images": [png]},
        {"role": "user", "content": "", "images": [png]},
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            "image URLs are not currently supported, please use base64 encoded data instead",
        ),
        ({"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lG"}}, "invalid image input"),
        ({"type": "image_url", "image_url": {"url": "data:image/png;base64,!!!"}}, "invalid image input"),
        ({"type": "video", "video": {}}, "invalid message format"),
        ({"type": "text", "text": 3}, "invalid message format"),
        ({"type": "input_audio", "input_audio": {}}, "invalid input_audio format: missing data"),
        (
            {"type": "input_audio", "input_audio": {"data": "@@"}},
            "invalid input_audio base64 data: illegal base64 data at input byte 0",
        ),
    ],
)
def test_bad_content_parts(part: dict[str, Any], message: str) -> None:
    assert _error(messages=[{"role": "user", "content": [part]}]) == message


def test_content_types() -> None:
    assert _error(messages=[{"role": "assistant", "content": None}]) == "invalid message content type: <nil>"
    assert _error(messages=[{"role": "user"}]) == "invalid message content type: <nil>"
    assert _error(messages=[{"role": "user", "content": 1.5}]) == "invalid message content type: float64"
    assert _error(messages=[{"role": "user", "content": True}]) == "invalid message content type: bool"
    assert (
        _error(messages=[{"role": "user", "content": {}}])
        == "invalid message content type: map[string]interface {}"
    )


def test_a_null_message_is_gos_zero_message() -> None:
    assert _error(messages=[None]) == "invalid message content type: <nil>"
    assert _error(messages=[{"role": "user", "content": "x"}, None]) == "invalid message content type: <nil>"


CALL = {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}


def test_array_content_tool_calls_go_to_the_last_message_made_so_far() -> None:
    # an empty content array makes no message: its calls (checked) go to the one before, as in Go
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": [], "tool_calls": [CALL]}]
    assert _native(messages=messages)["messages"] == [
        {"role": "user", "content": "q", "tool_calls": [{"id": "a", "function": {"name": "get_weather",
                                                                               "arguments": {"city": "Paris"}}}]}]
    bad = [messages[0], {**messages[1], "tool_calls": [{**CALL, "function": {"name": "f", "arguments": "not json"}}]}]
    assert _error(messages=bad) == "invalid tool call arguments"


def test_array_content_keeps_the_tool_call_id() -> None:
    message = {"role": "tool", "tool_call_id": "a", "name": "get_weather",
               "content": [{"type": "text", "text": "sunny"}], "tool_calls": [CALL]}
    native = _native(messages=[message])["messages"][-1]
    assert (native["tool_name"], native["tool_call_id"], native["content"]) == ("get_weather", "a", "sunny")


def test_tool_history_arguments_parsed_and_names_looked_up() -> None:
    native = _native(
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                    {"id": "b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "b", "content": "noon"},
            {"role": "tool", "tool_call_id": "a", "name": "explicit", "content": "sunny"},
            {
                "role": "assistant",
                "content": "",
                "reasoning": "hmm",
                "tool_calls": [
                    {"id": "c", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}}
                ],
            },
        ]
    )
    messages = native["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "a", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
            {"id": "b", "function": {"name": "get_time", "arguments": {}}},
        ],
    }
    assert messages[2] == {"role": "tool", "content": "noon", "tool_name": "get_time", "tool_call_id": "b"}
    assert messages[3] == {"role": "tool", "content": "sunny", "tool_name": "explicit", "tool_call_id": "a"}
    assert messages[4]["thinking"] == "hmm" and messages[4]["tool_calls"][0]["function"]["arguments"] == {
        "city": "Rome"
    }


@pytest.mark.parametrize("arguments", ["", "not json", "[1]", '"s"'])
def test_bad_tool_call_arguments(arguments: str) -> None:
    messages = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": arguments}}],
        }
    ]
    assert _error(messages=messages) == "invalid tool call arguments"


def test_object_arguments_fail_json_binding() -> None:
    messages = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": {}}}],
        }
    ]
    assert _error(messages=messages).startswith("json: cannot unmarshal object")


def test_tools_logprobs_and_tool_choice() -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": "f", "parameters": {"type": "object", "properties": {}}, "strict": True},
        }
    ]
    native = _native(tools=tools, logprobs=True, top_logprobs=2, tool_choice="none", _debug_render_only=True)
    assert native["tools"] == tools
    assert (native["logprobs"], native["top_logprobs"], native["_debug_render_only"]) == (True, 2, True)
    assert "_tool_choice" not in native  # ignored by Ollama (gap 19)
    strict = dataclasses.replace(CURRENT, v1_tool_choice_honoured=True)
    honoured = to_native(
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}, strict
    )
    assert honoured["_tool_choice"] == "required"
