"""Scenario rules answering over a real uvicorn: native and /v1 alike, sequences, strict mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import extensions

from ollama_conformance import contracts

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TOOL_LOOP = """\
- name: call-weather
  match: {endpoint: chat, message: weather, tools: true, tool_results: false}
  respond:
    tool_calls: [{name: get_weather, arguments: {city: Paris}, id: call_paris01}]
- name: answer-weather
  match: {endpoint: chat, tool_results: true}
  respond: {content: "It is sunny in Paris."}
"""


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


def _sse(text: str) -> list[Any]:
    out = []
    for line in text.splitlines():
        if line.startswith("data: "):
            data = line[6:]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


@pytest.fixture
def loop_mock(make_mock, tmp_path: Path):
    path = tmp_path / "loop.yaml"
    path.write_text(TOOL_LOOP)
    return make_mock(scenario=str(path))


def test_native_tool_loop_call_then_answer(loop_mock) -> None:
    url = loop_mock.base_url + "/api/chat"
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = httpx.post(
        url, json={"model": "llama3.2", "messages": messages, "tools": [WEATHER_TOOL], "stream": False}
    )
    assert first.status_code == 200 and first.headers["x-ollama-mock-rule"] == "call-weather"
    call = first.json()["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and call["function"]["arguments"] == {"city": "Paris"}
    assert call["id"] == "call_paris01"
    messages += [
        first.json()["message"],
        {"role": "tool", "content": "sunny, 24C", "tool_name": "get_weather"},
    ]
    second = httpx.post(
        url, json={"model": "llama3.2", "messages": messages, "tools": [WEATHER_TOOL], "stream": False}
    )
    assert second.json()["message"]["content"] == "It is sunny in Paris."
    assert not contracts.validate("POST /api/chat", "response", second.json())
    journal = extensions.for_state(loop_mock.state).journal
    assert [e.rule for e in journal.requests("/api/chat")] == ["call-weather", "answer-weather"]
    assert journal.requests("/api/chat")[1].tool_results()[0]["content"] == "sunny, 24C"


def test_same_rule_drives_v1_stream(loop_mock) -> None:
    body = {
        "model": "llama3.2",
        "stream": True,
        "tools": [WEATHER_TOOL],
        "messages": [{"role": "user", "content": "weather please"}],
    }
    r = httpx.post(loop_mock.base_url + "/v1/chat/completions", json=body)
    events = _sse(r.text)
    calls = [
        c
        for e in events
        if isinstance(e, dict)
        for ch in e["choices"]
        for c in ch["delta"].get("tool_calls", [])
    ]
    assert calls[0]["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    assert events[-1] == "[DONE]" and events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_chunk_sizes_and_sequence(make_mock) -> None:
    mock = make_mock()
    scenario = extensions.for_state(mock.state).scenario
    scenario.add(
        name="seq",
        match={"model": "qwen2.5-coder:1.5b"},
        sequence=[{"content": "first answer", "chunk_sizes": [5]}, {"content": "second"}],
    )
    url = mock.base_url + "/api/generate"
    texts = []
    for _ in range(3):
        records = _lines(httpx.post(url, json={"model": "qwen2.5-coder:1.5b", "prompt": "hi"}).text)
        texts.append([r["response"] for r in records if not r["done"]])
    assert texts[0] == ["first", " answ", "er"]
    assert "".join(texts[1]) == "second" and "".join(texts[2]) == "second"  # the last answer repeats


def test_litellm_ollama_prefix_tool_loop_recipe_from_the_readme(make_mock) -> None:
    """litellm's `ollama/` prefix (1.109) sends tools as prompt text to /api/generate and reads the
    call from `response` as JSON: the README's recipe (a `content` rule in a `sequence`) answers the
    two requests it sends (as its journal entries show them, the prompt's instructions shortened)."""
    mock = make_mock()
    call = {"name": "get_weather", "arguments": {"city": "Paris"}}
    extensions.for_state(mock.state).scenario.add(
        name="litellm-weather",
        match={"endpoint": "generate", "message": "weather"},
        sequence=[{"content": json.dumps(call)}, {"content": "It is sunny in Paris."}],
    )
    instruction = (
        "### System:\nTo call a function, reply with JSON ONLY in this format "
        '{"name": "function_name", "arguments":{"argument_name": "argument_value"}}. ...\n\n\n'
    )
    first_prompt = "### User:\nWhat is the weather in Paris?\n\n"
    second_prompt = first_prompt + f"### Assistant:\n{json.dumps(call)}\n\n### User:\n24C, sunny\n\n"
    answers = []
    for prompt in (first_prompt, second_prompt):
        body = {"model": "llama3.2", "prompt": prompt + instruction, "options": {}, "stream": False,
                "format": "json", "images": []}
        reply = httpx.post(mock.base_url + "/api/generate", content=json.dumps(body))  # no Content-Type, as litellm
        assert reply.headers["x-ollama-mock-rule"] == "litellm-weather"
        answers.append(reply.json())
    assert json.loads(answers[0]["response"]) == call and "tool_calls" not in answers[0]
    assert answers[1]["response"] == "It is sunny in Paris."


def test_fall_through_after_sequence_hands_over_to_the_default(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        match={"message": "ping"}, sequence=[{"content": "pong"}], after_sequence="fall_through"
    )
    body = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "ping"}]}
    first = httpx.post(mock.base_url + "/api/chat", json=body).json()["message"]["content"]
    second = httpx.post(mock.base_url + "/api/chat", json=body)
    assert first == "pong" and second.json()["message"]["content"] != "pong"
    assert "x-ollama-mock-rule" not in second.headers


