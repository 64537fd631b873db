"""Arbitrary JSON request bodies never crash the /v1 and Anthropic layers: every answer is a
documented status in the API's envelope (no 500 with a Python message), and what the mock emits
stays valid (the autouse self-check). Hypothesis, bounded and derandomized."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(
        [
            "",
            "x",
            "llama3.2",
            "qwen3:8b",
            "gemma3:1b",
            "nomic-embed-text",
            "user",
            "assistant",
            "tool",
            "text",
            "image_url",
            "function",
            "json_object",
            "json_schema",
            "high",
            "none",
            "base64",
            "message",
            "function_call",
            "tool_use",
            "tool_result",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "role",
                    "content",
                    "text",
                    "name",
                    "arguments",
                    "function",
                    "tool_calls",
                    "id",
                    "url",
                    "image_url",
                    "input",
                    "call_id",
                    "output",
                    "source",
                    "data",
                    "effort",
                    "schema",
                    "json_schema",
                    "include_usage",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)

STR = st.sampled_from(["", "x", "high", "none", "base64", "float", "END", "json", "message", "function_call"])
OBJ = st.dictionaries(
    st.sampled_from(
        [
            "type",
            "role",
            "content",
            "text",
            "name",
            "arguments",
            "function",
            "tool_calls",
            "id",
            "image_url",
            "input",
            "call_id",
            "output",
            "source",
            "tool_use_id",
            "thinking",
        ]
    ),
    JSON,
    max_size=4,
)
# mostly well-formed messages/items with arbitrary extras, so conversion gets past the first check
MESSAGE = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "tool", "system"]),
        "content": st.one_of(st.text(max_size=8), st.lists(OBJ, max_size=2)),
    },
    optional={"tool_calls": st.lists(OBJ, max_size=2), "tool_call_id": STR, "name": STR, "type": STR},
)
OBJS = st.lists(st.one_of(MESSAGE, OBJ), max_size=3)
NUM = st.integers(-2, 50)
# Top-level types are right (the core's decoder refuses the rest before the layer runs); the
# insides are arbitrary, so the layers' own conversion code is what gets exercised.
FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "/v1/chat/completions": {
        "messages": OBJS,
        "stream": st.booleans(),
        "stream_options": OBJ,
        "max_tokens": NUM,
        "stop": st.one_of(STR, st.lists(SCALARS, max_size=2)),
        "temperature": st.floats(0, 2),
        "response_format": OBJ,
        "tools": OBJS,
        "reasoning": OBJ,
        "reasoning_effort": STR,
        "tool_choice": JSON,
    },
    "/v1/completions": {
        "prompt": STR,
        "stream": st.booleans(),
        "stream_options": OBJ,
        "max_tokens": NUM,
        "stop": st.one_of(STR, st.lists(SCALARS, max_size=2)),
        "suffix": STR,
        "logprobs": NUM,
    },
    "/v1/embeddings": {
        "input": st.one_of(STR, st.lists(SCALARS, max_size=3)),
        "encoding_format": STR,
        "dimensions": NUM,
    },
    "/v1/responses": {
        "input": st.one_of(STR, OBJS),
        "instructions": STR,
        "stream": st.booleans(),
        "tools": OBJS,
        "text": OBJ,
        "reasoning": OBJ,
        "max_output_tokens": NUM,
    },
    "/v1/messages": {
        "messages": OBJS,
        "max_tokens": st.integers(1, 40),
        "system": st.one_of(STR, OBJS),
        "stream": st.booleans(),
        "tools": OBJS,
        "thinking": OBJ,
        "output_config": OBJ,
        "stop_sequences": st.lists(STR, max_size=2),
    },
}
MODELS = st.sampled_from(["llama3.2", "qwen3:8b", "gemma3:1b", "nomic-embed-text", "nope", ""])


REQUIRED = {"/v1/chat/completions": ("messages",), "/v1/messages": ("messages", "max_tokens")}


def bodies(path: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = FIELDS[path]
    required = {name: fields[name] for name in REQUIRED.get(path, ())}
    optional = {name: value for name, value in fields.items() if name not in required}
    return st.fixed_dictionaries({"model": MODELS, **required}, optional=optional)


def _check(client: Any, path: str, body: dict[str, Any]) -> None:
    response = client.post(path, json=body)
    assert response.status_code in (200, 400, 404, 500), response.text
    if response.status_code == 200:
        return
    payload = response.json()
    message = payload["error"]["message"]
    if response.status_code == 500:
        # only Ollama's own 500s: option type errors and invalid formats, raised by the native core
        assert message.startswith(("option ", "invalid format: ")), message


def _property(path: str) -> Any:
    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(body=bodies(path))
    def check(asgi_client: Any, body: dict[str, Any]) -> None:
        _check(asgi_client, path, body)

    return check


test_chat_bodies = _property("/v1/chat/completions")
test_completions_bodies = _property("/v1/completions")
test_embeddings_bodies = _property("/v1/embeddings")
test_responses_bodies = _property("/v1/responses")
test_messages_bodies = _property("/v1/messages")
