"""Tool calling on /v1/chat/completions, the same prompt and tools as the native checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ollama_conformance.suites.conformance.support import (
    TOOLS,
    TWO_CITY_PROMPT,
    WEATHER_PROMPT,
    leaked_call,
    native_chat,
    need,
    ok_json,
    pass_at_k,
    sse_of,
    stream_tool_deltas,
    v1_chat,
)
from ollama_conformance.suites.harness.expect import CheckFailed, expect, fail
from ollama_conformance.suites.harness.marks import check
from ollama_conformance.suites.harness.streams import Parsed

EP = "POST /v1/chat/completions"


def _choice(api, target, **extra: Any) -> dict[str, Any]:
    """choices[0] of a non-stream forced call (pass@k: a real model may answer in text)."""
    model = need(target, "tools")
    out: dict[str, Any] = {}

    def attempt() -> None:
        body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, **extra))
        choice = (body.get("choices") or [{}])[0]
        calls = (choice.get("message") or {}).get("tool_calls") or []
        expect(bool(calls), "the model did not call the tool (no message.tool_calls)",
               path="$.choices[0].message", excerpt=choice.get("message"))
        out["choice"] = choice

    pass_at_k(target.config.repeat, attempt)
    return out["choice"]


def _stream(api, target, **extra: Any) -> Parsed:
    """A forced-call stream whose calls arrived as tool-call deltas (pass@k)."""
    model = need(target, "tools")
    out: dict[str, Parsed] = {}

    def attempt() -> None:
        parsed = sse_of(v1_chat(api, model, WEATHER_PROMPT, stream=True, tools=TOOLS, **extra))
        out["parsed"] = parsed
        expect(not leaked_call(_joined_content(parsed)), "the tool call was streamed as text in delta.content",
               path="$[*].choices[0].delta.content", excerpt=_joined_content(parsed))
        expect(bool(stream_tool_deltas(parsed)), "no delta carries tool_calls", path="$[*].choices[0].delta.tool_calls")

    pass_at_k(target.config.repeat, attempt)
    return out["parsed"]


def _joined_content(parsed: Parsed) -> str:
    return "".join(str(((c.get("choices") or [{}])[0].get("delta") or {}).get("content") or "")
                   for c in parsed.records if c.get("choices"))


def _deltas_or_skip(api, target) -> Parsed:
    """For checks about tool-call deltas: none streamed is v1.chat.stream.tool-calls.present's finding."""
    try:
        return _stream(api, target)
    except CheckFailed as exc:
        pytest.skip(f"no streamed tool-call deltas to examine ({exc.message}; see v1.chat.stream.tool-calls.present)")


@check(id="v1.chat.tool-calls.finish-reason", endpoint=EP, category="tool-calling", gap=4, behaviour="finish reason with calls")
def test_finish_reason_nonstream(api, target) -> None:
    """finish_reason is tool_calls when tool_calls is non-empty."""
    choice = _choice(api, target)
    expect(choice.get("finish_reason") == "tool_calls", f"finish_reason {choice.get('finish_reason')!r} with tool calls",
           path="$.choices[0].finish_reason", excerpt=choice.get("finish_reason"))


@check(id="v1.chat.tool-calls.arguments-json-string", endpoint=EP, category="tool-calling", gap=22, behaviour="arguments type (object / JSON string)")
def test_arguments_string(api, target) -> None:
    """/v1 arguments are a JSON string that parses to an object."""
    calls = _choice(api, target)["message"]["tool_calls"]
    for i, call in enumerate(calls):
        path = f"$.choices[0].message.tool_calls[{i}].function.arguments"
        args = (call.get("function") or {}).get("arguments")
        expect(isinstance(args, str), f"/v1 arguments must be a JSON string, got {type(args).__name__}", path=path, excerpt=args)
        try:
            value = json.loads(str(args))
        except ValueError:
            fail("arguments do not parse as JSON", path=path, excerpt=args)
        expect(isinstance(value, dict), f"arguments parse to {type(value).__name__}, not an object", path=path, excerpt=args)


@check(id="v1.chat.tool-calls.id-type", endpoint=EP, category="tool-calling", behaviour="call ids")
def test_call_id_and_type(api, target) -> None:
    """/v1 tool calls have unique ids and type function."""
    calls = _choice(api, target)["message"]["tool_calls"]
    ids = [c.get("id") for c in calls]
    for i, call in enumerate(calls):
        expect(bool(call.get("id")), "tool call without id", path=f"$.choices[0].message.tool_calls[{i}].id", excerpt=call)
        expect(call.get("type") == "function", "type is not 'function'", path=f"$.choices[0].message.tool_calls[{i}].type")
    expect(len(set(ids)) == len(ids), f"tool call ids repeat: {ids}", path="$.choices[0].message.tool_calls")


@check(id="v1.chat.tool-calls.content-null", endpoint=EP, category="openai-compat", severity="gap", gap=15)
def test_content_null_with_calls(api, target) -> None:
    """content is null (as OpenAI sends) when tool calls are present."""
    message = _choice(api, target)["message"]
    expect(message.get("content") is None, f"content is {message.get('content')!r} with tool calls; OpenAI sends null",
           path="$.choices[0].message.content", excerpt=message.get("content"))