@pytest.mark.parametrize(
    ("endpoint", "path", "body", "expected"),
    [
        (
            "native",
            "/api/chat",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]},
            {"error": "server busy, please try again.  maximum pending requests exceeded"},
        ),
        (
            "openai",
            "/v1/chat/completions",
            {"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]},
            {
                "error": {
                    "message": "server busy, please try again.  maximum pending requests exceeded",
                    "type": "api_error",
                    "param": None,
                    "code": None,
                }
            },
        ),
    ],
)
def test_error_rule_uses_the_envelope_of_the_endpoint(
    make_mock, endpoint: str, path: str, body: dict, expected: dict
) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(respond={"error": {"key": "server_busy"}})
    r = httpx.post(mock.base_url + path, json=body)
    assert r.status_code == 503 and r.json() == expected


def test_rate_limit_rule_sends_retry_after(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        respond={"error": {"status": 429, "message": "slow down", "retry_after": 7}}
    )
    r = httpx.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "x"})
    assert (r.status_code, r.headers["retry-after"], r.json()) == (429, "7", {"error": "slow down"})


def test_header_and_turn_matching(make_mock) -> None:
    mock = make_mock()
    scenario = extensions.for_state(mock.state).scenario
    scenario.add(
        name="second-turn", match={"turn": 1, "header": {"X-Test-Id": "t1"}}, respond={"content": "turn two"}
    )
    history = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
    ]
    url = mock.base_url + "/api/chat"
    hit = httpx.post(
        url, json={"model": "llama3.2", "stream": False, "messages": history}, headers={"X-Test-Id": "t1"}
    )
    miss = httpx.post(
        url, json={"model": "llama3.2", "stream": False, "messages": history[:1]}, headers={"X-Test-Id": "t1"}
    )
    assert hit.json()["message"]["content"] == "turn two"
    assert miss.json()["message"]["content"] != "turn two"


def test_regex_match_and_thinking(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        match={"message_regex": r"^calc \d+"}, respond={"thinking": "adding", "content": "42"}
    )
    r = httpx.post(
        mock.base_url + "/api/chat",
        json={"model": "qwen3:8b", "stream": False, "messages": [{"role": "user", "content": "calc 40+2"}]},
    )
    message = r.json()["message"]
    assert message["content"] == "42" and message["thinking"] == "adding"


