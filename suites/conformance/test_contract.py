"""Every endpoint and mode: status, Content-Type, and body or stream valid against its contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ollama_conformance.suites.conformance.support import PLAIN_PROMPT, SMALL, TOOLS, WEATHER_PROMPT, need
from ollama_conformance.suites.harness.expect import (
    body_json,
    expect_content_type,
    expect_equal,
    expect_status,
    expect_valid,
    expect_valid_stream,
)
from ollama_conformance.suites.harness.marks import check

from ollama_conformance import contracts

# A 1x1 transparent PNG: the smallest image a vision model accepts.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
Body = Callable[[str], Any]


@dataclass(frozen=True)
class Case:
    name: str
    endpoint: str  # index key, e.g. "POST /api/chat"
    cap: str | None = None  # model capability the request needs
    body: Body | None = None
    path: str | None = None  # concrete path when it differs from the endpoint's ("{model}")

    @property
    def method(self) -> str:
        return self.endpoint.split(" ", 1)[0]


def _msgs(text: str = PLAIN_PROMPT, **extra: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text, **extra}]


CASES = [
    Case("root", "GET /"),
    Case("version", "GET /api/version"),
    Case("status", "GET /api/status"),
    Case("tags", "GET /api/tags"),
    Case("ps", "GET /api/ps"),
    Case("v1-models", "GET /v1/models"),
    *[Case(f"show-{cap}", "POST /api/show", cap, lambda m: {"model": m})
      for cap in ("chat", "tools", "thinking", "vision", "embedding", "insert")],
    Case("show-verbose", "POST /api/show", "chat", lambda m: {"model": m, "verbose": True}),
    *[Case(f"v1-model-{cap}", "GET /v1/models/{model}", cap, None, "/v1/models/{model}")
      for cap in ("chat", "embedding")],
    Case("generate-stream", "POST /api/generate", "chat", lambda m: {"model": m, "prompt": PLAIN_PROMPT, "options": SMALL}),
    Case("generate", "POST /api/generate", "chat",
         lambda m: {"model": m, "prompt": PLAIN_PROMPT, "stream": False, "options": SMALL}),
    Case("generate-json", "POST /api/generate", "chat",
         lambda m: {"model": m, "prompt": "Give a JSON object", "format": "json", "stream": False, "options": SMALL}),
    Case("generate-schema", "POST /api/generate", "chat",
         lambda m: {"model": m, "prompt": "A city", "stream": False, "options": SMALL, "format": {
             "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}),
    Case("generate-raw", "POST /api/generate", "chat",
         lambda m: {"model": m, "prompt": "Hello", "raw": True, "stream": False, "options": SMALL}),
    Case("generate-think-stream", "POST /api/generate", "thinking",
         lambda m: {"model": m, "prompt": PLAIN_PROMPT, "think": True, "options": SMALL}),
    Case("generate-think", "POST /api/generate", "thinking",
         lambda m: {"model": m, "prompt": PLAIN_PROMPT, "think": True, "stream": False, "options": SMALL}),
    Case("generate-suffix", "POST /api/generate", "insert",
         lambda m: {"model": m, "prompt": "def add(a, b):", "suffix": "    return c", "stream": False, "options": SMALL}),
    Case("generate-image", "POST /api/generate", "vision",
         lambda m: {"model": m, "prompt": "Describe", "images": [PNG], "stream": False, "options": SMALL}),
    Case("generate-load", "POST /api/generate", "chat", lambda m: {"model": m}),
    Case("chat-stream", "POST /api/chat", "chat", lambda m: {"model": m, "messages": _msgs(), "options": SMALL}),
    Case("chat", "POST /api/chat", "chat", lambda m: {"model": m, "messages": _msgs(), "stream": False, "options": SMALL}),
    Case("chat-system", "POST /api/chat", "chat", lambda m: {
        "model": m, "stream": False, "options": SMALL,
        "messages": [{"role": "system", "content": "Be brief."}, *_msgs()]}),
    Case("chat-json", "POST /api/chat", "chat",
         lambda m: {"model": m, "messages": _msgs("A JSON object"), "format": "json", "stream": False, "options": SMALL}),
    Case("chat-think-stream", "POST /api/chat", "thinking",
         lambda m: {"model": m, "messages": _msgs(), "think": True, "options": SMALL}),
    Case("chat-think", "POST /api/chat", "thinking",
         lambda m: {"model": m, "messages": _msgs(), "think": True, "stream": False, "options": SMALL}),
    Case("chat-image", "POST /api/chat", "vision",
         lambda m: {"model": m, "messages": _msgs("Describe", images=[PNG]), "stream": False, "options": SMALL}),
    Case("chat-image-stream", "POST /api/chat", "vision",
         lambda m: {"model": m, "messages": _msgs("Describe", images=[PNG]), "options": SMALL}),
    Case("chat-load", "POST /api/chat", "chat", lambda m: {"model": m, "messages": []}),
    Case("embed", "POST /api/embed", "embedding", lambda m: {"model": m, "input": "hello"}),
    Case("embed-batch", "POST /api/embed", "embedding", lambda m: {"model": m, "input": ["hello", "world"]}),
    Case("embed-dimensions", "POST /api/embed", "embedding", lambda m: {"model": m, "input": "hi", "dimensions": 16}),
    Case("embeddings", "POST /api/embeddings", "embedding", lambda m: {"model": m, "prompt": "hello"}),
    Case("v1-chat", "POST /v1/chat/completions", "chat",
         lambda m: {"model": m, "messages": _msgs(), "max_tokens": 24, "temperature": 0}),
    Case("v1-chat-stream", "POST /v1/chat/completions", "chat",
         lambda m: {"model": m, "messages": _msgs(), "max_tokens": 24, "stream": True}),
    Case("v1-chat-stream-usage", "POST /v1/chat/completions", "chat", lambda m: {
        "model": m, "messages": _msgs(), "max_tokens": 24, "stream": True, "stream_options": {"include_usage": True}}),
    Case("v1-chat-json-schema", "POST /v1/chat/completions", "chat", lambda m: {
        "model": m, "messages": _msgs("A city"), "max_tokens": 40, "response_format": {
            "type": "json_schema", "json_schema": {"name": "city", "schema": {
                "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}}}),
    Case("v1-chat-thinking", "POST /v1/chat/completions", "thinking",
         lambda m: {"model": m, "messages": _msgs(), "max_tokens": 40}),
    Case("v1-chat-thinking-stream", "POST /v1/chat/completions", "thinking",
         lambda m: {"model": m, "messages": _msgs(), "max_tokens": 40, "stream": True}),
    Case("v1-completions", "POST /v1/completions", "chat", lambda m: {"model": m, "prompt": "Hello", "max_tokens": 16}),
    Case("v1-completions-stream", "POST /v1/completions", "chat",
         lambda m: {"model": m, "prompt": "Hello", "max_tokens": 16, "stream": True}),
    Case("v1-completions-stream-usage", "POST /v1/completions", "chat", lambda m: {
        "model": m, "prompt": "Hello", "max_tokens": 16, "stream": True, "stream_options": {"include_usage": True}}),
    Case("chat-tools", "POST /api/chat", "tools", lambda m: {
        "model": m, "messages": _msgs(WEATHER_PROMPT), "tools": TOOLS, "stream": False, "options": SMALL}),
    Case("chat-tools-stream", "POST /api/chat", "tools", lambda m: {
        "model": m, "messages": _msgs(WEATHER_PROMPT), "tools": TOOLS, "options": SMALL}),
    Case("v1-chat-tools", "POST /v1/chat/completions", "tools",
         lambda m: {"model": m, "messages": _msgs(WEATHER_PROMPT), "tools": TOOLS}),
    Case("v1-chat-tools-stream", "POST /v1/chat/completions", "tools",
         lambda m: {"model": m, "messages": _msgs(WEATHER_PROMPT), "tools": TOOLS, "stream": True}),
    Case("v1-responses-tools", "POST /v1/responses", "tools", lambda m: {"model": m, "input": WEATHER_PROMPT, "tools": [
        {"type": "function", "name": "get_weather", "parameters": TOOLS[0]["function"]["parameters"]}]}),
    Case("v1-messages-tools", "POST /v1/messages", "tools", lambda m: {
        "model": m, "max_tokens": 64, "messages": _msgs(WEATHER_PROMPT), "tools": [
            {"name": "get_weather", "input_schema": TOOLS[0]["function"]["parameters"]}]}),
    Case("v1-embeddings", "POST /v1/embeddings", "embedding", lambda m: {"model": m, "input": "hello"}),
    Case("v1-embeddings-batch", "POST /v1/embeddings", "embedding", lambda m: {"model": m, "input": ["a", "b"]}),
    Case("v1-embeddings-base64", "POST /v1/embeddings", "embedding",
         lambda m: {"model": m, "input": "hello", "encoding_format": "base64"}),
    Case("v1-responses", "POST /v1/responses", "chat", lambda m: {"model": m, "input": PLAIN_PROMPT, "max_output_tokens": 24}),
    Case("v1-responses-stream", "POST /v1/responses", "chat",
         lambda m: {"model": m, "input": PLAIN_PROMPT, "max_output_tokens": 24, "stream": True}),
    Case("v1-messages", "POST /v1/messages", "chat", lambda m: {"model": m, "max_tokens": 24, "messages": _msgs()}),
    Case("v1-messages-stream", "POST /v1/messages", "chat",
         lambda m: {"model": m, "max_tokens": 24, "messages": _msgs(), "stream": True}),
]


def _streams(op: dict[str, Any], body: Any) -> bool:
    stream = op.get("stream")
    if not stream or not isinstance(body, dict):
        return False
    return bool(body.get("stream", stream["default"]))


def _load_like(case: Case) -> bool:
    # Load answers are always one JSON object, even when the request streams (reference §2.1).
    return case.name.endswith("-load")


@check(id="contract.endpoint", endpoint="(per case)", category="contract")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_endpoint_contract(api, target, case: Case) -> None:
    """Status, Content-Type and body (or stream) valid against the endpoint's contract."""
    model = need(target, case.cap) if case.cap else ""
    body = case.body(model) if case.body else None
    path = (case.path or case.endpoint.split(" ", 1)[1]).replace("{model}", model)
    ex = api.request(case.method, path, body)
    op = contracts.operation(case.endpoint)
    expect_status(ex, *op["response"]["status"])
    if _streams(op, body) and not _load_like(case):
        expect_content_type(ex, op["stream"]["content_type"])
        expect_valid_stream(case.endpoint, ex.content, request=body)
        return
    if op["response"].get("content_type"):
        extra = ("application/json",) if _load_like(case) else ()
        expect_content_type(ex, op["response"]["content_type"], *extra)
    kind = op["response"]["kind"]
    if kind == "text":
        expect_equal(ex.text, op["response"]["body"], "body")
    elif kind == "json":
        expect_valid(case.endpoint, "response", body_json(ex))


@check(id="contract.head", endpoint="GET /", category="contract")
@pytest.mark.parametrize("endpoint", ["GET /", "GET /api/version", "GET /api/tags"])
def test_head_routes(api, endpoint: str) -> None:
    """The GET routes Ollama also serves for HEAD answer 200 with no body."""
    ex = api.request("HEAD", endpoint.split(" ", 1)[1])
    expect_status(ex, 200)
    expect_equal(ex.content, b"", "HEAD body")