@check(id="v1.chat.stream.tool-calls.present", endpoint=EP, category="tool-calling", gap=1, behaviour="streamed calls arrive as calls")
def test_stream_calls_present(api, target) -> None:
    """A streamed forced call arrives in tool-call deltas, not as text."""
    _stream(api, target)


@check(id="v1.chat.stream.finish-reason-tool-calls", endpoint=EP, category="tool-calling", gap=5, behaviour="streamed calls end the turn right")
def test_stream_finish_reason(api, target) -> None:
    """After streamed tool-call deltas the stream ends with finish_reason tool_calls.

    Without tool-call deltas row 5 does not apply: a call lost from the stream (streamed as text,
    row 1) is v1.chat.stream.tool-calls.present's finding, reported once there.
    """
    parsed = _deltas_or_skip(api, target)
    reasons = [ch.get("finish_reason") for c in parsed.records for ch in (c.get("choices") or []) if ch.get("finish_reason")]
    expect(reasons[-1:] == ["tool_calls"], f"finish reasons {reasons} after streamed tool calls",
           path="$[-1].choices[0].finish_reason", excerpt=reasons)


@check(id="v1.chat.stream.tool-calls.index", endpoint=EP, category="tool-calling", gap=7, behaviour="call index")
def test_stream_index(api, target) -> None:
    """Every streamed tool-call delta has an integer index."""
    for n, call in stream_tool_deltas(_deltas_or_skip(api, target)):
        index = call.get("index")
        expect(isinstance(index, int) and not isinstance(index, bool), "streamed tool call without integer index",
               path=f"$[{n}].choices[0].delta.tool_calls", excerpt=call)


@check(id="v1.chat.stream.tool-calls.fragmented", endpoint=EP, category="openai-compat", severity="info", gap=9)
def test_stream_whole_call_in_one_delta(api, target) -> None:
    """Informational: OpenAI streams argument fragments; Ollama sends each call whole in one delta."""
    deltas = stream_tool_deltas(_deltas_or_skip(api, target))
    per_index: dict[int, int] = {}
    for _, call in deltas:
        per_index[call.get("index", 0)] = per_index.get(call.get("index", 0), 0) + 1
    expect(any(n > 1 for n in per_index.values()),
           f"each tool call arrives whole in one delta ({per_index}), not as argument fragments",
           path="$[*].choices[0].delta.tool_calls", excerpt=deltas[0][1] if deltas else None)


@check(id="v1.chat.stream.tool-delta-content", endpoint=EP, category="openai-compat", severity="gap", gap=27)
def test_stream_tool_delta_has_no_empty_content(api, target) -> None:
    """Tool-call deltas carry no content: the key absent or null, as OpenAI sends it."""
    for n, chunk in enumerate(_deltas_or_skip(api, target).records):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("tool_calls") and delta.get("content") is not None:
                fail(f"tool-call delta carries content {delta['content']!r}; OpenAI sends no content (or null)",
                     path=f"$[{n}].choices[0].delta.content", excerpt=delta)


@check(id="v1.chat.stream.done-marker-tools", endpoint=EP, category="tool-calling")
def test_stream_done_with_tools(api, target) -> None:
    """A stream with tool calls still ends with [DONE]."""
    parsed = _stream(api, target)
    expect(parsed.done_marker and parsed.after_done == 0, "stream with tool calls does not end with data: [DONE]",
           path="$[-1]", excerpt=parsed.records[-1:] or None)


@check(id="v1.chat.tool-calls.length-wins", endpoint=EP, category="tool-calling", gap=6)
def test_length_beats_tool_calls(api, target) -> None:
    """A reply cut by max_tokens says length; tool_calls only for whole calls within the limit (v0.32.6+)."""
    model = need(target, "tools")
    limit = 2
    body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, max_tokens=limit))
    choice = (body.get("choices") or [{}])[0]
    reason = choice.get("finish_reason")
    calls = (choice.get("message") or {}).get("tool_calls") or []
    used = (body.get("usage") or {}).get("completion_tokens")
    if reason == "tool_calls":
        for call in calls:
            try:
                ok = isinstance(json.loads(call["function"]["arguments"]), dict)
            except (ValueError, KeyError, TypeError):
                ok = False
            expect(ok, "finish_reason tool_calls but the arguments are cut", path="$.choices[0].message.tool_calls",
                   excerpt=call)
        expect(not isinstance(used, int) or used < limit,
               f"generation hit max_tokens ({used} tokens) yet finish_reason is tool_calls, not length",
               path="$.choices[0].finish_reason", excerpt=body.get("usage"))
        return
    if reason != "length" and not calls and isinstance(used, int) and used < limit:
        pytest.skip(f"the model stopped by itself after {used} of {limit} tokens without a call: nothing was cut")
    expect(reason == "length", f"finish_reason {reason!r} for a reply cut at max_tokens {limit} "
           f"({used} completion tokens); expected length", path="$.choices[0].finish_reason",
           excerpt={"finish_reason": reason, "usage": body.get("usage"), "tool_calls": calls})