def test_strict_mode_names_nearest_rule_and_field(make_mock, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TOOL_LOOP)
    mock = make_mock(scenario=str(path), strict=True)
    r = httpx.post(
        mock.base_url + "/api/chat",
        json={"model": "llama3.2", "messages": [{"role": "user", "content": "weather?"}]},
    )
    assert r.status_code == 400
    message = r.json()["error"]
    assert message.startswith("ollama-mock: no scenario rule matched POST /api/chat")
    assert "nearest rule 'call-weather'" in message and "tools expected true, got 0 tools" in message
    v1 = httpx.post(
        mock.base_url + "/v1/chat/completions",
        json={"model": "llama3.2", "messages": [{"role": "user", "content": "hello"}]},
    )
    assert v1.status_code == 400 and v1.json()["error"]["message"].startswith(
        "ollama-mock: no scenario rule matched"
    )


def test_delays_are_reported_in_virtual_time_without_sleeping(make_mock) -> None:
    mock = make_mock(virtual_time=True)
    extensions.for_state(mock.state).scenario.add(respond={"content": "a b c", "delays": [2.0, 0.5]})
    with httpx.Client(timeout=1.5) as client:  # real pacing would take 3 s and time out
        r = client.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "x"})
    assert r.status_code == 200
    records = _lines(r.text)
    assert int(r.headers["x-ollama-mock-virtual-delay-ms"]) == 2000 + 500 * (len(records) - 1)


def test_real_delays_pace_the_stream(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(respond={"content": "a b", "delays": [0.0, 0.3]})
    with (
        httpx.Client() as client,
        client.stream(
            "POST", mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "x"}
        ) as r,
    ):
        import time

        start = time.monotonic()
        first_at = None
        for line in r.iter_lines():
            if line and first_at is None:
                first_at = time.monotonic() - start
        total = time.monotonic() - start
    assert first_at is not None and first_at < 0.25 and total >= 0.3


def test_status_fault_in_a_rule_keeps_its_headers(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(respond={"fault": "status;code=429;retry_after=3;should_retry=false"})
    r = httpx.post(mock.base_url + "/v1/chat/completions",
                   json={"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]})
    assert (r.status_code, r.headers["retry-after"], r.headers["x-should-retry"]) == (429, "3", "false")
    assert r.json()["error"]["message"] == "too many requests"


# --- delays beyond streams, and labels on error answers -------------------------------------------

SLOW = [{"name": "slow", "match": {"message": "slowpoke"}, "respond": {"content": "abcdefghijklmnop",
                                                                      "chunk_sizes": [4], "delays": [0.5, 0.2]}},
        {"name": "busy", "match": {"message": "overload"},
         "respond": {"error": {"status": 503, "message": "busy"}, "delays": 1.5}}]
SLOWPOKE = {"model": "llama3.2", "messages": [{"role": "user", "content": "slowpoke"}]}


def _virtual(make_mock: Any, tmp_path: Path) -> Any:
    path = tmp_path / "slow.json"
    path.write_text(json.dumps(SLOW))
    return make_mock(scenario=str(path), virtual_time=True)


def test_a_whole_answer_comes_when_its_stream_would_have_ended(make_mock: Any, tmp_path: Path) -> None:
    mock = _virtual(make_mock, tmp_path)
    streamed = httpx.post(mock.base_url + "/api/chat", json=SLOWPOKE, timeout=10)
    whole = httpx.post(mock.base_url + "/api/chat", json={**SLOWPOKE, "stream": False}, timeout=10)
    v1 = httpx.post(mock.base_url + "/v1/chat/completions", json=SLOWPOKE, timeout=10)  # the SDKs' default
    # four text records and the final one: 0.5 + 0.2 x 4
    for response in (streamed, whole, v1):
        assert response.headers["x-ollama-mock-virtual-delay-ms"] == "1300", response.url


def test_an_error_rule_waits_its_delay_and_names_its_rule(make_mock: Any, tmp_path: Path) -> None:
    mock = _virtual(make_mock, tmp_path)
    for path in ("/api/chat", "/v1/chat/completions"):
        body = {"model": "llama3.2", "messages": [{"role": "user", "content": "overload"}], "stream": False}
        response = httpx.post(mock.base_url + path, json=body, timeout=10)
        assert response.status_code == 503
        assert response.headers["x-ollama-mock-virtual-delay-ms"] == "1500"
        assert response.headers["x-ollama-mock-rule"] == "busy"


def test_a_rule_status_fault_is_labelled_and_journalled(make_mock: Any) -> None:
    mock = make_mock()
    rule = {"name": "limited", "match": {"message": "quota"}, "respond": {"fault": "status;code=429"}}
    httpx.post(mock.base_url + "/_mock/scenario", json=rule, timeout=10)
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "quota"}], "stream": False}
    response = httpx.post(mock.base_url + "/api/chat", json=body, timeout=10)
    assert response.status_code == 429 and response.headers["x-ollama-mock-rule"] == "limited"
    entry = httpx.get(mock.base_url + "/_mock/requests", params={"path": "/api/chat"}, timeout=10).json()["requests"][-1]
    assert entry["rule"] == "limited" and entry["fault"] and entry["fault"].startswith("status")


