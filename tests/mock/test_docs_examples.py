"""Every example request of Ollama's own documentation, as a new user would copy it, sent to the mock.

The pages (ollama/ollama): docs/api.md, docs/api/openai-compatibility.mdx (and the older
docs/openai.md), docs/api/anthropic-compatibility.mdx, docs/api/streaming.mdx, docs/api/errors.mdx,
docs/api/usage.mdx, docs/capabilities/{tool-calling,thinking,structured-outputs,streaming,
embeddings,vision}.mdx. The request bodies below are our transcription of those examples; the
assertions are what the docs say about the answer, corrected where Ollama's source (the reference,
../shared/reference/ollama-api.md) says otherwise; each correction names the reference section.

Model names: a docs model the mock's catalogue does not have (codellama:code, llama3.1, mistral,
llava, qwen3, gpt-oss, gemma3, gemma4, embeddinggemma, qwen3-coder, ...) gets what Ollama gives for
a model that is not installed (`test_docs_model_not_installed`); the example then runs with the
catalogue's equivalent (`DOCS_MODEL_EQUIVALENT`). Every body is also checked against the request
contracts, and every answer against the response contracts (explicitly, besides the self-check).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema
import pytest

from ollama_conformance import contracts

# A 1x1 PNG stands in for the docs' 5 KB base64 picture (any valid base64 image does).
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

# docs model -> the catalogue's equivalent (same capabilities: tools, thinking, vision, insert, embedding)
DOCS_MODEL_EQUIVALENT = {
    "codellama:code": "qwen2.5-coder:1.5b",  # insert (suffix)
    "llama3.1:8b": "llama3.2",
    "llama3.1": "llama3.2",
    "mistral": "llama3.2",
    "llava": "llava:7b",  # vision
    "qwen3": "qwen3:8b",  # tools + thinking
    "qwen3-vl:8b": "llava:7b",
    "gpt-oss": "qwen3:8b",  # thinking
    "gpt-oss:20b": "qwen3:8b",
    "gemma3": "gemma3:1b",
    "gemma4": "llava:7b",  # the vision page's model
    "deepseek-r1": "qwen3:8b",
    "embeddinggemma": "nomic-embed-text",
    "qwen3-coder": "llama3.2",  # tools, no thinking: message.content[0] is the text block, as the docs read it
}

WEATHER_TOOL = {  # docs/api.md "Chat request (Streaming with tools)" and the three after it
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather in a given city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city to get the weather for"}},
            "required": ["city"],
        },
    },
}
CURRENT_WEATHER_TOOL = {  # docs/api.md "Chat request (with tools)"
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather for a location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The location to get the weather for, e.g. San Francisco, CA",
                },
                "format": {
                    "type": "string",
                    "description": "The format to return the weather in, e.g. 'celsius' or 'fahrenheit'",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location", "format"],
        },
    },
}


def city_tool(name: str, description: str) -> dict[str, Any]:
    """docs/capabilities/tool-calling.mdx's get_temperature / get_conditions."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "required": ["city"],
                "properties": {"city": {"type": "string", "description": "The name of the city"}},
            },
        },
    }


TEMPERATURE_TOOL = city_tool("get_temperature", "Get the current temperature for a city")
CONDITIONS_TOOL = city_tool("get_conditions", "Get the current weather conditions for a city")
AGE_SCHEMA = {
    "type": "object",
    "properties": {"age": {"type": "integer"}, "available": {"type": "boolean"}},
    "required": ["age", "available"],
}
COUNTRY_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "capital": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "capital", "languages"],
}
COUNTRIES_SCHEMA = {  # docs/openapi.yaml's "Structured outputs" samples
    "type": "object",
    "properties": {
        "countries": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"country": {"type": "string"}, "population": {"type": "integer"}},
                "required": ["country", "population"],
            },
        },
    },
    "required": ["countries"],
}
ANTHROPIC_WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather in a location",
    "input_schema": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city and state"}},
        "required": ["location"],
    },
}
METRICS = ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count",
           "eval_duration")
GENERATE_FINAL_KEYS = ["model", "created_at", "response", "done", "done_reason", "context", *METRICS]
CHAT_FINAL_KEYS = ["model", "created_at", "message", "done", "done_reason", *METRICS]


@dataclass(frozen=True)
class Example:
    id: str
    page: str
    method: str
    path: str
    body: dict[str, Any] | None
    check: Callable[[httpx.Response], Any]
    stream: bool = False  # the answer streams: sent over real uvicorn, read record by record
    setup: tuple[tuple[str, str, dict[str, Any]], ...] = field(default=())  # requests to send first

    @property
    def docs_model(self) -> str | None:
        return (self.body or {}).get("model")

    def for_mock(self) -> dict[str, Any] | None:
        """The body with the docs' models (model, create's from) replaced by the catalogue's equivalents."""
        if self.body is None:
            return None
        return {key: DOCS_MODEL_EQUIVALENT.get(value, value) if key in ("model", "from") and isinstance(value, str)
                else value for key, value in self.body.items()}


# ---------------------------------------------------------------------------------------------
# what the docs say about each answer


def ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.text.endswith("\n") and "\n\n" not in response.text
    return [json.loads(line) for line in response.text.splitlines()]


def sse(response: httpx.Response) -> list[tuple[str | None, Any]]:
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n")[:-1]:
        event = next((line[7:] for line in block.split("\n") if line.startswith("event: ")), None)
        data = next(line[6:] for line in block.split("\n") if line.startswith("data: "))
        events.append((event, data if data == "[DONE]" else json.loads(data)))
    return events