@check(id="v1.chat.stream.parallel-calls", endpoint=EP, category="tool-calling", gap=8, behaviour="parallel calls")
def test_stream_parallel_calls(api, target) -> None:
    """Two calls in one turn: each call (a delta naming a function) gets its own index 0..n-1."""
    model = need(target, "tools")
    parsed = sse_of(v1_chat(api, model, TWO_CITY_PROMPT, stream=True, tools=TOOLS))
    deltas = [call for _, call in stream_tool_deltas(parsed)]
    starts = [call for call in deltas if (call.get("function") or {}).get("name")]
    if len(starts) < 2:
        pytest.skip(f"the model made {len(starts)} call(s) for a two-call prompt: parallel calls not exercised")
    if any(not isinstance(call.get("index"), int) for call in deltas):
        pytest.skip("tool-call deltas without index: see v1.chat.stream.tool-calls.index")
    indexes = [call["index"] for call in starts]
    expect(sorted(indexes) == list(range(len(starts))), f"calls have indexes {indexes}, expected distinct 0..{len(starts) - 1}",
           path="$[*].choices[0].delta.tool_calls[*].index", excerpt=starts)
    ids = [call.get("id") for call in starts if call.get("id")]
    expect(len(set(ids)) == len(ids), f"distinct calls share ids {ids}", path="$[*].choices[0].delta.tool_calls[*].id")
    indexes_of: dict[str, set[int]] = {}
    for call in deltas:  # grouped by id: one id, one index (fragments repeat the id or leave it out)
        if call.get("id"):
            indexes_of.setdefault(str(call["id"]), set()).add(call["index"])
    split = {i: sorted(found) for i, found in indexes_of.items() if len(found) > 1}
    expect(not split, f"a call's deltas carry several indexes: {split}", path="$[*].choices[0].delta.tool_calls[*].index",
           excerpt=deltas)
    args: dict[int, str] = {}
    for call in deltas:
        args[call["index"]] = args.get(call["index"], "") + str((call.get("function") or {}).get("arguments") or "")
    for index, text in args.items():
        try:
            json.loads(text)
        except ValueError:
            fail(f"joined arguments of index {index} do not parse as JSON", excerpt=text)


@check(id="native.chat.parallel-calls", endpoint="POST /api/chat", category="tool-calling", gap=8, behaviour="parallel calls")
def test_native_parallel_calls(api, target) -> None:
    """Two native calls in one turn get function.index 0 and 1."""
    model = need(target, "tools")
    body = ok_json(native_chat(api, model, TWO_CITY_PROMPT, stream=False, tools=TOOLS))
    calls = (body.get("message") or {}).get("tool_calls") or []
    if len(calls) < 2:
        pytest.skip(f"the model made {len(calls)} call(s) for a two-call prompt: parallel calls not exercised")
    indexes = [(c.get("function") or {}).get("index") for c in calls]
    if any(not isinstance(i, int) for i in indexes):
        pytest.skip("calls without function.index: see native.chat.tool-calls.index")
    expect(indexes == list(range(len(calls))), f"function.index values {indexes}, expected 0..{len(calls) - 1}",
           path="$.message.tool_calls[*].function.index", excerpt=calls)


# A turn after a tool result: models answer it in text, so a stream with tools has text to stream
_AFTER_RESULT = [
    {"role": "user", "content": WEATHER_PROMPT},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_w1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "call_w1", "content": "18 degrees, light rain, wind from the west"},
]


@check(id="v1.chat.stream.tools-text-incremental", endpoint=EP, category="tool-calling", gap=2,
       behaviour="text streams as it comes when tools are sent")
def test_stream_text_with_tools_is_incremental(api, target) -> None:
    """With tools in the request, a text answer still streams in many deltas, not in one at the end."""
    model = need(target, "tools")
    out: dict[str, Any] = {}

    def attempt() -> None:
        parsed = sse_of(api.post(EP.split(" ", 1)[1], {"model": model, "messages": _AFTER_RESULT, "tools": TOOLS,
                                                        "stream": True, "temperature": 0, "seed": 7}))
        expect(not stream_tool_deltas(parsed), "the model called a tool again instead of answering in text",
               path="$[*].choices[0].delta.tool_calls")
        out["parsed"] = parsed

    pass_at_k(target.config.repeat, attempt)
    deltas = [c for c in out["parsed"].records for ch in (c.get("choices") or [])
              if ((ch.get("delta") or {}).get("content") or "")]
    text = _joined_content(out["parsed"])
    if len(text.split()) < 5:
        pytest.skip(f"the answer is too short to tell ({text!r})")
    expect(len(deltas) > 1, f"the whole answer ({len(text.split())} words) came in {len(deltas)} content delta(s): "
           "with tools the server held the text back until the end", path="$[*].choices[0].delta.content",
           excerpt=text[:200])
