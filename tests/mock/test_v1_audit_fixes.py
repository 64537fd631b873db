"""/v1 and /v1/messages fixes from the conformance audit, over the in-process mock: Go's decode
errors for tool schemas and `reasoning.effort` (§3.1, §3.5, §3.6), the event-stream headers of the
Responses and Anthropic streams (§2.6) and float64 settings written as Go writes them (§0.2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

HI = [{"role": "user", "content": "hi"}]
GO_TYPE = "json: cannot unmarshal {} into Go struct field {} of type {}"
SSE_HEADERS = {"cache-control": "no-cache", "connection": "keep-alive"}


def anthropic_error(message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}


def openai_error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


def messages_with_tool(schema: Any) -> dict[str, Any]:
    return {"model": "llama3.2", "max_tokens": 5, "messages": HI, "tools": [{"name": "f", "input_schema": schema}]}


# --- /v1/messages: input_schema is decoded into api.ToolFunctionParameters (§3.6) ---------------


@pytest.mark.parametrize(
    ("schema", "detail"),
    [
        ({"type": "object", "properties": []},
         GO_TYPE.format("array", "ToolFunctionParameters.properties", "api.ToolPropertiesMap")),
        ({"type": 5}, GO_TYPE.format("number", "ToolFunctionParameters.type", "string")),
        ({"type": "object", "required": "city"},
         GO_TYPE.format("string", "ToolFunctionParameters.required", "[]string")),
        ({"type": "object", "properties": {"city": {"description": 5}}},
         GO_TYPE.format("number", "ToolFunctionParameters.properties.description", "string")),
    ],
)
def test_messages_undecodable_input_schema_is_400(asgi_client: Any, schema: Any, detail: str) -> None:
    response = asgi_client.post("/v1/messages", json=messages_with_tool(schema))
    assert response.status_code == 400
    body = response.json()
    assert body.pop("request_id").startswith("req_")
    assert body == anthropic_error(f'invalid input_schema for tool "f": {detail}')


def test_messages_input_schema_detail_is_the_chat_decoders_text(asgi_client: Any) -> None:
    schema = {"type": "object", "properties": []}
    chat = asgi_client.post(
        "/v1/chat/completions",
        json={"model": "llama3.2", "messages": HI, "tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}]},
    )
    messages = asgi_client.post("/v1/messages", json=messages_with_tool(schema))
    chat_text = chat.json()["error"]["message"].replace(".tools.function.parameters.", ".")
    assert messages.json()["error"]["message"] == f'invalid input_schema for tool "f": {chat_text}'


def test_messages_decodable_input_schema_is_accepted_unchanged(asgi_client: Any) -> None:
    schema = {"type": "object", "Properties": {"city": {"type": "string"}}, "additionalProperties": False}
    request = messages_with_tool(schema)
    response = asgi_client.post("/v1/messages", json=request)
    assert response.status_code == 200
    assert request["tools"][0]["input_schema"] == {
        "type": "object", "Properties": {"city": {"type": "string"}}, "additionalProperties": False,
    }


# --- reasoning.effort is a Go string (openai.Reasoning, openai.ResponsesReasoning) --------------


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v1/chat/completions", {"model": "llama3.2", "messages": HI, "reasoning": {"effort": 5}},
         GO_TYPE.format("number", "Reasoning.reasoning.effort", "string")),
        # a decode error comes before the middleware's own checks
        ("/v1/chat/completions", {"model": "llama3.2", "messages": [], "reasoning": {"effort": ["high"]}},
         GO_TYPE.format("array", "Reasoning.reasoning.effort", "string")),
        ("/v1/responses", {"model": "llama3.2", "input": "hi", "reasoning": {"effort": True}},
         GO_TYPE.format("bool", "ResponsesReasoning.reasoning.effort", "string")),
        ("/v1/responses", {"model": "llama3.2", "input": "hi", "reasoning": {"effort": {"level": "high"}}},
         GO_TYPE.format("object", "ResponsesReasoning.reasoning.effort", "string")),
    ],
)
def test_wrong_typed_reasoning_effort_is_gos_decode_error(
    asgi_client: Any, path: str, body: dict[str, Any], message: str
) -> None:
    response = asgi_client.post(path, json=body)
    assert (response.status_code, response.json()) == (400, openai_error(message))


# --- stream headers (§2.6) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/responses", {"model": "llama3.2", "input": "hi", "stream": True, "max_output_tokens": 2}),
        ("/v1/messages", {"model": "llama3.2", "max_tokens": 2, "messages": HI, "stream": True}),
    ],
)
def test_event_streams_carry_no_cache_and_keep_alive(asgi_client: Any, path: str, body: dict[str, Any]) -> None:
    response = asgi_client.post(path, json=body)
    assert response.status_code == 200 and response.headers["content-type"] == "text/event-stream"
    assert {name: response.headers.get(name) for name in SSE_HEADERS} == SSE_HEADERS


def test_chat_stream_sets_the_content_type_only(asgi_client: Any) -> None:
    response = asgi_client.post("/v1/chat/completions", json={"model": "llama3.2", "messages": HI, "stream": True})
    assert response.headers["content-type"] == "text/event-stream"
    assert "cache-control" not in response.headers and "connection" not in response.headers


# --- /v1/responses: float64 settings as Go writes them -----------------------------------------

_SETTINGS = re.compile(rb'"(top_p|temperature)":([^,}]*)')


def test_responses_default_top_p_and_temperature_are_written_1(asgi_client: Any) -> None:
    response = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "hi", "max_output_tokens": 1})
    assert response.status_code == 200
    assert _SETTINGS.findall(response.content) == [(b"top_p", b"1"), (b"temperature", b"1")]


def test_responses_stream_echoes_whole_floats_without_fraction(asgi_client: Any) -> None:
    request = {"model": "llama3.2", "input": "hi", "stream": True, "max_output_tokens": 1,
               "top_p": 1.0, "temperature": 0.5}
    raw = asgi_client.post("/v1/responses", json=request).content
    events = [block for block in raw.split(b"\n\n") if b'"response":{' in block]
    assert len(events) == 3  # created, in_progress, completed
    for event in events:
        assert _SETTINGS.findall(event) == [(b"temperature", b"0.5"), (b"top_p", b"1")]


# --- third audit --------------------------------------------------------------------------------------


def _events(response: Any) -> list[dict[str, Any]]:
    import json

    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize(("sent", "echoed"), [({"effort": "high"}, {"effort": "high", "summary": None}),
                                              ({"summary": "auto"}, {"effort": None, "summary": "auto"})])
def test_responses_stream_echoes_reasoning_as_a_go_map(asgi_client: Any, sent: dict, echoed: dict) -> None:
    body = {"model": "qwen3:8b", "input": "hi", "stream": True, "reasoning": sent}
    events = _events(asgi_client.post("/v1/responses", json=body))
    assert all(e["response"]["reasoning"] == echoed for e in events if "response" in e)


def test_responses_stream_with_nothing_made_completes_with_null_output(asgi_client: Any) -> None:
    events = _events(asgi_client.post("/v1/responses", json={"model": "llama3.2", "stream": True}))
    assert events[-1]["type"] == "response.completed" and events[-1]["response"]["output"] is None
    assert events[0]["response"]["output"] == []  # created: an empty list


def test_responses_echo_tool_parameters_with_sorted_keys(asgi_client: Any) -> None:
    params = {"type": "object", "required": ["x"], "properties": {"x": {"type": "string", "description": "d"}}}
    tools = [{"type": "function", "name": "f", "parameters": params}]
    echoed = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "call f", "tools": tools}).json()
    parameters = echoed["tools"][0]["parameters"]
    assert list(parameters) == ["properties", "required", "type"]
    assert list(parameters["properties"]["x"]) == ["description", "type"]


@pytest.mark.parametrize(("text", "message"), [
    ({"format": 5}, GO_TYPE.format("number", "ResponsesText.text.format", "openai.ResponsesTextFormat")),
    ({"format": {"type": 5}}, GO_TYPE.format("number", "ResponsesTextFormat.text.format.type", "string")),
])
def test_responses_text_format_is_decoded_as_its_go_struct(asgi_client: Any, text: Any, message: str) -> None:
    response = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "hi", "text": text})
    assert response.status_code == 400
    assert response.json() == openai_error(message)


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/responses", {"model": "nope", "input": "hi", "stream": True}),
    ("/v1/messages", {"model": "nope", "max_tokens": 3, "messages": HI, "stream": True}),
])
def test_handler_errors_of_a_requested_stream_keep_the_event_stream_headers(asgi_client: Any, path: str, body: Any) -> None:
    response = asgi_client.post(path, json=body)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert {k: response.headers.get(k) for k in SSE_HEADERS} == SSE_HEADERS
    plain = asgi_client.post(path, json={**body, "stream": False})
    assert "cache-control" not in plain.headers


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WRAPPED = PNG[:40] + "\n" + PNG[40:80] + "\r\n" + PNG[80:]  # MIME-style lines: Go's StdEncoding skips \r and \n


def test_line_wrapped_base64_is_accepted_in_image_urls_and_audio(asgi_client: Any) -> None:
    image = [{"type": "image_url", "image_url": f"data:image/png;base64,{WRAPPED}"}]
    audio = [{"type": "input_audio", "input_audio": {"data": "AAAA\nAAAA", "format": "wav"}}]
    for content in (image, audio):
        body = {"model": "llava:7b", "messages": [{"role": "user", "content": content}]}
        assert asgi_client.post("/v1/chat/completions", json=body).status_code == 200
    source = {"type": "base64", "media_type": "image/png", "data": WRAPPED}
    body = {"model": "llava:7b", "max_tokens": 3, "messages": [{"role": "user", "content": [{"type": "image", "source": source}]}]}
    assert asgi_client.post("/v1/messages", json=body).status_code == 200


def test_bad_base64_offsets_are_gos(asgi_client: Any) -> None:
    audio = [{"type": "input_audio", "input_audio": {"data": "AA\nA!AAA", "format": "wav"}}]
    response = asgi_client.post("/v1/chat/completions", json={"model": "llava:7b", "messages": [{"role": "user", "content": audio}]})
    assert response.json() == openai_error("invalid input_audio base64 data: illegal base64 data at input byte 4")


def _history(tool_calls: Any) -> dict[str, Any]:
    return {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"},
                                              {"role": "assistant", "content": None, "tool_calls": tool_calls},
                                              {"role": "tool", "content": "x", "tool_call_id": "a"}]}


FUNCTION_STRUCT = 'struct { Name string "json:\\"name\\""; Arguments string "json:\\"arguments\\"" }'


@pytest.mark.parametrize(("tool_calls", "message"), [
    ({}, GO_TYPE.format("object", "Message.messages.tool_calls", "[]openai.ToolCall")),
    ([1], GO_TYPE.format("number", "Message.messages.tool_calls", "openai.ToolCall")),
    ([{"id": 1, "function": {"name": "f", "arguments": "{}"}}], GO_TYPE.format("number", "ToolCall.messages.tool_calls.id", "string")),
    ([{"index": "0", "function": {"name": "f", "arguments": "{}"}}], GO_TYPE.format("string", "ToolCall.messages.tool_calls.index", "int")),
    ([{"function": "x"}], GO_TYPE.format("string", "ToolCall.messages.tool_calls.function", FUNCTION_STRUCT)),
    # the function struct is anonymous: Go names no struct before the path
    ([{"function": {"name": 5, "arguments": "{}"}}], GO_TYPE.format("number", ".messages.tool_calls.function.name", "string")),
    ([{"function": {"name": "f", "arguments": {}}}], GO_TYPE.format("object", ".messages.tool_calls.function.arguments", "string")),
])
def test_history_tool_calls_are_decoded_as_openai_tool_calls(asgi_client: Any, tool_calls: Any, message: str) -> None:
    response = asgi_client.post("/v1/chat/completions", json=_history(tool_calls))
    assert response.status_code == 400
    assert response.json() == openai_error(message)


def test_response_format_json_schema_is_decoded_and_only_its_schema_read(asgi_client: Any) -> None:
    bad = {"type": "json_schema", "json_schema": 5}
    response = asgi_client.post("/v1/chat/completions", json={"model": "llama3.2", "messages": HI, "response_format": bad})
    assert response.json() == openai_error(GO_TYPE.format("number", "ResponseFormat.response_format.json_schema", "openai.JsonSchema"))
    ignored = {"type": "json_schema", "json_schema": {"name": 5, "strict": "yes", "schema": {"type": "object"}}}
    fine = asgi_client.post("/v1/chat/completions", json={"model": "llama3.2", "messages": HI, "response_format": ignored})
    assert fine.status_code == 200  # JsonSchema has no name or strict field: Go never reads them


PEEK = 'struct { Type string "json:\\"type\\""; Role string "json:\\"role\\"" }'


@pytest.mark.parametrize(("item", "message"), [
    (None, "input[0]: input item missing required 'type' field"),  # null decodes into the empty struct
    ("hi", f"input[0]: json: cannot unmarshal string into Go value of type {PEEK}"),
    ({"type": 5}, "input[0]: " + GO_TYPE.format("number", ".type", "string")),
    ({"role": 5, "content": "x"}, "input[0]: " + GO_TYPE.format("number", ".role", "string")),
    ({"type": "function_call", "name": 5, "arguments": "{}"},
     "input[0]: " + GO_TYPE.format("number", "ResponsesFunctionCall.name", "string")),
    ({"type": "function_call", "name": "f", "arguments": {}},
     "input[0]: " + GO_TYPE.format("object", "ResponsesFunctionCall.arguments", "string")),
    ({"type": "function_call_output", "call_id": 5, "output": "x"},
     "input[0]: " + GO_TYPE.format("number", "ResponsesFunctionCallOutput.call_id", "string")),
    ({"type": "reasoning", "encrypted_content": 5},
     "input[0]: " + GO_TYPE.format("number", "ResponsesReasoningInput.encrypted_content", "string")),
    ({"type": "reasoning", "summary": "x"},
     "input[0]: " + GO_TYPE.format("string", "ResponsesReasoningInput.summary", "[]openai.ResponsesReasoningSummary")),
    ({"role": "user", "content": 5},
     "input[0]: content must be a string or array: json: cannot unmarshal number into Go value of type []json.RawMessage"),
    ({"type": "function_call_output", "call_id": "a", "output": 5},
     "input[0]: output must be a string or array: json: cannot unmarshal number into Go value of type []json.RawMessage"),
])
def test_responses_input_items_are_decoded_as_their_go_structs(asgi_client: Any, item: Any, message: str) -> None:
    response = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": [item]})
    assert response.status_code == 400
    assert response.json() == openai_error(message)


@pytest.mark.parametrize(("arguments", "detail"), [
    ("{bad", "invalid character 'b' looking for beginning of object key string"),
    ("{", "unexpected end of JSON input"),
    ('{"a":1} x', "invalid character 'x' after top-level value"),
    ("NaN", "invalid character 'N' looking for beginning of value"),
])
def test_responses_call_arguments_syntax_errors_are_gos(asgi_client: Any, arguments: str, detail: str) -> None:
    item = {"type": "function_call", "call_id": "c", "name": "f", "arguments": arguments}
    response = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": [item]})
    assert response.json() == openai_error(f"failed to parse function call arguments: {detail}")


def test_responses_item_type_errors_come_in_the_order_sent(asgi_client: Any) -> None:
    first = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": [{"role": 5, "type": 6}]})
    assert first.json() == openai_error("input[0]: " + GO_TYPE.format("number", ".role", "string"))
    item = {"type": "function_call", "name": 5, "call_id": 6}
    second = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": [item]})
    assert second.json() == openai_error("input[0]: " + GO_TYPE.format("number", "ResponsesFunctionCall.name", "string"))


# --- found by fuzzing the mock with contract-generated requests ------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_content_arrays_that_leave_no_message_get_the_native_load_reason(asgi_client: Any, stream: bool) -> None:
    # each part becomes a native message: none is left, so /api/chat loads the model (done_reason load)
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": []}], "stream": stream}
    response = asgi_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    if stream:
        assert '"delta":{},"finish_reason":"load"' in response.text and response.text.endswith("data: [DONE]\n\n")
    else:
        assert response.json()["choices"][0]["finish_reason"] == "load"


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"model": "llama3.2", "messages": HI}),
    ("/v1/completions", {"model": "llama3.2", "prompt": "hi"}),
])
def test_a_debug_render_stream_ends_as_ollamas_unfinished_and_is_marked(asgi_client: Any, path: str, body: Any) -> None:
    # the native debug answer is done:false: one chunk, no finish reason, no [DONE] (not a contract breach)
    response = asgi_client.post(path, json={**body, "stream": True, "_debug_render_only": True})
    assert response.status_code == 200
    assert response.text.count("data: ") == 1 and "[DONE]" not in response.text
    assert response.headers["x-ollama-mock-deliberate"] == "_debug_render_only"


def test_responses_tools_echo_null_type_and_name_as_go_empty_strings(asgi_client: Any) -> None:
    tools = [{"type": None, "name": None}, {"type": "function", "name": "f"}]
    for stream in (False, True):
        response = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "hi", "tools": tools, "stream": stream})
        assert response.status_code == 200
        # a stream's events are Go maps (keys sorted): the echo's fields, not its bytes
        text = response.text if not stream else response.text.split("data: ", 1)[1].split("\n", 1)[0]
        payload = json.loads(text)
        echoed = (payload if not stream else payload["response"])["tools"][0]
        assert (echoed["type"], echoed["name"]) == ("", "")
