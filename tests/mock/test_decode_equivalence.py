"""decode_body's fast check against the full walk that finds Go's error (reference §0.4).

decode_body checks a body with a check compiled per Go type and runs the full `_Walk` only when
that check finds something wrong. These tests pin the answers (recorded from the walk-only
implementation) and compare decode_body with a walk-only reference on generated bodies, wrong
types at every depth, nulls, mixed-case keys and custom decoders included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server import decode
from ollama_conformance.mock_server.errors import OllamaError
from ollama_conformance.mock_server.gotypes import GoType, request_type

from ollama_conformance import contracts

_MSG = '{"role":"user","content":"hi"}'
_TYPE = "json: cannot unmarshal {} into Go struct field {}"
_THINK = 'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)'

CASES = [  # endpoint, api, body, expected body (ok) or error message (400)
    ("POST /api/chat", "native", '{"model":1,"stream":"x"}', _TYPE.format("number", "ChatRequest.model of type string")),
    ("POST /api/chat", "native", '{"stream":"x","model":1}', _TYPE.format("string", "ChatRequest.stream of type bool")),
    ("POST /api/chat", "native", '{"model":1,"messages":[{"role":2}]}',
     _TYPE.format("number", "ChatRequest.messages.role of type string")),
    ("POST /api/chat", "native", '{"model":1,"think":"extreme"}', _THINK),
    ("POST /api/chat", "native", '{"think":"extreme","messages":[{"role":2}]}', _THINK),
    ("POST /api/chat", "native", '{"messages":[{"role":2}],"think":"extreme"}',
     _TYPE.format("number", "ChatRequest.messages.role of type string")),
    ("POST /api/chat", "native", '{"model":1,"keep_alive":"5 minutes","think":3}',
     'time: unknown unit " minutes" in duration "5 minutes"'),
    ("POST /api/chat", "native", '{"messages":[' + _MSG + ',{"content":5,"role":1}]}',
     _TYPE.format("number", "ChatRequest.messages.content of type string")),
    ("POST /api/chat", "native", '{"messages":[' + _MSG + ',{"tool_calls":[{"function":{"name":1}}]}]}',
     _TYPE.format("number", "ChatRequest.messages.tool_calls.function.name of type string")),
    ("POST /api/chat", "native", '{"messages":[' + _MSG + ',{"tool_calls":[{"function":{"index":1.5}}]}]}',
     _TYPE.format("number 1.5", "ChatRequest.messages.tool_calls.function.index of type int")),
    ("POST /api/chat", "native", '{"messages":[{"tool_calls":[{"function":{"arguments":[]}}]}]}',
     _TYPE.format("array", "ChatRequest.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments")),
    ("POST /api/chat", "native", '{"messages":[{"images":[1,"aGk="]},{"images":[true]}]}',
     _TYPE.format("number", "ChatRequest.messages.images of type api.ImageData")),
    ("POST /api/chat", "native", '{"messages":"hi","model":2}',
     _TYPE.format("string", "ChatRequest.messages of type []api.Message")),
    ("POST /api/chat", "native", '{"messages":[null,3]}', _TYPE.format("number", "ChatRequest.messages of type api.Message")),
    ("POST /api/chat", "native", '{"tools":[{"function":{"name":1,"parameters":{"properties":{"a":{"description":1}}}}}]}',
     _TYPE.format("number", "ToolFunctionParameters.tools.function.parameters.properties.description of type string")),
    ("POST /api/chat", "native", '{"model":1,"tools":[{"function":{"parameters":{"properties":{"a":{"description":1}}}}}]}',
     _TYPE.format("number", "ToolFunctionParameters.tools.function.parameters.properties.description of type string")),
    ("POST /api/chat", "native", '{"tools":[{"function":{"parameters":{"properties":{"a":{"properties":{"b":1}}}}}}]}',
     {"tools": [{"function": {"parameters": {"properties": {"a": {"properties": {"b": 1}}}}}}]}),
    ("POST /api/chat", "native", '{"tools":[{"function":{"parameters":{"properties":[]}}}]}',
     _TYPE.format("array", "ToolFunctionParameters.tools.function.parameters.properties of type api.ToolPropertiesMap")),
    ("POST /api/chat", "native", '{"tools":[{"function":{"parameters":{"required":[1]}}}]}',
     _TYPE.format("number", "ToolFunctionParameters.tools.function.parameters.required of type string")),
    ("POST /api/chat", "native", '{"Model":"m","MESSAGES":[{"Role":"USER","Content":"x"}],"Stream":false}',
     {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": False}),
    # Go decodes every key into the field it names, in the order sent: the last one wins, and a
    # mismatch in a value a later key overrides is still Go's error
    ("POST /api/chat", "native", '{"model":"a","Model":"b","MODEL":"c"}', {"model": "c"}),
    ("POST /api/chat", "native", '{"MODEL":"c","Model":"b","model":"a"}', {"model": "a"}),
    ("POST /api/chat", "native", '{"MODEL":1,"model":"x"}', _TYPE.format("number", "ChatRequest.model of type string")),
    ("POST /api/chat", "native", '{"Model":1,"MODEL":"x"}', _TYPE.format("number", "ChatRequest.model of type string")),
    ("POST /api/chat", "native", '{"model":"x","Think":"extreme","think":true}', _THINK),
    ("POST /api/chat", "native", '{"model":null,"messages":[null,{"role":null}],"think":null,"keep_alive":null}',
     {"model": None, "messages": [None, {"role": None}], "think": None, "keep_alive": None}),
    ("POST /api/chat", "native", '{"top_logprobs":1.0}', _TYPE.format("number 1.0", "ChatRequest.top_logprobs of type int")),
    # Go quotes a number as it was written, and refuses one that overflows the int
    ("POST /api/chat", "native", '{"top_logprobs":1e3}', _TYPE.format("number 1e3", "ChatRequest.top_logprobs of type int")),
    ("POST /api/chat", "native", '{"top_logprobs":2.50}', _TYPE.format("number 2.50", "ChatRequest.top_logprobs of type int")),
    ("POST /api/chat", "native", '{"top_logprobs":9223372036854775808}',
     _TYPE.format("number 9223372036854775808", "ChatRequest.top_logprobs of type int")),
    ("POST /api/chat", "native", '{"top_logprobs":9223372036854775807}', {"top_logprobs": 9223372036854775807}),
    ("POST /api/generate", "native", '{"context":[1,-9223372036854775809]}',
     _TYPE.format("number -9223372036854775809", "GenerateRequest.context of type int")),
    # an image is Go []byte: its base64 is decoded with the body, so the first error sent wins
    ("POST /api/generate", "native", '{"images":["ab!d"],"model":5}', "illegal base64 data at input byte 2"),
    ("POST /api/generate", "native", '{"model":5,"images":["ab!d"]}', _TYPE.format("number", "GenerateRequest.model of type string")),
    ("POST /api/chat", "native", '{"model":5,"messages":[{"role":"user","images":["!!"],"content":5}]}',
     "illegal base64 data at input byte 0"),  # api.Message's own decoder returns its first error at once
    ("POST /v1/chat/completions", "openai", '{"max_tokens":1E+2}',
     _TYPE.format("number 1E+2", "ChatCompletionRequest.max_tokens of type int")),
    ("POST /api/chat", "native", '{"top_logprobs":true}', _TYPE.format("bool", "ChatRequest.top_logprobs of type int")),
    ("POST /api/chat", "native", '{"options":{"temperature":"hot"},"format":{"a":1}}',
     {"options": {"temperature": "hot"}, "format": {"a": 1}}),
    ("POST /api/chat", "native", ' {"model":"x"} ', {"model": "x"}),
    ("POST /api/chat", "native", '{"model":"x"}\n', {"model": "x"}),
    ("POST /api/chat", "native", '{"model":"x"} {"model":1}', {"model": "x"}),
    ("POST /api/chat", "native", '{"model":NaN}', "invalid character 'N' looking for beginning of value"),
    ("POST /api/chat", "native", '[{"model":"x"}]', "json: cannot unmarshal array into Go value of type api.ChatRequest"),
    ("POST /api/chat", "native", " \n", "missing request body"),
    ("POST /api/generate", "native", '{"context":[1,2.5],"images":[{}]}',
     _TYPE.format("number 2.5", "GenerateRequest.context of type int")),
    ("POST /api/generate", "native", '{"messages":[{"role":"USER"}],"Messages":[{"role":"ASSISTANT"}]}',
     {"messages": [{"role": "user"}], "Messages": [{"role": "ASSISTANT"}]}),
    ("POST /api/generate", "native", '{"keep_alive":true}', "Unsupported type: 'bool'"),
    ("POST /api/generate", "native", '{"keep_alive":"1h30m","think":"high","prompt":"x"}',
     {"keep_alive": "1h30m", "think": "high", "prompt": "x"}),
    ("POST /api/create", "native", '{"files":{"a":"sha","b":1},"adapters":[]}',
     _TYPE.format("number", "CreateRequest.files of type string")),
    ("POST /api/create", "native", '{"messages":[{"role":"SYSTEM","content":"x"}]}',
     {"messages": [{"role": "system", "content": "x"}]}),
    ("POST /v1/chat/completions", "openai", '{"messages":[{"role":"USER","content":"x"}],"stream_options":{"include_usage":1}}',
     _TYPE.format("number", "StreamOptions.stream_options.include_usage of type bool")),
    ("POST /v1/chat/completions", "openai", '{"messages":[{"Role":1,"content":"x"}]}',
     _TYPE.format("number", "Message.messages.role of type string")),
    ("POST /v1/chat/completions", "openai", '{"messages":[{"Role":"USER","Content":"x"}]}',
     {"messages": [{"role": "USER", "content": "x"}]}),  # openai.Message's Content (any) matches "Content" too
    ("POST /v1/chat/completions", "openai", '{"max_tokens":1.5,"seed":"x","tools":[{"function":{"name":1}}]}',
     _TYPE.format("number 1.5", "ChatCompletionRequest.max_tokens of type int")),
    ("POST /v1/chat/completions", "openai", '{"tools":[{"function":{"parameters":{"properties":{"a":{"enum":1}}}}}],"seed":"x"}',
     _TYPE.format("number", "ToolFunctionParameters.tools.function.parameters.properties.enum of type []interface {}")),
    ("POST /v1/responses", "openai", '{"include":[1],"reasoning":{"summary":2}}',
     _TYPE.format("number", "ResponsesRequest.include of type string")),
    ("POST /v1/messages", "anthropic", '{"thinking":{"budget_tokens":"many"},"messages":[{"role":"user","content":"x"}]}',
     _TYPE.format("string", "ThinkingConfig.thinking.budget_tokens of type int")),
    # MessageParam's own UnmarshalJSON: its error ends decoding and beats the plain mismatch before it
    ("POST /v1/messages", "anthropic", '{"thinking":{"budget_tokens":"many"},"messages":[{"role":2}]}',
     _TYPE.format("number", "MessagesRequest.messages.role of type string")),
    ("POST /v1/messages", "anthropic", '{"messages":[{"role":"USER","content":"x"}],"stop_sequences":["a",null,"b"]}',
     {"messages": [{"role": "USER", "content": "x"}], "stop_sequences": ["a", None, "b"]}),
    ("POST /v1/messages", "anthropic", '{"messages":[{"role":"USER"}]}', "unexpected end of JSON input"),
]


@pytest.mark.parametrize("endpoint,api,raw,expected", CASES)
def test_recorded_answers(endpoint: str, api: str, raw: str, expected: Any) -> None:
    if isinstance(expected, str):
        with pytest.raises(OllamaError) as caught:
            decode.decode_body(endpoint, api, raw.encode())
        assert (caught.value.status, caught.value.message) == (400, expected)
    else:
        body = decode.decode_body(endpoint, api, raw.encode())
        assert json.dumps(body) == json.dumps(expected)  # key order too


# --- generated bodies against the walk alone ----------------------------------------------------------

def _walk_only(endpoint: str, api: str, raw: bytes) -> Any:
    """decode_body as it was before the fast check: every body goes through _Walk."""
    value = json.loads(raw)
    root = request_type(endpoint, api)
    assert root is not None and isinstance(value, dict)
    walk = decode._Walk()
    body = walk.fields(value, root, (), None)
    if walk.saved is not None:
        raise OllamaError(400, walk.saved)
    if api == "native":
        messages = body.get("messages")
        if isinstance(messages, list):
            for message in messages:
                if isinstance(message, dict) and isinstance(message.get("role"), str):
                    message["role"] = message["role"].lower()
    return body


def _answer(decode_body: Any, endpoint: str, api: str, raw: bytes) -> tuple[Any, ...]:
    try:
        return ("ok", json.dumps(decode_body(endpoint, api, raw)))
    except OllamaError as error:
        return ("error", error.status, error.message)


_SCALARS = st.sampled_from([None, True, False, 0, 1, -3, 10**20, 1.5, 1.0, "", "x", "USER", "5m", "high", "1h3"])
_ANY_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.sampled_from(["a", "B", "role", "type"]), inner, max_size=3), max_leaves=6)


def _key(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name, name, name.upper(), name.title()])


def _value(node: GoType, depth: int) -> st.SearchStrategy[Any]:
    """Mostly well typed, sometimes null or anything at all (a wrong type at this depth)."""
    return st.one_of(_typed(node, depth), _typed(node, depth), _typed(node, depth), st.none(), _ANY_JSON)


def _typed(node: GoType, depth: int) -> st.SearchStrategy[Any]:
    if node.decoder is not None:
        return st.sampled_from([True, False, "high", "extreme", 5, 1.5, "5m", "1h30m", "300", "abc", "-1s"])
    if node.fields is not None and depth < 6:
        fields = node.fields
        extra = st.tuples(st.sampled_from(["extra", "Extra"]), _ANY_JSON)
        if not fields:
            return st.lists(extra, max_size=2).map(dict)
        field = st.sampled_from(list(fields)).flatmap(lambda name: st.tuples(_key(name), _value(fields[name], depth + 1)))
        return st.lists(st.one_of(field, field, field, extra), max_size=6).map(dict)
    if node.item is not None and depth < 6:
        item = _value(node.item, depth + 1)
        return st.lists(item, max_size=3) if "array" in node.kinds else st.dictionaries(st.sampled_from(["p", "q"]), item, max_size=2)
    if node.integer:
        return st.sampled_from([0, 7, -1, 10**20, 1.0, 2.5])  # Go refuses every float for an int
    return st.one_of([_KINDS[kind] for kind in sorted(node.kinds)] or [_ANY_JSON])


_KINDS = {"string": st.sampled_from(["", "x", "USER", "aGk="]), "number": st.sampled_from([0, 1, 2.5, -1e300]),
          "bool": st.booleans(), "array": st.lists(_SCALARS, max_size=2), "object": st.dictionaries(st.just("k"), _SCALARS)}


def _typed_endpoints() -> list[tuple[str, str, GoType]]:
    out = []
    for endpoint in contracts.operations():
        api = contracts.operation(endpoint).get("api", "native")
        root = request_type(endpoint, api)
        if root is not None:
            out.append((endpoint, api, root))
    return out


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str, bytes]:
    endpoint, api, root = draw(st.sampled_from(_typed_endpoints()))
    return endpoint, api, json.dumps(draw(_typed(root, 0))).encode()


@settings(max_examples=600, derandomize=True, deadline=None)
@given(request=_requests())
def test_generated_bodies_decode_as_the_walk_alone_does(request: tuple[str, str, bytes]) -> None:
    endpoint, api, raw = request
    assert _answer(decode.decode_body, endpoint, api, raw) == _answer(_walk_only, endpoint, api, raw)
