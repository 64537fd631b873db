"""Where /v1 differs from what OpenAI-style clients expect: tool_choice, reasoning, ids, params."""

from __future__ import annotations

import json
from typing import Any

from ollama_conformance.suites.conformance.support import (
    PLAIN_PROMPT,
    TIME_TOOL,
    TOOLS,
    TWO_CITY_PROMPT,
    WEATHER_PROMPT,
    need,
    ok_json,
    pass_at_k,
    sse_of,
    v1_chat,
)
from ollama_conformance.suites.harness.expect import expect
from ollama_conformance.suites.harness.marks import check

EP = "POST /v1/chat/completions"


def _message(body: dict[str, Any]) -> dict[str, Any]:
    return ((body.get("choices") or [{}])[0]).get("message") or {}


def _calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return _message(body).get("tool_calls") or []


@check(id="v1.chat.tool-choice.none", endpoint=EP, category="openai-compat", severity="gap", gap=19)
def test_tool_choice_none(api, target) -> None:
    """tool_choice none: no tool call even when the prompt asks for one."""
    model = need(target, "tools")

    def attempt() -> None:
        body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, tool_choice="none"))
        expect(not _calls(body), "tool_choice 'none' but the answer calls a tool", path="$.choices[0].message.tool_calls",
               excerpt=_calls(body))

    pass_at_k(target.config.repeat, attempt)


@check(id="v1.chat.tool-choice.required", endpoint=EP, category="openai-compat", severity="gap", gap=19)
def test_tool_choice_required(api, target) -> None:
    """tool_choice required: a tool call even for a plain prompt."""
    model = need(target, "tools")

    def attempt() -> None:
        body = ok_json(v1_chat(api, model, PLAIN_PROMPT, stream=False, tools=TOOLS, tool_choice="required"))
        expect(bool(_calls(body)), "tool_choice 'required' but no tool call", path="$.choices[0].message",
               excerpt=_message(body))

    pass_at_k(target.config.repeat, attempt)


@check(id="v1.chat.tool-choice.named", endpoint=EP, category="openai-compat", severity="gap", gap=19)
def test_tool_choice_named(api, target) -> None:
    """A named tool_choice calls that function."""
    model = need(target, "tools")
    choice = {"type": "function", "function": {"name": TIME_TOOL["function"]["name"]}}

    def attempt() -> None:
        body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, tool_choice=choice))
        names = [(c.get("function") or {}).get("name") for c in _calls(body)]
        expect(names[:1] == ["get_time"], f"tool_choice names get_time but the calls are {names}",
               path="$.choices[0].message.tool_calls", excerpt=_calls(body) or _message(body))

    pass_at_k(target.config.repeat, attempt)


@check(id="v1.responses.tool-choice-echo", endpoint="POST /v1/responses", category="openai-compat", severity="gap", gap=19)
def test_responses_tool_choice_echo(api, target) -> None:
    """/v1/responses echoes the tool_choice that was sent."""
    model = need(target, "tools")
    tools = [{"type": "function", "name": "get_weather", "parameters": TOOLS[0]["function"]["parameters"]}]
    body = ok_json(api.post("/v1/responses", {"model": model, "input": PLAIN_PROMPT, "tools": tools,
                                              "tool_choice": "none", "max_output_tokens": 16}))
    expect(body.get("tool_choice") == "none", f"tool_choice 'none' echoed as {body.get('tool_choice')!r}",
           path="$.tool_choice", excerpt=body.get("tool_choice"))


@check(id="v1.responses.parallel-tool-calls-echo", endpoint="POST /v1/responses", category="openai-compat",
       severity="gap", gap=20)
def test_responses_parallel_echo(api, target) -> None:
    """/v1/responses echoes parallel_tool_calls false."""
    model = need(target, "chat")
    body = ok_json(api.post("/v1/responses", {"model": model, "input": PLAIN_PROMPT, "parallel_tool_calls": False,
                                              "max_output_tokens": 16}))
    expect(body.get("parallel_tool_calls") is False,
           f"parallel_tool_calls false echoed as {body.get('parallel_tool_calls')!r}: the field is not read",
           path="$.parallel_tool_calls", excerpt=body.get("parallel_tool_calls"))


