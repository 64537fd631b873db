"""/v1/chat/completions answers, in isolation: non-stream and SSE translation of native outcomes
built here, and every v1_* profile flag (reference §3.1, §2.4)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat import openai_chat
from ollama_conformance.mock_server.compat.openai_chat_stream import ChatStreamer
from ollama_conformance.mock_server.outcome import Chunk, Raw, RequestInfo, Single, Stream
from ollama_conformance.mock_server.profiles import Profile

from ollama_conformance import contracts

ENDPOINT = "POST /v1/chat/completions"
INFO = RequestInfo(endpoint=ENDPOINT, api="openai")
T0 = "2026-08-21T17:02:11.512309Z"  # 1787331731
CURRENT = Profile()


def record(
    content: str = "",
    thinking: str = "",
    calls: list[dict[str, Any]] | None = None,
    done: bool = False,
    reason: str = "stop",
    at: str = T0,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    if calls:
        message["tool_calls"] = calls
    out: dict[str, Any] = {"model": "qwen3:8b", "created_at": at, "message": message, "done": done}
    if done:
        out.update(
            done_reason=reason,
            total_duration=9,
            load_duration=1,
            prompt_eval_count=12,
            prompt_eval_duration=2,
            eval_count=3,
            eval_duration=4,
        )
    return out


def call(name: str = "get_weather", index: int = 0, **arguments: Any) -> dict[str, Any]:
    return {
        "id": f"call_abc{index}defg",
        "function": {"index": index, "name": name, "arguments": arguments or {"city": "Tokyo"}},
    }


def frames(stream: Stream) -> list[Any]:
    """The SSE payloads: dicts, or the raw text of a Raw item."""
    return [item.body if isinstance(item, Chunk) else item.data.decode() for item in stream.items]


def raw_sse(stream: Stream) -> bytes:
    out = b""
    for item in stream.items:
        if isinstance(item, Chunk):
            out += b"data: " + json.dumps(item.body, separators=(",", ":")).encode() + b"\n\n"
        elif isinstance(item, Raw):
            out += item.data
    return out


def assert_stream_valid(stream: Stream, request: dict[str, Any] | None = None) -> None:
    assert contracts.validate_stream(ENDPOINT, raw_sse(stream), request=request) == []


def translate(records: list[dict[str, Any]], prof: Profile = CURRENT, include_usage: bool = False,
              delay: float = 0.0) -> Stream:
    return ChatStreamer("chatcmpl-417", prof, include_usage).translate(
        Stream(items=[Chunk(body=r, delay=delay) for r in records])
    )


# ---- non-stream ------------------------------------------------------------------------------


def completion(native: dict[str, Any], prof: Profile = CURRENT) -> tuple[dict[str, Any], set[str]]:
    marks: set[str] = set()
    return openai_chat.completion_body("chatcmpl-417", native, prof, marks, "qwen3:8b"), marks


def test_non_stream_shape_and_key_order() -> None:
    body, marks = completion(record(content="Hello there", done=True))
    assert body == {
        "id": "chatcmpl-417",
        "object": "chat.completion",
        "created": 1787331731,
        "model": "qwen3:8b",
        "system_fingerprint": "fp_ollama",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello there"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
    assert list(body) == ["id", "object", "created", "model", "system_fingerprint", "choices", "usage"]
    assert marks == set()
    assert contracts.validate(ENDPOINT, "response", body) == []


def test_non_stream_tool_calls_and_reasoning() -> None:
    body, _ = completion(record(thinking="think", calls=[call(), call("get_time", 1, tz="UTC")], done=True))
    message = body["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": "",
        "reasoning": "think",
        "tool_calls": [
            {
                "id": "call_abc0defg",
                "index": 0,
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Tokyo"}'},
            },
            {
                "id": "call_abc1defg",
                "index": 1,
                "type": "function",
                "function": {"name": "get_time", "arguments": '{"tz":"UTC"}'},
            },
        ],
    }
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert contracts.validate(ENDPOINT, "response", body) == []


def test_non_stream_length_kept_and_empty_reason_null() -> None:
    body, _ = completion(record(calls=[call()], done=True, reason="length"))
    assert body["choices"][0]["finish_reason"] == "length"
    body, _ = completion(record(content="x", done=True, reason=""))
    assert body["choices"][0]["finish_reason"] is None


def test_arguments_string_escapes_like_go() -> None:
    body, _ = completion(record(calls=[call(html="<a&b>")], done=True))
    assert (
        body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        == '{"html":"\\u003ca\\u0026b\\u003e"}'
    )


def test_run_folds_native_and_ids_are_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []

    def fake_native(kind: str, state: Any, body: dict[str, Any], info: RequestInfo, digest: bytes) -> Single:
        from ollama_conformance.mock_server.generation.responder import seed_of

        assert digest == seed_of(body)  # the layer hands on the digest the native handler would make
        seen.append(body)
        return Single(body=record(content="Hi", done=True))

    monkeypatch.setattr(openai_chat, "call_native", fake_native)
    request = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}]}
    first, second = openai_chat.run(None, request, INFO), openai_chat.run(None, request, INFO)
    assert isinstance(first, Single) and first.content_type == "application/json"
    assert first.body == second.body
    assert first.body["id"].startswith("chatcmpl-") and 0 <= int(first.body["id"].split("-")[1]) <= 998
    assert seen[0]["stream"] is False


# ---- stream (current framing) ----------------------------------------------------------------


def test_stream_text_exact_frames() -> None:
    stream = translate(
        [record(content="Hello"), record(content=" there", at="2026-08-21T17:02:13Z"), record(done=True)],
        include_usage=True,
    )
    head = {
        "id": "chatcmpl-417",
        "object": "chat.completion.chunk",
        "created": 1787331731,
        "model": "qwen3:8b",
        "system_fingerprint": "fp_ollama",
    }
    assert frames(stream) == [
        {
            **head,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "Hello"}, "finish_reason": None}
            ],
        },
        {**head, "choices": [{"index": 0, "delta": {"content": " there"}, "finish_reason": None}]},
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**head, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}},
        "data: [DONE]\n\n",
    ]
    assert stream.framing == "sse" and stream.content_type == "text/event-stream"
    assert_stream_valid(stream, {"stream_options": {"include_usage": True}})


def test_stream_reasoning_split_and_tool_calls() -> None:
    stream = translate(
        [
            record(thinking="Let me"),
            record(thinking="see", content="Hi"),
            record(calls=[call()]),
            record(done=True),
        ]
    )
    deltas = [f["choices"][0]["delta"] for f in frames(stream)[:-1]]
    assert deltas == [
        {"role": "assistant", "content": "", "reasoning": "Let me"},
        {"reasoning": "see"},
        {"content": "Hi"},
        {
            "content": "",
            "tool_calls": [
                {
                    "id": "call_abc0defg",
                    "index": 0,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Tokyo"}'},
                }
            ],
        },
        {},
    ]
    assert frames(stream)[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert_stream_valid(stream)


def test_stream_length_wins_over_tool_calls() -> None:
    stream = translate([record(calls=[call()]), record(done=True, reason="length")])
    assert frames(stream)[-2]["choices"][0]["finish_reason"] == "length"


def test_stream_empty_reply_still_sends_role_chunk() -> None:
    stream = translate([record(done=True)])
    assert [f["choices"][0]["delta"] for f in frames(stream)[:-1]] == [
        {"role": "assistant", "content": ""},
        {},
    ]
    assert_stream_valid(stream)


def test_stream_final_record_with_calls_is_sent_before_finish() -> None:
    stream = translate([record(content="a"), record(calls=[call()], done=True)])
    assert [f["choices"][0]["finish_reason"] for f in frames(stream)[:-1]] == [None, None, "tool_calls"]
    assert "tool_calls" in frames(stream)[1]["choices"][0]["delta"]


def test_stream_no_usage_chunk_without_include_usage() -> None:
    stream = translate([record(content="a"), record(done=True)])
    assert all("usage" not in f for f in frames(stream)[:-1])


def test_midstream_error_sends_empty_chunk_and_no_done() -> None:
    stream = translate([record(content="a"), {"error": "an error was encountered while running the model"}])
    last = frames(stream)[-1]
    assert last["model"] == "" and last["choices"] == [
        {"index": 0, "delta": {"content": ""}, "finish_reason": None}
    ]
    assert all(not isinstance(f, str) for f in frames(stream))  # no [DONE]


def test_error_before_any_chunk_is_an_http_error() -> None:
    with pytest.raises(errors.OllamaError) as caught:
        translate([{"error": "boom"}])
    assert (caught.value.status, caught.value.message) == (500, "boom")


def test_delays_ride_on_the_first_chunk_of_each_record() -> None:
    native = Stream(
        items=[
            Chunk(body=record(thinking="t", content="c"), delay=0.25),
            Chunk(body=record(done=True), delay=0.5),
        ]
    )
    stream = ChatStreamer("chatcmpl-1", CURRENT, False).translate(native)
    assert [item.delay for item in stream.items] == [0.25, 0.0, 0.5, 0.0]


# ---- profile flags ---------------------------------------------------------------------------


def _flag(**flags: Any) -> Profile:
    return dataclasses.replace(CURRENT, **flags)


def test_legacy_framing() -> None:
    records = [
        record(content="Hi"),
        record(calls=[call()], at="2026-08-21T17:02:12Z"),
        record(done=True, reason="length", at="2026-08-21T17:02:13Z"),
    ]
    # created: the time each chunk is written (the first record's, plus the waits before it)
    stream = translate(records, _flag(v1_stream_framing="legacy"), include_usage=True, delay=1.0)
    chunks = frames(stream)
    assert [c["choices"][0]["delta"].get("role") for c in chunks[:3]] == ["assistant"] * 3
    assert all("content" in c["choices"][0]["delta"] for c in chunks[:3])
    assert [c["created"] for c in chunks[:3]] == [1787331732, 1787331733, 1787331734]  # T0 is :11.5, a 1 s wait each
    unpaced = frames(translate(records, _flag(v1_stream_framing="legacy"), include_usage=True))
    assert {c["created"] for c in unpaced[:4]} == {1787331731}  # written at once: one second
    assert [c["choices"][0]["finish_reason"] for c in chunks[:3]] == [
        None,
        None,
        "tool_calls",
    ]  # forced over length
    assert (
        chunks[3]["choices"] == []
        and chunks[3]["created"] == 1787331734
        and chunks[3]["usage"]["total_tokens"] == 15
    )
    assert chunks[4] == "data: [DONE]\n\n"
    assert stream.headers["X-Ollama-Mock-Deliberate"] == "v1_stream_framing"


def test_stream_tool_finish_reason_stop() -> None:
    stream = translate(
        [record(calls=[call()]), record(done=True)], _flag(v1_stream_tool_finish_reason="stop")
    )
    assert frames(stream)[-2]["choices"][0]["finish_reason"] == "stop"
    assert stream.headers["X-Ollama-Mock-Deliberate"] == "v1_stream_tool_finish_reason"


def test_length_does_not_beat_tool_calls() -> None:
    prof = _flag(v1_length_beats_tool_calls=False)
    stream = translate([record(calls=[call()]), record(done=True, reason="length")], prof)
    assert frames(stream)[-2]["choices"][0]["finish_reason"] == "tool_calls"
    body, marks = completion(record(calls=[call()], done=True, reason="length"), prof)
    assert body["choices"][0]["finish_reason"] == "tool_calls" and marks == {"v1_length_beats_tool_calls"}


def test_usage_chunk_disabled() -> None:
    stream = translate(
        [record(content="a"), record(done=True)], _flag(v1_usage_chunk=False), include_usage=True
    )
    assert all("usage" not in f for f in frames(stream)[:-1])
    assert stream.headers["X-Ollama-Mock-Deliberate"] == "v1_usage_chunk"


def test_content_null_with_tool_calls() -> None:
    prof = _flag(v1_content_null_with_tool_calls=True)
    body, marks = completion(record(calls=[call()], done=True), prof)
    assert body["choices"][0]["message"]["content"] is None and marks == {"v1_content_null_with_tool_calls"}
    stream = translate([record(calls=[call()]), record(done=True)], prof)
    assert frames(stream)[0]["choices"][0]["delta"]["content"] is None


def test_reasoning_content_field() -> None:
    prof = _flag(v1_reasoning_field="reasoning_content")
    body, marks = completion(record(thinking="t", content="c", done=True), prof)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "c", "reasoning_content": "t"}
    assert marks == {"v1_reasoning_field"}
    stream = translate([record(thinking="t"), record(done=True)], prof)
    assert frames(stream)[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
        "reasoning_content": "t",
    }


def test_midstream_error_event() -> None:
    stream = translate([record(content="a"), {"error": "boom"}], _flag(v1_midstream_error="error_event"))
    assert frames(stream)[-1] == {
        "error": {"message": "boom", "type": "api_error", "param": None, "code": None}
    }
    assert stream.headers["X-Ollama-Mock-Deliberate"] == "v1_midstream_error"


def test_stream_tool_index_absent() -> None:
    stream = translate([record(calls=[call()]), record(done=True)], _flag(v1_stream_tool_index=False))
    assert "index" not in frames(stream)[0]["choices"][0]["delta"]["tool_calls"][0]
    assert stream.headers["X-Ollama-Mock-Deliberate"] == "v1_stream_tool_index"


def test_error_types_api_error_for_native_errors_only() -> None:
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.state import State

    state = State(Settings())
    state.profile = _flag(v1_error_types="api_error")
    hello = [{"role": "user", "content": "hi"}]
    outcome = openai_chat.run(state, {"model": "nope", "messages": hello}, INFO)
    assert (
        isinstance(outcome, Single) and outcome.status == 404 and outcome.content_type == "application/json"
    )
    assert outcome.body == {
        "error": {"message": "model 'nope' not found", "type": "api_error", "param": None, "code": None}
    }
    assert outcome.headers["X-Ollama-Mock-Deliberate"] == "v1_error_types"
    # the middleware's own validation errors kept their type before v0.18.0 too
    with pytest.raises(errors.OllamaError) as caught:
        openai_chat.run(state, {"model": "nope", "messages": []}, INFO)
    assert caught.value.status == 400
    state.profile = CURRENT  # current Ollama: the core's envelope maps the type by status
    with pytest.raises(errors.OllamaError) as missing:
        openai_chat.run(state, {"model": "nope", "messages": hello}, INFO)
    assert missing.value.status == 404


@pytest.mark.parametrize("max_tokens", [None, 30])
def test_legacy_streams_match_the_before_0_32_6_variant(max_tokens: int | None) -> None:
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.state import State

    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    body: dict[str, Any] = {
        "model": "qwen3:8b",
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": tools,
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    }
    if max_tokens:
        body.update(max_tokens=max_tokens, messages=[{"role": "user", "content": "hello"}])
    stream = openai_chat.run(State(Settings(profile="ollama-0.32.5")), body, INFO)
    assert isinstance(stream, Stream)
    violations = contracts.validate_stream(
        ENDPOINT, raw_sse(stream), request=body, variant="stream-framing-before-0.32.6"
    )
    assert violations == []
