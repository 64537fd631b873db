"""POST /api/chat through the in-process mock: errors in check order, tools, thinking, profiles."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server.reply import Reply, ReplyContext

from ollama_conformance import contracts

CHAT = "/api/chat"
USER = [{"role": "user", "content": "What's the weather in Paris?"}]
WEATHER = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get weather for a location",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
]


def lines(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


def state(client: Any) -> Any:
    return client.app.state.mock


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "", "messages": USER, "top_logprobs": -1}, 400, "top_logprobs must be between 0 and 20"),
        (
            {"model": "", "messages": [{"role": "user", "content": "x", "images": ["QQ="]}]},
            400,
            "illegal base64 data at input byte 3",
        ),
        ({"model": "", "messages": USER}, 400, "model is required"),
        ({"model": "no/such/name/here", "messages": USER}, 400, "invalid model name"),
        ({"model": "nope", "messages": USER, "think": True}, 404, "model 'nope' not found"),
        (
            {"model": "gemma3:1b", "messages": USER, "think": "high", "tools": WEATHER},
            400,
            '"gemma3:1b" does not support thinking',
        ),
        (
            {"model": "nomic-embed-text", "messages": USER, "tools": WEATHER},
            400,
            '"nomic-embed-text" does not support chat',
        ),
        (
            {"model": "gemma3:1b", "messages": USER, "tools": WEATHER, "options": {"stop": "x"}},
            400,
            "registry.ollama.ai/library/gemma3:1b does not support tools",
        ),
        (
            {"model": "llama3.2", "messages": [], "options": {"num_ctx": "big"}},
            500,
            'option "num_ctx" must be of type integer',
        ),
        (
            {"model": "llama3.2", "messages": USER, "format": 5},
            500,
            'invalid format: "5"; expected "json" or a valid JSON Schema object',
        ),
    ],
)
def test_errors_in_check_order(asgi_client: Any, body: dict[str, Any], status: int, message: str) -> None:
    r = asgi_client.post(CHAT, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


def test_null_body_is_model_required(asgi_client: Any) -> None:
    r = asgi_client.post(CHAT, content=b"null")
    assert (r.status_code, r.json()) == (400, {"error": "model is required"})


def test_load_and_unload(asgi_client: Any) -> None:
    load = asgi_client.post(CHAT, json={"model": "llama3.2", "messages": []}).json()
    assert load["message"] == {"role": "assistant", "content": ""} and load["done_reason"] == "load"
    unload = asgi_client.post(CHAT, json={"model": "nomic-embed-text", "keep_alive": "0s"}).json()
    assert unload["done_reason"] == "unload"


def test_stream_shape_and_metrics(asgi_client: Any) -> None:
    records = lines(asgi_client.post(CHAT, json={"model": "llama3.2", "messages": USER}))
    body, final = records[:-1], records[-1]
    assert all(rec["message"]["role"] == "assistant" and rec["done"] is False for rec in body)
    assert final["message"] == {"role": "assistant", "content": ""} and final["done_reason"] == "stop"
    assert final["eval_count"] == len(body)
    assert tuple(k for k in final if k.endswith(("duration", "count"))) == contracts.metric_keys()


def test_thinking_chunks_come_first(asgi_client: Any) -> None:
    records = lines(
        asgi_client.post(CHAT, json={"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}]})
    )
    kinds = ["thinking" if "thinking" in r["message"] else "content" for r in records[:-1]]
    assert kinds[0] == "thinking" and kinds[-1] == "content" and kinds == sorted(kinds, reverse=True)
    assert all(r["message"]["content"] == "" for r in records if "thinking" in r["message"])


def test_tool_call_non_stream_then_final_answer(asgi_client: Any) -> None:
    first = asgi_client.post(
        CHAT, json={"model": "llama3.2", "messages": USER, "tools": WEATHER, "stream": False}
    ).json()
    call = first["message"]["tool_calls"][0]
    assert first["message"]["content"] == "" and first["done_reason"] == "stop"
    assert re.fullmatch(r"call_[a-z0-9]{8}", call["id"])
    assert call["function"] == {"index": 0, "name": "get_weather", "arguments": {"location": "Paris"}}
    history = USER + [
        first["message"],
        {"role": "tool", "content": "22 degrees, sunny", "tool_call_id": call["id"]},
    ]
    final = asgi_client.post(
        CHAT, json={"model": "llama3.2", "messages": history, "tools": WEATHER, "stream": False}
    ).json()
    assert "tool_calls" not in final["message"] and "22 degrees, sunny" in final["message"]["content"]


def test_streamed_tool_call_has_its_own_chunk(asgi_client: Any) -> None:
    records = lines(asgi_client.post(CHAT, json={"model": "llama3.2", "messages": USER, "tools": WEATHER}))
    with_calls = [r for r in records if "tool_calls" in r["message"]]
    assert len(with_calls) == 1 and with_calls[0]["done"] is False
    assert records[-1]["done"] is True and records[-1]["message"] == {"role": "assistant", "content": ""}


def test_tool_choice_from_the_v1_layer(asgi_client: Any) -> None:
    body = {"model": "llama3.2", "messages": USER, "tools": WEATHER, "stream": False}
    none = asgi_client.post(CHAT, json={**body, "_tool_choice": "none"}).json()
    assert "tool_calls" not in none["message"] and none["message"]["content"]
    named = {"type": "function", "function": {"name": "get_weather"}}
    after = USER + [{"role": "tool", "content": "sunny", "tool_name": "get_weather"}]
    forced = asgi_client.post(CHAT, json={**body, "messages": after, "_tool_choice": named}).json()
    assert forced["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_profile_old_tool_call_shape(asgi_client: Any) -> None:
    st = state(asgi_client)
    st.profile = replace(st.profile, native_tool_call_ids=False, native_tool_call_index="omitempty")
    r = asgi_client.post(
        CHAT, json={"model": "llama3.2", "messages": USER, "tools": WEATHER, "stream": False}
    )
    assert r.json()["message"]["tool_calls"] == [
        {"function": {"name": "get_weather", "arguments": {"location": "Paris"}}}
    ]
    assert r.headers["x-ollama-mock-deliberate"].startswith("native_tool_call_index")


def test_profile_tool_calls_streamed_as_text(asgi_client: Any) -> None:
    st = state(asgi_client)
    st.profile = replace(st.profile, stream_tool_calls="as_text")
    records = lines(asgi_client.post(CHAT, json={"model": "llama3.2", "messages": USER, "tools": WEATHER}))
    text = "".join(r["message"]["content"] for r in records)
    assert json.loads(text) == {"name": "get_weather", "arguments": {"location": "Paris"}}
    assert len(records) > 3 and not any("tool_calls" in r["message"] for r in records)


def test_profile_without_thinking_ignores_think(asgi_client: Any) -> None:
    st = state(asgi_client)
    st.profile = replace(st.profile, thinking=False)
    r = asgi_client.post(CHAT, json={"model": "gemma3:1b", "messages": USER, "think": True, "stream": False})
    assert r.status_code == 200 and "thinking" not in r.json()["message"]
    q = asgi_client.post(CHAT, json={"model": "qwen3:8b", "messages": USER, "stream": False}).json()
    assert "thinking" not in q["message"]


def test_scenario_responder_drives_the_reply(asgi_client: Any) -> None:
    seen: list[ReplyContext] = []

    def scripted(ctx: ReplyContext) -> Reply | None:
        seen.append(ctx)
        if "boom" in ctx.prompt:
            return Reply(error=(503, "server busy, please try again.  maximum pending requests exceeded"))
        return Reply(content="scripted answer", chunk_sizes=[4], rule="r1")

    state(asgi_client).responders.insert(0, scripted)
    records = lines(
        asgi_client.post(CHAT, json={"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]})
    )
    assert [r["message"]["content"] for r in records[:-1]] == ["scri", "pted", " ans", "wer"]
    assert records[-1]["eval_count"] == 4 and seen[0].endpoint == "POST /api/chat" and seen[0].turn_index == 0
    r = asgi_client.post(CHAT, json={"model": "llama3.2", "messages": [{"role": "user", "content": "boom"}]})
    assert r.status_code == 503 and r.json()["error"].startswith("server busy")


def test_format_schema_content_validates(asgi_client: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"enum": ["a", "b"]}}},
        "required": ["name", "tags"],
    }
    body = asgi_client.post(
        CHAT, json={"model": "llama3.2", "messages": USER, "format": schema, "stream": False}
    ).json()
    value = json.loads(body["message"]["content"])
    assert isinstance(value["name"], str) and set(value["tags"]) <= {"a", "b"}


def test_determinism_and_logprobs(asgi_client: Any) -> None:
    req = {"model": "llama3.2", "messages": USER, "stream": False, "logprobs": True, "top_logprobs": 2}
    asgi_client.post(CHAT, json={"model": "llama3.2", "messages": []})
    a, b = asgi_client.post(CHAT, json=req).json(), asgi_client.post(CHAT, json=req).json()
    a.pop("created_at"), b.pop("created_at")
    assert a == b and len(a["logprobs"]) == a["eval_count"]
    assert "".join(e["token"] for e in a["logprobs"]) == a["message"]["content"]


def test_parallel_calls_have_distinct_ids_and_indexes(asgi_client: Any) -> None:
    messages = [{"role": "user", "content": "What's the weather in Paris and in Tokyo?"}]
    records = lines(
        asgi_client.post(CHAT, json={"model": "qwen3:8b", "messages": messages, "tools": WEATHER})
    )
    calls = [c for r in records for c in r["message"].get("tool_calls", [])]
    assert [c["function"]["index"] for c in calls] == [0, 1]
    assert [c["function"]["arguments"]["location"] for c in calls] == ["Paris", "Tokyo"]
    assert len({c["id"] for c in calls}) == 2


def test_debug_render_only_returns_the_rendered_prompt(asgi_client: Any) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "minLength": 2, "format": "x"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
    history = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_a", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
            ],
        },
        {"role": "tool", "content": "cold", "tool_name": "get_weather", "tool_call_id": "call_a"},
    ]
    r = asgi_client.post(
        CHAT, json={"model": "llama3.2", "messages": history, "tools": [tool], "_debug_render_only": True}
    )
    body = r.json()
    assert body["done"] is False and body["message"] == {"role": "", "content": ""}
    rendered = body["_debug_info"]["rendered_template"]
    assert '{"name": "get_weather", "arguments": {"city": "Oslo"}}' in rendered
    assert '<tool_response name="get_weather" id="call_a">\ncold' in rendered
    assert (
        '"minLength"' not in rendered
        and '"additionalProperties"' not in rendered
        and '"required"' in rendered
    )
    assert rendered.endswith("<|im_start|>assistant\n")


def test_context_length_truncates_or_fails(asgi_client: Any) -> None:
    long = [{"role": "user", "content": "This is a test sentence to fill up the context window. " * 30}]
    body = {"model": "gemma3:1b", "messages": long, "stream": False, "options": {"num_ctx": 128}}
    cut = asgi_client.post(CHAT, json=body).json()
    assert cut["prompt_eval_count"] == 128
    r = asgi_client.post(CHAT, json={**body, "truncate": False})
    assert (r.status_code, r.json()) == (400, {"error": "the input length exceeds the context length"})


@pytest.mark.parametrize(("profile", "first"), [("ollama-0.5.11", "done_reason"), ("ollama-0.4.5", "done_reason"),
                                                ("ollama-0.12.9", "done"), ("ollama-0.32", "done")])
def test_chat_struct_order_of_done_and_done_reason_follows_the_profile(make_mock, profile, first):
    # before v0.12.6 Ollama's ChatResponse had done_reason before done (the u2504..u2508 recordings)
    url = make_mock(profile=profile).base_url
    ask = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}
    single = httpx.post(url + CHAT, json={**ask, "stream": False}, timeout=10).json()
    final = json.loads(httpx.post(url + CHAT, json=ask, timeout=10).text.splitlines()[-1])
    load = httpx.post(url + CHAT, json={"model": "llama3.2", "messages": []}, timeout=10).json()
    for body in (single, final, load):
        keys = [k for k in body if k in ("done", "done_reason")]
        assert keys == ([first, "done" if first == "done_reason" else "done_reason"]), body


def test_null_messages_and_tools_count_as_go_zero_values(asgi_client: Any) -> None:
    # Go decodes [null] into a one-element slice: no load answer, and a tools capability check
    generated = asgi_client.post(CHAT, json={"model": "llama3.2", "messages": [None], "stream": False}).json()
    assert generated["done_reason"] == "stop" and generated["message"]["content"]
    kept = asgi_client.post(CHAT, json={"model": "llama3.2", "messages": [None], "keep_alive": 0, "stream": False})
    assert kept.json()["done_reason"] == "stop"
    refused = asgi_client.post(CHAT, json={"model": "gemma3:1b", "messages": [{"role": "user", "content": "x"}],
                                           "tools": [None]})
    assert (refused.status_code, refused.json()) == (
        400, {"error": "registry.ollama.ai/library/gemma3:1b does not support tools"})


# --- a format Ollama cannot use, on a thinking model: it thinks unconstrained first (§2.2, §4.3) ---

XML = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "format": "xml"}
INVALID_XML = 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object'


def test_an_invalid_format_fails_after_the_thinking_went_out(asgi_client: Any) -> None:
    response = asgi_client.post(CHAT, json=XML)
    records = lines(response)
    assert response.status_code == 200 and records[-1] == {"error": INVALID_XML}
    assert records[:-1] and all(r["message"]["thinking"] and not r["done"] for r in records[:-1])


@pytest.mark.parametrize("extra", [{"stream": False}, {"think": False}])
def test_an_invalid_format_without_streamed_thinking_is_a_500(asgi_client: Any, extra: dict[str, Any]) -> None:
    response = asgi_client.post(CHAT, json={**XML, **extra})
    assert response.status_code == 500 and response.json() == {"error": INVALID_XML}


def test_v1_streams_end_as_ollama_ends_them_after_a_late_format_error(asgi_client: Any) -> None:
    # the chunk an error line makes, then nothing (no finish chunk, no [DONE]); the self-check
    # (conftest) reads such a stream's chunks alone and finds them well formed
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": True,
            "response_format": {"type": "json_schema", "json_schema": {"schema": 5}}}
    events = [x[6:] for x in asgi_client.post("/v1/chat/completions", json=body).text.splitlines() if x.startswith("data: ")]
    assert "[DONE]" not in events and json.loads(events[-1])["model"] == ""
    assert json.loads(events[0])["choices"][0]["delta"].get("reasoning")