@check(id="v1.chat.parallel-tool-calls-false", endpoint=EP, category="openai-compat", severity="gap", gap=20)
def test_parallel_tool_calls_false(api, target) -> None:
    """parallel_tool_calls false: at most one call for a two-call prompt."""
    model = need(target, "tools")
    body = ok_json(v1_chat(api, model, TWO_CITY_PROMPT, stream=False, tools=TOOLS, parallel_tool_calls=False))
    expect(len(_calls(body)) <= 1, f"parallel_tool_calls false but {len(_calls(body))} calls",
           path="$.choices[0].message.tool_calls", excerpt=_calls(body))


@check(id="v1.chat.reasoning-field", endpoint=EP, category="openai-compat", severity="gap", gap=28)
def test_reasoning_field_name(api, target) -> None:
    """OpenAI-style clients (vLLM, llama.cpp, DeepSeek) read a thinking model's text from reasoning_content."""
    model = need(target, "thinking")
    message = _message(ok_json(v1_chat(api, model, PLAIN_PROMPT, stream=False, max_tokens=200)))
    where = "in message.reasoning" if message.get("reasoning") else "nowhere"
    expect(bool(message.get("reasoning_content")), f"no reasoning_content: the thinking is {where}",
           path="$.choices[0].message", excerpt=message)


@check(id="v1.chat.stream.reasoning-field", endpoint=EP, category="openai-compat", severity="gap", gap=28)
def test_stream_reasoning_field_name(api, target) -> None:
    """Streamed thinking arrives in delta.reasoning_content."""
    model = need(target, "thinking")
    parsed = sse_of(v1_chat(api, model, PLAIN_PROMPT, stream=True, max_tokens=200))
    deltas = [((c.get("choices") or [{}])[0]).get("delta") or {} for c in parsed.records]
    where = "in delta.reasoning" if any(d.get("reasoning") for d in deltas) else "nowhere"
    expect(any(d.get("reasoning_content") for d in deltas), f"no delta.reasoning_content: the thinking streams {where}",
           path="$[*].choices[0].delta", excerpt=deltas[:2])


@check(id="v1.chat.reasoning-effort-none", endpoint=EP, category="openai-compat", gap=28)
def test_reasoning_effort_none(api, target) -> None:
    """reasoning_effort none turns thinking off and leaves content."""
    model = need(target, "thinking")
    message = _message(ok_json(v1_chat(api, model, PLAIN_PROMPT, stream=False, max_tokens=64, reasoning_effort="none")))
    expect(not message.get("reasoning") and not message.get("reasoning_content"),
           "reasoning_effort 'none' still returns reasoning", path="$.choices[0].message", excerpt=message)
    expect(bool(message.get("content")), "no content with reasoning off", path="$.choices[0].message.content")


@check(id="v1.chat.param.n", endpoint=EP, category="openai-compat", severity="gap", gap=33)
def test_n_two(api, target) -> None:
    """n=2 gives two choices or a 4xx, never one choice silently."""
    model = need(target, "chat")
    ex = v1_chat(api, model, PLAIN_PROMPT, stream=False, n=2, max_tokens=16)
    if 400 <= ex.status < 500:
        return  # refusing n > 1 is honest
    body = ok_json(ex)
    expect(len(body.get("choices") or []) == 2, f"n=2 gave {len(body.get('choices') or [])} choice(s) silently",
           path="$.choices", excerpt=body.get("choices"))


@check(id="v1.chat.param.max-completion-tokens", endpoint=EP, category="openai-compat", severity="gap", gap=33)
def test_max_completion_tokens(api, target) -> None:
    """max_completion_tokens limits the completion."""
    model = need(target, "chat")
    body = ok_json(v1_chat(api, model, "Write a long story about the sea.", stream=False, max_completion_tokens=5))
    used = (body.get("usage") or {}).get("completion_tokens", 0)
    reason = ((body.get("choices") or [{}])[0]).get("finish_reason")
    expect(used <= 5 or reason == "length", f"max_completion_tokens 5 ignored: {used} tokens, finish {reason!r}",
           path="$.usage.completion_tokens", excerpt=body.get("usage"))


