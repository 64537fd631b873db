"""Tool calling on the native /api/chat: shape of calls, ids, indexes, streaming, history."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.suites.conformance.support import (
    TOOLS,
    WEATHER_PROMPT,
    leaked_call,
    native_chat,
    native_stream_calls,
    ndjson_of,
    need,
    ok_json,
    pass_at_k,
)
from ollama_conformance.suites.harness.expect import expect, fail
from ollama_conformance.suites.harness.marks import check

EP = "POST /api/chat"


def _calls(api, target) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A non-stream forced call; pass@k because a real model may answer in text."""
    model = need(target, "tools")
    out: dict[str, Any] = {}

    def attempt() -> None:
        body = ok_json(native_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS))
        calls = (body.get("message") or {}).get("tool_calls") or []
        expect(bool(calls), "the model did not call the tool (no message.tool_calls)", path="$.message.tool_calls",
               excerpt=body.get("message"))
        out["body"], out["calls"] = body, calls

    pass_at_k(target.config.repeat, attempt)
    return out["body"], out["calls"]


@check(id="native.chat.tool-calls.present", endpoint=EP, category="tool-calling", gap=16, behaviour="calls returned (non-stream)")
def test_native_tool_call_present(api, target) -> None:
    """A forced call arrives in message.tool_calls, not as text in content."""
    body, calls = _calls(api, target)
    content = (body.get("message") or {}).get("content") or ""
    expect(not leaked_call(content), "tool call leaked into message.content", path="$.message.content", excerpt=content)


@check(id="native.chat.tool-calls.arguments-object", endpoint=EP, category="tool-calling", gap=22, behaviour="arguments type (object / JSON string)")
def test_native_arguments_object(api, target) -> None:
    """Native arguments are an object."""
    _, calls = _calls(api, target)
    for i, call in enumerate(calls):
        args = (call.get("function") or {}).get("arguments")
        expect(isinstance(args, dict), f"native arguments must be an object, got {type(args).__name__}",
               path=f"$.message.tool_calls[{i}].function.arguments", excerpt=args)


@check(id="native.chat.tool-calls.id", endpoint=EP, category="tool-calling", gap=11, behaviour="call ids")
def test_native_call_ids(api, target) -> None:
    """Native tool calls carry unique non-empty ids."""
    _, calls = _calls(api, target)
    ids = [c.get("id") for c in calls]
    for i, value in enumerate(ids):
        expect(isinstance(value, str) and bool(value), "tool call has no id (ids exist since v0.12.10)",
               path=f"$.message.tool_calls[{i}].id", excerpt=calls[i])
    expect(len(set(ids)) == len(ids), f"tool call ids repeat: {ids}", path="$.message.tool_calls")


@check(id="native.chat.tool-calls.index", endpoint=EP, category="tool-calling", gap=23, behaviour="call index")
def test_native_call_index(api, target) -> None:
    """Native tool calls carry function.index 0..n-1."""
    _, calls = _calls(api, target)
    for i, call in enumerate(calls):
        index = (call.get("function") or {}).get("index")
        expect(isinstance(index, int) and not isinstance(index, bool),
               "function.index missing (always sent since v0.12.6)", path=f"$.message.tool_calls[{i}].function",
               excerpt=call)
        expect(index == i, f"function.index {index} at position {i}", path=f"$.message.tool_calls[{i}].function.index")


@check(id="native.chat.tool-calls.done-reason", endpoint=EP, category="tool-calling", gap=10, behaviour="finish reason with calls")
def test_native_done_reason_stop(api, target) -> None:
    """done_reason is stop on the native API even with tool calls."""
    body, _ = _calls(api, target)
    expect(body.get("done_reason") == "stop", f"done_reason {body.get('done_reason')!r}, Ollama says 'stop' with calls",
           path="$.done_reason", excerpt=body.get("done_reason"))


@check(id="native.chat.stream.tool-calls", endpoint=EP, category="tool-calling", gap=1, behaviour="streamed calls arrive as calls")
def test_native_stream_tool_calls(api, target) -> None:
    """A streamed forced call arrives as tool_calls, not as text."""
    model = need(target, "tools")

    def attempt() -> None:
        parsed = ndjson_of(native_chat(api, model, WEATHER_PROMPT, stream=True, tools=TOOLS))
        content = "".join(str((r.get("message") or {}).get("content") or "") for r in parsed.records)
        expect(not leaked_call(content), "the tool call was streamed as text in message.content",
               path="$[*].message.content", excerpt=content)
        expect(bool(native_stream_calls(parsed)), "no chunk carries message.tool_calls", path="$[*].message.tool_calls")

    pass_at_k(target.config.repeat, attempt)


