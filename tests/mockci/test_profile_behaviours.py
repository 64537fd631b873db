"""Each profile changes, over HTTP, exactly the behaviours its flags (and the README table) say."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import profiles

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
ASK = [{"role": "user", "content": "weather in Paris?"}]


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]


@pytest.mark.parametrize("name", profiles.names())
def test_profile_flags_show_on_the_wire(make_mock, name: str) -> None:
    p = profiles.load(name)
    url = make_mock(profile=name).base_url
    native = httpx.post(
        url + "/api/chat", json={"model": "llama3.2", "messages": ASK, "tools": [TOOL], "stream": False}
    ).json()
    call = native["message"]["tool_calls"][0]
    assert ("id" in call) is p.native_tool_call_ids
    assert ("index" in call["function"]) is (p.native_tool_call_index == "always")

    stream = httpx.post(url + "/api/chat", json={"model": "llama3.2", "messages": ASK, "tools": [TOOL]}).text
    assert any("tool_calls" in json.loads(x)["message"] for x in stream.splitlines()) is (
        p.stream_tool_calls in ("parsed", "buffered")  # buffered: text is held back, calls still parse
    )

    v1 = _events(
        httpx.post(
            url + "/v1/chat/completions",
            json={
                "model": "llama3.2",
                "messages": ASK,
                "tools": [TOOL],
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        ).text
    )
    choices = [e["choices"][0] for e in v1 if e["choices"]]
    deltas = [t for c in choices for t in c["delta"].get("tool_calls", [])]
    finish = [c["finish_reason"] for c in choices if c["finish_reason"]][-1]
    if p.stream_tool_calls in ("parsed", "buffered"):
        assert finish == p.v1_stream_tool_finish_reason
        assert all(("index" in t) is p.v1_stream_tool_index for t in deltas) and deltas
    else:
        assert not deltas and finish == "stop"
    assert any(e["choices"] == [] for e in v1) is p.v1_usage_chunk
    roles = sum("role" in c["delta"] for c in choices)
    assert (roles == 1) is (p.v1_stream_framing == "current")

    plain = httpx.post(
        url + "/v1/chat/completions", json={"model": "llama3.2", "messages": ASK, "tools": [TOOL]}
    ).json()
    content = plain["choices"][0]["message"]["content"]
    assert (content is None) is p.v1_content_null_with_tool_calls and content in (None, "")

    missing = httpx.post(url + "/v1/chat/completions", json={"model": "nope", "messages": ASK}).json()
    assert (missing["error"]["type"] == "api_error") is (p.v1_error_types == "api_error")

    think = httpx.post(
        url + "/api/chat",
        json={"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": False},
    ).json()
    assert ("thinking" in think["message"]) is p.thinking
    assert httpx.get(url + "/api/version").json()["version"] == p.version


def test_openai_strict_honours_tool_choice_none(make_mock) -> None:
    body = {"model": "llama3.2", "messages": ASK, "tools": [TOOL], "tool_choice": "none"}
    strict = httpx.post(
        make_mock(profile="openai-strict").base_url + "/v1/chat/completions", json=body
    ).json()
    default = httpx.post(make_mock().base_url + "/v1/chat/completions", json=body).json()
    assert not strict["choices"][0]["message"].get("tool_calls")
    assert default["choices"][0]["message"]["tool_calls"]  # gap 19: current Ollama ignores it
