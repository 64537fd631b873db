"""The fast paths send the same bytes as the general path, request by request.

Every request runs through the whole in-process app twice under a fixed clock: once as served,
once with the fast path switched off (stream templates dropped). Status, headers and body must be identical; the fast paths must actually have run.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.clock import Stamps
from ollama_conformance.mock_server.generation import fast, render
from ollama_conformance.mock_server.outcome import Cut, undelayed
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.wire import encode_items

TRICKY = 'a <b>&amp; "q" \\ back },{ \u2028 sep \u2029 \u0085 nel caf\u00e9 \U0001f600 tab\t end'
RULES = {"rules": [
    {"name": "tricky", "match": {"message": "tricky"}, "respond": {"content": TRICKY}},
    {"name": "think", "match": {"message": "ponder"}, "respond": {"content": "It is <42>.", "thinking": "Hmm & so on \u2028 ok"}},
    {"name": "sized", "match": {"message": "sized"}, "respond": {"content": TRICKY, "chunk_sizes": [3, 1, 7]}},
    {"name": "call", "match": {"message": "weather"},
     "respond": {"content": "Let me check <x>", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris & <Nice>"}}]}},
    {"name": "slow", "match": {"message": "slowly"}, "respond": {"content": "one two three", "delays": 0.001}},
    {"name": "fail", "match": {"message": "explode"}, "respond": {"error": {"status": 500, "message": "boom <x>"}}},
]}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "w",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def _chat(text: str, model: str = "llama3.2", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


NATIVE_CHAT = [
    _chat("Say something short."), _chat("Say something short.", stream=False), _chat("tricky"),
    _chat("tricky", stream=False), _chat("sized"), _chat("ponder", model="qwen3:8b"),
    _chat("ponder", model="qwen3:8b", think=False), _chat("ponder", model="qwen3:8b", stream=False),
    _chat("weather", tools=TOOLS), _chat("weather", tools=TOOLS, stream=False), _chat("slowly"),
    _chat("Tell me about <b> & more", options={"stop": ["more", "x"]}), _chat("A longer answer please", options={"num_predict": 3}),
    _chat("Give JSON", format="json"), _chat("Give JSON", format={"type": "object", "properties": {"a": {"type": "string"}}}),
    _chat("Say something", logprobs=True, top_logprobs=2), _chat("explode"), _chat("hi", model="no-such-model"),
    _chat("hi", model="gemma3:1b", tools=TOOLS), _chat("hi", think=True), {"model": "llama3.2", "messages": "nope"},
    {"model": 7, "messages": []}, {"model": "llama3.2", "messages": [{"role": "user", "content": 5}]},
    {"model": "llama3.2", "messages": [{"role": "USER", "content": "hi"}], "options": {"temperature": "hot"}},
    {"model": "LLAMA3.2", "Messages": [{"Role": "user", "Content": "case folded"}], "STREAM": False},
    _chat("hi", stream=None, keep_alive="5m"), _chat("hi", keep_alive="soon"), _chat("hi", think="medium"),
]
GENERATE = [
    {"model": "llama3.2", "prompt": "tricky"}, {"model": "llama3.2", "prompt": "Hello there", "stream": False},
    {"model": "qwen3:8b", "prompt": "ponder"}, {"model": "llama3.2", "prompt": "hi", "raw": True},
    {"model": "llama3.2", "prompt": "Tell me more", "options": {"num_predict": 2, "stop": ["me"]}},
    {"model": "llama3.2", "prompt": 3}, {"model": "llama3.2"},
]
V1 = [
    _chat("Say something short."), _chat("tricky", stream=True), _chat("weather", tools=TOOLS, stream=True),
    _chat("weather", tools=TOOLS), _chat("ponder", model="qwen3:8b", stream=True, reasoning_effort="low"),
    _chat("hi", max_tokens=2, stop=["x"]), _chat("hi", response_format={"type": "json_object"}),
    {"model": "llama3.2", "messages": 1}, _chat("explode", stream=True), _chat("hi", model="missing"),
]
CASES = [("/api/chat", b) for b in NATIVE_CHAT] + [("/api/generate", b) for b in GENERATE] + \
        [("/v1/chat/completions", b) for b in V1] + \
        [("/api/chat", b"not json"), ("/api/chat", b""), ("/api/chat", b'{"model": "llama3.2", "messages": [} '),
         ("/api/chat", b'{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"stream":false} trailing')]


async def _call(app: Any, path: str, raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    messages = [{"type": "http.request", "body": raw, "more_body": False}]
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [(b"host", b"127.0.0.1:11434"), (b"content-type", b"application/json")]}
    await app(scope, receive, send)
    start = next(m for m in out if m["type"] == "http.response.start")
    return start["status"], start["headers"], b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")


def _serve_all(scenario: Path) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    app = create_app(Settings(clock="2026-11-22T01:02:03.456789Z", scenario=str(scenario), validate_emitted=True))

    async def run() -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
        results = []
        for path, body in CASES:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            results.append(await _call(app, path, raw))
        return results

    answers = asyncio.run(run())
    assert not app.state.mock.violations, app.state.mock.violations
    return answers


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    return path


def test_fast_and_general_paths_send_the_same_bytes(scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    used = {"template": 0}
    encode = fast.TextRun.encode

    def counting_encode(self: fast.TextRun) -> bytes:
        used["template"] += 1
        return encode(self)

    monkeypatch.setattr(fast.TextRun, "encode", counting_encode)
    served = _serve_all(scenario)
    assert used["template"] >= 8  # the fast path ran for the plain native streams
    monkeypatch.setattr(fast, "stream", fast.eager)
    general = _serve_all(scenario)
    assert len(served) == len(CASES)
    for (path, body), fast_answer, general_answer in zip(CASES, served, general, strict=True):
        assert fast_answer == general_answer, (path, body)
    statuses = {status for status, _, _ in served}
    assert {200, 400, 404, 500} <= statuses  # errors took part too


PIECES = st.lists(st.text(alphabet=st.sampled_from(list('ab <>&"\\\u2028\u2029\u0085\u00e9\U0001f600},{\n\t')), max_size=6), max_size=30)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)),
       st.one_of(st.sampled_from([0, 1, 999_999, 1_000_000, 16_000]), st.integers(0, 2_500_000),
                 st.integers(1, 2_500).map(lambda ms: ms * 1000)),  # whole milliseconds: the mock's own ticks
       PIECES, st.sampled_from(["chat", "generate"]), st.sampled_from(["llama3.2", "a<b>&c", "x\u2028y"]),
       st.integers(0, 3))
def test_text_run_bytes_equal_the_general_encoding(now: datetime, tick: int, pieces: list[str], kind: str,
                                                   model: str, thinking: int) -> None:
    before = [{"model": model, "created_at": "t", "message": {"role": "assistant", "content": "", "thinking": "<"}, "done": False}] * thinking
    after = [{"model": model, "created_at": "z", "done": True, "done_reason": "stop", "eval_count": 3}]
    run = fast.TextRun(kind, model, Stamps(now, tick), pieces, before, after)
    stream = fast.stream(run, {})
    assert run.encode() == encode_items(undelayed(run.bodies()), "ndjson")
    assert stream.template is run and run.items is stream.items
    eager = fast.eager(run, {})
    assert len(stream.items) == len(eager.items) == thinking + len(pieces) + 1  # filled on first use
    assert stream.items == eager.items and list(stream.items) == eager.items and stream == eager


def test_a_run_on_the_second_with_tick_zero_writes_no_dot_on_any_line() -> None:
    # Stamps.segments gives tick 0 as one list of equal micros: every stamp, not only the first, is on the second
    run = fast.TextRun("chat", "m", Stamps(datetime(2000, 1, 1, tzinfo=UTC), 0), ["", "a", "b"], [], [{"done": True}])
    assert run.encode() == encode_items(undelayed(run.bodies()), "ndjson")
    assert b"00:00:00.Z" not in run.encode()


def test_lazy_items_act_as_a_list_whatever_is_used_first() -> None:
    now = datetime(2026, 1, 1, 0, 0, 59, 990_000, tzinfo=UTC)
    run = lambda: fast.TextRun("chat", "m", Stamps(now, 7_000), ["a", "b", "c"], [], [{"done": True}])  # noqa: E731
    expected = fast.eager(run(), {}).items
    probes = [len, list, bool, lambda x: x[1:], lambda x: x[-1], lambda x: [*x], lambda x: x + [], lambda x: [] + x,
              lambda x: list(reversed(x)), lambda x: x.copy(), lambda x: x.index(expected[1]), lambda x: expected[0] in x,
              lambda x: expected == x, lambda x: x == expected, repr, lambda x: x * 2, lambda x: copy.deepcopy(x) == expected]
    for probe in probes:
        lazy = fast.stream(run(), {}).items
        assert probe(lazy) == probe(expected), probe
    lazy = fast.stream(run(), {}).items
    lazy.append(Cut())
    assert lazy == [*expected, Cut()]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)),
       st.one_of(st.sampled_from([0, 1, 999_999, 1_000_000]), st.integers(0, 2_500_000)), st.integers(0, 400))
def test_one_stamp_equals_the_stamp_of_a_run(now: datetime, tick: int, step: int) -> None:
    stamps = Stamps(now, tick)
    expected = render.created_at(now + timedelta(microseconds=step * tick))
    assert stamps.at(step) == expected == Stamps(now, tick).many(step, 1)[0]
    assert stamps.at(0) == render.created_at(now)  # back to an earlier second
