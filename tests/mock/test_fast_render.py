"""The cheaper builders give what the plain code gives: whole non-stream bodies, token counts,
outcome objects, and the headers a served answer carries."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.clock import Stamps, stamp_after
from ollama_conformance.mock_server.generation import metrics, render, text
from ollama_conformance.mock_server.outcome import (
    RequestInfo,
    Single,
    Stream,
    request_info,
    single,
    stream_of,
    with_headers,
)
from ollama_conformance.mock_server.profiles import Profile, load
from ollama_conformance.mock_server.reply import Reply, ToolCallPlan
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.testing import running
from ollama_conformance.mock_server.wire import single_body

from ollama_conformance import contracts

NOW = datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
WORDS = st.text(alphabet=st.sampled_from(list("ab <>&\"\\\u2028 \n\t.\u00e9")), max_size=40)
PROFILES = ["ollama-0.32", "ollama-0.12.9", "ollama-0.5.11", "openai-strict"]


def _frame(kind: str, profile: Profile, keep_thinking: bool) -> render.Frame:
    return render.Frame(kind=kind, model="m<x>", seed=b"seed", now=NOW, stream=False, profile=profile,
                        load_ns=5_000_000, prompt_tokens=12, keep_thinking=keep_thinking)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(WORDS, WORDS, st.lists(st.sampled_from(["a", "b", " ", "<", "zz"]), max_size=3),
       st.lists(st.sampled_from(["get_weather", "lookup"]), max_size=2), st.sampled_from(["stop", "length", ""]),
       st.sampled_from(["chat", "generate"]), st.sampled_from(PROFILES), st.booleans())
def test_whole_body_equals_the_piecewise_render(content: str, thinking: str, stops: list[str], calls: list[str],
                                                reason: str, kind: str, profile: str, keep: bool) -> None:
    reply = Reply(content=content, thinking=thinking, done_reason=reason,
                  tool_calls=[ToolCallPlan(name, {"city": "Paris & <Nice>"}) for name in calls])
    fast_frame, plain_frame = _frame(kind, load(profile), keep), _frame(kind, load(profile), keep)
    fast = render.render(reply, fast_frame, stops, None)
    made = render.produce(reply, plain_frame, stops, None)  # the general path, piece by piece
    plain_calls = [render._native_call(c, i, plain_frame) for i, c in enumerate(made.calls)]
    if any("index" not in c["function"] for c in plain_calls):
        plain_frame.headers[render.DELIBERATE] = f"native_tool_call_index={plain_frame.profile.native_tool_call_index}"
    stats = render.metrics.compute(plain_frame.seed, plain_frame.load_ns, plain_frame.prompt_tokens, made.eval_count)
    plain = Single(render._single(made, plain_calls, stats, plain_frame), headers=dict(plain_frame.headers))
    assert isinstance(fast, Single)
    assert single_body(fast, "native") == single_body(plain, "native") and fast == plain


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\u2028\u00a0\u3000.")), max_size=60))
def test_counted_pieces_equal_the_pieces(value: str) -> None:
    assert text.count_pieces(value) == len(text.tokens(value))
    assert "".join(text.tokens(value)) == value


def test_token_lists_are_fresh_copies_of_the_cached_split() -> None:
    first = text.tokens("one two three")
    first.append(" four")
    assert text.tokens("one two three") == ["one", " two", " three"]
    long = "word " * 2000  # past the cached size: split each time, same answer
    assert text.tokens(long) == text._TOKEN.findall(long) and text.count_pieces(long) == 2001  # the trailing space is a piece


@pytest.mark.parametrize(("fast", "usual"), [
    (lambda: single({"a": 1}, {"h": "v"}), lambda: Single({"a": 1}, headers={"h": "v"})),
    (lambda: single(None, {}, 404, None), lambda: Single(None, 404, None, {})),
    (lambda: stream_of([], {"h": "v"}, template="t"), lambda: Stream([], headers={"h": "v"}, template="t")),
    (lambda: request_info("POST /api/chat", "native", {"x": "y"}, {}),
     lambda: RequestInfo("POST /api/chat", "native", {"x": "y"}, {})),
    (lambda: with_headers(Single({"a": 1}, 201, "text/plain", {"a": "1"}), {"b": "2"}),
     lambda: dataclasses.replace(Single({"a": 1}, 201, "text/plain", {"a": "1"}), headers={"b": "2"})),
    (lambda: with_headers(Stream([], "sse", "text/event-stream", {}, template="t"), {"b": "2"}),
     lambda: dataclasses.replace(Stream([], "sse", "text/event-stream", {}, template="t"), headers={"b": "2"})),
])
def test_cheap_outcomes_are_the_frozen_dataclasses_built_the_usual_way(fast, usual) -> None:  # type: ignore[no-untyped-def]
    made, expected = fast(), usual()
    assert made == expected and repr(made) == repr(expected) and type(made) is type(expected)
    assert dataclasses.asdict(made) == dataclasses.asdict(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.headers = {}


def test_answers_carry_a_date_but_no_server_header_as_ollama() -> None:
    with running(Settings()) as mock, httpx.Client(base_url=mock.base_url) as client:
        for response in (client.get("/api/version"), client.post("/api/chat", json={"model": "llama3.2"}),
                         client.get("/nowhere")):
            assert "date" in response.headers and "server" not in response.headers, response.headers


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.binary(min_size=1, max_size=8), st.integers(0, 3_000_000_000), st.integers(0, 5000), st.integers(0, 5000))
def test_final_fields_equal_the_computed_metrics(seed: bytes, load_ns: int, prompt: int, evals: int) -> None:
    fields = metrics.final_fields(seed, load_ns, prompt, evals)
    assert fields == metrics.compute(seed, load_ns, prompt, evals).fields()
    assert list(fields) == list(contracts.metric_keys()) and all(type(v) is int and v >= 1 for v in fields.values())


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))])


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=ZONES),
       st.one_of(st.sampled_from([0, 1, 999_999, 1_000_000, 16_000]), st.integers(0, 3_000_000)), st.integers(0, 400))
def test_one_stamp_equals_the_stamp_of_a_stamps_object(now: datetime, tick: int, step: int) -> None:
    assert stamp_after(now, step * tick) == Stamps(now, tick).at(step) == render.created_at(now + timedelta(microseconds=step * tick))


def _options_error(options: dict) -> str | None:
    """check_options as first written: each known option's type, then an array's items."""
    from ollama_conformance.mock_server.generation.request import OPTION_TYPES, _option_ok

    for key, value in options.items():
        kind = OPTION_TYPES.get(key)
        if kind is None or value is None:
            continue
        if not _option_ok(kind, value):
            return f"option_type {key}"
        if kind == "array" and not all(isinstance(v, str) for v in value):
            return f"option_string_array {key}"
    return None


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2), st.text(max_size=3),
                        st.lists(st.one_of(st.text(max_size=2), st.integers(0, 2)), max_size=3), st.just({}))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.dictionaries(st.sampled_from(["temperature", "top_p", "num_ctx", "seed", "stop", "use_mmap", "numa", "other"]),
                       JSON_VALUES, max_size=5))
def test_option_checks_equal_the_plain_checks(options: dict) -> None:
    from ollama_conformance.mock_server.errors import OllamaError
    from ollama_conformance.mock_server.generation import request

    expected = _options_error(options)
    try:
        assert request.check_options(options) is options
        got = None
    except OllamaError as exc:
        got = exc.message
        assert exc.status == 500
    assert (got is None) == (expected is None), (options, got, expected)
    if expected is not None:
        assert f'"{expected.split()[1]}"' in str(got)


def test_the_fault_header_the_hooks_look_for_is_the_faults_own() -> None:
    from ollama_conformance.mock_server import extensions, faults

    assert extensions.FAULT_REQUEST_HEADER == faults.HEADER  # kept apart so a plain request imports no faults


@pytest.mark.parametrize("root_path", ["", "/mounted"])
def test_the_front_door_and_the_router_answer_alike(root_path: str) -> None:
    """Static paths are served by the app's own lookup, other requests by Starlette's router
    (a root_path sends everything there): same status, body and guard headers either way."""
    import asyncio

    from ollama_conformance.mock_server.app import create_app

    app = create_app(Settings(clock="2026-01-01T00:00:00Z"))

    async def call(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, dict, bytes]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": root_path, "headers": headers}
        await app(scope, receive, send)
        start = sent[0]
        return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])

    local = [(b"host", b"127.0.0.1:11434")]
    chat = b'{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"stream":false}'
    cases = [("GET", "/api/version", local, b""), ("POST", "/api/chat", local + [(b"content-type", b"application/json")], chat),
             ("DELETE", "/api/chat", local, b""), ("GET", "/api/version", [(b"host", b"evil.example")], b""),
             ("OPTIONS", "/api/chat", local + [(b"origin", b"http://localhost:3000")], b""),
             ("GET", "/api/version", local + [(b"origin", b"https://evil.example")], b"")]
    answers = [asyncio.run(call(*case)) for case in cases]
    assert [a[0] for a in answers] == [200, 200, 405, 403, 204, 403]
    assert all(a[1][b"x-ollama-mock-profile"] == b"ollama-0.32" for a in answers)
    assert json.loads(answers[1][2])["done"] is True and answers[2][2] == b"405 method not allowed"
    assert answers[4][1][b"access-control-allow-origin"] == b"http://localhost:3000"