@check(id="v1.chat.response-ids", endpoint=EP, category="openai-compat", severity="gap", gap=36)
def test_response_ids_unique(api, target) -> None:
    """Response ids are unique over 20 requests and at least 20 characters."""
    model = need(target, "chat")
    ids = []
    for i in range(20):  # bounded: enough to see short, colliding ids
        body = ok_json(v1_chat(api, model, f"{PLAIN_PROMPT} ({i})", stream=False, max_tokens=2))
        ids.append(str(body.get("id")))
    short = [i for i in ids if len(i) < 20]
    expect(not short, f"response ids shorter than 20 characters, e.g. {short[0] if short else ''!r}", path="$.id",
           excerpt=ids[:5])
    expect(len(set(ids)) == len(ids), "response ids repeat across 20 requests", path="$.id", excerpt=ids)


@check(id="v1.chat.history.tool-call-id", endpoint=EP, category="tool-calling", gap=12, behaviour="history round trip")
def test_history_round_trip(api, target) -> None:
    """A tool result sent with only tool_call_id gets an answer."""
    model = need(target, "tools")
    messages = [
        {"role": "user", "content": WEATHER_PROMPT},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_a", "type": "function", "function": {
            "name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": "18 degrees, sunny"},
    ]
    body = ok_json(api.post("/v1/chat/completions", {"model": model, "messages": messages, "tools": TOOLS,
                                                     "max_tokens": 32, "temperature": 0}))
    message = _message(body)
    expect(bool(message.get("content")) or bool(message.get("tool_calls")), "empty answer after the tool result",
           path="$.choices[0].message", excerpt=message)


@check(id="v1.chat.history.empty-content-with-calls", endpoint=EP, category="tool-calling", gap=13)
def test_history_empty_string_content(api, target) -> None:
    """An assistant turn with content "" and tool_calls is accepted."""
    model = need(target, "tools")
    messages = [
        {"role": "user", "content": WEATHER_PROMPT},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_b", "type": "function", "function": {
            "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_b", "content": "sunny"},
    ]
    ok_json(api.post("/v1/chat/completions", {"model": model, "messages": messages, "max_tokens": 16}))


@check(id="v1.chat.history.bad-arguments-rejected", endpoint=EP, category="error", gap=14, behaviour="history arguments shape")
def test_history_bad_arguments(api, target) -> None:
    """Ollama rejects unparseable history arguments with 400 (reference §3.1)."""
    model = need(target, "tools")
    messages = [
        {"role": "user", "content": WEATHER_PROMPT},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {
            "name": "get_weather", "arguments": "not json"}}]},
    ]
    ex = api.post("/v1/chat/completions", {"model": model, "messages": messages, "max_tokens": 8})
    expect(ex.status == 400, f"status {ex.status} for unparseable arguments, expected 400", excerpt=ex.text)


@check(id="v1.chat.no-silent-drop", endpoint=EP, category="tool-calling", gap=17)
def test_no_silent_drop(api, target) -> None:
    """Generated tokens never leave the reply without content, reasoning or calls."""
    model = need(target, "tools")
    body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS))
    message = _message(body)
    if (body.get("usage") or {}).get("completion_tokens", 0) > 0:
        expect(bool(message.get("content") or message.get("reasoning") or message.get("reasoning_content")
                    or message.get("tool_calls")),
               "tokens were generated but the reply has no content, reasoning or tool calls",
               path="$.choices[0].message", excerpt=body)


@check(id="v1.chat.structured-output-with-tools", endpoint=EP, category="openai-compat", severity="gap", gap=24)
def test_structured_output_with_tools(api, target) -> None:
    """With tools and response_format, a prompt that needs the tool still calls it."""
    model = need(target, "tools")
    fmt = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {
        "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}}}
    body = ok_json(v1_chat(api, model, WEATHER_PROMPT, stream=False, tools=TOOLS, response_format=fmt))
    expect(bool(_calls(body)), "with tools and response_format the tool call disappears (schema wins)",
           path="$.choices[0].message", excerpt=_message(body))