@check(id="native.chat.stream.tool-calls.match-nonstream", endpoint=EP, category="tool-calling", gap=10, behaviour="streamed calls end the turn right")
def test_native_stream_matches_nonstream(api, target) -> None:
    """Streamed calls, accumulated, equal the non-stream calls."""
    model = need(target, "tools")
    body = ok_json(native_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS))
    parsed = ndjson_of(native_chat(api, model, WEATHER_PROMPT, stream=True, tools=TOOLS))

    def key(calls: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(str(c["function"].get("name")), repr(c["function"].get("arguments"))) for c in calls if c.get("function")]

    streamed, whole = key(native_stream_calls(parsed)), key((body.get("message") or {}).get("tool_calls") or [])
    if not streamed or not whole:
        pytest.skip("no tool calls on one side to compare (see native.chat.stream.tool-calls)")
    if streamed != whole:
        fail(f"streamed calls {streamed} differ from the non-stream calls {whole} for the same request",
             path="$[*].message.tool_calls", excerpt={"stream": streamed, "non_stream": whole})
    last = parsed.records[-1] if parsed.records else {}
    expect(last.get("done") is True and last.get("done_reason") == "stop",
           "the stream's last record is not done:true with done_reason 'stop'", path="$[-1]", excerpt=last)


@check(id="native.chat.tool-history.round-trip", endpoint=EP, category="tool-calling", behaviour="history round trip")
def test_native_history_round_trip(api, target) -> None:
    """A native tool result (tool_name) gets an answer."""
    model = need(target, "tools")
    messages = [
        {"role": "user", "content": WEATHER_PROMPT},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_abc12345", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_name": "get_weather", "tool_call_id": "call_abc12345", "content": "18 degrees, sunny"},
    ]
    body = ok_json(api.post("/api/chat", {"model": model, "messages": messages, "tools": TOOLS, "stream": False,
                                          "options": {"temperature": 0, "seed": 7, "num_predict": 24}}))
    message = body.get("message") or {}
    expect(bool(message.get("content")) or bool(message.get("tool_calls")),
           "empty answer after a tool result", path="$.message", excerpt=message)


@check(id="native.chat.tool-history.string-arguments", endpoint=EP, category="tool-calling", severity="info", behaviour="history arguments shape")
def test_native_string_arguments_rejected(api, target) -> None:
    """Native history needs object arguments; OpenAI-style strings get 400 (recorded, not failed)."""
    model = need(target, "tools")
    messages = [
        {"role": "user", "content": WEATHER_PROMPT},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_name": "get_weather", "content": "sunny"},
    ]
    ex = api.post("/api/chat", {"model": model, "messages": messages, "stream": False, "options": {"num_predict": 8}})
    expect(ex.status == 200, f"string arguments in native history answered {ex.status} (OpenAI clients send strings)",
           path="$.messages[1].tool_calls[0].function.arguments", excerpt=ex.text)


@check(id="native.chat.format-json-with-tools", endpoint=EP, category="tool-calling", gap=16)
def test_format_json_with_tools_no_leak(api, target) -> None:
    """format "json" plus tools: a call is still a tool call, never call JSON in content."""
    model = need(target, "tools")
    body = ok_json(native_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, format="json"))
    message = body.get("message") or {}
    if not message.get("tool_calls"):
        expect(not leaked_call(str(message.get("content") or "")), "the tool call leaked into content as JSON",
               path="$.message.content", excerpt=message.get("content"))


@check(id="native.chat.think.thinking-field", endpoint=EP, category="contract")
def test_think_true_gives_thinking(api, target) -> None:
    """think true on a thinking model puts the reasoning in message.thinking, apart from content."""
    model = need(target, "thinking")
    body = ok_json(api.post("/api/chat", {"model": model, "messages": [{"role": "user", "content": "Why is the sky blue?"}],
                                          "think": True, "stream": False, "options": {"num_predict": 200}}))
    message = body.get("message") or {}
    expect(bool(message.get("thinking")), "think true but no message.thinking", path="$.message.thinking", excerpt=message)
    expect("<think>" not in str(message.get("content")), "<think> text in content", path="$.message.content")


@check(id="native.chat.think-false", endpoint=EP, category="contract", gap=39)
def test_think_false_turns_thinking_off(api, target) -> None:
    """think false: no thinking field and no <think> text in content."""
    model = need(target, "thinking")
    body = ok_json(api.post("/api/chat", {"model": model, "messages": [{"role": "user", "content": "Why is the sky blue?"}],
                                          "think": False, "stream": False, "options": {"num_predict": 200}}))
    message = body.get("message") or {}
    expect(not message.get("thinking"), "think false but message.thinking is set", path="$.message.thinking",
           excerpt=message)
    expect("<think>" not in str(message.get("content")), "think false but <think> text in content",
           path="$.message.content", excerpt=message.get("content"))
