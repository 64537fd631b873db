"""Version profiles on the /v1 layers, end to end over uvicorn (make_mock with --profile): each
v1_* flag changes the wire as that Ollama release did, and marks the answer deliberate."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def frames(url: str, body: dict[str, Any]) -> tuple[httpx.Response, list[Any]]:
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=10) as response:
        raw = response.read().decode()
    out = []
    for block in raw.split("\n\n")[:-1]:
        payload = block.removeprefix("data: ")
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return response, out


def test_profile_0_32_5_legacy_framing(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="ollama-0.32.5").base_url
    body = {
        "model": "llama3.2",
        "messages": ASK,
        "tools": [WEATHER_TOOL],
        "stream": True,
        "max_tokens": 200,
        "stream_options": {"include_usage": True},
    }
    response, chunks = frames(url, body)
    assert "v1_stream_framing" in response.headers["x-ollama-mock-deliberate"]
    choice_chunks = [c for c in chunks[:-1] if c["choices"]]
    assert all(
        c["choices"][0]["delta"]["role"] == "assistant" and "content" in c["choices"][0]["delta"]
        for c in choice_chunks
    )
    assert not any(c["choices"][0]["delta"] == {} for c in choice_chunks)  # no separate finish chunk
    assert choice_chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-2]["choices"] == [] and chunks[-2]["usage"]["total_tokens"] > 0 and chunks[-1] == "[DONE]"


def test_profile_0_4_5(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="ollama-0.4.5").base_url
    body = {
        "model": "llama3.2",
        "messages": ASK,
        "tools": [WEATHER_TOOL],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    response, chunks = frames(url, body)
    assert "v1_usage_chunk" in response.headers["x-ollama-mock-deliberate"].split(",")
    # gap 1: the call streams as text, so no tool_calls and finish_reason stop; gap 25: no usage chunk
    deltas = [c["choices"][0]["delta"] for c in chunks[:-1]]
    assert json.loads("".join(d["content"] for d in deltas)) == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert not any("tool_calls" in d for d in deltas)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and all("usage" not in c for c in chunks[:-1])
    error = httpx.post(url + "/v1/chat/completions", json={"model": "nope", "messages": ASK}, timeout=10)
    assert error.status_code == 404 and error.json()["error"]["type"] == "api_error"
    assert error.headers["x-ollama-mock-deliberate"] == "v1_error_types"


def test_profile_0_5_11_finish_reason_stop_after_tool_calls(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="ollama-0.5.11").base_url
    response, chunks = frames(
        url, {"model": "llama3.2", "messages": ASK, "tools": [WEATHER_TOOL], "stream": True}
    )
    assert "v1_stream_tool_finish_reason" in response.headers["x-ollama-mock-deliberate"].split(",")
    calls = [c for f in chunks[:-1] for c in f["choices"][0]["delta"].get("tool_calls", [])]
    assert len(calls) == 1 and calls[0]["index"] == 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and chunks[-1] == "[DONE]"


def test_profile_openai_strict(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="openai-strict").base_url
    with openai.OpenAI(base_url=url + "/v1", api_key="ollama", max_retries=0, timeout=10) as client:
        called = client.chat.completions.create(model="llama3.2", messages=ASK, tools=[WEATHER_TOOL])
        assert called.choices[0].message.content is None and called.choices[0].message.tool_calls
        silent = client.chat.completions.create(
            model="llama3.2", messages=ASK, tools=[WEATHER_TOOL], tool_choice="none"
        )
        assert not silent.choices[0].message.tool_calls and silent.choices[0].finish_reason == "stop"
        forced = client.chat.completions.create(
            model="llama3.2",
            messages=[{"role": "user", "content": "Say hello"}],
            tools=[WEATHER_TOOL],
            tool_choice="required",
        )
        assert forced.choices[0].message.tool_calls
        time_tool = {
            "type": "function",
            "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
        }
        named = client.chat.completions.create(
            model="llama3.2",
            messages=ASK,
            tools=[WEATHER_TOOL, time_tool],
            tool_choice={"type": "function", "function": {"name": "get_time"}},
        )
        assert [c.function.name for c in named.choices[0].message.tool_calls or []] == ["get_time"]
    reasoning = httpx.post(
        url + "/v1/chat/completions", json={"model": "qwen3:8b", "messages": ASK}, timeout=10
    )
    message = reasoning.json()["choices"][0]["message"]
    assert "reasoning_content" in message and "reasoning" not in message
    assert "v1_reasoning_field" in reasoning.headers["x-ollama-mock-deliberate"]


@pytest.mark.parametrize(
    ("profile", "error_type"), [("ollama-0.12.9", "api_error"), ("ollama-0.32.5", "not_found_error")]
)
def test_old_profiles_stream_stays_parseable(
    make_mock: Callable[..., Any], profile: str, error_type: str
) -> None:
    url = make_mock(profile=profile).base_url
    with openai.OpenAI(base_url=url + "/v1", api_key="ollama", max_retries=0, timeout=10) as client:
        text = "".join(
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(
                model="llama3.2", messages=[{"role": "user", "content": "Say hello"}], stream=True
            )
            if c.choices
        )
        assert (
            text
            == client.chat.completions.create(
                model="llama3.2", messages=[{"role": "user", "content": "Say hello"}]
            )
            .choices[0]
            .message.content
        )
        with pytest.raises(openai.NotFoundError) as missing:
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "Say hello"}])
        assert missing.value.body["type"] == error_type  # api_error for native errors before v0.18.0
        with pytest.raises(openai.BadRequestError) as bad:
            client.chat.completions.create(model="llama3.2", messages=[])
        assert bad.value.body["type"] == "invalid_request_error"  # the middleware's own errors kept theirs


@pytest.mark.parametrize(("profile", "streams_calls"), [("ollama-0.12.9", True), ("ollama-0.5.11", True),
                                                     ("ollama-0.4.5", False)])  # 0.4.5 streamed calls as text
def test_before_native_ids_the_v1_layer_makes_the_tool_call_ids(
    make_mock: Callable[..., Any], profile: str, streams_calls: bool
) -> None:
    # Before v0.12.10 native calls had no id and the /v1 layer drew "call_" + 8 characters itself
    # (the April 2025 recordings); an empty id would leave parallel calls indistinguishable.
    url = make_mock(profile=profile).base_url
    body = {"model": "llama3.2", "messages": ASK, "tools": [WEATHER_TOOL]}
    native = httpx.post(url + "/api/chat", json={**body, "stream": False}, timeout=10).json()
    assert "id" not in native["message"]["tool_calls"][0]
    first = httpx.post(url + "/v1/chat/completions", json=body, timeout=10).json()
    [call] = first["choices"][0]["message"]["tool_calls"]
    assert call["id"].startswith("call_") and len(call["id"]) == 13 and call["id"][5:].isalnum()
    again = httpx.post(url + "/v1/chat/completions", json=body, timeout=10).json()
    assert again["choices"][0]["message"]["tool_calls"][0]["id"] == call["id"]  # same request, same bytes
    _, streamed = frames(url, {**body, "stream": True})
    ids = [c["id"] for f in streamed if f != "[DONE]" for ch in f["choices"] for c in ch["delta"].get("tool_calls", [])]
    assert len(ids) == (1 if streams_calls else 0)
    assert all(i.startswith("call_") and len(i) == 13 for i in ids)


# --- fields older releases did not know: unknown fields, so ignored --------------------------------


@pytest.mark.parametrize("profile", ["ollama-0.12.9", "ollama-0.5.11", "ollama-0.4.5"])
def test_before_0_12_11_logprobs_are_an_unknown_field(make_mock: Callable[..., Any], profile: str) -> None:
    url = make_mock(profile=profile).base_url
    v1 = httpx.post(url + "/v1/chat/completions", json={"model": "llama3.2", "messages": ASK, "logprobs": True}, timeout=10)
    assert v1.status_code == 200 and "logprobs" not in v1.json()["choices"][0]
    native = httpx.post(url + "/api/chat", json={"model": "llama3.2", "messages": ASK, "stream": False,
                                                 "logprobs": True, "top_logprobs": 99}, timeout=10)
    assert native.status_code == 200 and "logprobs" not in native.json()  # no range check either
    for wrong in ({"logprobs": "yes"}, {"top_logprobs": "yes"}):  # nor a type check
        body = {"model": "llama3.2", "messages": ASK, "stream": False, **wrong}
        assert httpx.post(url + "/api/chat", json=body, timeout=10).status_code == 200
        assert httpx.post(url + "/v1/chat/completions", json={**body, "stream": None}, timeout=10).status_code == 200


@pytest.mark.parametrize("profile", ["ollama-0.5.11", "ollama-0.4.5"])
def test_before_0_11_1_reasoning_fields_are_unknown(make_mock: Callable[..., Any], profile: str) -> None:
    url = make_mock(profile=profile).base_url
    for extra in ({"reasoning_effort": "bogus"}, {"reasoning": {"effort": "bogus"}}, {"reasoning": 5},
                  {"reasoning_effort": 5}):  # not even type-checked: Go's struct had no such field
        response = httpx.post(url + "/v1/chat/completions", json={"model": "llama3.2", "messages": ASK, **extra}, timeout=10)
        assert response.status_code == 200, (extra, response.text)


def test_before_0_4_7_whole_answers_have_no_tool_call_index(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="ollama-0.4.5").base_url
    body = {"model": "llama3.2", "messages": ASK, "tools": [WEATHER_TOOL]}
    response = httpx.post(url + "/v1/chat/completions", json=body, timeout=10)
    calls = response.json()["choices"][0]["message"]["tool_calls"]
    assert calls and all("index" not in call for call in calls)
    assert "v1_stream_tool_index" in response.headers["x-ollama-mock-deliberate"]


def test_legacy_framing_puts_the_role_on_the_midstream_error_chunk(make_mock: Callable[..., Any]) -> None:
    url = make_mock(profile="ollama-0.32.5").base_url
    body = {"model": "llama3.2", "messages": ASK, "stream": True}
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=10,
                      headers={"X-Ollama-Mock-Fault": "midstream_error;after=2"}) as response:
        raw = response.read().decode()
    chunks = [json.loads(block.removeprefix("data: ")) for block in raw.split("\n\n")[:-1]]
    assert chunks[-1]["model"] == "" and chunks[-1]["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_legacy_created_is_the_time_each_chunk_is_written(make_mock: Callable[..., Any], tmp_path: Any) -> None:
    # before v0.32.6 each chunk took time.Now().Unix() as it was converted: one value on a stream
    # written at once, advancing with the waits of a paced one (virtual time: waits counted, not slept)
    rules = {"rules": [{"match": {"message": "paced"}, "respond": {"content": "one two three four five", "delays": 0.7}}]}
    (tmp_path / "paced.json").write_text(json.dumps(rules))
    url = make_mock(profile="ollama-0.32.5", scenario=str(tmp_path / "paced.json"), virtual_time=True,
                    clock="2026-01-01T00:00:00Z").base_url

    def created(prompt: str) -> list[int]:
        _, chunks = frames(url, {"model": "llama3.2", "messages": [{"role": "user", "content": prompt}], "stream": True})
        return [c["created"] for c in chunks if isinstance(c, dict)]

    unpaced = created("Write a long story about a river.")
    assert len(unpaced) > 10 and len(set(unpaced)) == 1
    paced = created("a paced answer")
    assert paced == sorted(paced) and paced[-1] - paced[0] >= 3  # six waits of 0.7 s