def test_a_stream_keeps_its_status_line_until_the_first_record(make_mock: Any, tmp_path: Path) -> None:
    import socket
    import time

    path = tmp_path / "slow.json"
    path.write_text(json.dumps(SLOW))
    mock = make_mock(scenario=str(path))
    host, port = mock.base_url.removeprefix("http://").split(":")
    raw = json.dumps(SLOWPOKE).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(raw) + raw)
        started = time.monotonic()
        first = sock.recv(4096)
        waited = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 200") and waited >= 0.45  # the 0.5 s before the first record


def test_rules_posted_as_a_list_and_overlaps_answered_not_tracebacked(make_mock: Any) -> None:
    mock = make_mock()
    rules = [{"name": "a", "match": {"message": "hi"}, "respond": {"content": "one"}},
             {"name": "b", "match": {"message": "hi"}, "respond": {"content": "two"}}]
    answer = httpx.post(mock.base_url + "/_mock/scenario", json=rules, timeout=10).json()
    assert answer["added"] == ["a", "b"]
    assert len(answer["warnings"]) == 1 and "'b'" in answer["warnings"][0]


def test_a_rule_status_fault_waits_the_rules_delay(make_mock: Any) -> None:
    mock = make_mock(virtual_time=True)
    rule = {"name": "slow-429", "match": {"message": "quota"}, "respond": {"fault": "status;code=429", "delays": 2}}
    httpx.post(mock.base_url + "/_mock/scenario", json=rule, timeout=10)
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "quota"}], "stream": False}
    response = httpx.post(mock.base_url + "/api/chat", json=body, timeout=10)
    assert response.status_code == 429 and response.headers["x-ollama-mock-virtual-delay-ms"] == "2000"


def test_a_header_rule_with_non_ascii_text_matches(make_mock: Any) -> None:
    mock = make_mock()
    rule = {"name": "fr", "match": {"header": {"X-Lang": "français"}}, "respond": {"content": "oui"}}
    httpx.post(mock.base_url + "/_mock/scenario", json=rule, timeout=10)
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    response = httpx.post(mock.base_url + "/api/chat", json=body, headers={"X-Lang": "français".encode()}, timeout=10)
    assert response.json()["message"]["content"] == "oui"


SURROGATE_RULE = '{"rules": [{"name": "half", "match": {"message": "half"}, "respond": {"content": "a \\ud800 b", "thinking": "t \\udfff"}}]}'


