"""Ollama's own Go unit tests, as an oracle for the mock.

Read (ollama/ollama, the stored versions named by commit): middleware/openai_test.go (045cf277),
middleware/openai_encoding_format_test.go (7b88c893), openai/openai_test.go (01250de1, 000ce020),
openai/responses_test.go (00cb9000), server/routes_generate_test.go (0261e263, llama-server era,
before v0.32.6), server/routes_debug_test.go (040a8e85), server/routes_generate_renderer_test.go
(05bc2092), server/routes_test.go (01250de1), server/routes_create_test.go (0029bb5a),
server/routes_delete_test.go (02e25b32), server/routes_list_test.go (000ce020), api/types_test.go
(03dd14ae), middleware/anthropic_test.go (08f72f6c, the non-web-search cases). Each case below is our own Python transcription of what a Go test pins on the wire
(status, message, field shapes, record order), naming the Go test it came from; the model's words
are the mock's own, so only shapes are compared. Where the Go test's version disagrees with the
reference (../shared/reference/ollama-api.md, Ollama v0.32.15 / v0.33.0-rc2), the case asserts the
reference and says so. Request translation the Go middleware tests capture (the native body the
middleware hands on) is checked on the mock's own translators (`to_native`) and, where the rendered
prompt shows it, through `_debug_render_only`.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import jsonschema
import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.compat import openai_chat_request, openai_completions, responses_request
from ollama_conformance.mock_server.errors import OllamaError
from ollama_conformance.mock_server.profiles import Profile
from ollama_conformance.mock_server.settings import Settings

BASE = "http://127.0.0.1:11434"
CLOCK = "2026-01-01T00:00:00Z"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII="
WEATHER_ARGS = '{"location": "Paris, France", "format": "celsius"}'
GET_WEATHER = {  # the tool of TestChatMiddleware "chat handler with streaming tools" and TestGenerateChat
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather",
        "parameters": {
            "type": "object",
            "required": ["location"],
            "properties": {
                "location": {"type": "string", "description": "The city and state"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
        },
    },
}


@contextmanager
def mock(**settings: Any) -> Iterator[Any]:
    """An in-process mock with its own settings (the self-check stays on)."""
    from starlette.testclient import TestClient

    settings.setdefault("validate_emitted", True)
    with TestClient(create_app(Settings(**settings)), base_url=BASE) as client:
        yield client


def lines(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines() if line]


def sse(response: Any) -> list[tuple[str | None, Any]]:
    """(event name, payload) per SSE event; payload "[DONE]" or parsed JSON."""
    out: list[tuple[str | None, Any]] = []
    for block in response.text.split("\n\n"):
        if not block:
            continue
        event = None
        data = None
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        assert data is not None, block
        out.append((event, data if data == "[DONE]" else json.loads(data)))
    return out


def openai_error(response: Any, status: int, kind: str, message: str, middleware: bool | None = None) -> None:
    """The OpenAI envelope; `middleware`: raised by the /v1 middleware (c.JSON, with charset) or
    by the handler (the compat writer: plain application/json), reference §0.3."""
    assert response.status_code == status, response.text
    if middleware is not None:
        expected = "application/json; charset=utf-8" if middleware else "application/json"
        assert response.headers["content-type"] == expected
    assert response.json() == {"error": {"message": message, "type": kind, "param": None, "code": None}}


def native_error(response: Any, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"error": message}


def rendered(client: Any, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json={**body, "_debug_render_only": True})
    assert response.status_code == 200, response.text
    return response.json()["_debug_info"]["rendered_template"]


def chat_native(body: dict[str, Any]) -> dict[str, Any]:
    return openai_chat_request.to_native(body, Profile())


# ---------------------------------------------------------------------------------------------
# middleware/openai_test.go: TestChatMiddleware (request translation + error forwarding)


def test_chat_middleware_basic_defaults() -> None:
    # TestChatMiddleware "chat handler": temperature and top_p default to 1.0, stream false
    native = chat_native({"model": "test-model", "messages": [{"role": "user", "content": "Hello"}]})
    assert native["model"] == "test-model"
    assert native["messages"] == [{"role": "user", "content": "Hello"}]
    assert native["options"] == {"temperature": 1.0, "top_p": 1.0}
    assert native["stream"] is False


def test_chat_middleware_options_mapping() -> None:
    # TestChatMiddleware "chat handler with options"
    native = chat_native({
        "model": "test-model",
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": True,
        "max_tokens": 999,
        "seed": 123,
        "stop": ["\n", "stop"],
        "temperature": 3.0,
        "frequency_penalty": 4.0,
        "presence_penalty": 5.0,
        "top_p": 6.0,
        "response_format": {"type": "json_object"},
    })
    assert native["options"] == {
        "num_predict": 999, "seed": 123, "stop": ["\n", "stop"], "temperature": 3.0,
        "frequency_penalty": 4.0, "presence_penalty": 5.0, "top_p": 6.0,
    }
    assert native["format"] == "json" and native["stream"] is True


def test_chat_middleware_image_content_splits_into_messages() -> None:
    # TestChatMiddleware "chat handler with image content": each part its own message, same role
    native = chat_native({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Hello"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + PNG}},
    ]}]})
    assert [m["role"] for m in native["messages"]] == ["user", "user"]
    assert native["messages"][0]["content"] == "Hello"
    assert native["messages"][1]["images"] == [PNG]


@pytest.mark.parametrize(
    ("name", "assistant"),
    [
        ("chat handler with tools", {"role": "assistant"}),
        ("chat handler with tools and content",
         {"role": "assistant", "content": "Let's see what the weather is like in Paris"}),
        ("chat handler with tools and empty content", {"role": "assistant", "content": ""}),
        ("chat handler with tools and thinking content",
         {"role": "assistant", "reasoning": "Let's see what the weather is like in Paris"}),
    ],
)
def test_chat_middleware_history_tool_calls(name: str, assistant: dict[str, Any]) -> None:
    # TestChatMiddleware: history tool calls keep their id, arguments parsed to an object
    call = {"id": "id", "type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}
    native = chat_native({"model": "m", "messages": [
        {"role": "user", "content": "What's the weather like in Paris Today?"}, {**assistant, "tool_calls": [call]}]})
    message = native["messages"][1]
    assert message["role"] == "assistant"
    assert message["tool_calls"][0]["id"] == "id"
    assert message["tool_calls"][0]["function"]["name"] == "get_current_weather"
    assert message["tool_calls"][0]["function"]["arguments"] == {"location": "Paris, France", "format": "celsius"}
    assert message.get("content", "") == assistant.get("content", "")
    assert message.get("thinking", "") == assistant.get("reasoning", "")


def test_chat_middleware_tool_response_with_call_id(asgi_client: Any) -> None:
    # TestChatMiddleware "tool response with call ID": tool_name is taken from the earlier call
    messages = [
        {"role": "user", "content": "What's the weather like in Paris Today?"},
        {"role": "assistant", "tool_calls": [
            {"id": "id_abc", "type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}]},
        {"role": "tool", "tool_call_id": "id_abc", "content": "The weather in Paris is 20 degrees Celsius"},
    ]
    tool = chat_native({"model": "m", "messages": messages})["messages"][2]
    assert tool == {"role": "tool", "content": "The weather in Paris is 20 degrees Celsius",
                    "tool_name": "get_current_weather", "tool_call_id": "id_abc"}
    text = rendered(asgi_client, "/v1/chat/completions", {"model": "llama3.2", "messages": messages})
    assert '<tool_response name="get_current_weather" id="id_abc">' in text


def test_chat_middleware_tool_response_with_name() -> None:
    # TestChatMiddleware "tool response with name": `name` becomes tool_name
    messages = [
        {"role": "user", "content": "What's the weather like in Paris Today?"},
        {"role": "assistant", "tool_calls": [
            {"id": "id", "type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}]},
        {"role": "tool", "name": "get_current_weather", "content": "The weather in Paris is 20 degrees Celsius"},
    ]
    tool = chat_native({"model": "m", "messages": messages})["messages"][2]
    assert tool["tool_name"] == "get_current_weather" and "tool_call_id" not in tool


def test_chat_middleware_streaming_tools(asgi_client: Any) -> None:
    # TestChatMiddleware "chat handler with streaming tools": tools pass through; on the wire the
    # call arrives whole in one delta and the finish chunk says tool_calls (reference §2.4)
    body = {"model": "llama3.2", "stream": True, "tools": [GET_WEATHER],
            "messages": [{"role": "user", "content": "What's the weather like in Paris?"}]}
    assert chat_native(body)["tools"] == [GET_WEATHER]
    response = asgi_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    frames = [payload for _, payload in sse(response)]
    assert frames[-1] == "[DONE]"
    calls = [c for f in frames[:-1] for c in f["choices"][0]["delta"].get("tool_calls", [])]
    assert len(calls) == 1 and calls[0]["type"] == "function" and calls[0]["index"] == 0
    assert calls[0]["function"]["name"] == "get_weather"
    assert "location" in json.loads(calls[0]["function"]["arguments"])
    assert frames[-2]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}


def test_chat_middleware_error_forwarding(asgi_client: Any) -> None:
    # TestChatMiddleware "chat handler error forwarding"
    response = asgi_client.post("/v1/chat/completions", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": 2}]})
    openai_error(response, 400, "invalid_request_error", "invalid message content type: float64", middleware=True)


# ---------------------------------------------------------------------------------------------
# middleware/openai_test.go: TestCompletionsMiddleware, openai/openai_test.go: TestMiddleware


def test_completions_middleware_mapping() -> None:
    # TestCompletionsMiddleware "completions handler": penalties always sent, top_p 1.0, suffix kept
    native = openai_completions.to_native({
        "model": "test-model", "prompt": "Hello", "temperature": 0.8, "stop": ["\n", "stop"], "suffix": "suffix"})
    assert native["options"] == {"frequency_penalty": 0.0, "presence_penalty": 0.0, "temperature": 0.8,
                                 "top_p": 1.0, "stop": ["\n", "stop"]}
    assert native["suffix"] == "suffix" and native["prompt"] == "Hello" and native["stream"] is False


def test_completions_middleware_non_stream(asgi_client: Any) -> None:
    # TestMiddleware "completions handler" / TestCompletionsMiddleware: a text_completion body
    response = asgi_client.post("/v1/completions", json={
        "model": "qwen2.5-coder:1.5b", "prompt": "def add(", "temperature": 0.8, "stop": ["\n", "stop"],
        "suffix": "    return c"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "text_completion" and body["model"] == "qwen2.5-coder:1.5b"
    assert re.fullmatch(r"cmpl-\d{1,3}", body["id"])
    assert body["choices"][0]["index"] == 0 and body["choices"][0]["finish_reason"] in ("stop", "length")
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_completions_middleware_stream(asgi_client: Any) -> None:
    # TestCompletionsMiddleware "completions handler stream": one chunk per native record, the
    # last one carries the finish reason, then [DONE] (reference §2.5)
    response = asgi_client.post("/v1/completions", json={"model": "llama3.2", "prompt": "Hello", "stream": True})
    frames = [payload for _, payload in sse(response)]
    assert frames[-1] == "[DONE]"
    chunks = frames[:-1]
    assert all(c["object"] == "text_completion" and "usage" not in c for c in chunks)
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert list(chunks[0]) == ["id", "object", "created", "choices", "model", "system_fingerprint"]


def test_completions_middleware_stream_with_usage(asgi_client: Any) -> None:
    # TestCompletionsMiddleware "completions handler stream with usage"
    response = asgi_client.post("/v1/completions", json={
        "model": "llama3.2", "prompt": "Hello", "stream": True, "stream_options": {"include_usage": True}})
    frames = [payload for _, payload in sse(response)]
    assert frames[-1] == "[DONE]"
    *chunks, last = frames[:-1]
    zero = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    assert all(c["usage"] == zero for c in chunks)
    assert last["choices"] == [] and last["usage"]["total_tokens"] > 0
    assert last["usage"]["total_tokens"] == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]


def test_completions_middleware_error_forwarding(asgi_client: Any) -> None:
    # TestCompletionsMiddleware "completions handler error forwarding"
    response = asgi_client.post("/v1/completions", json={
        "model": "llama3.2", "prompt": "Hello", "temperature": None, "stop": [1, 2], "suffix": "suffix"})
    openai_error(response, 400, "invalid_request_error", "invalid type for 'stop' field: float64", middleware=True)


def test_completions_handler_error_keeps_status(asgi_client: Any) -> None:
    # TestMiddleware "completions handler with error": the handler's 400 comes back as a 400 with
    # its message (the type by status since v0.18.0, reference §4.1)
    response = asgi_client.post("/v1/completions", json={"model": "llama3.2", "prompt": "def add(", "suffix": "x"})
    openai_error(response, 400, "invalid_request_error",
                 "registry.ollama.ai/library/llama3.2:latest does not support insert", middleware=False)


# ---------------------------------------------------------------------------------------------
# middleware/openai_test.go: TestEmbeddingsMiddleware; middleware/openai_encoding_format_test.go


def test_embeddings_middleware_single_and_batch(asgi_client: Any) -> None:
    # TestEmbeddingsMiddleware "embed handler single input" / "batch input"
    one = asgi_client.post("/v1/embeddings", json={"input": "Hello", "model": "nomic-embed-text"}).json()
    two = asgi_client.post("/v1/embeddings", json={"input": ["Hello", "World"], "model": "nomic-embed-text"}).json()
    assert one["object"] == "list" and len(one["data"]) == 1 and one["model"] == "nomic-embed-text"
    assert [d["index"] for d in two["data"]] == [0, 1]
    assert all(d["object"] == "embedding" and isinstance(d["embedding"], list) for d in two["data"])
    assert one["usage"]["prompt_tokens"] == one["usage"]["total_tokens"] > 0


def test_embeddings_middleware_error_forwarding(asgi_client: Any) -> None:
    # TestEmbeddingsMiddleware "embed handler error forwarding": no input
    response = asgi_client.post("/v1/embeddings", json={"model": "nomic-embed-text"})
    openai_error(response, 400, "invalid_request_error", "invalid input", middleware=True)


def test_embeddings_encoding_format_base64_is_le_float32(asgi_client: Any) -> None:
    # TestEmbeddingsMiddleware_EncodingFormat_Float / _Base64 / _Default
    floats = asgi_client.post("/v1/embeddings", json={
        "input": "test", "model": "nomic-embed-text", "encoding_format": "float"}).json()["data"][0]["embedding"]
    default = asgi_client.post("/v1/embeddings", json={
        "input": "test", "model": "nomic-embed-text"}).json()["data"][0]["embedding"]
    b64 = asgi_client.post("/v1/embeddings", json={
        "input": "test", "model": "nomic-embed-text", "encoding_format": "base64"}).json()["data"][0]["embedding"]
    assert isinstance(floats, list) and default == floats
    raw = base64.b64decode(b64, validate=True)
    assert len(raw) == 4 * len(floats)
    decoded = struct.unpack(f"<{len(floats)}f", raw)
    assert all(abs(a - b) < 1e-6 for a, b in zip(decoded, floats, strict=True))


def test_embeddings_batch_with_base64(asgi_client: Any) -> None:
    # TestEmbeddingsMiddleware_BatchWithBase64
    data = asgi_client.post("/v1/embeddings", json={
        "input": ["hello", "world", "test"], "model": "nomic-embed-text", "encoding_format": "base64"}).json()["data"]
    assert [d["index"] for d in data] == [0, 1, 2]
    assert all(isinstance(d["embedding"], str) and base64.b64decode(d["embedding"], validate=True) for d in data)


@pytest.mark.parametrize("fmt", ["float", "base64", "FLOAT", "BASE64", "Float", "Base64"])
def test_embeddings_encoding_format_case_insensitive(asgi_client: Any, fmt: str) -> None:
    # TestEmbeddingsMiddleware_InvalidEncodingFormat (valid cases)
    response = asgi_client.post("/v1/embeddings", json={"input": "test", "model": "nomic-embed-text",
                                                        "encoding_format": fmt})
    assert response.status_code == 200
    assert isinstance(response.json()["data"][0]["embedding"], str if fmt.lower() == "base64" else list)


@pytest.mark.parametrize("fmt", ["json", "hex", "invalid_format"])
def test_embeddings_encoding_format_invalid(asgi_client: Any, fmt: str) -> None:
    # TestEmbeddingsMiddleware_InvalidEncodingFormat (invalid cases; exact text from reference §3.3)
    response = asgi_client.post("/v1/embeddings", json={"input": "test", "model": "nomic-embed-text",
                                                        "encoding_format": fmt})
    openai_error(response, 400, "invalid_request_error",
                 f"Invalid value for 'encoding_format' = {fmt}. Supported values: ['float', 'base64'].", middleware=True)


# ---------------------------------------------------------------------------------------------
# TestListMiddleware, TestRetrieveMiddleware, TestRoutes (/v1/models)


def unix(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def test_list_middleware(asgi_client: Any) -> None:
    # TestListMiddleware "list handler" / TestRoutes "openai list models with tags"
    tags = asgi_client.get("/api/tags").json()["models"]
    response = asgi_client.get("/v1/models")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [t["model"] for t in tags]
    for entry, tag in zip(body["data"], tags, strict=True):
        assert entry == {"id": tag["model"], "object": "model", "created": unix(tag["modified_at"]),
                         "owned_by": "library"}


def test_list_middleware_empty_is_null(asgi_client: Any) -> None:
    # TestListMiddleware "list handler empty output" / TestRoutes "openai empty list"
    for tag in asgi_client.get("/api/tags").json()["models"]:
        assert asgi_client.request("DELETE", "/api/delete", json={"model": tag["name"]}).status_code == 200
    assert asgi_client.get("/api/tags").json() == {"models": []}  # TestRoutes "Tags Handler (no tags)"
    response = asgi_client.get("/v1/models")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"object": "list", "data": None}


def test_retrieve_middleware(asgi_client: Any) -> None:
    # TestRetrieveMiddleware "retrieve handler" / TestRoutes "openai retrieve model handler": id is
    # the path parameter verbatim, created from show's modified_at
    show = asgi_client.post("/api/show", json={"model": "llama3.2"}).json()
    response = asgi_client.get("/v1/models/llama3.2")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"id": "llama3.2", "object": "model", "created": unix(show["modified_at"]),
                               "owned_by": "library"}


def test_retrieve_middleware_error_forwarding(asgi_client: Any) -> None:
    # TestRetrieveMiddleware "retrieve handler error forwarding": the Go test (pre-v0.18.0) wants
    # type api_error for a handler 400; the reference (§4.1, gap 31) gives invalid_request_error.
    openai_error(asgi_client.get("/v1/models/a:b:c"), 400, "invalid_request_error", "invalid model name", middleware=False)
    openai_error(asgi_client.get("/v1/models/nope"), 404, "not_found_error", "model 'nope:latest' not found", middleware=False)


# ---------------------------------------------------------------------------------------------
# TestResponsesMiddlewareZstd


def test_responses_middleware_zstd(asgi_client: Any) -> None:
    # TestResponsesMiddlewareZstd "plain JSON" / "zstd compressed" / "zstd over max decompressed size"
    import zstandard

    body = json.dumps({"model": "llama3.2", "input": "Hello"}).encode()
    plain = asgi_client.post("/v1/responses", content=body)
    packed = asgi_client.post("/v1/responses", content=zstandard.ZstdCompressor().compress(body),
                              headers={"Content-Encoding": "zstd"})
    assert plain.status_code == packed.status_code == 200
    assert plain.json()["model"] == packed.json()["model"] == "llama3.2"
    # past the reference's 20 MiB (§0.1); the Go test's version used a lower limit (9 MiB)
    bomb = zstandard.ZstdCompressor().compress(b"A" * (21 << 20))
    response = asgi_client.post("/v1/responses", content=bomb, headers={"Content-Encoding": "zstd"})
    assert response.status_code == 400


# ---------------------------------------------------------------------------------------------
# server/routes_generate_test.go: TestGenerateChat


def test_generate_chat_missing_body_and_model(asgi_client: Any) -> None:
    # TestGenerateChat "missing body" (a JSON null) and "missing model"
    for raw in (b"null", b"{}"):
        response = asgi_client.post("/api/chat", content=raw)
        assert response.status_code == 400 and response.text == '{"error":"model is required"}'


def test_generate_chat_missing_thinking_capability(asgi_client: Any) -> None:
    # TestGenerateChat "missing thinking capability" / "model can't think but think set false"
    hello = [{"role": "user", "content": "Hello!"}]
    response = asgi_client.post("/api/chat", json={"model": "llama3.2", "messages": hello, "think": True})
    assert response.status_code == 400 and response.text == '{"error":"\\"llama3.2\\" does not support thinking"}'
    assert asgi_client.post("/api/chat", json={"model": "llama3.2", "messages": hello, "think": False,
                                               "stream": False}).status_code == 200


def test_generate_chat_missing_capabilities_chat(asgi_client: Any) -> None:
    # TestGenerateChat "missing capabilities chat": an embedding-only model, no messages
    response = asgi_client.post("/api/chat", json={"model": "nomic-embed-text"})
    native_error(response, 400, '"nomic-embed-text" does not support chat')


def test_generate_chat_load_model(asgi_client: Any) -> None:
    # TestGenerateChat "load model": one object, whatever stream says
    response = asgi_client.post("/api/chat", json={"model": "llama3.2"})
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "llama3.2" and body["done"] is True and body["done_reason"] == "load"
    assert body["message"] == {"role": "assistant", "content": ""}


METRICS = ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration")


def test_generate_chat_messages(asgi_client: Any) -> None:
    # TestGenerateChat "messages" (checkChatResponse)
    response = asgi_client.post("/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "Hello!"}], "stream": False})
    body = response.json()
    assert body["model"] == "llama3.2" and body["done"] is True and body["done_reason"] == "stop"
    assert body["message"]["role"] == "assistant" and set(body["message"]) == {"role", "content"}
    assert all(body[k] > 0 for k in METRICS)


def test_generate_chat_system_prompts(asgi_client: Any) -> None:
    # TestGenerateChat "messages with model system" / "messages with system" /
    # "messages with interleaved system" (the mock renders its own template: contents only)
    assert asgi_client.post("/api/create", json={"model": "test-system", "from": "llama3.2",
                                                 "system": "You are a helpful assistant.",
                                                 "stream": False}).status_code == 200
    hello = {"role": "user", "content": "Hello!"}
    text = rendered(asgi_client, "/api/chat", {"model": "test-system", "messages": [hello]})
    assert "You are a helpful assistant." in text and "Hello!" in text
    text = rendered(asgi_client, "/api/chat", {"model": "test-system", "messages": [
        {"role": "system", "content": "You can perform magic tricks."}, hello]})
    assert "You can perform magic tricks." in text and "You are a helpful assistant." not in text
    text = rendered(asgi_client, "/api/chat", {"model": "test-system", "messages": [
        hello, {"role": "assistant", "content": "I can help you with that."},
        {"role": "system", "content": "You can perform magic tricks."},
        {"role": "user", "content": "Help me write tests."}]})
    order = ["You are a helpful assistant.", "Hello!", "I can help you with that.",
             "You can perform magic tricks.", "Help me write tests."]
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)


def test_generate_chat_tools_non_streaming(asgi_client: Any) -> None:
    # TestGenerateChat "messages with tools (non-streaming)": id call_..., name, object arguments
    body = asgi_client.post("/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "What's the weather in Seattle?"}],
        "tools": [GET_WEATHER], "stream": False}).json()
    calls = body["message"]["tool_calls"]
    assert len(calls) == 1 and re.fullmatch(r"call_[a-z0-9]{8}", calls[0]["id"])
    assert calls[0]["function"]["name"] == "get_weather" and calls[0]["function"]["index"] == 0
    assert isinstance(calls[0]["function"]["arguments"], dict) and "location" in calls[0]["function"]["arguments"]
    assert body["done_reason"] == "stop"


def test_generate_chat_tools_streaming(asgi_client: Any) -> None:
    # TestGenerateChat "messages with tools (streaming)": every streamed call has a call_ id; the
    # Go test's parser completes the call on the done record, the mock's (parser path, reference
    # §2.2) in a record of its own: both are Ollama's, so only the one call is required
    records = lines(asgi_client.post("/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "What's the weather in Seattle?"}],
        "tools": [GET_WEATHER]}))
    calls = [c for r in records for c in r["message"].get("tool_calls", [])]
    assert len(calls) == 1 and calls[0]["id"].startswith("call_")
    assert calls[0]["function"]["name"] == "get_weather"
    assert records[-1]["done"] is True and records[-1]["done_reason"] == "stop"


@pytest.mark.parametrize(("code", "message"), [(503, "server busy, please try again.  maximum pending requests exceeded"),
                                                (429, None)])
@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
def test_generate_status_errors(asgi_client: Any, path: str, code: int, message: str | None) -> None:
    # TestGenerateChat / TestGenerate "status error non-streaming" / "status error streaming": a
    # StatusError before any output keeps its code, body {"error": msg}
    body = {"model": "llama3.2", "stream": code == 429}
    body.update({"messages": [{"role": "user", "content": "Hello!"}]} if path == "/api/chat" else {"prompt": "Hello!"})
    fault = f"status;code={code}" + ("" if message else ";message=rate limit exceeded")
    response = asgi_client.post(path, json=body, headers={"X-Ollama-Mock-Fault": fault})
    native_error(response, code, message or "rate limit exceeded")


# ---------------------------------------------------------------------------------------------
# server/routes_generate_test.go: TestGenerate, TestGenerateUnload, TestGenerateWithImages


def test_generate_missing_body_and_model(asgi_client: Any) -> None:
    # TestGenerate "missing body" / "missing model": 404 with the empty name
    for raw in (b"null", b"{}"):
        response = asgi_client.post("/api/generate", content=raw)
        assert response.status_code == 404 and response.text == '{"error":"model \'\' not found"}'


def test_generate_missing_capabilities(asgi_client: Any) -> None:
    # TestGenerate "missing capabilities generate" / "missing capabilities suffix"
    native_error(asgi_client.post("/api/generate", json={"model": "nomic-embed-text"}), 400,
                 '"nomic-embed-text" does not support generate')
    native_error(asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "def add(",
                                                         "suffix": "    return c"}), 400,
                 "registry.ollama.ai/library/llama3.2:latest does not support insert")


def test_generate_load_model(asgi_client: Any) -> None:
    # TestGenerate "load model"
    body = asgi_client.post("/api/generate", json={"model": "llama3.2"}).json()
    assert body["model"] == "llama3.2" and body["done"] is True and body["done_reason"] == "load"
    assert body["response"] == ""


def test_generate_prompt(asgi_client: Any) -> None:
    # TestGenerate "prompt" (checkGenerateResponse): stop, context present, all metrics non-zero
    body = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "Hello!", "stream": False}).json()
    assert body["model"] == "llama3.2" and body["done"] is True and body["done_reason"] == "stop"
    assert isinstance(body["context"], list) and body["context"]
    assert all(body[k] > 0 for k in METRICS)


def test_generate_system_suffix_raw(asgi_client: Any) -> None:
    # TestGenerate "prompt with model system" / "prompt with system" / "prompt with suffix" /
    # "prompt without suffix" / "raw"
    assert asgi_client.post("/api/create", json={"model": "test-system", "from": "llama3.2",
                                                 "system": "You are a helpful assistant.",
                                                 "stream": False}).status_code == 200
    text = rendered(asgi_client, "/api/generate", {"model": "test-system", "prompt": "Hello!"})
    assert "You are a helpful assistant." in text and "Hello!" in text
    text = rendered(asgi_client, "/api/generate", {"model": "test-system", "prompt": "Hello!",
                                                   "system": "You can perform magic tricks."})
    assert "You can perform magic tricks." in text and "You are a helpful assistant." not in text
    fim = rendered(asgi_client, "/api/generate", {"model": "qwen2.5-coder:1.5b", "prompt": "def add(",
                                                  "suffix": "    return c"})
    assert fim.index("def add(") < fim.index("    return c")
    assert rendered(asgi_client, "/api/generate", {"model": "test-system", "prompt": "Help me write tests.",
                                                   "raw": True}) == "Help me write tests."
    # raw mode's context-free answer has no context (reference §2.2)
    raw = asgi_client.post("/api/generate", json={"model": "test-system", "prompt": "Help me write tests.",
                                                  "raw": True, "stream": False}).json()
    assert raw["done_reason"] == "stop" and "context" not in raw


def test_generate_unload(asgi_client: Any) -> None:
    # TestGenerateUnload "unload with empty prompt and keepalive 0": no model is loaded for it
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "", "keep_alive": 0})
    body = response.json()
    assert response.status_code == 200 and body["done"] is True and body["done_reason"] == "unload"
    assert asgi_client.get("/api/ps").json() == {"models": []}


def test_generate_with_images_media_markers(asgi_client: Any) -> None:
    # TestGenerateWithImages / TestGenerateHandlerChatTemplateRoute "keeps generate media markers"
    response = asgi_client.post("/api/generate", json={
        "model": "llava:7b", "prompt": "compare [img] and [img]", "images": [PNG, PNG], "_debug_render_only": True})
    info = response.json()["_debug_info"]
    assert "compare [img-0] and [img-1]" in info["rendered_template"] and info["image_count"] == 2
    single = asgi_client.post("/api/generate", json={"model": "llava:7b", "prompt": "Describe this image",
                                                     "images": [PNG], "stream": False})
    assert single.status_code == 200 and single.json()["done_reason"] == "stop"


# ---------------------------------------------------------------------------------------------
# TestGenerateLogprobs, TestChatLogprobs


@pytest.mark.parametrize("top", [-1, 21])
@pytest.mark.parametrize("path", ["/api/generate", "/api/chat"])
def test_top_logprobs_range_checked_first(asgi_client: Any, path: str, top: int) -> None:
    # TestGenerateLogprobs / TestChatLogprobs "invalid top_logprobs negative" / "too high": before
    # the model is looked up (the Go tests' Server has no models)
    body = {"model": "test", "top_logprobs": top, "prompt": "Hello", "messages": [{"role": "user", "content": "Hello"}]}
    response = asgi_client.post(path, json=body)
    assert response.status_code == 400 and response.text == '{"error":"top_logprobs must be between 0 and 20"}'


@pytest.mark.parametrize("path", ["/api/generate", "/api/chat"])
def test_logprob_bytes_when_requested(asgi_client: Any, path: str) -> None:
    # TestGenerateLogprobs / TestChatLogprobs "returns logprob bytes when requested"
    body = {"model": "llama3.2", "stream": False, "logprobs": True, "top_logprobs": 2,
            "prompt": "Hi", "messages": [{"role": "user", "content": "Say hi"}]}
    logprobs = asgi_client.post(path, json=body).json()["logprobs"]
    assert logprobs
    for entry in logprobs:
        assert set(entry) <= {"token", "logprob", "bytes", "top_logprobs"}
        if entry["token"]:
            assert entry["bytes"] == list(entry["token"].encode())
        assert len(entry["top_logprobs"]) == 2
        for alt in entry["top_logprobs"]:
            assert alt.get("bytes", []) == list(alt["token"].encode())


# ---------------------------------------------------------------------------------------------
# TestChatWithPromptEndingInThinkTag, TestChatFormatWithThinkFalse


def test_chat_thinking_non_stream(asgi_client: Any) -> None:
    # TestChatWithPromptEndingInThinkTag "basic thinking response": thinking and content apart
    message = asgi_client.post("/api/chat", json={
        "model": "qwen3:8b", "messages": [{"role": "user", "content": "Help me solve this problem"}],
        "think": True, "stream": False}).json()["message"]
    assert message["thinking"] and message["content"]
    assert "<think>" not in message["content"] and "</think>" not in message["content"]


def test_chat_thinking_streaming(asgi_client: Any) -> None:
    # TestChatWithPromptEndingInThinkTag "streaming with thinking": all thinking before content
    records = lines(asgi_client.post("/api/chat", json={
        "model": "qwen3:8b", "messages": [{"role": "user", "content": "Analyze this complex problem"}], "think": True}))
    kinds = ["t" if r["message"].get("thinking") else "c" for r in records if r["message"].get("thinking")
             or r["message"]["content"]]
    assert kinds and kinds[0] == "t" and "c" in kinds and "t" not in kinds[kinds.index("c"):]


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}}


def test_chat_structured_outputs_with_thinking_non_stream(asgi_client: Any) -> None:
    # TestChatWithPromptEndingInThinkTag "structured outputs restart non-stream"
    body = asgi_client.post("/api/chat", json={
        "model": "qwen3:8b", "messages": [{"role": "user", "content": "Please respond in JSON."}],
        "think": True, "stream": False, "format": SCHEMA}).json()
    assert body["message"]["thinking"] and body["done"] is True and body["done_reason"] == "stop"
    jsonschema.validate(json.loads(body["message"]["content"]), SCHEMA)


def test_chat_structured_outputs_with_thinking_streaming(asgi_client: Any) -> None:
    # TestChatWithPromptEndingInThinkTag "structured outputs restart streaming"
    records = lines(asgi_client.post("/api/chat", json={
        "model": "qwen3:8b", "messages": [{"role": "user", "content": "Please respond in JSON."}],
        "think": True, "format": SCHEMA}))
    first, last = records[0], records[-1]
    assert first["message"]["thinking"] and first["message"]["content"] == "" and first["done"] is False
    assert last["done"] is True and last["done_reason"] == "stop" and "thinking" not in last["message"]
    jsonschema.validate(json.loads("".join(r["message"]["content"] for r in records)), SCHEMA)


def test_chat_format_with_think_false(asgi_client: Any) -> None:
    # TestChatFormatWithThinkFalse: no thinking, the format applies at once
    schema = {**SCHEMA, "required": ["answer"]}
    message = asgi_client.post("/api/chat", json={
        "model": "qwen3:8b", "messages": [{"role": "user", "content": "Respond in JSON."}],
        "think": False, "stream": False, "format": schema}).json()["message"]
    assert "thinking" not in message
    jsonschema.validate(json.loads(message["content"]), schema)


# ---------------------------------------------------------------------------------------------
# server/routes_test.go: TestRoutes, TestManifestCaseSensitivity, TestShow, TestWaitForStream


def test_routes_version_handler(asgi_client: Any) -> None:
    # TestRoutes "Version Handler": exact body, charset content type, no trailing newline
    response = asgi_client.get("/api/version")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'\{"version":"[^"]+"\}', response.text)


def test_routes_tags_created_model(asgi_client: Any) -> None:
    # TestRoutes "Tags Handler (yes tags)" / "Create Model Handler" / "Copy Model Handler"
    response = asgi_client.post("/api/create", json={"name": "t-bone", "from": "llama3.2", "stream": False})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "success"}
    copied = asgi_client.post("/api/copy", json={"source": "t-bone", "destination": "beefsteak"})
    assert copied.status_code == 200 and copied.content == b""
    tags = asgi_client.get("/api/tags")
    assert tags.headers["content-type"] == "application/json; charset=utf-8"
    assert "expires_at" not in tags.text
    names = [m["name"] for m in tags.json()["models"]]
    assert "t-bone:latest" in names and "beefsteak:latest" in names


def test_routes_delete_model_handler(asgi_client: Any) -> None:
    # TestRoutes "Delete Model Handler" / "Delete Non-existent Model" (exact text, reference §1.14)
    asgi_client.post("/api/create", json={"model": "model_to_delete", "from": "llama3.2", "stream": False})
    response = asgi_client.request("DELETE", "/api/delete", json={"name": "model_to_delete"})
    assert response.status_code == 200 and response.content == b""
    native_error(asgi_client.post("/api/show", json={"model": "model_to_delete"}), 404,
                 "model 'model_to_delete:latest' not found")
    native_error(asgi_client.request("DELETE", "/api/delete", json={"name": "non_existent_model"}), 404,
                 "model 'non_existent_model' not found")


def test_routes_show_model_handler_parameters(asgi_client: Any) -> None:
    # TestRoutes "Show Model Handler": parameters lines, one per value, and model_info numbers
    asgi_client.post("/api/create", json={"model": "show-model", "from": "llama3.2", "stream": False,
                                          "parameters": {"seed": 42, "top_p": 0.9, "stop": ["foo", "bar"]}})
    response = asgi_client.post("/api/show", json={"model": "show-model"})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    params = sorted(" ".join(line.split()) for line in body["parameters"].split("\n"))
    for expected in ('seed 42', 'stop "bar"', 'stop "foo"', 'top_p 0.9'):
        assert expected in params
    assert isinstance(body["model_info"]["general.parameter_count"], int)


def test_routes_method_not_allowed(asgi_client: Any) -> None:
    # TestRoutes "Method Not Allowed"
    response = asgi_client.get("/api/show")
    assert response.status_code == 405 and response.text == "405 method not allowed"


def test_manifest_case_sensitivity(asgi_client: Any) -> None:
    # TestManifestCaseSensitivity: names differing only in case are one model (create, create
    # again, copy onto itself); the list keeps the first spelling
    stable = "Example.com/NameSpace/MoDel:TaG"
    for name in (stable, "example.com/namespace/model:tag", "EXAMPLE.COM/NAMESPACE/MODEL:TAG"):
        assert asgi_client.post("/api/create", json={"model": name, "from": "llama3.2",
                                                     "stream": False}).status_code == 200
    copied = asgi_client.post("/api/copy", json={"source": "example.com/NAMESPACE/model:TAG",
                                                 "destination": "EXAMPLE.com/namespace/MODEL:tag"})
    assert copied.status_code == 200
    matching = [m["name"] for m in asgi_client.get("/api/tags").json()["models"] if m["name"].lower().startswith("example")]
    assert matching == [stable]


def test_show_projector_info(asgi_client: Any) -> None:
    # TestShow: a vision model's show has projector_info next to model_info
    body = asgi_client.post("/api/show", json={"name": "llava:7b"}).json()
    assert body["model_info"]["general.architecture"] == "llama"
    assert body["projector_info"]["general.architecture"] == "clip"


def test_wait_for_stream_non_stream_progress(asgi_client: Any) -> None:
    # TestWaitForStream "progress success" / "error": stream:false answers the last progress object,
    # or the error as a 500 (reference §1.15)
    response = asgi_client.post("/api/pull", json={"model": "tinyllama", "stream": False})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "success"}
    native_error(asgi_client.post("/api/pull", json={"model": "no-such-model", "stream": False}), 500,
                 "pull model manifest: file does not exist")


# ---------------------------------------------------------------------------------------------
# server/routes_create_test.go


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({"model_family": 1}, 'info field "model_family" must be a string'),
        ({"context_length": 1.5}, 'info field "context_length" must be a non-negative integer'),
        ({"context_length": "x"}, 'info field "context_length" must be a number'),  # reference §1.8
        ({"capabilities": "completion"}, 'info field "capabilities"'),
        ({"capabilities": ["completion", 1]}, 'info field "capabilities"'),
    ],
)
def test_create_rejects_invalid_info_types(asgi_client: Any, info: dict[str, Any], message: str) -> None:
    # TestCreateHandlerRejectsInvalidInfoTypes
    response = asgi_client.post("/api/create", json={"model": "test-create-invalid-info", "from": "llama3.2",
                                                     "info": info, "stream": False})
    assert response.status_code == 400 and response.json()["error"].startswith(message)


def test_create_from_bin_file_errors(asgi_client: Any) -> None:
    # TestCreateFromBin "empty file digest"; TestCreateHandlerRejectsInvalidFiles "dot path"
    native_error(asgi_client.post("/api/create", json={"model": "my-gguf-model", "files": {"0.gguf": ""},
                                                       "stream": False}), 400, "invalid digest format")
    response = asgi_client.post("/api/create", json={"model": "m", "files": {".": "sha256:" + "a" * 64},
                                                     "stream": False})
    assert response.status_code == 400
    native_error(asgi_client.post("/api/create", json={"model": "m", "files": {"../up.gguf": "sha256:" + "a" * 64},
                                                       "stream": False}), 400, "file path must be relative")


def test_create_merge_parameters(asgi_client: Any) -> None:
    # TestCreateMergeParameters: a model FROM another merges parameters; a list replaces the old one
    def params(name: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for line in asgi_client.post("/api/show", json={"model": name}).json()["parameters"].split("\n"):
            key, value = line.split(None, 1)
            out.setdefault(key, []).append(value)
        return out

    asgi_client.post("/api/create", json={"model": "test", "from": "gemma3:1b", "stream": False, "parameters": {
        "temperature": 1, "top_k": 10, "stop": ["USER:", "ASSISTANT:"]}})
    asgi_client.post("/api/create", json={"model": "test2", "from": "test", "stream": False,
                                          "parameters": {"temperature": 0.6, "top_p": 0.7}})
    merged = params("test2")
    assert merged["temperature"] == ["0.6"] and merged["top_k"] == ["10"] and merged["top_p"] == ["0.7"]
    assert merged["stop"] == ['"USER:"', '"ASSISTANT:"']
    asgi_client.post("/api/create", json={"model": "test2", "from": "test", "stream": False, "parameters": {
        "temperature": 0.6, "top_p": 0.7, "stop": ["<|endoftext|>"]}})
    assert params("test2")["stop"] == ['"<|endoftext|>"']


def test_create_replaces_messages(asgi_client: Any) -> None:
    # TestCreateReplacesMessages
    first = [{"role": "assistant", "content": "What is my purpose?"}, {"role": "user", "content": "You run tests."},
             {"role": "assistant", "content": "Oh, my god."}]
    second = [{"role": "assistant", "content": "You're a test, Harry."}, {"role": "user", "content": "I-I'm a what?"},
              {"role": "assistant", "content": "A test. And a thumping good one at that, I'd wager."}]
    asgi_client.post("/api/create", json={"model": "test", "from": "llama3.2", "messages": first, "stream": False})
    asgi_client.post("/api/create", json={"model": "test2", "from": "test", "messages": second, "stream": False})
    assert asgi_client.post("/api/show", json={"model": "test"}).json()["messages"] == first
    assert asgi_client.post("/api/show", json={"model": "test2"}).json()["messages"] == second


def test_create_template_system_and_errors(asgi_client: Any) -> None:
    # TestCreateTemplateSystem (and "incomplete template", "template with unclosed if",
    # "template with undefined function": 400, reference §1.8)
    asgi_client.post("/api/create", json={"model": "test", "from": "llama3.2", "stream": False,
                                          "template": "{{ .System }} {{ .Prompt }}", "system": "Say bye!"})
    body = asgi_client.post("/api/show", json={"model": "test"}).json()
    assert body["template"] == "{{ .System }} {{ .Prompt }}" and body["system"] == "Say bye!"
    for template in ("{{ .Prompt", "{{ if .Prompt }}", "{{ Prompt }}"):
        response = asgi_client.post("/api/create", json={"model": "test", "from": "llama3.2",
                                                         "template": template, "stream": False})
        assert response.status_code == 400 and response.json()["error"].startswith("template error: ")


def test_create_licenses(asgi_client: Any) -> None:
    # TestCreateLicenses: each license its own layer, shown joined by newlines
    asgi_client.post("/api/create", json={"model": "test", "from": "gemma3:1b", "license": ["MIT", "Apache-2.0"],
                                          "stream": False})
    assert asgi_client.post("/api/show", json={"model": "test"}).json()["license"].endswith("MIT\nApache-2.0")


def test_create_from_model_inherits_renderer_parser(asgi_client: Any) -> None:
    # TestCreateFromModelInheritsRendererParser
    asgi_client.post("/api/create", json={"model": "base", "from": "llama3.2", "renderer": "custom-renderer",
                                          "parser": "custom-parser", "stream": False})
    asgi_client.post("/api/create", json={"model": "child", "from": "base", "stream": False})
    child = asgi_client.post("/api/show", json={"model": "child"}).json()
    assert child["renderer"] == "custom-renderer" and child["parser"] == "custom-parser"


def test_create_typical_p_parameter_accepted(asgi_client: Any) -> None:
    # TestCreateFromBin "deprecated parameter is rejected": a later Ollama refuses typical_p; the
    # reference (§0.8, v0.33.0-rc2) lists it as a known option (default 1.0), so create succeeds
    response = asgi_client.post("/api/create", json={"model": "m", "from": "llama3.2",
                                                     "parameters": {"typical_p": 0.5}, "stream": False})
    assert response.status_code == 200 and response.json() == {"status": "success"}


def test_head_blob_handler(asgi_client: Any) -> None:
    # TestHeadBlobHandler: exists 200, missing 404, invalid digest 400 (no bodies on HEAD)
    import hashlib

    data = b"blob"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert asgi_client.post(f"/api/blobs/{digest}", content=data).status_code == 201
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 200
    assert asgi_client.head("/api/blobs/sha256:" + "a" * 64).status_code == 404
    response = asgi_client.head("/api/blobs/not-a-digest")
    assert response.status_code == 400 and response.content == b""


# ---------------------------------------------------------------------------------------------
# server/routes_delete_test.go, server/routes_list_test.go


def test_delete_keeps_models_sharing_layers(asgi_client: Any) -> None:
    # TestDelete: deleting one of two models on the same weights leaves the other whole
    asgi_client.post("/api/create", json={"model": "test", "from": "gemma3:1b", "stream": False})
    asgi_client.post("/api/create", json={"model": "test2", "from": "gemma3:1b", "stream": False,
                                          "template": "{{ .System }} {{ .Prompt }}"})
    assert asgi_client.request("DELETE", "/api/delete", json={"name": "test"}).status_code == 200
    names = [m["name"] for m in asgi_client.get("/api/tags").json()["models"]]
    assert "test:latest" not in names and "test2:latest" in names
    answer = asgi_client.post("/api/generate", json={"model": "test2", "prompt": "hi", "stream": False})
    assert answer.status_code == 200
    assert asgi_client.request("DELETE", "/api/delete", json={"name": "test2"}).status_code == 200
    assert "test2:latest" not in [m["name"] for m in asgi_client.get("/api/tags").json()["models"]]


def test_list_display_names(asgi_client: Any) -> None:
    # TestList: the list's names are the shortest display form, tags kept, case kept
    expect = ["mistral:7b-instruct-q4_0", "zephyr:7b-beta-q5_K_M", "apple/OpenELM:latest", "boreas:2b-code-v1.5-q6_K",
              "notus:7b-v1-IQ2_S", "mynamespace/apeliotes:latest", "myhost/mynamespace/lips:code"]
    for name in expect:
        response = asgi_client.post("/api/create", json={"name": name.removesuffix(":latest"), "from": "gemma3:1b",
                                                         "stream": False})
        assert response.status_code == 200, (name, response.text)
    names = {m["name"] for m in asgi_client.get("/api/tags").json()["models"]}
    assert set(expect) <= names


# ---------------------------------------------------------------------------------------------
# api/types_test.go


@pytest.mark.parametrize(
    ("keep_alive", "expires"),
    [
        (42, timedelta(seconds=42)),  # "Positive Integer"
        (42.5, timedelta(milliseconds=42500)),  # "Positive Float"
        ("42m", timedelta(minutes=42)),  # "Positive Integer String"
        (-1, None),  # "Negative Integer": forever
        (-3.14, None),  # "Negative Float"
        ("-1m", None),  # "Negative Integer String"
    ],
)
def test_keep_alive_parsing_from_json(keep_alive: Any, expires: timedelta | None) -> None:
    # TestKeepAliveParsingFromJSON, seen in /api/ps's expires_at (fixed clock)
    with mock(clock=CLOCK) as client:
        client.post("/api/generate", json={"model": "llama3.2", "prompt": "hi", "keep_alive": keep_alive,
                                           "stream": False})
        (entry,) = client.get("/api/ps").json()["models"]
    at = datetime.fromisoformat(entry["expires_at"].replace("Z", "+00:00"))
    now = datetime.fromisoformat(CLOCK.replace("Z", "+00:00"))
    if expires is None:
        assert at.year == 2318  # now + max int64 nanoseconds
    else:
        assert at - now == expires


def test_message_role_lowercased(asgi_client: Any) -> None:
    # TestMessage_UnmarshalJSON: roles are lowercased when decoded
    text = rendered(asgi_client, "/api/chat", {"model": "llama3.2", "messages": [
        {"role": "System", "content": "Initialization complete."}, {"role": "USER", "content": "Hello!"},
        {"role": "assistant", "content": "How can I help you?"}, {"role": "TOOl", "content": "Access granted."}]})
    assert "<|im_start|>system\nInitialization complete." in text
    assert "<|im_start|>user\nHello!" in text
    assert "USER" not in text and "System" not in text


@pytest.mark.parametrize("think", [True, False, "high", "medium", "low", "max"])
def test_think_values_accepted(asgi_client: Any, think: Any) -> None:
    # TestThinking_UnmarshalJSON: true, false and the levels decode
    response = asgi_client.post("/api/chat", json={"model": "qwen3:8b", "think": think, "stream": False,
                                                   "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 200
    assert bool(response.json()["message"].get("thinking")) is (think is not False)


@pytest.mark.parametrize(
    ("think", "message"),
    [
        # the Go test's (later) version accepts unknown levels and token budgets; the reference
        # (§0.4, v0.33.0-rc2) refuses both with these messages
        ("future-level", 'invalid think value: "future-level" (must be "high", "medium", "low", "max", true, or false)'),
        (8192, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
        (0, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
        (-1, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
        (1.5, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
    ],
)
def test_think_values_refused(asgi_client: Any, think: Any, message: str) -> None:
    # TestThinking_UnmarshalJSON "unknown_string" / "budget" / "zero_budget" / "negative_budget" /
    # "fractional_budget"
    response = asgi_client.post("/api/generate", json={"model": "qwen3:8b", "prompt": "hi", "think": think})
    native_error(response, 400, message)


def test_tool_call_index_always_marshals(asgi_client: Any) -> None:
    # TestToolCallFunction_IndexAlwaysMarshals: index 0 is written, not dropped
    response = asgi_client.post("/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "weather in Paris?"}], "tools": [GET_WEATHER],
        "stream": False})
    assert '"function":{"index":0,' in response.text


def test_tool_arguments_and_properties_keep_order(asgi_client: Any) -> None:
    # TestToolCallFunctionArguments_OrderPreservation / TestToolPropertiesMap_OrderPreservation /
    # TestToolPropertiesMap_NestedProperties / TestPropertyType_UnmarshalJSON: key order and
    # multi-type properties survive into the prompt
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {
        "zebra": {"type": "string"}, "apple": {"type": ["string", "number"]},
        "outer": {"type": "object", "properties": {"z_field": {"type": "string"}, "a_field": {"type": "number"}}}}}}}
    text = rendered(asgi_client, "/api/chat", {"model": "llama3.2", "tools": [tool], "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "f", "arguments": {"zebra": "z", "apple": "a", "mango": "m"}}}]}]})
    assert '"arguments": {"zebra": "z", "apple": "a", "mango": "m"}' in text
    assert text.index('"zebra"') < text.index('"apple"') < text.index('"outer"')
    assert text.index('"z_field"') < text.index('"a_field"')
    assert '"type": ["string", "number"]' in text


# ---------------------------------------------------------------------------------------------
# openai/responses_test.go


def responses_native(body: dict[str, Any]) -> dict[str, Any]:
    return responses_request.to_native(body, Profile())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # TestResponsesInput_UnmarshalJSON "invalid input"
        ({"input": 123}, "input must be a string or array: "),
        # TestResponsesInputMessage_UnmarshalJSON "unknown content type"
        ({"input": [{"type": "message", "role": "user", "content": [{"type": "unknown"}]}]},
         "input[0]: content[0]: unknown content type: unknown"),
        # TestUnmarshalResponsesInputItem "unknown item type"
        ({"input": [{"type": "unknown_type"}]}, 'input[0]: unknown input item type: "unknown_type"'),
    ],
)
def test_responses_input_errors(asgi_client: Any, body: dict[str, Any], message: str) -> None:
    response = asgi_client.post("/v1/responses", json={"model": "llama3.2", **body})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"].startswith(message)


def test_responses_function_call_round_trip() -> None:
    # TestFromResponsesRequest_FunctionCallOutput
    native = responses_native({"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "what is the weather?"}]},
        {"type": "function_call", "call_id": "call_abc123", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": "call_abc123", "output": "sunny, 72F"}]})
    user, assistant, tool = native["messages"]
    assert user["role"] == "user" and user["content"] == "what is the weather?"
    assert assistant["role"] == "assistant" and assistant["tool_calls"][0]["id"] == "call_abc123"
    assert assistant["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": {"city": "Paris"}}
    assert tool["role"] == "tool" and tool["content"] == "sunny, 72F" and tool["tool_call_id"] == "call_abc123"


def test_responses_function_call_merge() -> None:
    # TestFromResponsesRequest_FunctionCallMerge (all five sub-tests, condensed)
    native = responses_native({"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "complex task"}]},
        {"type": "reasoning", "id": "rs_1", "encrypted_content": "Thinking first...", "summary": []},
        {"type": "message", "role": "assistant", "content": ""},
        {"type": "function_call", "call_id": "call_1", "name": "think_action", "arguments": "{}"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Now doing more."}]},
        {"type": "function_call", "call_id": "call_2", "name": "action_a", "arguments": "{}"},
        {"type": "function_call", "call_id": "call_3", "name": "action_b", "arguments": "{}"}]})
    messages = native["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant"]
    assert messages[1]["thinking"] == "Thinking first..." and messages[1].get("content", "") == ""
    assert [c["function"]["name"] for c in messages[1]["tool_calls"]] == ["think_action"]
    assert messages[2]["content"] == "Now doing more."
    assert [c["function"]["name"] for c in messages[2]["tool_calls"]] == ["action_a", "action_b"]
    alone = responses_native({"model": "m", "input": [
        {"role": "user", "content": "what is the weather?"},
        {"type": "function_call", "call_id": "call_abc123", "name": "get_weather", "arguments": '{"city":"Paris"}'}]})
    assert alone["messages"][1]["role"] == "assistant" and alone["messages"][1].get("content", "") == ""


def test_responses_reasoning_merge() -> None:
    # TestFromResponsesRequest_ReasoningMerge "multi-turn with tool calls and reasoning" /
    # "trailing reasoning creates separate message"
    native = responses_native({"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is the weather in Paris?"}]},
        {"type": "reasoning", "id": "rs_001", "encrypted_content": "I need to call the weather API for Paris.", "summary": []},
        {"type": "function_call", "call_id": "call_abc", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": "call_abc", "output": "Sunny, 72°F"},
        {"type": "reasoning", "id": "rs_002", "encrypted_content": "Format it nicely.", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "input_text", "text": "It's sunny in Paris!"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What about London?"}]}]})
    messages = native["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant", "user"]
    assert messages[1]["thinking"] == "I need to call the weather API for Paris."
    assert messages[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert messages[3]["thinking"] == "Format it nicely." and messages[3]["content"] == "It's sunny in Paris!"
    trailing = responses_native({"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "think about this"}]},
        {"type": "reasoning", "id": "rs_123", "encrypted_content": "Still thinking...", "summary": []}]})
    assert trailing["messages"][1]["role"] == "assistant" and trailing["messages"][1]["thinking"] == "Still thinking..."


def test_responses_request_fields() -> None:
    # TestFromResponsesRequest_Instructions / _MaxOutputTokens / _TextFormatJsonSchema /
    # _TextFormatText / _Tools / TestResponsesRequest_UnmarshalJSON "with temperature" /
    # TestFromResponsesRequest_ShorthandFormats
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"]}
    native = responses_native({
        "model": "m", "instructions": "You are a helpful pirate.", "input": "Hello", "max_output_tokens": 100,
        "temperature": 0.5, "text": {"format": {"type": "json_schema", "name": "person", "strict": True,
                                                "schema": schema}},
        "tools": [{"type": "function", "name": "shell", "description": "Runs a shell command", "strict": False,
                   "parameters": {"type": "object", "properties": {"command": {"type": "array", "items": {
                       "type": "string"}}}, "required": ["command"]}}]})
    assert native["messages"] == [{"role": "system", "content": "You are a helpful pirate."},
                                  {"role": "user", "content": "Hello"}]
    assert native["options"]["num_predict"] == 100 and native["options"]["temperature"] == 0.5
    assert native["format"] == schema
    (tool,) = native["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "shell"
    assert tool["function"]["description"] == "Runs a shell command"
    assert tool["function"]["parameters"]["required"] == ["command"]
    text = responses_native({"model": "m", "input": "Hello", "text": {"format": {"type": "text"}}})
    assert "format" not in text
    shorthand = responses_native({"model": "m", "input": [
        {"role": "user", "content": "Hello"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi there!"}]},
        {"role": "user", "content": "How are you?"}]})
    assert [(m["role"], m["content"]) for m in shorthand["messages"]] == [
        ("user", "Hello"), ("assistant", "Hi there!"), ("user", "How are you?")]


def test_responses_images(asgi_client: Any) -> None:
    # TestFromResponsesRequest_Images / TestDecodeImageURL "not a data url"
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    native = responses_native({"model": "llava", "input": [{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "What is in this image?"},
        {"type": "input_image", "detail": "auto", "image_url": "data:image/png;base64," + png}]}]})
    (message,) = native["messages"]
    assert message["content"] == "What is in this image?" and len(message["images"]) == 1
    response = asgi_client.post("/v1/responses", json={"model": "llava:7b", "input": [
        {"type": "message", "role": "user", "content": [
            {"type": "input_image", "detail": "auto", "image_url": "https://example.com/image.png"}]}]})
    openai_error(response, 400, "invalid_request_error",
                 "image URLs are not currently supported, please use base64 encoded data instead", middleware=True)


def test_responses_text_format_json_schema_on_the_wire(asgi_client: Any) -> None:
    # TestFromResponsesRequest_TextFormatJsonSchema: the answer follows the schema
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"]}
    body = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "Give me info about John who is 30",
                                                   "text": {"format": {"type": "json_schema", "name": "person",
                                                                       "strict": True, "schema": schema}}}).json()
    (message,) = [item for item in body["output"] if item["type"] == "message"]
    jsonschema.validate(json.loads(message["content"][0]["text"]), schema)


def test_responses_stream_text_only(asgi_client: Any) -> None:
    # TestResponsesStreamConverter_TextOnly / _OutputIncludesContent / _ResponseCompletedIncludesOutput /
    # _ResponseCreatedIncludesOutput / _SequenceNumbers
    events = sse(asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "Hello", "stream": True}))
    names = [name for name, _ in events]
    assert names[:5] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added", "response.output_text.delta"]
    deltas = [p["delta"] for n, p in events if n == "response.output_text.delta"]
    tail = [n for n in names if n != "response.output_text.delta"][4:]
    assert tail == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                    "response.completed"]
    assert [p["sequence_number"] for _, p in events] == list(range(len(events)))
    assert all(p["type"] == n for n, p in events)
    payloads = dict(events)
    assert payloads["response.created"]["response"]["output"] == []
    assert payloads["response.output_text.done"]["text"] == "".join(deltas)
    item = payloads["response.output_item.done"]["item"]
    assert item["type"] == "message" and item["content"][0]["type"] == "output_text"
    assert item["content"][0]["text"] == "".join(deltas)
    output = payloads["response.completed"]["response"]["output"]
    assert len(output) == 1 and output[0]["type"] == "message"


def test_responses_stream_tool_calls(asgi_client: Any) -> None:
    # TestResponsesStreamConverter_ToolCalls / _FunctionCallStatus
    events = sse(asgi_client.post("/v1/responses", json={
        "model": "llama3.2", "input": "What is the weather in Paris?", "stream": True,
        "tools": [{"type": "function", "name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}))
    names = [n for n, _ in events]
    at = names.index("response.function_call_arguments.delta")
    assert names[at - 1:at + 3] == ["response.output_item.added", "response.function_call_arguments.delta",
                                    "response.function_call_arguments.done", "response.output_item.done"]
    added, done = events[at - 1][1]["item"], events[at + 2][1]["item"]
    assert added["type"] == done["type"] == "function_call"
    assert added["status"] == "in_progress" and done["status"] == "completed"
    assert added["arguments"] == "" and json.loads(done["arguments"]) == json.loads(events[at][1]["delta"])


def test_responses_stream_reasoning(asgi_client: Any) -> None:
    # TestResponsesStreamConverter_Reasoning: the reasoning item closes (with encrypted_content)
    # before the message item opens
    events = sse(asgi_client.post("/v1/responses", json={"model": "qwen3:8b", "input": "Why is the sky blue?",
                                                         "stream": True}))
    names = [n for n, _ in events]
    assert names[2] == "response.output_item.added" and events[2][1]["item"]["type"] == "reasoning"
    assert names[3] == "response.reasoning_summary_text.delta"
    thinking = "".join(p["delta"] for n, p in events if n == "response.reasoning_summary_text.delta")
    close = names.index("response.reasoning_summary_text.done")
    assert names[close + 1:close + 3] == ["response.output_item.done", "response.output_item.added"]
    assert events[close + 1][1]["item"]["encrypted_content"] == thinking
    assert events[close + 2][1]["item"]["type"] == "message"


def test_to_response_with_reasoning(asgi_client: Any) -> None:
    # TestToResponse_WithReasoning: reasoning item (summary text == encrypted_content), then message
    body = asgi_client.post("/v1/responses", json={"model": "qwen3:8b", "input": "Why is the sky blue?"}).json()
    reasoning, message = body["output"]
    assert reasoning["type"] == "reasoning" and len(reasoning["summary"]) == 1
    assert reasoning["summary"][0]["text"] == reasoning["encrypted_content"] != ""
    assert message["type"] == "message" and message["content"][0]["text"]


def test_chat_completion_error_status_types(asgi_client: Any) -> None:
    # OllamaError pass-through of the handler (TestMiddleware "chat handler" family, reference §4.4)
    openai_error(asgi_client.post("/v1/chat/completions", json={"model": "nope", "messages": [
        {"role": "user", "content": "hi"}]}), 404, "not_found_error", "model 'nope' not found", middleware=False)
    with pytest.raises(OllamaError):
        chat_native({"model": "m", "messages": []})


# ---------------------------------------------------------------------------------------------
# More of server/routes_generate_test.go, routes_debug_test.go, routes_create_test.go


def test_generate_chat_status_error_streaming_first_item(asgi_client: Any) -> None:
    # TestGenerateChat / TestGenerate "status error streaming": a runner error before any record is a
    # plain HTTP error written by the streaming path: application/json without charset (reference
    # §0.3). Adapted: the Go test's runner returns a 429 StatusError; the mock's runner fault
    # (midstream_error;after=0) always answers 500, so only the message and framing are compared.
    for path, extra in (("/api/chat", {"messages": [{"role": "user", "content": "Hello!"}]}),
                        ("/api/generate", {"prompt": "Hello!"})):
        response = asgi_client.post(path, json={"model": "llama3.2", **extra},
                                    headers={"X-Ollama-Mock-Fault": "midstream_error;after=0;message=rate limit exceeded"})
        assert response.status_code == 500 and response.headers["content-type"] == "application/json"
        assert response.text == '{"error":"rate limit exceeded"}'


def test_generate_chat_status_error_non_streaming(asgi_client: Any) -> None:
    # TestGenerateChat "status error non-streaming": 503 with the exact body, c.JSON's content type
    response = asgi_client.post("/api/chat", json={"model": "llama3.2", "stream": False,
                                                   "messages": [{"role": "user", "content": "Hello!"}]},
                                headers={"X-Ollama-Mock-Fault": "status;code=503;message=model is overloaded"})
    assert response.status_code == 503 and response.text == '{"error":"model is overloaded"}'
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_tools_and_logprobs_streaming_keeps_every_logprob(asgi_client: Any) -> None:
    # TestGenerateChat "messages with tools and logprobs (streaming)": logprobs sent while the parser
    # buffers a tool call are not lost: one per generated token over the stream
    records = lines(asgi_client.post("/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "Weather?"}], "logprobs": True,
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"location": {"type": "string"}}}}}]}))
    assert any(r["message"].get("tool_calls") for r in records)
    assert sum(len(r.get("logprobs", [])) for r in records) == records[-1]["eval_count"]
    assert "logprobs" not in records[-1]


def test_generate_logprobs_with_builtin_parser(asgi_client: Any) -> None:
    # TestGenerateLogprobsWithBuiltinParser: thinking tokens keep their logprobs on /api/generate
    body = asgi_client.post("/api/generate", json={"model": "qwen3:8b", "prompt": "Why is the sky blue?",
                                                   "stream": False, "logprobs": True,
                                                   "options": {"temperature": 0}}).json()
    assert body["thinking"] and body["response"]
    assert len(body["logprobs"]) == body["eval_count"]


@pytest.mark.parametrize("stream", [False, True])
def test_debug_render_only_is_one_object(asgi_client: Any, stream: bool) -> None:
    # TestGenerateDebugRenderOnly / TestChatDebugRenderOnly: streaming or not, one JSON object
    # with the request's model and the rendered prompt (image count for images)
    generate = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "Hello, world!",
                                                       "stream": stream, "_debug_render_only": True})
    chat = asgi_client.post("/api/chat", json={
        "model": "llava:7b", "stream": stream, "_debug_render_only": True,
        "messages": [{"role": "user", "content": "What's in this image?", "images": [PNG]}]})
    raw = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "Raw prompt text", "raw": True,
                                                  "stream": stream, "_debug_render_only": True})
    for response in (generate, chat, raw):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert len(response.text.splitlines()) == 1
    assert generate.json()["model"] == "llama3.2" and "Hello, world!" in generate.json()["_debug_info"]["rendered_template"]
    info = chat.json()["_debug_info"]
    assert "[img-0]What's in this image?" in info["rendered_template"] and info["image_count"] == 1
    assert raw.json()["_debug_info"]["rendered_template"] == "Raw prompt text"


def test_unload_comes_before_capability_checks(asgi_client: Any) -> None:
    # TestGenerateUnload (and reference §4.3 step 6): keep_alive 0 with nothing to say unloads, even
    # for a model that could not generate or chat; a loaded model leaves /api/ps
    for path in ("/api/generate", "/api/chat"):
        body = asgi_client.post(path, json={"model": "nomic-embed-text", "keep_alive": 0}).json()
        assert body["done_reason"] == "unload"
    asgi_client.post("/api/generate", json={"model": "llama3.2"})
    assert [m["name"] for m in asgi_client.get("/api/ps").json()["models"]] == ["llama3.2:latest"]
    asgi_client.post("/api/generate", json={"model": "llama3.2", "keep_alive": 0})
    assert asgi_client.get("/api/ps").json() == {"models": []}


def test_keep_alive_unset_is_the_default() -> None:
    # TestKeepAliveParsingFromJSON "Unset": absent (or null) keep_alive is OLLAMA_KEEP_ALIVE, 5m
    for extra in ({}, {"keep_alive": None}):
        with mock(clock=CLOCK) as client:
            client.post("/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False, **extra})
            (entry,) = client.get("/api/ps").json()["models"]
        at = datetime.fromisoformat(entry["expires_at"].replace("Z", "+00:00"))
        assert at - datetime.fromisoformat(CLOCK.replace("Z", "+00:00")) == timedelta(minutes=5)


GGUF = b"GGUF" + bytes(60)


def upload_gguf(client: Any) -> str:
    import hashlib

    digest = "sha256:" + hashlib.sha256(GGUF).hexdigest()
    assert client.post(f"/api/blobs/{digest}", content=GGUF).status_code in (200, 201)
    return digest


def test_create_from_bin_and_from_model(asgi_client: Any) -> None:
    # TestCreateFromBin / TestCreateFromModel: a model from an uploaded GGUF, then one FROM it
    digest = upload_gguf(asgi_client)
    response = asgi_client.post("/api/create", json={"name": "test", "files": {"test.gguf": digest}, "stream": False})
    assert response.status_code == 200 and response.json() == {"status": "success"}
    assert asgi_client.post("/api/create", json={"name": "test2", "from": "test", "stream": False}).status_code == 200
    names = [m["name"] for m in asgi_client.get("/api/tags").json()["models"]]
    assert "test:latest" in names and "test2:latest" in names
    assert asgi_client.post("/api/show", json={"model": "test2"}).json()["details"]["format"] == "gguf"


def test_create_unsets_system(asgi_client: Any) -> None:
    # TestCreateUnsetsSystem: re-creating from the file with an empty system drops it
    digest = upload_gguf(asgi_client)
    asgi_client.post("/api/create", json={"name": "test", "files": {"test.gguf": digest}, "system": "Say hi!",
                                          "stream": False})
    assert asgi_client.post("/api/show", json={"model": "test"}).json()["system"] == "Say hi!"
    asgi_client.post("/api/create", json={"name": "test", "files": {"test.gguf": digest}, "system": "",
                                          "stream": False})
    assert "system" not in asgi_client.post("/api/show", json={"model": "test"}).json()


def test_create_removes_layers(asgi_client: Any) -> None:
    # TestCreateRemovesLayers: re-creating with another template replaces the template
    digest = upload_gguf(asgi_client)
    for template in ("{{ .Prompt }}", "{{ .System }} {{ .Prompt }}"):
        asgi_client.post("/api/create", json={"name": "test", "files": {"test.gguf": digest}, "template": template,
                                              "stream": False})
        assert asgi_client.post("/api/show", json={"model": "test"}).json()["template"] == template


def test_create_template_capabilities(asgi_client: Any) -> None:
    # TestGenerate "prompt with suffix" / TestGenerateChat's model: a template using .Suffix gives the
    # insert capability, one using .Tools the tools capability; without them the model has neither
    suffix = "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>\n{{- else }}{{ .Prompt }}\n{{- end }}"
    tools = "{{- if .Tools }}\n{{ .Tools }}\n{{ end }}{{- range .Messages }}{{- .Role }}: {{ .Content }}\n{{ end }}"
    asgi_client.post("/api/create", json={"model": "test-suffix", "from": "gemma3:1b", "template": suffix,
                                          "stream": False})
    asgi_client.post("/api/create", json={"model": "test-tools", "from": "gemma3:1b", "template": tools,
                                          "stream": False})
    asgi_client.post("/api/create", json={"model": "test-plain", "from": "llama3.2", "template": "{{ .Prompt }}",
                                          "stream": False})
    caps = {m: asgi_client.post("/api/show", json={"model": m}).json()["capabilities"]
            for m in ("test-suffix", "test-tools", "test-plain")}
    assert caps == {"test-suffix": ["completion", "insert"], "test-tools": ["completion", "tools"],
                    "test-plain": ["completion"]}
    ok = asgi_client.post("/api/generate", json={"model": "test-suffix", "prompt": "def add(", "suffix": "    return c",
                                                 "stream": False})
    assert ok.status_code == 200
    native_error(asgi_client.post("/api/chat", json={"model": "test-plain", "tools": [GET_WEATHER], "messages": [
        {"role": "user", "content": "hi"}]}), 400, "registry.ollama.ai/library/test-plain:latest does not support tools")


def test_wait_for_stream_error_status(asgi_client: Any) -> None:
    # TestWaitForStream "error status": a worker error with a status keeps it, with or without
    # streaming (as a stream's first item: application/json, reference §1.8)
    for stream in (False, True):
        response = asgi_client.post("/api/create", json={"model": "x", "stream": stream})
        assert response.status_code == 400 and response.headers["content-type"] == "application/json"
        assert response.text == "{\"error\":\"neither 'from' or 'files' was specified\"}"


# ---------------------------------------------------------------------------------------------
# More of middleware/openai_test.go and the image-generation tests


def test_image_generation_routes_are_gone(asgi_client: Any) -> None:
    # TestImageGenerationsMiddleware / TestImageEditsMiddleware / TestImageWriterResponse: the Go
    # tests are from before v0.32.6; the reference (§1.0) has no /v1/images/* routes any more
    for path in ("/v1/images/generations", "/v1/images/edits"):
        response = asgi_client.post(path, json={"model": "test-model", "prompt": "a beautiful sunset"})
        assert response.status_code == 404 and response.text == "404 page not found"


def test_embeddings_input_shapes(asgi_client: Any) -> None:
    # TestEmbeddingsMiddleware (reference §3.3 for the input shapes the middleware checks)
    one = asgi_client.post("/v1/embeddings", json={"model": "nomic-embed-text", "input": ""}).json()
    assert len(one["data"]) == 1
    openai_error(asgi_client.post("/v1/embeddings", json={"model": "nomic-embed-text", "input": []}), 400,
                 "invalid_request_error", "invalid input", middleware=True)
    openai_error(asgi_client.post("/v1/embeddings", json={"model": "nomic-embed-text", "input": [1, 2]}), 400,
                 "invalid_request_error", "invalid input type", middleware=False)


def test_chat_streaming_usage_chunk(asgi_client: Any) -> None:
    # TestChatMiddleware "chat handler with streaming usage": json mode, then the usage chunk after
    # the finish chunk, usage equal to the non-stream answer's
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 999, "seed": 123,
            "response_format": {"type": "json_object"}}
    plain = asgi_client.post("/v1/chat/completions", json=body).json()
    frames = [p for _, p in sse(asgi_client.post("/v1/chat/completions", json={
        **body, "stream": True, "stream_options": {"include_usage": True}}))]
    assert frames[-1] == "[DONE]"
    usage, finish = frames[-2], frames[-3]
    assert usage["choices"] == [] and usage["usage"] == plain["usage"]
    assert finish["choices"][0]["delta"] == {} and finish["choices"][0]["finish_reason"] == "stop"
    text = "".join(f["choices"][0]["delta"].get("content", "") for f in frames[:-3])
    assert text == plain["choices"][0]["message"]["content"]
    assert isinstance(json.loads(text), dict)


def test_chat_non_stream_tool_calls_shape(asgi_client: Any) -> None:
    # TestChatMiddleware "chat handler with streaming tools", non-stream: content "", index kept,
    # arguments a JSON string, finish_reason tool_calls (reference §3.1)
    body = asgi_client.post("/v1/chat/completions", json={
        "model": "llama3.2", "tools": [GET_WEATHER],
        "messages": [{"role": "user", "content": "What's the weather like in Paris?"}]}).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] == ""
    (call,) = choice["message"]["tool_calls"]
    assert list(call) == ["id", "index", "type", "function"] and call["index"] == 0 and call["type"] == "function"
    assert isinstance(json.loads(call["function"]["arguments"]), dict)


# ---------------------------------------------------------------------------------------------
# middleware/anthropic_test.go (08f72f6c): TestAnthropicMessagesMiddleware and the writers


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}, "model is required"),
        ({"model": "llama3.2", "messages": [{"role": "user", "content": "Hello"}]},
         "max_tokens is required and must be positive"),
        ({"model": "llama3.2", "max_tokens": 1024}, "messages is required"),
        ({"model": "llama3.2", "max_tokens": 1024, "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "name": "test"}]}]},
         "tool_use block missing required 'id' field"),
    ],
)
def test_anthropic_middleware_errors(asgi_client: Any, body: dict[str, Any], message: str) -> None:
    # TestAnthropicMessagesMiddleware "missing model error" / "missing max_tokens error" /
    # "missing messages error" / "tool_use missing id error"
    response = asgi_client.post("/v1/messages", json=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["type"] == "error" and payload["error"] == {"type": "invalid_request_error", "message": message}
    assert re.fullmatch(r"req_[0-9a-f]{24}", payload["request_id"])


def test_anthropic_invalid_json(asgi_client: Any) -> None:
    # TestAnthropicMessagesMiddleware_InvalidJSON
    response = asgi_client.post("/v1/messages", content=b"{invalid json")
    assert response.status_code == 400
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"


def test_anthropic_writer_non_streaming(asgi_client: Any) -> None:
    # TestAnthropicWriter_NonStreaming: one text block, end_turn, usage from the native counts
    body = {"model": "llama3.2", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}
    result = asgi_client.post("/v1/messages", json=body).json()
    native = asgi_client.post("/api/chat", json={"model": "llama3.2", "stream": False, "options": {"num_predict": 100},
                                                 "messages": [{"role": "user", "content": "Hi"}]}).json()
    assert result["type"] == "message" and result["role"] == "assistant"
    assert [b["type"] for b in result["content"]] == ["text"] and result["content"][0]["text"]
    assert result["stop_reason"] == "end_turn"
    assert result["usage"] == {"input_tokens": native["prompt_eval_count"], "output_tokens": native["eval_count"]}


@pytest.mark.parametrize(("fault", "status", "kind"), [
    (None, 404, "not_found_error"), ("status;code=400;message=model is required", 400, "invalid_request_error"),
    ("status;code=500;message=something went wrong", 500, "api_error")])
def test_anthropic_writer_error_from_routes(asgi_client: Any, fault: str | None, status: int, kind: str) -> None:
    # TestAnthropicWriter_ErrorFromRoutes: the handler's HTTP status picks the error type
    headers = {"X-Ollama-Mock-Fault": fault} if fault else {}
    response = asgi_client.post("/v1/messages", headers=headers, json={
        "model": "nonexistent" if fault is None else "llama3.2", "max_tokens": 100,
        "messages": [{"role": "user", "content": "Hi"}]})
    assert response.status_code == status
    payload = response.json()
    assert payload["type"] == "error" and payload["error"]["type"] == kind
    if fault is None:
        assert payload["error"]["message"] == "model 'nonexistent' not found"


def test_anthropic_streaming_headers_and_events(asgi_client: Any) -> None:
    # TestAnthropicMessagesMiddleware_Headers / TestWebSearchToolPresent_ModelDoesNotCallIt_Streaming
    # (the pass-through part): SSE headers, message_start first, text block, message_stop last
    response = asgi_client.post("/v1/messages", json={"model": "llama3.2", "max_tokens": 100, "stream": True,
                                                      "messages": [{"role": "user", "content": "Hi"}]})
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    events = sse(response)
    names = [n for n, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop" and names.count("message_start") == 1
    assert events[1][1]["content_block"] == {"type": "text", "text": ""}
    assert all(p["delta"]["type"] == "text_delta" for n, p in events if n == "content_block_delta")
    assert names[-2] == "message_delta" and events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_anthropic_request_mapping(asgi_client: Any) -> None:
    # TestAnthropicMessagesMiddleware "basic message" / "with system prompt" / "with options" /
    # "streaming" / "with tools" / "with tool result" / "with thinking enabled"
    from ollama_conformance.mock_server.compat import anthropic_request

    def native(**body: Any) -> dict[str, Any]:
        base = {"model": "test-model", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
        return anthropic_request.to_native({**base, **body}, None)

    basic = native()
    assert basic["messages"] == [{"role": "user", "content": "Hello"}]
    assert basic["options"] == {"num_predict": 1024} and basic["stream"] is False
    assert native(system="You are helpful.")["messages"][0] == {"role": "system", "content": "You are helpful."}
    assert native(max_tokens=2048, temperature=0.7, top_p=0.9, top_k=40, stop_sequences=["\n", "END"])["options"] == {
        "num_predict": 2048, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "stop": ["\n", "END"]}
    assert native(stream=True)["stream"] is True
    (tool,) = native(tools=[{"name": "get_weather", "description": "Get current weather", "input_schema": {
        "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}])["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "get_weather"
    assert tool["function"]["parameters"]["required"] == ["location"]
    history = native(messages=[
        {"role": "user", "content": "What's the weather?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_123", "name": "get_weather", "input": {"location": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_123", "content": "Sunny, 22°C"}]}])
    user, assistant, tool_message = history["messages"]
    assert assistant["tool_calls"][0]["id"] == "call_123"
    assert assistant["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": {"location": "Paris"}}
    assert tool_message == {"role": "tool", "content": "Sunny, 22°C", "tool_call_id": "call_123"}
    assert native(thinking={"type": "enabled", "budget_tokens": 1000})["think"] is True
    # on the wire: the history is accepted and answered in text; thinking shows as a thinking block
    answer = asgi_client.post("/v1/messages", json={"model": "llama3.2", "max_tokens": 1024, "messages": [
        {"role": "user", "content": "What's the weather?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_123", "name": "get_weather", "input": {"location": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_123", "content": "Sunny, 22°C"}]}]})
    assert answer.status_code == 200 and answer.json()["stop_reason"] == "end_turn"
    assert [b["type"] for b in answer.json()["content"]] == ["text"]
    thinking = asgi_client.post("/v1/messages", json={
        "model": "qwen3:8b", "max_tokens": 1024, "thinking": {"type": "enabled", "budget_tokens": 1000},
        "messages": [{"role": "user", "content": "Hello"}]}).json()
    assert [b["type"] for b in thinking["content"]] == ["thinking", "text"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"use_mmap": True, "main_gpu": 0}, None),  # TestUseMmapParsingFromJSON "True" / TestMainGPUParsingFromJSON "Zero"
        ({"use_mmap": False, "main_gpu": 1}, None),  # "False" / "Nonzero"
        ({"use_mmap": "foo"}, 'option "use_mmap" must be of type boolean'),  # reference §0.8: after the lookup, 500
        ({"main_gpu": "0"}, 'option "main_gpu" must be of type integer'),
    ],
)
def test_runner_options_decoding(asgi_client: Any, options: dict[str, Any], error: str | None) -> None:
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "hi", "options": options,
                                                       "stream": False})
    if error is None:
        assert response.status_code == 200 and response.json()["done_reason"] == "stop"
    else:
        native_error(response, 500, error)