def single(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def metrics_ok(record: dict[str, Any]) -> None:
    """docs/api/usage.mdx: the six metrics, nanoseconds and token counts, on the final record."""
    assert all(isinstance(record[k], int) and record[k] > 0 for k in METRICS), record


def generate_stream(model: str) -> Callable[[httpx.Response], None]:
    """docs/api.md "Generate request (Streaming)": {model, created_at, response, done:false} records,
    then a final record with context and the metrics."""

    def check(response: httpx.Response) -> None:
        records = ndjson(response)
        for record in records[:-1]:
            assert list(record) == ["model", "created_at", "response", "done"]
            assert record["model"] == model and record["done"] is False and isinstance(record["response"], str)
        final = records[-1]
        assert final["done"] is True and final["done_reason"] == "stop"
        assert all(isinstance(t, int) for t in final["context"])
        metrics_ok(final)
        assert "".join(r["response"] for r in records)

    return check


def generate_single(*, keys: list[str] | None = None, answer: Callable[[str], Any] | None = None,
                    model: str | None = None) -> Callable[[httpx.Response], None]:
    """docs/api.md "Request (No streaming)": one object with the whole response. The docs leave
    done_reason out of most examples; Ollama sends it (reference §1.4)."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        assert list(body) == (keys or GENERATE_FINAL_KEYS)
        assert body["done"] is True and body["done_reason"] == "stop" and body["response"]
        if model:
            assert body["model"] == model
        metrics_ok(body)
        if answer:
            answer(body["response"])

    return check


def json_object(text: str) -> None:
    assert isinstance(json.loads(text), dict)


def fits(schema: dict[str, Any]) -> Callable[[str], None]:
    def check(text: str) -> None:
        jsonschema.validate(json.loads(text), schema)

    return check


def load_answer(done_reason: str, *, chat: bool) -> Callable[[httpx.Response], None]:
    """docs/api.md "Load a model" / "Unload a model": a single JSON object, whatever stream says.
    The docs show the generate load answer without done_reason; Ollama sends "load" (§0.12 item 1)."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        # the docs' chat answers put done_reason before done: the struct order before v0.12.6 (§1.5)
        assert list(body)[-2:] == ["done", "done_reason"]
        if chat:
            assert body == {"model": "llama3.2", "created_at": body["created_at"],
                            "message": {"role": "assistant", "content": ""}, "done": True,
                            "done_reason": done_reason}
        else:
            assert body == {"model": "llama3.2", "created_at": body["created_at"], "response": "",
                            "done": True, "done_reason": done_reason}

    return check


def chat_stream(*, tool_call: tuple[str, dict[str, Any]] | None = None) -> Callable[[httpx.Response], None]:
    """docs/api.md "Chat request (Streaming)": {model, created_at, message:{role, content}, done}
    records; the docs' `"images": null` is not sent (reference §0.12 item 2). With tools, the call
    comes in a record of its own and the final record's message is empty, done_reason "stop"."""

    def check(response: httpx.Response) -> None:
        records = ndjson(response)
        for record in records[:-1]:
            assert list(record) == ["model", "created_at", "message", "done"] and record["done"] is False
            assert record["message"]["role"] == "assistant" and isinstance(record["message"]["content"], str)
            assert "images" not in record["message"]
        final = records[-1]
        assert list(final) == CHAT_FINAL_KEYS and final["done_reason"] == "stop"
        assert final["message"] == {"role": "assistant", "content": ""}
        metrics_ok(final)
        if tool_call is None:
            assert "".join(r["message"]["content"] for r in records)
            return
        calls = [c for r in records for c in r["message"].get("tool_calls", [])]
        assert [(c["function"]["name"], c["function"]["arguments"]) for c in calls] == [tool_call]
        assert calls[0]["function"]["index"] == 0 and calls[0]["id"].startswith("call_")  # §1.5
        with_call = next(r for r in records if r["message"].get("tool_calls"))
        assert with_call["message"]["content"] == "" and with_call["done"] is False

    return check


def chat_single(*, content: Callable[[str], Any] | None = None,
                tool_calls: list[tuple[str, Callable[[dict[str, Any]], bool]]] | None = None,
                thinking: bool | None = None) -> Callable[[httpx.Response], None]:
    """docs/api.md "Chat request (No streaming)" and the pages that build on it."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        assert list(body) == CHAT_FINAL_KEYS and body["done"] is True and body["done_reason"] == "stop"
        message = body["message"]
        assert message["role"] == "assistant"
        metrics_ok(body)
        if thinking is not None:
            assert bool(message.get("thinking")) is thinking
        if tool_calls is None:
            assert message["content"] and "tool_calls" not in message
            if content:
                content(message["content"])
            return
        assert message["content"] == ""  # the docs' tool-call answers
        calls = message["tool_calls"]
        assert len(calls) == len(tool_calls)
        for index, (call, (name, arguments_ok)) in enumerate(zip(calls, tool_calls, strict=True)):
            assert call["function"]["name"] == name and arguments_ok(call["function"]["arguments"]), call
            assert call["function"]["index"] == index and call["id"].startswith("call_")  # §1.5, since v0.12.10

    return check


def says(*parts: str) -> Callable[[str], None]:
    def check(text: str) -> None:
        assert all(part in text for part in parts), text

    return check


def progress(first: str, last: str = "success", *, having: tuple[str, ...] = (),
             not_having: tuple[str, ...] = ()) -> Callable[[httpx.Response], None]:
    """Pull, push and create: ProgressResponse lines ending in {"status":"success"} (§2.3); the first
    status starts with `first`."""

    def check(response: httpx.Response) -> None:
        records = ndjson(response)
        statuses = [r.get("status") for r in records]
        assert str(statuses[0]).startswith(first) and records[-1] == {"status": last}, records
        assert all(s in statuses for s in having), statuses
        assert not any(s in statuses for s in not_having), statuses

    return check


def embed(count: int, dims: int) -> Callable[[httpx.Response], None]:
    """docs/api.md "Generate Embeddings" + docs/capabilities/embeddings.mdx: one L2-normalised vector
    per input, with total_duration, load_duration and prompt_eval_count."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        assert list(body) == ["model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"]
        assert len(body["embeddings"]) == count and all(len(v) == dims for v in body["embeddings"])
        assert all(math.isclose(math.hypot(*v), 1.0, rel_tol=1e-4) for v in body["embeddings"])

    return check


def openai_chat(*, reasoning: bool = False) -> Callable[[httpx.Response], None]:
    """openai-compatibility.mdx: print(chat_completion.choices[0].message.content)."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        assert body["object"] == "chat.completion" and body["system_fingerprint"] == "fp_ollama"
        assert len(body["choices"]) == 1 and body["choices"][0]["finish_reason"] == "stop"
        message = body["choices"][0]["message"]
        assert message["role"] == "assistant" and isinstance(message["content"], str) and message["content"]
        assert bool(message.get("reasoning")) is reasoning  # `reasoning`, not reasoning_content (§2.4)
        usage = body["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0

    return check


def responses_text(response: httpx.Response) -> None:
    """openai-compatibility.mdx: print(responses_result.output_text): the SDK joins the output_text
    parts of the message items."""
    body = single(response)
    assert body["object"] == "response" and body["status"] == "completed"
    text = "".join(part["text"] for item in body["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")
    assert text


def anthropic_message(*, tool: tuple[str, dict[str, Any]] | None = None) -> Callable[[httpx.Response], None]:
    """anthropic-compatibility.mdx: message.content[0].text, or the tool_use blocks' name and input."""

    def check(response: httpx.Response) -> None:
        body = single(response)
        assert body["type"] == "message" and body["role"] == "assistant" and body["id"].startswith("msg_")
        assert set(body["usage"]) == {"input_tokens", "output_tokens"}
        if tool is None:
            assert body["content"][0]["type"] == "text" and body["content"][0]["text"]
            assert body["stop_reason"] == "end_turn"
        else:
            uses = [(b["name"], b["input"]) for b in body["content"] if b["type"] == "tool_use"]
            assert uses == [tool] and body["stop_reason"] == "tool_use"

    return check


def anthropic_stream(response: httpx.Response) -> None:
    """anthropic-compatibility.mdx's streaming example reads content_block_delta / text_delta."""
    events = sse(response)
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert all(name == data["type"] for name, data in events)
    text = "".join(d["delta"]["text"] for n, d in events
                   if n == "content_block_delta" and d["delta"]["type"] == "text_delta")
    assert text


def _assert(condition: Any, context: str) -> bool:
    assert condition, context[:2000]
    return True


def _all(*checks: Any) -> None:
    """Runs checks written as expressions (each asserts as it is evaluated)."""


def _tags(body: dict[str, Any]) -> None:
    """docs/api.md "List Local Models"; capabilities came in v0.30.0, after the docs' example (§1.11)."""
    assert body["models"]
    for entry in body["models"]:
        assert list(entry) == ["name", "model", "modified_at", "size", "digest", "details", "capabilities"]
        assert len(entry["digest"]) == 64 and entry["name"] == entry["model"] and entry["name"].count(":") == 1
        assert list(entry["details"])[:6] == ["parent_model", "format", "family", "families", "parameter_size",
                                              "quantization_level"]


def status_only(status: int, body: Any = "") -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        assert response.status_code == status, response.text
        assert (response.text if isinstance(body, str) else response.json()) == body

    return check


def native_error(status: int, message: str) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        assert single(response, status) == {"error": message}

    return check


# ---------------------------------------------------------------------------------------------
# the examples

EXAMPLES: list[Example] = [
    # docs/api.md: Generate a completion
    Example("generate-stream", "api.md", "POST", "/api/generate",
            {"model": "llama3.2", "prompt": "Why is the sky blue?"}, generate_stream("llama3.2"), stream=True),
    Example("generate-no-stream", "api.md", "POST", "/api/generate",
            {"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": False}, generate_single(model="llama3.2")),
    Example("generate-suffix", "api.md", "POST", "/api/generate",
            {"model": "codellama:code", "prompt": "def compute_gcd(a, b):", "suffix": "    return result",
             "options": {"temperature": 0}, "stream": False}, generate_single(model="qwen2.5-coder:1.5b")),
    Example("generate-structured", "api.md", "POST", "/api/generate",
            {"model": "llama3.1:8b",
             "prompt": "Ollama is 22 years old and is busy saving the world. Respond using JSON",
             "stream": False, "format": AGE_SCHEMA}, generate_single(answer=fits(AGE_SCHEMA))),
    Example("generate-json-mode", "api.md", "POST", "/api/generate",
            {"model": "llama3.2", "prompt": "What color is the sky at different times of the day? Respond using JSON",
             "format": "json", "stream": False}, generate_single(answer=json_object)),
    Example("generate-images", "api.md", "POST", "/api/generate",
            {"model": "llava", "prompt": "What is in this picture?", "stream": False, "images": [PNG]},
            generate_single(model="llava:7b")),
    # "raw mode will not return a context"
    Example("generate-raw", "api.md", "POST", "/api/generate",
            {"model": "mistral", "prompt": "[INST] why is the sky blue? [/INST]", "raw": True, "stream": False},
            generate_single(keys=[k for k in GENERATE_FINAL_KEYS if k != "context"])),
    Example("generate-seed", "api.md", "POST", "/api/generate",
            {"model": "mistral", "prompt": "Why is the sky blue?", "options": {"seed": 123}},
            generate_stream("llama3.2"), stream=True),
    # every option the example sets (penalize_newline and numa are ignored: §0.8), num_predict and stop honoured
    Example("generate-options", "api.md", "POST", "/api/generate",
            {"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": False,
             "options": {"num_keep": 5, "seed": 42, "num_predict": 100, "top_k": 20, "top_p": 0.9, "min_p": 0.0,
                         "typical_p": 0.7, "repeat_last_n": 33, "temperature": 0.8, "repeat_penalty": 1.2,
                         "presence_penalty": 1.5, "frequency_penalty": 1.0, "penalize_newline": True,
                         "stop": ["\n", "user:"], "numa": False, "num_ctx": 1024, "num_batch": 2, "num_gpu": 1,
                         "main_gpu": 0, "use_mmap": True, "num_thread": 8}},
            generate_single(answer=lambda text: _assert("\n" not in text and "user:" not in text, text))),
    Example("generate-load", "api.md", "POST", "/api/generate", {"model": "llama3.2"},
            load_answer("load", chat=False)),
    Example("generate-unload", "api.md", "POST", "/api/generate", {"model": "llama3.2", "keep_alive": 0},
            load_answer("unload", chat=False)),
    # docs/api.md: Generate a chat completion
    Example("chat-stream", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "why is the sky blue?"}]},
            chat_stream(), stream=True),
    Example("chat-stream-tools", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "what is the weather in tokyo?"}],
             "tools": [WEATHER_TOOL], "stream": True},
            chat_stream(tool_call=("get_weather", {"city": "Tokyo"})), stream=True),
    Example("chat-no-stream", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "why is the sky blue?"}], "stream": False},
            chat_single()),
    Example("chat-no-stream-tools", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "what is the weather in tokyo?"}],
             "tools": [WEATHER_TOOL], "stream": False},
            chat_single(tool_calls=[("get_weather", lambda a: a == {"city": "Tokyo"})])),
    Example("chat-structured", "api.md", "POST", "/api/chat",
            {"model": "llama3.1", "messages": [{"role": "user", "content": "Ollama is 22 years old and busy saving "
                                                "the world. Return a JSON object with the age and availability."}],
             "stream": False, "format": AGE_SCHEMA, "options": {"temperature": 0}},
            chat_single(content=fits(AGE_SCHEMA))),
    Example("chat-history", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [
                {"role": "user", "content": "why is the sky blue?"},
                {"role": "assistant", "content": "due to rayleigh scattering."},
                {"role": "user", "content": "how is that different than mie scattering?"}]},
            chat_stream(), stream=True),
    # the docs' body has `//` comments (not JSON: see test_docs_body_with_comments_is_refused); without them:
    Example("chat-history-tools", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [
                {"role": "user", "content": "what is the weather in Toronto?"},
                {"role": "assistant", "content": "",
                 "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Toronto"}}}]},
                {"role": "tool", "content": "11 degrees celsius", "tool_name": "get_weather"}],
             "stream": False, "tools": [WEATHER_TOOL]},
            chat_single(content=says("11 degrees celsius"))),
    Example("chat-images", "api.md", "POST", "/api/chat",
            {"model": "llava", "messages": [{"role": "user", "content": "what is in this image?", "images": [PNG]}]},
            chat_stream(), stream=True),
    Example("chat-seed", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "Hello!"}],
             "options": {"seed": 101, "temperature": 0}}, chat_stream(), stream=True),
    Example("chat-tools", "api.md", "POST", "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "What is the weather today in Paris?"}],
             "stream": False, "tools": [CURRENT_WEATHER_TOOL]},
            chat_single(tool_calls=[("get_current_weather", lambda a: list(a) == ["location", "format"]
                                     and "Paris" in a["location"] and a["format"] in ("celsius", "fahrenheit"))])),
    Example("chat-load", "api.md", "POST", "/api/chat", {"model": "llama3.2", "messages": []},
            load_answer("load", chat=True)),
    Example("chat-unload", "api.md", "POST", "/api/chat", {"model": "llama3.2", "messages": [], "keep_alive": 0},
            load_answer("unload", chat=True)),
    # docs/api.md: create, blobs, tags, show, copy, delete, pull, push, embed, ps, embeddings, version.
    # The docs' create statuses ("reading model metadata", "creating system layer", "using already
    # created layer") are from the old create; Ollama says "using existing layer" / "creating new
    # layer" (§0.12 item 3).
    Example("create-from-model", "api.md", "POST", "/api/create",
            {"model": "mario", "from": "llama3.2", "system": "You are Mario from Super Mario Bros."},
            progress("using existing layer sha256:9cad85b46c7a6dd42701b0d61a41c7a50b82027ac6068431c9c21dc87a8c37a2",
                     having=("writing manifest",), not_having=("reading model metadata", "creating system layer"))),
    # "from" a model Ollama has nowhere: it pulls it first, and the pull fails in the stream (§1.8)
    Example("create-quantize-unknown-from", "api.md", "POST", "/api/create",
            {"model": "llama3.2:quantized", "from": "llama3.2:3b-instruct-fp16", "quantize": "q4_K_M"},
            lambda r: _assert(ndjson(r) == [{"status": "pulling manifest"},
                                            {"error": "pull model manifest: file does not exist"}], r.text)),
    # the same with an F16 model the mock has (all-minilm, pulled first); the docs' digest "0" is
    # "0000000000000000000" in Ollama (§2.3)
    Example("create-quantize", "api.md", "POST", "/api/create",
            {"model": "minilm:quantized", "from": "all-minilm", "quantize": "q4_K_M"},
            progress("quantizing F16 model to Q4_K_M", having=("verifying conversion", "writing manifest")),
            setup=(("POST", "/api/pull", {"model": "all-minilm", "stream": False}),)),
    Example("blob-head-missing", "api.md", "HEAD",
            "/api/blobs/sha256:29fdb92e57cf0827ded04ae6461b5931d01fa595843f55d36f5b275a52087dd2", None,
            status_only(404)),
    Example("tags", "api.md", "GET", "/api/tags", None,
            lambda r: _tags(single(r))),
    Example("show", "api.md", "POST", "/api/show", {"model": "llava"},
            lambda r: _show_llava(single(r))),
    Example("copy", "api.md", "POST", "/api/copy", {"source": "llama3.2", "destination": "llama3-backup"},
            status_only(200)),
    Example("copy-missing", "api.md", "POST", "/api/copy", {"source": "nope", "destination": "llama3-backup"},
            native_error(404, 'model "nope" not found')),
    Example("delete-missing", "api.md", "DELETE", "/api/delete", {"model": "llama3:13b"},
            native_error(404, "model 'llama3:13b' not found")),
    Example("delete", "api.md", "DELETE", "/api/delete", {"model": "llama3-backup"}, status_only(200),
            setup=(("POST", "/api/copy", {"source": "llama3.2", "destination": "llama3-backup"}),)),
    # the docs' "removing any unused layers" is "removing unused layers", only when an older manifest is replaced (§0.12 item 4)
    Example("pull-stream", "api.md", "POST", "/api/pull", {"model": "llama3.2"},
            progress("pulling manifest", having=("verifying sha256 digest", "writing manifest"),
                     not_having=("removing any unused layers",))),
    Example("pull-no-stream", "api.md", "POST", "/api/pull", {"model": "all-minilm", "stream": False},
            lambda r: _assert(single(r) == {"status": "success"}, r.text)),
    # the docs' "starting upload" is "pushing <12 hex>" in Ollama (§0.12 item 5); the docs' model is not local
    Example("push-not-local", "api.md", "POST", "/api/push", {"model": "mattw/pygmalion:latest"},
            lambda r: _assert([x.get("status") for x in ndjson(r)] == [
                "retrieving manifest", "couldn't retrieve manifest", None] and "error" in ndjson(r)[-1], r.text)),
    Example("push", "api.md", "POST", "/api/push", {"model": "mattw/pygmalion:latest"},
            progress("retrieving manifest", having=("pushing 9cad85b46c7a", "pushing manifest"),
                     not_having=("starting upload",)),
            setup=(("POST", "/api/copy", {"source": "llama3.2", "destination": "mattw/pygmalion:latest"}),)),
    Example("embed", "api.md", "POST", "/api/embed", {"model": "all-minilm", "input": "Why is the sky blue?"},
            embed(1, 384), setup=(("POST", "/api/pull", {"model": "all-minilm", "stream": False}),)),
    Example("embed-multiple", "api.md", "POST", "/api/embed",
            {"model": "all-minilm", "input": ["Why is the sky blue?", "Why is the grass green?"]},
            embed(2, 384), setup=(("POST", "/api/pull", {"model": "all-minilm", "stream": False}),)),
    Example("ps", "api.md", "GET", "/api/ps", None,
            lambda r: _assert([list(m) for m in single(r)["models"]] == [[
                "name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length"]], r.text),
            setup=(("POST", "/api/generate", {"model": "llama3.2"}),)),
    Example("embeddings-legacy", "api.md", "POST", "/api/embeddings",
            {"model": "all-minilm", "prompt": "Here is an article about llamas..."},
            lambda r: _assert(list(single(r)) == ["embedding"] and len(r.json()["embedding"]) == 384
                              and not math.isclose(math.hypot(*r.json()["embedding"]), 1.0, rel_tol=1e-3),  # §1.7
                              r.text),
            setup=(("POST", "/api/pull", {"model": "all-minilm", "stream": False}),)),
    Example("version", "api.md", "GET", "/api/version", None,
            lambda r: _assert(list(single(r)) == ["version"] and isinstance(r.json()["version"], str), r.text)),
    # docs/api/streaming.mdx, errors.mdx (the fault header stands in for the model failing), usage.mdx
    Example("streaming-page", "api/streaming.mdx", "POST", "/api/generate",
            {"model": "gemma3", "prompt": "Why is the sky blue?"}, generate_stream("gemma3:1b"), stream=True),
    Example("streaming-page-off", "api/streaming.mdx", "POST", "/api/generate",
            {"model": "gemma3", "prompt": "Why is the sky blue?", "stream": False},
            generate_single(model="gemma3:1b")),
    Example("usage-page", "api/usage.mdx", "POST", "/api/generate",
            {"model": "gemma4", "prompt": "Hello", "stream": False}, generate_single(model="llava:7b")),
    # docs/capabilities/tool-calling.mdx
    Example("tools-single", "capabilities/tool-calling.mdx", "POST", "/api/chat",
            {"model": "qwen3", "messages": [{"role": "user", "content": "What is the temperature in New York?"}],
             "stream": False, "tools": [TEMPERATURE_TOOL]},
            chat_single(tool_calls=[("get_temperature", lambda a: a == {"city": "New York"})], thinking=True)),
    # the follow-up: an assistant turn with tool_calls and no content, then the tool's result
    Example("tools-single-result", "capabilities/tool-calling.mdx", "POST", "/api/chat",
            {"model": "qwen3", "messages": [
                {"role": "user", "content": "What is the temperature in New York?"},
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                    "index": 0, "name": "get_temperature", "arguments": {"city": "New York"}}}]},
                {"role": "tool", "tool_name": "get_temperature", "content": "22°C"}], "stream": False},
            chat_single(content=lambda text: None, thinking=True)),
    # Ollama's model may call both tools for both cities; the mock calls the one tool the message
    # names for each city (one tool per turn: report)
    Example("tools-parallel", "capabilities/tool-calling.mdx", "POST", "/api/chat",
            {"model": "qwen3", "messages": [{"role": "user", "content": "What are the current weather conditions and "
                                             "temperature in New York and London?"}],
             "stream": False, "tools": [TEMPERATURE_TOOL, CONDITIONS_TOOL]},
            chat_single(tool_calls=[("get_temperature", lambda a: a == {"city": "New York"}),
                                    ("get_temperature", lambda a: a == {"city": "London"})], thinking=True)),
    Example("tools-parallel-results", "capabilities/tool-calling.mdx", "POST", "/api/chat",
            {"model": "qwen3", "messages": [
                {"role": "user", "content": "What are the current weather conditions and temperature in New York "
                                            "and London?"},
                {"role": "assistant", "tool_calls": [
                    {"type": "function", "function": {"index": 0, "name": "get_temperature", "arguments": {"city": "New York"}}},
                    {"type": "function", "function": {"index": 1, "name": "get_conditions", "arguments": {"city": "New York"}}},
                    {"type": "function", "function": {"index": 2, "name": "get_temperature", "arguments": {"city": "London"}}},
                    {"type": "function", "function": {"index": 3, "name": "get_conditions", "arguments": {"city": "London"}}}]},
                {"role": "tool", "tool_name": "get_temperature", "content": "22°C"},
                {"role": "tool", "tool_name": "get_conditions", "content": "Partly cloudy"},
                {"role": "tool", "tool_name": "get_temperature", "content": "15°C"},
                {"role": "tool", "tool_name": "get_conditions", "content": "Rainy"}], "stream": False},
            chat_single(content=lambda text: None, thinking=True)),
    # docs/capabilities/thinking.mdx
    Example("thinking", "capabilities/thinking.mdx", "POST", "/api/chat",
            {"model": "qwen3", "messages": [{"role": "user", "content": "How many letter r are in strawberry?"}],
             "think": True, "stream": False}, chat_single(thinking=True)),
    # the page says show has a top-level `thinking` object; the reference's ShowResponse (§1.12) has none
    Example("thinking-show", "capabilities/thinking.mdx", "POST", "/api/show", {"model": "gpt-oss"},
            lambda r: _assert("thinking" in single(r)["capabilities"] and "thinking" not in r.json(), r.text)),
    # docs/capabilities/structured-outputs.mdx
    Example("structured-json", "capabilities/structured-outputs.mdx", "POST", "/api/chat",
            {"model": "gpt-oss", "messages": [{"role": "user", "content": "Tell me about Canada in one line"}],
             "stream": False, "format": "json"}, chat_single(content=json_object, thinking=True)),
    Example("structured-schema", "capabilities/structured-outputs.mdx", "POST", "/api/chat",
            {"model": "gpt-oss", "messages": [{"role": "user", "content": "Tell me about Canada."}],
             "stream": False, "format": COUNTRY_SCHEMA}, chat_single(content=fits(COUNTRY_SCHEMA), thinking=True)),
    # docs/capabilities/embeddings.mdx
    Example("embeddings-page", "capabilities/embeddings.mdx", "POST", "/api/embed",
            {"model": "embeddinggemma", "input": "The quick brown fox jumps over the lazy dog."}, embed(1, 768)),
    Example("embeddings-page-batch", "capabilities/embeddings.mdx", "POST", "/api/embed",
            {"model": "embeddinggemma", "input": ["First sentence", "Second sentence", "Third sentence"]},
            embed(3, 768)),
    # docs/capabilities/vision.mdx (the docs' "$IMG" is a base64 JPEG of a cat)
    Example("vision-page", "capabilities/vision.mdx", "POST", "/api/chat",
            {"model": "gemma4", "messages": [{"role": "user", "content": "What is in this image?", "images": [PNG]}],
             "stream": False}, chat_single()),
    # docs/openapi.yaml's x-codeSamples (the API reference pages), gemma4 -> llava:7b
    Example("openapi-generate-options", "openapi.yaml", "POST", "/api/generate",
            {"model": "gemma4", "prompt": "Why is the sky blue?", "options": {"temperature": 0.8, "top_p": 0.9, "seed": 42}},
            generate_stream("llava:7b"), stream=True),
    Example("openapi-generate-structured", "openapi.yaml", "POST", "/api/generate",
            {"model": "gemma4", "prompt": "What are the populations of the United States and Canada?", "stream": False,
             "format": COUNTRIES_SCHEMA}, generate_single(answer=fits(COUNTRIES_SCHEMA))),
    Example("openapi-chat-structured", "openapi.yaml", "POST", "/api/chat",
            {"model": "gemma4", "messages": [{"role": "user", "content": "What are the populations of the United "
                                              "States and Canada?"}], "stream": False, "format": COUNTRIES_SCHEMA},
            chat_single(content=fits(COUNTRIES_SCHEMA))),
    Example("openapi-chat-tools", "openapi.yaml", "POST", "/api/chat",
            {"model": "qwen3", "messages": [{"role": "user", "content": "What is the weather today in Paris?"}],
             "stream": False, "tools": [CURRENT_WEATHER_TOOL]},
            chat_single(tool_calls=[("get_current_weather", lambda a: a["location"] == "Paris"
                                     and a["format"] in ("celsius", "fahrenheit"))], thinking=True)),
    # a think level: accepted by a thinking model (the sample's gpt-oss, here qwen3:8b), thinking streamed
    Example("openapi-chat-think-low", "openapi.yaml", "POST", "/api/chat",
            {"model": "gpt-oss", "messages": [{"role": "user", "content": "What is 1+1?"}], "think": "low"},
            lambda r: _assert(any(x["message"].get("thinking") for x in ndjson(r)), r.text), stream=True),
    Example("openapi-embed-truncate", "openapi.yaml", "POST", "/api/embed",
            {"model": "embeddinggemma", "input": "Generate embeddings for this text", "truncate": True}, embed(1, 768)),
    # dimensions cuts the vector and normalises it again (§1.6)
    Example("openapi-embed-dimensions", "openapi.yaml", "POST", "/api/embed",
            {"model": "embeddinggemma", "input": "Generate embeddings for this text", "dimensions": 128}, embed(1, 128)),
    Example("openapi-show-verbose", "openapi.yaml", "POST", "/api/show", {"model": "gemma4", "verbose": True},
            lambda r: _assert(isinstance(single(r)["model_info"]["tokenizer.ggml.tokens"], list)
                              and r.json()["model_info"]["tokenizer.ggml.tokens"], r.text)),
    Example("openapi-create", "openapi.yaml", "POST", "/api/create",
            {"from": "gemma4", "model": "alpaca", "system": "You are Alpaca, a helpful AI assistant. You only answer with Emojis."},
            progress("using existing layer sha256:", having=("writing manifest",))),
    Example("openapi-pull", "openapi.yaml", "POST", "/api/pull", {"model": "gemma4", "stream": False},
            lambda r: _assert(single(r) == {"status": "success"}, r.text)),
    # the sample's model is not local: with stream false the error is the whole answer, a 500 (§1.16)
    Example("openapi-push-not-local", "openapi.yaml", "POST", "/api/push",
            {"model": "my-username/my-model", "stream": False},
            native_error(500, "open /root/.ollama/models/manifests/registry.ollama.ai/my-username/my-model/latest: "
                              "no such file or directory")),
    # docs/api/openai-compatibility.mdx (and docs/openai.md)
    Example("openai-basic", "api/openai-compatibility.mdx", "POST", "/v1/chat/completions",
            {"model": "gpt-oss:20b", "messages": [{"role": "user", "content": "Say this is a test"}]},
            openai_chat(reasoning=True)),
    Example("openai-responses", "api/openai-compatibility.mdx", "POST", "/v1/responses",
            {"model": "qwen3:8b", "input": "Write a short poem about the color blue"}, responses_text),
    # the Python/JS vision examples send image_url as a plain string, the curl one as {"url": ...}
    Example("openai-vision-string", "api/openai-compatibility.mdx", "POST", "/v1/chat/completions",
            {"model": "qwen3-vl:8b", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "What's in this image?"},
                {"type": "image_url", "image_url": "data:image/png;base64," + PNG}]}], "max_tokens": 300},
            openai_chat()),
    Example("openai-vision-object", "api/openai-compatibility.mdx", "POST", "/v1/chat/completions",
            {"model": "llava", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "What's in this image?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PNG}}]}], "max_tokens": 300},
            openai_chat()),
    Example("openai-system", "api/openai-compatibility.mdx", "POST", "/v1/chat/completions",
            {"model": "llama3.2", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                               {"role": "user", "content": "Hello!"}]}, openai_chat()),
    Example("openai-completions", "api/openai-compatibility.mdx", "POST", "/v1/completions",
            {"model": "llama3.2", "prompt": "Say this is a test"},
            lambda r: _assert(single(r)["object"] == "text_completion" and r.json()["choices"][0]["text"]
                              and r.json()["choices"][0]["finish_reason"] == "stop", r.text)),
    Example("openai-models", "api/openai-compatibility.mdx", "GET", "/v1/models", None,
            lambda r: _assert(single(r)["object"] == "list" and all(
                list(m) == ["id", "object", "created", "owned_by"] and m["owned_by"] == "library"
                for m in r.json()["data"]), r.text)),
    # "created corresponds to when the model was last modified", the id is the path as sent (§3.4)
    Example("openai-model", "api/openai-compatibility.mdx", "GET", "/v1/models/llama3.2", None,
            lambda r: _assert(single(r)["id"] == "llama3.2" and r.json()["owned_by"] == "library", r.text)),
    Example("openai-embeddings", "api/openai-compatibility.mdx", "POST", "/v1/embeddings",
            {"model": "all-minilm", "input": ["why is the sky blue?", "why is the grass green?"]},
            lambda r: _assert([(d["object"], d["index"], len(d["embedding"])) for d in single(r)["data"]] == [
                ("embedding", 0, 384), ("embedding", 1, 384)], r.text),
            setup=(("POST", "/api/pull", {"model": "all-minilm", "stream": False}),)),
    # "Default model names": ollama cp llama3.2 gpt-3.5-turbo, then the new name
    Example("openai-default-name", "api/openai-compatibility.mdx", "POST", "/v1/chat/completions",
            {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hello!"}]},
            lambda r: _all(openai_chat()(r), _assert(r.json()["model"] == "gpt-3.5-turbo", r.text)),
            setup=(("POST", "/api/copy", {"source": "llama3.2", "destination": "gpt-3.5-turbo"}),)),
    # docs/api/anthropic-compatibility.mdx
    Example("anthropic-basic", "api/anthropic-compatibility.mdx", "POST", "/v1/messages",
            {"model": "qwen3-coder", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello, how are you?"}]},
            anthropic_message()),
    Example("anthropic-stream", "api/anthropic-compatibility.mdx", "POST", "/v1/messages",
            {"model": "qwen3-coder", "max_tokens": 1024, "stream": True,
             "messages": [{"role": "user", "content": "Count from 1 to 10"}]}, anthropic_stream, stream=True),
    Example("anthropic-tools", "api/anthropic-compatibility.mdx", "POST", "/v1/messages",
            {"model": "qwen3-coder", "max_tokens": 1024, "tools": [ANTHROPIC_WEATHER_TOOL],
             "messages": [{"role": "user", "content": "What is the weather in San Francisco?"}]},
            anthropic_message(tool=("get_weather", {"location": "San Francisco"}))),
    # "Default model names": ollama cp qwen3-coder claude-3-5-sonnet
    Example("anthropic-default-name", "api/anthropic-compatibility.mdx", "POST", "/v1/messages",
            {"model": "claude-3-5-sonnet", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello!"}]},
            lambda r: _all(anthropic_message()(r), _assert(r.json()["model"] == "claude-3-5-sonnet", r.text)),
            setup=(("POST", "/api/copy", {"source": "llama3.2", "destination": "claude-3-5-sonnet"}),)),
]


def _show_llava(body: dict[str, Any]) -> None:
    """docs/api.md "Show Model Information": modelfile, parameters, template, details, model_info,
    capabilities ["completion", "vision"]. The docs show the tokenizer's long arrays as `[]` unless
    verbose; real servers send null (recorded u2502/u2505-api-show), as the mock does."""
    assert body["modelfile"].startswith('# Modelfile generated by "ollama show"')
    assert {"parameters", "template", "details", "model_info", "capabilities"} <= set(body)
    assert body["capabilities"] == ["completion", "vision"]
    assert body["model_info"]["general.architecture"] and body["model_info"]["tokenizer.ggml.tokens"] is None


BY_ID = {example.id: example for example in EXAMPLES}
assert len(BY_ID) == len(EXAMPLES)

# what a model that is not installed gets, per endpoint (reference §4.5, §3.3, §3.6)
NOT_FOUND: dict[str, Callable[[str], Any]] = {
    "/api/generate": lambda m: {"error": f"model '{m}' not found"},
    "/api/chat": lambda m: {"error": f"model '{m}' not found"},
    "/api/embed": lambda m: {"error": f'model "{m}" not found, try pulling it first'},
    "/api/show": lambda m: {"error": f"model '{m if ':' in m else m + ':latest'}' not found"},
    "/v1/chat/completions": lambda m: {"error": {"message": f"model '{m}' not found", "type": "not_found_error",
                                                 "param": None, "code": None}},
    "/v1/messages": lambda m: {"type": "error", "error": {"type": "not_found_error",
                                                          "message": f"model '{m}' not found"}},
}


def send(client: Any, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
    return client.request(method, path, json=body) if body is not None else client.request(method, path)


def run_example(example: Example, asgi_client: Any, make_mock: Callable[..., Any]) -> httpx.Response:
    """Streaming examples go over real uvicorn (an in-process client buffers the body); the others
    in process. Each gets a mock of its own: examples create, copy, pull and delete models."""
    if example.stream:
        mock = make_mock()
        client: Any = httpx.Client(base_url=mock.base_url, timeout=30)
    else:
        client = asgi_client
    try:
        for method, path, body in example.setup:
            assert send(client, method, path, body).status_code == 200
        if example.stream:
            with client.stream(example.method, example.path, json=example.for_mock()) as response:
                assert response.status_code == 200
                response.read()
            return response
        return send(client, example.method, example.path, example.for_mock())
    finally:
        if example.stream:
            client.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_docs_example(example: Example, asgi_client: Any, make_mock: Callable[..., Any]) -> None:
    response = run_example(example, asgi_client, make_mock)
    example.check(response)
    endpoint = f"{example.method} {example.path}" if not example.path.startswith("/api/blobs/") else None
    if endpoint is None or response.status_code != 200 or not response.content:
        return
    kind = response.headers["content-type"]
    if kind.startswith(("application/x-ndjson", "text/event-stream")):
        assert contracts.validate_stream(endpoint, response.content, request=example.for_mock()) == []
    elif kind.startswith("application/json") and "/v1/models/" not in example.path:
        assert contracts.validate(endpoint, "response", response.json()) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_docs_request_fits_the_contract(example: Example) -> None:
    """Every docs body is one Ollama accepts; the fields Ollama ignores are the ones §0.8 lists."""
    if example.body is None:
        return
    path = example.path if not example.path.startswith("/v1/models/") else "/v1/models/{model}"
    endpoint = f"{example.method} {path}"
    assert contracts.validate(endpoint, "request", example.body) == []
    ignored = [str(w) for w in contracts.ignored_fields(endpoint, example.body)]
    expected = ["options.penalize_newline", "options.numa"] if example.id == "generate-options" else []
    assert [w.split(" ")[0] for w in ignored] == expected


MISSING = [e for e in EXAMPLES if e.docs_model in DOCS_MODEL_EQUIVALENT and e.path in NOT_FOUND]


@pytest.mark.parametrize("example", MISSING, ids=[e.id for e in MISSING])
def test_docs_model_not_installed(example: Example, asgi_client: Any) -> None:
    """The docs' model as written, on a machine that does not have it: Ollama's not-found answer."""
    assert example.docs_model is not None
    response = send(asgi_client, example.method, example.path, example.body)
    assert response.status_code == 404
    body = response.json()
    if example.path == "/v1/messages":
        assert body.pop("request_id").startswith("req_")
    assert body == NOT_FOUND[example.path](example.docs_model)


def test_pull_of_a_model_the_registry_does_not_have(asgi_client: Any) -> None:
    """docs/openapi.yaml pulls gemma4, which the mock's registry does not hold: Ollama's answer for an
    unknown model (§1.15): streamed, the manifest line then the error line; stream false, a 500."""
    streamed = asgi_client.post("/api/pull", json={"model": "gemma4"})
    assert streamed.status_code == 200
    assert ndjson(streamed) == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]
    whole = asgi_client.post("/api/pull", json={"model": "gemma4", "stream": False})
    assert single(whole, 500) == {"error": "pull model manifest: file does not exist"}


def test_embed_example_before_pulling_its_model(asgi_client: Any) -> None:
    """docs/api.md's embed examples use all-minilm, which a fresh Ollama (and the mock) has to pull first."""
    for path, body in [("/api/embed", BY_ID["embed"].body), ("/api/embeddings", BY_ID["embeddings-legacy"].body),
                       ("/v1/embeddings", BY_ID["openai-embeddings"].body)]:
        response = asgi_client.post(path, json=body)
        assert response.status_code == 404
        message = 'model "all-minilm" not found, try pulling it first'
        assert response.json() == ({"error": message} if path.startswith("/api/") else
                                   {"error": {"message": message, "type": "not_found_error", "param": None,
                                              "code": None}})


@pytest.mark.parametrize(("text", "place"), [
    ("what is the weather in tokyo?", "Tokyo"),  # docs/api.md's tool examples write the city in lower case
    ("what is the weather in new york right now?", "New York"),
    ("weather at rio de janeiro", "Rio De Janeiro"),
    ("What is the weather in Paris?", None),  # a capitalised place is found as before
    ("what is the weather in the city?", None),
    ("Respond in JSON", None),
    ("tell me a joke", None),
    ("is it raining in the north of some very long region name", None),
    ("i live in spain and want the weather in tokyo", "Tokyo"),  # the last "in"
    ("in a " * 20000 + "weather in tokyo?", "Tokyo"),  # only the end is searched: a long text stays cheap
], ids=lambda value: str(value)[-40:])
def test_place_written_in_lower_case(text: str, place: str | None) -> None:
    from ollama_conformance.mock_server.generation import tools

    assert tools._place_written_lowercase(text) == place


def test_lower_case_place_fills_only_place_fields() -> None:
    """The lower-case fallback fills city/location fields; a name field still gets no place from it."""
    from ollama_conformance.mock_server.generation import tools

    hint = tools.hinter("what is the weather in tokyo?")
    assert hint("city", {"type": "string"}) == "Tokyo" and hint("location", {"type": "string"}) == "Tokyo"
    assert hint("name", {"type": "string"}) is None
    assert tools.hinter("what is the weather in Paris?")("name", {"type": "string"}) == "Paris"


def test_every_docs_model_substitution_is_exercised() -> None:
    used = {e.docs_model for e in EXAMPLES}
    assert set(DOCS_MODEL_EQUIVALENT) - used <= {"deepseek-r1"}  # the JS thinking example's model: same as qwen3


def test_docs_body_with_comments_is_refused(asgi_client: Any) -> None:
    """docs/api.md "Chat request (With history, with tools)" has `// ...` comment lines inside the
    JSON: curl sends them as they are and Ollama's decoder refuses the body."""
    raw = (
        '{\n  "model": "llama3.2",\n  "messages": [\n    {"role": "user", "content": "what is the weather in Toronto?"},\n'
        '    // the message from the model appended to history\n'
        '    {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", '
        '"arguments": {"city": "Toronto"}}}]},\n'
        '    // the tool call result appended to history\n'
        '    {"role": "tool", "content": "11 degrees celsius", "tool_name": "get_weather"}\n  ],\n  "stream": false\n}'
    )
    response = asgi_client.post("/api/chat", content=raw.encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})  # curl -d
    assert response.status_code == 400
    assert response.json() == {"error": "invalid character '/' looking for beginning of value"}


def test_blob_push_then_head(asgi_client: Any) -> None:
    """docs/api.md "Push a Blob": 201 Created, 400 when the digest is not the content's; "Check if a
    Blob Exists": 200 once it is there."""
    data = b"GGUF docs example bytes"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    wrong = "sha256:29fdb92e57cf0827ded04ae6461b5931d01fa595843f55d36f5b275a52087dd2"
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 404
    assert asgi_client.post(f"/api/blobs/{digest}", content=data).status_code == 201
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 200
    refused = asgi_client.post(f"/api/blobs/{wrong}", content=b"other bytes")
    assert refused.status_code == 400 and refused.json()["error"].startswith("digest mismatch")


def test_seed_examples_are_reproducible(mock_url: str) -> None:
    """docs/api.md "Reproducible outputs": the same seed gives the same text."""
    for path, body, text in [
        ("/api/generate", BY_ID["generate-seed"].for_mock(), lambda r: r.get("response", "")),
        ("/api/chat", BY_ID["chat-seed"].for_mock(), lambda r: r["message"]["content"] if "message" in r else ""),
    ]:
        answers = []
        for _ in range(2):
            response = httpx.post(mock_url + path, json=body, timeout=30)
            answers.append("".join(text(json.loads(line)) for line in response.text.splitlines()))
        assert answers[0] and answers[0] == answers[1]


def test_errors_page_mid_stream_error(mock_url: str) -> None:
    """docs/api/errors.mdx: records, then {"error": ...} under the 200 already sent, no done:true."""
    with httpx.stream("POST", mock_url + "/api/generate", json={"model": "gemma3:1b", "prompt": "Why is the sky blue?"},
                      headers={"X-Ollama-Mock-Fault": "midstream_error;after=4"}, timeout=30) as response:
        response.read()
    records = ndjson(response)
    assert response.status_code == 200 and len(records) == 5
    assert all(list(r) == ["model", "created_at", "response", "done"] and r["done"] is False for r in records[:4])
    assert records[-1] == {"error": "an error was encountered while running the model"}


def test_thinking_stream_thinks_before_answering(mock_url: str) -> None:
    """docs/capabilities/thinking.mdx "Stream the reasoning trace" and streaming.mdx: thinking
    chunks first, then content chunks."""
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "What is 17 × 23?"}], "think": True,
            "stream": True}
    records = [json.loads(line) for line in httpx.post(mock_url + "/api/chat", json=body, timeout=30).text.splitlines()]
    kinds = ["thinking" if r["message"].get("thinking") else "content" for r in records[:-1]]
    assert kinds[0] == "thinking" and "content" in kinds
    assert kinds == sorted(kinds, key=lambda k: k == "content")  # no thinking after the answer began
    assert all(r["message"]["content"] == "" for r in records[:-1] if r["message"].get("thinking"))


