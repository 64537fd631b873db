"""The /v1 and Anthropic layers over real uvicorn on 127.0.0.1: status, content type, error
envelopes, and the SSE stream grammar read chunk by chunk with httpx (reference §2.4-§2.7, §4.4)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ollama_conformance import contracts

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
HELLO = [{"role": "user", "content": "Say hello"}]


def post(url: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=10, **kwargs)


def stream_body(url: str, path: str, body: dict[str, Any]) -> tuple[httpx.Response, bytes, int]:
    """The whole streamed body, and how many network reads brought it."""
    with httpx.stream("POST", url + path, json=body, timeout=10) as response:
        parts = list(response.iter_raw())
    return response, b"".join(parts), len(parts)


def data_frames(raw: bytes) -> list[Any]:
    frames = []
    for block in raw.decode().split("\n\n")[:-1]:
        data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
        frames.append(data[0] if data[0] == "[DONE]" else json.loads(data[0]))
    return frames


def assert_openai_error(response: httpx.Response, status: int, kind: str, message: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": {"message": message, "type": kind, "param": None, "code": None}}


def test_chat_non_stream(mock_url: str) -> None:
    response = post(mock_url, "/v1/chat/completions", {"model": "llama3.2", "messages": HELLO})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.endswith("}\n")
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "llama3.2"
    assert body["choices"][0]["message"]["content"] and body["choices"][0]["finish_reason"] == "stop"


def test_chat_stream_grammar_with_usage(mock_url: str) -> None:
    request = {
        "model": "qwen3:8b",
        "messages": HELLO,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    response, raw, _ = stream_body(mock_url, "/v1/chat/completions", request)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert contracts.validate_stream("POST /v1/chat/completions", raw, request=request) == []
    frames = data_frames(raw)
    assert frames[-1] == "[DONE]" and frames[-2]["choices"] == [] and frames[-3]["choices"][0]["delta"] == {}
    assert frames[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in f["choices"][0]["delta"] for f in frames[1:-2])
    assert len({f["id"] for f in frames[:-1]}) == 1 and len({f["created"] for f in frames[:-1]}) == 1


def test_chat_stream_tool_call(mock_url: str) -> None:
    request = {
        "model": "llama3.2",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "tools": [WEATHER_TOOL],
        "stream": True,
    }
    _, raw, _ = stream_body(mock_url, "/v1/chat/completions", request)
    frames = data_frames(raw)
    calls = [c for f in frames[:-1] for c in f["choices"][0]["delta"].get("tool_calls", [])]
    assert len(calls) == 1 and calls[0]["index"] == 0 and calls[0]["id"].startswith("call_")
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert frames[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert contracts.validate_stream("POST /v1/chat/completions", raw, request=request) == []


def test_completions_stream_and_non_stream(mock_url: str) -> None:
    body = post(
        mock_url, "/v1/completions", {"model": "llama3.2", "prompt": "Once upon", "max_tokens": 5}
    ).json()
    assert body["object"] == "text_completion" and body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    request = {
        "model": "llama3.2",
        "prompt": "Once upon",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    _, raw, _ = stream_body(mock_url, "/v1/completions", request)
    assert contracts.validate_stream("POST /v1/completions", raw, request=request) == []
    assert data_frames(raw)[-1] == "[DONE]"


def test_responses_and_messages_streams(mock_url: str) -> None:
    _, raw, _ = stream_body(
        mock_url, "/v1/responses", {"model": "qwen3:8b", "input": "Say hello", "stream": True}
    )
    assert raw.startswith(b"event: response.created\ndata: ")
    assert contracts.validate_stream("POST /v1/responses", raw) == []
    request = {"model": "llama3.2", "max_tokens": 50, "messages": HELLO, "stream": True}
    _, raw, _ = stream_body(mock_url, "/v1/messages", request)
    assert raw.startswith(b"event: message_start\ndata: ") and raw.endswith(
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    assert contracts.validate_stream("POST /v1/messages", raw) == []


def test_embeddings_and_models(mock_url: str) -> None:
    body = post(mock_url, "/v1/embeddings", {"model": "nomic-embed-text", "input": ["a", "b"]}).json()
    assert [d["index"] for d in body["data"]] == [0, 1] and len(body["data"][0]["embedding"]) == 768
    models = httpx.get(mock_url + "/v1/models", timeout=10).json()
    assert "llama3.2:latest" in [m["id"] for m in models["data"]]
    assert httpx.get(mock_url + "/v1/models/llama3.2", timeout=10).json()["id"] == "llama3.2"


@pytest.mark.parametrize(
    ("path", "body", "status", "kind", "message"),
    [
        (
            "/v1/chat/completions",
            {"model": "llama3.2", "messages": []},
            400,
            "invalid_request_error",
            "[] is too short - 'messages'",
        ),
        (
            "/v1/chat/completions",
            {"model": "", "messages": HELLO},
            400,
            "invalid_request_error",
            "model is required",
        ),
        (
            "/v1/chat/completions",
            {"model": "nope", "messages": HELLO},
            404,
            "not_found_error",
            "model 'nope' not found",
        ),
        (
            "/v1/chat/completions",
            {"model": "gemma3:1b", "messages": HELLO, "tools": [WEATHER_TOOL]},
            400,
            "invalid_request_error",
            "registry.ollama.ai/library/gemma3:1b does not support tools",
        ),
        (
            "/v1/chat/completions",
            {"model": "llama3.2", "messages": HELLO, "reasoning_effort": "high"},
            400,
            "invalid_request_error",
            '"llama3.2" does not support thinking',
        ),
        ("/v1/completions", {"model": "", "prompt": "x"}, 404, "not_found_error", "model '' not found"),
        (
            "/v1/completions",
            {"model": "llama3.2", "prompt": "x", "stop": [1]},
            400,
            "invalid_request_error",
            "invalid type for 'stop' field: float64",
        ),
        (
            "/v1/embeddings",
            {"model": "nope", "input": "x"},
            404,
            "not_found_error",
            'model "nope" not found, try pulling it first',
        ),
        ("/v1/embeddings", {"model": "nomic-embed-text"}, 400, "invalid_request_error", "invalid input"),
        (
            "/v1/responses",
            {"model": "llama3.2", "input": [{"type": "banana"}]},
            400,
            "invalid_request_error",
            'input[0]: unknown input item type: "banana"',
        ),
    ],
)
def test_openai_errors(
    mock_url: str, path: str, body: dict[str, Any], status: int, kind: str, message: str
) -> None:
    assert_openai_error(post(mock_url, path, body), status, kind, message)


def test_models_retrieve_404_normalised(mock_url: str) -> None:
    assert_openai_error(
        httpx.get(mock_url + "/v1/models/nope", timeout=10),
        404,
        "not_found_error",
        "model 'nope:latest' not found",
    )


def test_anthropic_errors(mock_url: str) -> None:
    response = post(mock_url, "/v1/messages", {"model": "llama3.2", "messages": HELLO})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error" and body["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens is required and must be positive",
    }
    assert body["request_id"].startswith("req_") and len(body["request_id"]) == 28
    missing = post(mock_url, "/v1/messages", {"model": "nope", "max_tokens": 5, "messages": HELLO}).json()
    assert missing["error"] == {"type": "not_found_error", "message": "model 'nope' not found"}


def test_transcription_multipart(mock_url: str) -> None:
    files = {"file": ("a.wav", b"RIFF-fake-audio", "audio/wav")}
    response = httpx.post(
        mock_url + "/v1/audio/transcriptions", data={"model": "llama3.2"}, files=files, timeout=10
    )
    assert response.status_code == 200 and set(response.json()) == {"text"}
    text = httpx.post(
        mock_url + "/v1/audio/transcriptions",
        data={"model": "llama3.2", "response_format": "text"},
        files=files,
        timeout=10,
    )
    assert (
        text.headers["content-type"].startswith("text/plain") and text.text.strip() == response.json()["text"]
    )
    empty = httpx.post(
        mock_url + "/v1/audio/transcriptions",
        data={"model": "llama3.2"},
        files={"file": ("a.wav", b"", "audio/wav")},
        timeout=10,
    )
    assert_openai_error(empty, 400, "invalid_request_error", "audio file is empty")
