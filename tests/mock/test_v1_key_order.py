"""Every /v1 and Anthropic body lists its keys in Ollama's (Go struct) order, as the contracts'
response schemas record it (contracts.key_order); keys Ollama omits may be absent."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.mock_server.compat import (
    anthropic_messages,
    openai_chat,
    openai_completions,
    openai_embeddings,
    openai_models,
    openai_responses,
)
from ollama_conformance.mock_server.outcome import Chunk, RequestInfo
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.state import State

from ollama_conformance import contracts

HELLO = [{"role": "user", "content": "hi"}]
INFO = RequestInfo(endpoint="POST /v1/x", api="openai", path_params={"model": "llama3.2"})


def _bodies() -> dict[str, Any]:
    state = State(Settings(clock="2026-08-21T17:02:11Z"))
    return {
        "openai/chat.response.json": openai_chat.run(
            state, {"model": "qwen3:8b", "messages": HELLO}, INFO
        ).body,
        "openai/completions.response.json": openai_completions.run(
            state, {"model": "llama3.2", "prompt": "x"}, INFO
        ).body,
        "openai/embeddings.response.json": openai_embeddings.run(
            state, {"model": "nomic-embed-text", "input": "x"}, INFO
        ).body,
        "openai/models.response.json": openai_models.run_list(state, INFO).body,
        "openai/model.response.json": openai_models.run_retrieve(state, INFO).body,
        "openai/responses.response.json": openai_responses.run(
            state, {"model": "qwen3:8b", "input": "x"}, INFO
        ).body,
        "anthropic/messages.response.json": anthropic_messages.run(
            state, {"model": "qwen3:8b", "max_tokens": 50, "messages": HELLO}, INFO
        ).body,
        "openai/chat.chunk.json": _first_chunk(
            openai_chat.run(state, {"model": "llama3.2", "messages": HELLO, "stream": True}, INFO)
        ),
        "openai/completions.chunk.json": _first_chunk(
            openai_completions.run(state, {"model": "llama3.2", "prompt": "x", "stream": True}, INFO)
        ),
    }


def _first_chunk(stream: Any) -> dict[str, Any]:
    return next(item.body for item in stream.items if isinstance(item, Chunk))


SCHEMAS = [
    "anthropic/messages.response.json",
    "openai/chat.chunk.json",
    "openai/chat.response.json",
    "openai/completions.chunk.json",
    "openai/completions.response.json",
    "openai/embeddings.response.json",
    "openai/model.response.json",
    "openai/models.response.json",
    "openai/responses.response.json",
]


@pytest.fixture(scope="module")
def bodies() -> dict[str, Any]:
    return _bodies()


@pytest.mark.parametrize("schema_path", SCHEMAS)
def test_keys_follow_the_go_struct_order(bodies: dict[str, Any], schema_path: str) -> None:
    body = bodies[schema_path]
    order = contracts.key_order(schema_path)
    assert set(body) <= set(order), f"keys the schema does not list: {set(body) - set(order)}"
    assert list(body) == [key for key in order if key in body]