def test_think_values_of_the_thinking_page(asgi_client: Any) -> None:
    """thinking.mdx: think null is the model's default; a level string is accepted by a thinking
    model. The page says an unsupported name falls back to the default; Ollama's decoder refuses a
    name outside high/medium/low/max (reference §0.4)."""
    base = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    assert asgi_client.post("/api/chat", json={**base, "think": None}).json()["message"]["thinking"]
    assert asgi_client.post("/api/chat", json={**base, "think": "high"}).json()["message"]["thinking"]
    assert "thinking" not in asgi_client.post("/api/chat", json={**base, "think": False}).json()["message"]
    # a model without thinking refuses think true (§0.7); false is accepted
    plain = {**base, "model": "llama3.2"}
    no_thinking = asgi_client.post("/api/chat", json={**plain, "think": True})
    assert no_thinking.status_code == 400 and no_thinking.json() == {"error": '"llama3.2" does not support thinking'}
    assert asgi_client.post("/api/chat", json={**plain, "think": False}).status_code == 200
    refused = asgi_client.post("/api/chat", json={**base, "think": "ultra"})
    assert refused.status_code == 400
    assert refused.json() == {"error": 'invalid think value: "ultra" (must be "high", "medium", "low", "max", true, or false)'}


def test_openai_pages_features_ollama_does_not_have(asgi_client: Any) -> None:
    """openai-compatibility.mdx lists video_url parts and /v1/images/generations; Ollama's source
    (reference §3.1, §1.0) refuses the part and has no such route."""
    video = {"model": "llava:7b", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What's happening in this video?"},
        {"type": "video_url", "video_url": {"url": "https://download.samplelib.com/mp4/sample-5s.mp4"}}]}]}
    response = asgi_client.post("/v1/chat/completions", json=video)
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "invalid message format", "type": "invalid_request_error",
                                        "param": None, "code": None}
    # docs/capabilities/decision.mdx ("System One", Ollama v0.35.0 or later): no such route in v0.32.15/v0.33.0-rc2
    systemone = asgi_client.post("/v1/systemone", json={
        "model": "nimble", "state": "Our checkout has returned 500 errors since 9am.",
        "questions": {"label": {"type": "choice", "instructions": "Which label fits this ticket?",
                                "criteria": {"billing": "Payments and refunds", "bug": "Software errors",
                                             "account": "Login and account access"}}}})
    assert systemone.status_code == 404 and systemone.text == "404 page not found"
    images = asgi_client.post("/v1/images/generations", json={
        "model": "x/z-image-turbo", "prompt": "A cute robot learning to paint", "size": "1024x1024",
        "response_format": "b64_json"})
    assert images.status_code == 404 and images.text == "404 page not found"
    # docs/api.md "Image Generation (Experimental)": the model is not installed (and the feature went in v0.32.6)
    generate = asgi_client.post("/api/generate", json={"model": "x/z-image-turbo", "prompt": "a sunset over mountains",
                                                       "width": 1024, "height": 768})
    assert generate.status_code == 404 and generate.json() == {"error": "model 'x/z-image-turbo' not found"}


