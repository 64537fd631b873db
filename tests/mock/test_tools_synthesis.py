"""Tools out of the box: which tool, which arguments, ids, and the answer after results."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from ollama_conformance.mock_server.generation import tools
from ollama_conformance.mock_server.generation.responder import default_responder
from ollama_conformance.mock_server.reply import ReplyContext

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "web_search",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
            },
            "required": ["query"],
        },
    },
}


def ctx(
    messages: list[dict], tool_defs: list[dict], caps: list[str] | None = None, **body: Any
) -> ReplyContext:
    users = [m for m in messages if m["role"] == "user"]
    return ReplyContext(
        "POST /api/chat",
        "llama3.2",
        {"model": "llama3.2", "messages": messages, "tools": tool_defs, **body},
        messages,
        users[-1]["content"] if users else "",
        tool_defs,
        any(m["role"] == "tool" for m in messages),
        len(users) - 1,
        {},
        caps or ["completion", "tools"],
    )


def test_calls_the_named_tool_with_arguments_from_the_message() -> None:
    reply = default_responder(
        ctx([{"role": "user", "content": "Search the web for llamas please"}], [WEATHER, SEARCH])
    )
    assert [c.name for c in reply.tool_calls] == ["web_search"] and reply.content == ""
    reply = default_responder(
        ctx([{"role": "user", "content": "What's the weather in Paris?"}], [SEARCH, WEATHER])
    )
    call = reply.tool_calls[0]
    assert call.name == "get_weather" and call.arguments["location"] == "Paris"
    assert call.arguments["unit"] in ("celsius", "fahrenheit")


def test_first_tool_when_none_is_named_and_defaults_used() -> None:
    reply = default_responder(ctx([{"role": "user", "content": "hello"}], [SEARCH, WEATHER]))
    assert reply.tool_calls[0].name == "web_search"
    assert (
        set(reply.tool_calls[0].arguments) == {"query", "limit"}
        and reply.tool_calls[0].arguments["limit"] == 5
    )


def test_tool_results_get_a_text_answer_quoting_them() -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_abc", "function": {"name": "get_weather", "arguments": {"location": "Paris"}}}
            ],
        },
        {"role": "tool", "content": '{"temperature": 21}', "tool_call_id": "call_abc"},
    ]
    reply = default_responder(ctx(messages, [WEATHER]))
    assert reply.tool_calls == [] and 'get_weather returned {"temperature": 21}' in reply.content


def test_no_call_without_the_tools_capability_or_with_tool_choice_none() -> None:
    message = [{"role": "user", "content": "weather in Oslo"}]
    assert default_responder(ctx(message, [WEATHER], ["completion"])).tool_calls == []
    assert default_responder(ctx(message, [WEATHER], _tool_choice="none")).tool_calls == []


def test_tool_choice_required_and_named() -> None:
    after = [{"role": "user", "content": "x"}, {"role": "tool", "content": "42", "tool_name": "web_search"}]
    assert (
        default_responder(ctx(after, [WEATHER], _tool_choice="required")).tool_calls[0].name == "get_weather"
    )
    named = {"type": "function", "function": {"name": "web_search"}}
    reply = default_responder(
        ctx([{"role": "user", "content": "weather in Rome"}], [WEATHER, SEARCH], _tool_choice=named)
    )
    assert reply.tool_calls[0].name == "web_search"


def test_tools_without_the_function_wrapper_are_understood() -> None:
    bare = {
        "name": "run_command",
        "parameters": {
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    }
    reply = default_responder(ctx([{"role": "user", "content": "Run `df -h` with run_command"}], [bare]))
    assert reply.tool_calls[0].name == "run_command" and reply.tool_calls[0].arguments == {"command": "df -h"}


def test_call_ids_are_call_plus_eight_lowercase_alnum_and_stable() -> None:
    ident = tools.call_id(b"seed", 0)
    assert ident == tools.call_id(b"seed", 0) != tools.call_id(b"seed", 1)
    assert re.fullmatch(r"call_[a-z0-9]{8}", ident)


_PROP = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "integer", "minimum": 0, "maximum": 9}),
    st.just({"type": "number"}),
    st.just({"type": "boolean"}),
    st.just({"type": "string", "enum": ["a", "b"]}),
    st.just({"type": "array", "items": {"type": "string"}}),
    st.just({"type": "object", "properties": {"inner": {"type": "integer"}}, "required": ["inner"]}),
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["city", "query", "n", "flag", "opts", "name", "tags"]), _PROP, min_size=1, max_size=5
    ).flatmap(lambda p: st.tuples(st.just(p), st.sets(st.sampled_from(sorted(p))))),
    st.sampled_from(["Weather in Lisbon", "find 'blue whales'", "do it", ""]),
)
def test_arguments_validate_against_the_parameter_schema(spec: tuple, message: str) -> None:
    props, required = spec
    params = {"type": "object", "properties": props, "required": sorted(required)}
    call = tools.plan_call({"name": "t", "parameters": params}, b"seed", message)
    assert Draft7Validator(params).is_valid(call.arguments), (params, call.arguments)
    assert set(required) <= set(call.arguments) and call.arguments


def test_one_call_per_named_place() -> None:
    reply = default_responder(
        ctx([{"role": "user", "content": "Weather in Paris and in London?"}], [WEATHER])
    )
    assert [c.arguments["location"] for c in reply.tool_calls] == ["Paris", "London"]
    single = default_responder(ctx([{"role": "user", "content": "Search for Paris and London"}], [SEARCH]))
    assert len(single.tool_calls) == 1