@pytest.mark.parametrize(("path", "body"), [
    ("/api/chat", {"model": "qwen3:8b", "messages": [{"role": "user", "content": "half"}]}),
    ("/api/chat", {"model": "qwen3:8b", "messages": [{"role": "user", "content": "half"}], "stream": False}),
    ("/api/generate", {"model": "qwen3:8b", "prompt": "half"}),
    ("/v1/chat/completions", {"model": "qwen3:8b", "messages": [{"role": "user", "content": "half"}], "stream": True}),
    ("/v1/chat/completions", {"model": "qwen3:8b", "messages": [{"role": "user", "content": "half"}]}),
])
def test_half_a_surrogate_pair_in_a_scenario_is_sent_as_u_fffd(make_mock: Any, tmp_path: Path, path: str,
                                                                 body: dict[str, Any]) -> None:
    # a JSON scenario's "\ud800" parses to a lone surrogate, which no UTF-8 answer can hold: Go reads it as U+FFFD
    scenario = tmp_path / "half.json"
    scenario.write_text(SURROGATE_RULE)
    mock = make_mock(scenario=str(scenario))
    response = httpx.post(mock.base_url + path, json=body, timeout=10)
    assert response.status_code == 200
    assert response.headers["x-ollama-mock-rule"] == "half"
    assert "a \ufffd b" in "".join(json.loads(f'"{part}"') for part in _texts(response.text))
    assert "\ufffd".encode() in response.content and b"\xed\xa0\x80" not in response.content


def _texts(raw: str) -> list[str]:
    """The JSON string bodies of every content/response field in an answer (streamed or not), as sent."""
    import re

    return re.findall(r'"(?:content|response)":"((?:[^"\\]|\\.)*)"', raw)


def test_a_rule_posted_with_half_a_surrogate_pair_matches_what_requests_decode_to(make_mock: Any) -> None:
    mock = make_mock()
    rule = b'{"name": "half", "match": {"message": "x\\ud800"}, "respond": {"content": "y\\udfff"}}'
    assert httpx.post(mock.base_url + "/_mock/scenario", content=rule).json() == {"added": ["half"]}
    sent = b'{"model": "llama3.2", "stream": false, "messages": [{"role": "user", "content": "x\\ud800"}]}'
    answer = httpx.post(mock.base_url + "/api/chat", content=sent)
    assert answer.headers["x-ollama-mock-rule"] == "half" and answer.json()["message"]["content"] == "y\ufffd"


def test_whole_float_arguments_are_written_as_ollama_writes_them(make_mock) -> None:
    # Ollama decodes the model's tool-call JSON into Go values: a whole float64 is written "21",
    # natively and in /v1's arguments string (Python would write "21.0")
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        name="floats", match={"message": "weather"},
        respond={"tool_calls": [{"name": "get_weather", "arguments": {"celsius": 21.0, "list": [1.0, {"x": 2.5}], "big": 1e16}}]})
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ask = {"model": "llama3.2", "messages": [{"role": "user", "content": "weather?"}], "tools": [tool]}
    native = httpx.post(mock.base_url + "/api/chat", json={**ask, "stream": False})
    assert '"arguments":{"celsius":21,"list":[1,{"x":2.5}],"big":10000000000000000}' in native.text
    v1 = httpx.post(mock.base_url + "/v1/chat/completions", json=ask).json()
    arguments = v1["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert arguments == '{"celsius":21,"list":[1,{"x":2.5}],"big":10000000000000000}'


def test_a_rule_name_that_cannot_be_a_header_is_refused_and_the_mock_keeps_answering(mock_url: str) -> None:
    added = httpx.post(mock_url + "/_mock/scenario", json={"name": "a\nb", "match": {}, "respond": {"content": "x"}})
    assert added.status_code == 400 and "control character" in added.json()["error"]
    chat = httpx.post(mock_url + "/api/chat", json={"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}],
                                                    "stream": False})
    assert chat.status_code == 200