def test_python_sdk_examples(mock_url: str) -> None:
    """The ollama-python snippets of tool-calling.mdx (streaming loop), structured-outputs.mdx
    (pydantic) and embeddings.mdx, with the catalogue's models."""
    ollama = pytest.importorskip("ollama")
    from pydantic import BaseModel

    client = ollama.Client(host=mock_url)

    def get_temperature(city: str) -> str:
        """Get the current temperature for a city

        Args:
          city: The name of the city

        Returns:
          The current temperature for the city
        """
        return {"New York": "22°C", "London": "15°C"}.get(city, "Unknown")

    messages: list[Any] = [{"role": "user", "content": "What is the temperature in New York?"}]
    rounds = 0
    while rounds < 4:  # "Tool calling with streaming": accumulate thinking, content and tool_calls
        rounds += 1
        thinking, content = "", ""
        tool_calls: list[Any] = []
        for chunk in client.chat(model="qwen3:8b", messages=messages, tools=[get_temperature], stream=True, think=True):
            thinking += chunk.message.thinking or ""
            content += chunk.message.content or ""
            tool_calls.extend(chunk.message.tool_calls or [])
        messages.append({"role": "assistant", "thinking": thinking, "content": content, "tool_calls": tool_calls})
        if not tool_calls:
            break
        for call in tool_calls:
            messages.append({"role": "tool", "tool_name": call.function.name,
                             "content": get_temperature(**call.function.arguments)})
    assert rounds == 2 and [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[2]["content"] == "22°C" and messages[3]["content"] and messages[1]["thinking"]

    class Country(BaseModel):
        name: str
        capital: str
        languages: list[str]

    response = client.chat(model="qwen3:8b", messages=[{"role": "user", "content": "Tell me about Canada."}],
                           format=Country.model_json_schema())
    assert Country.model_validate_json(response.message.content).languages is not None

    class Pet(BaseModel):
        name: str
        animal: str
        age: int
        color: str | None
        favorite_toy: str | None

    class PetList(BaseModel):
        pets: list[Pet]

    response = client.chat(model="qwen3:8b", format=PetList.model_json_schema(),
                           messages=[{"role": "user", "content": "I have two cats named Luna and Loki..."}])
    PetList.model_validate_json(response.message.content)

    batch = client.embed(model="nomic-embed-text", input=["The quick brown fox jumps over the lazy dog.",
                                                          "The five boxing wizards jump quickly.",
                                                          "Jackdaws love my big sphinx of quartz."])
    assert len(batch["embeddings"]) == 3 and len(batch["embeddings"][0]) == 768


def test_openai_sdk_examples(mock_url: str) -> None:
    """openai-compatibility.mdx's basic.py and responses.py (output_text)."""
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=mock_url + "/v1/", api_key="ollama")
    completion = client.chat.completions.create(messages=[{"role": "user", "content": "Say this is a test"}],
                                                model="qwen3:8b")
    assert completion.choices[0].message.content
    result = client.responses.create(model="qwen3:8b", input="Write a short poem about the color blue")
    assert result.output_text
