"""Shared pieces of the checks: models per capability, tool definitions, stream helpers, pass@k."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from ollama_conformance.suites.harness.client import Client, Exchange
from ollama_conformance.suites.harness.expect import CheckFailed, body_json, expect_status, fail
from ollama_conformance.suites.harness.streams import Parsed, parse_ndjson, parse_sse
from ollama_conformance.suites.harness.target import Target

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city"}},
            "required": ["city"],
        },
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the current time in a timezone",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
    },
}
TOOLS = [WEATHER_TOOL, TIME_TOOL]
TOOL_NAMES = {"get_weather", "get_time"}
WEATHER_PROMPT = "What is the weather in Paris? Use the get_weather tool."
TWO_CITY_PROMPT = "Use get_weather for the weather in Paris and in London."
PLAIN_PROMPT = "Say hello in one short sentence."
SMALL = {"temperature": 0, "seed": 7, "num_predict": 24}


def need(target: Target, capability: str) -> str:
    """The model for `capability`, or skip the check saying why."""
    name = target.model(capability)
    if not name:
        pytest.skip(f"no model with capability {capability!r} on the target (give --model-{capability})")
    return name


def ok_json(ex: Exchange) -> Any:
    expect_status(ex, 200)
    return body_json(ex)


def native_chat(api: Client, model: str, content: str, *, stream: bool, **extra: Any) -> Exchange:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": content}],
                            "stream": stream, "options": dict(SMALL), **extra}
    return api.post("/api/chat", body)


def v1_chat(api: Client, model: str, content: str, *, stream: bool, **extra: Any) -> Exchange:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": content}],
                            "stream": stream, "temperature": 0, "seed": 7, **extra}
    return api.post("/v1/chat/completions", body)


def ndjson_of(ex: Exchange) -> Parsed:
    expect_status(ex, 200)
    parsed = parse_ndjson(ex.content)
    if parsed.bad:
        fail(f"stream has a line that is not JSON: {parsed.bad[0]!r}", excerpt=parsed.bad[0])
    return parsed


def sse_of(ex: Exchange) -> Parsed:
    expect_status(ex, 200)
    return parse_sse(ex.content)


def choice_chunks(parsed: Parsed) -> list[dict[str, Any]]:
    """The /v1 chunks that carry a choice (the usage chunk has choices == [])."""
    return [r for r in parsed.records if isinstance(r, dict) and r.get("choices")]


def stream_tool_deltas(parsed: Parsed) -> list[tuple[int, dict[str, Any]]]:
    """(chunk number, tool-call delta) for every streamed /v1 tool call."""
    out = []
    for n, chunk in enumerate(parsed.records):
        for choice in (chunk.get("choices") or []) if isinstance(chunk, dict) else []:
            for call in (choice.get("delta") or {}).get("tool_calls") or []:
                out.append((n, call))
    return out


def rendered_prompt(api: Client, path: str, body: dict[str, Any], why: str) -> str:
    """The prompt the server renders for `body` (`_debug_render_only`), or skip saying `why` it matters.

    The hook came to /api/chat in v0.11.5 and to /v1 in v0.12.0; an older server ignores it and
    generates, leaving the request conversion unobservable.
    """
    answer = ok_json(api.post(path, {**body, "_debug_render_only": True}))
    prompt = ((answer.get("_debug_info") or {}) if isinstance(answer, dict) else {}).get("rendered_template")
    if not isinstance(prompt, str):
        pytest.skip(f"{path} ignores _debug_render_only (on /api/chat since v0.11.5, /v1 since v0.12.0): {why}")
    return prompt


def native_stream_calls(parsed: Parsed) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    for rec in parsed.records:
        calls.extend(((rec.get("message") or {}).get("tool_calls") or []) if isinstance(rec, dict) else [])
    return calls


def leaked_call(content: str) -> bool:
    """Content that is a tool call the parser missed: a declared tool named in JSON or call markup."""
    text = content or ""
    if "<tool_call>" in text or "<function=" in text:
        return True
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and any(name in json.dumps(value) for name in TOOL_NAMES)


def pass_at_k(k: int, attempt: Callable[[], None]) -> None:
    """Model-dependent checks: pass when any of k attempts passes; the last failure is the evidence."""
    last: CheckFailed | None = None
    for _ in range(max(1, k)):
        try:
            attempt()
            return
        except CheckFailed as exc:
            last = exc
    assert last is not None
    raise last
