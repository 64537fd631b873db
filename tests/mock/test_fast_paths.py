"""The speed paths give exactly what the plain code gives: stamps, chunks, stream bytes, routing, metrics."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.clock import Stamps, parse_rfc3339
from ollama_conformance.mock_server.generation import metrics, render, text
from ollama_conformance.mock_server.outcome import Chunk, Cut, Stream, undelayed
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.wire import WireResponse, encode_item

from ollama_conformance import contracts

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))])
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=ZONES)
TICKS = st.one_of(st.sampled_from([0, 1, 999_999, 1_000_000, 16_000, 25_000]), st.integers(0, 3_000_000))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(MOMENTS, TICKS, st.integers(0, 300), st.integers(1, 40))
def test_stamps_equal_created_at_of_each_record_time(now: datetime, tick: int, first: int, count: int) -> None:
    stamps = Stamps(now, tick)
    expected = [render.created_at(now + timedelta(microseconds=(first + i) * tick)) for i in range(count)]
    assert stamps.many(first, count) == expected
    assert stamps.at(0) == render.created_at(now)  # going back to an earlier second works too


def test_stamps_are_non_decreasing_through_second_boundaries() -> None:
    now = datetime(2026, 12, 31, 23, 59, 59, 990_000, tzinfo=UTC)
    out = Stamps(now, 7_000).many(0, 5)
    assert out == ["2026-12-31T23:59:59.99Z", "2026-12-31T23:59:59.997Z", "2027-01-01T00:00:00.004Z",
                   "2027-01-01T00:00:00.011Z", "2027-01-01T00:00:00.018Z"]
    times = [parse_rfc3339(stamp) for stamp in out]  # trimmed zeros: text order is not time order
    assert times == sorted(times)


def test_undelayed_chunks_are_ordinary_chunks() -> None:
    bodies = [{"i": 1}, {"i": 2}]
    fast = undelayed(bodies)
    assert fast == [Chunk({"i": 1}), Chunk({"i": 2})]
    assert fast[0].body is bodies[0] and fast[0].delay == 0.0 and fast[0].event is None
    assert dataclasses.replace(fast[1], delay=0.5) == Chunk({"i": 2}, 0.5)
    try:
        fast[0].delay = 1.0  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a fast chunk must stay frozen")


def _sent(stream: Stream) -> bytes:
    out: list[bytes] = []

    async def receive() -> dict:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            out.append(message["body"])

    asyncio.run(WireResponse(stream, "native")({"type": "http", "method": "POST"}, receive, send))
    return b"".join(out)


def test_plain_stream_bytes_equal_record_by_record_framing() -> None:
    bodies = [{"model": "m", "message": {"content": t}, "done": False} for t in ("a", " <b>", " },{", " \u2028")]
    items = undelayed(bodies)
    assert _sent(Stream(items)) == b"".join(encode_item(i, "ndjson") for i in items)
    assert _sent(Stream(items, framing="sse")) == b"".join(encode_item(i, "sse") for i in items)
    assert _sent(Stream([*items[:2], Cut()])) == b"".join(encode_item(i, "ndjson") for i in items[:2])


def test_cached_metrics_equal_a_fresh_draw() -> None:
    seed = text.digest("a request")
    first = metrics.compute(seed, 5_000_000, 12, 30)
    drawn = text.numbers(seed, "metrics", 3)
    prompt, evals, overhead = 1_000_000 + drawn[0] % 8_000_001, 100_000 + drawn[1] % 800_001, 200_000 + drawn[2] % 1_800_001
    speed = 16_000_000 + text.numbers(seed, "speed", 1)[0] % 9_000_001
    assert 1_000_000 <= prompt <= 9_000_000 and 100_000 <= evals <= 900_000 and 200_000 <= overhead <= 2_000_000
    assert first.prompt_eval_duration == 12 * 900_000 + prompt
    assert first.eval_duration == 30 * speed + evals and first.overhead == overhead
    assert metrics.compute(seed, 5_000_000, 12, 30) == first
    assert list(first.fields()) == list(contracts.metric_keys())
    assert metrics.Metrics(0, 0, 0, 0, 0, 0).fields() == {}


def test_numbers_are_sha256_in_counter_mode() -> None:
    import hashlib

    seed = text.digest("a request")
    six = text.numbers(seed, "salt", 6)
    first, second = hashlib.sha256(seed + b"salt").digest(), hashlib.sha256(seed + b"salt" + (1).to_bytes(4, "big")).digest()
    assert six == [int.from_bytes((first + second)[i : i + 8], "big") for i in range(0, 48, 8)]
    assert text.numbers(seed, "salt", 2) == six[:2] and text.numbers(seed, "other", 2) != six[:2]
    assert text.numbers(seed, "salt", 0) == []


def test_static_paths_reach_the_route_starlette_would_pick() -> None:
    app = create_app(Settings())
    asyncio.run(_first_call(app))
    static = app.static  # type: ignore[attr-defined]
    for path, dispatch in static.items():
        matches = [r for r in app.router.routes if r.path_regex.match(path)]
        assert matches[0].endpoint is dispatch, path
    assert "/api/chat" in static and "/v1/chat/completions" in static and "/_mock/requests" in static
    assert not any("{" in path for path in static)  # /api/blobs/{digest}, /v1/models/{model}: the router


async def _first_call(app: object) -> None:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        return None

    scope = {"type": "http", "method": "GET", "path": "/api/version", "raw_path": b"/api/version", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:11434")], "root_path": ""}
    await app(scope, receive, send)  # type: ignore[operator]


def test_computed_metrics_are_the_frozen_dataclass_built_the_usual_way() -> None:
    made = metrics.compute(text.digest("frozen"), 7, 3, 4)
    usual = metrics.Metrics(**{f.name: getattr(made, f.name) for f in dataclasses.fields(metrics.Metrics)})
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    assert made.fields() == usual.fields() and made.total_duration == usual.total_duration
    try:
        made.eval_count = 1  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("Metrics built by compute() is not frozen")


ANY_MOMENT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 30), timezones=ZONES)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.tuples(ANY_MOMENT, TICKS, st.integers(0, 120)), min_size=1, max_size=6))
def test_shared_date_prefixes_never_leak_between_requests(stamps: list[tuple[datetime, int, int]]) -> None:
    # Stamps of many requests (any years, zones, seconds and day boundaries) share one table of
    # formatted seconds: each stamp is still exactly created_at of its own time.
    for now, tick, step in stamps + stamps[::-1]:
        expected = render.created_at(now + timedelta(microseconds=step * tick))
        assert Stamps(now, tick).at(step) == expected
        assert Stamps(now, tick).many(step, 2)[0] == expected


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12))
def test_request_digests_equal_the_json_encoder_they_replace(value: object) -> None:
    import hashlib
    import json

    from ollama_conformance.mock_server.compat import ids

    canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    ascii_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
    parts = ("llama3.2", value, "", None)
    assert text.digest(*parts) == hashlib.sha256(canonical.encode(parts).encode("utf-8")).digest()
    assert ids.digest(value, "chat") == hashlib.sha256(("chat\x00" + ascii_canonical.encode(value)).encode("utf-8")).digest()


@settings(max_examples=200, derandomize=True, deadline=None)
@given(ANY_MOMENT, st.sampled_from(["", ".5", ".000001", ".123456789"]))
def test_unix_seconds_of_a_stamp_equal_a_fresh_parse(moment: datetime, fraction: str) -> None:
    from ollama_conformance.mock_server.compat.common import unix

    zone = moment.strftime("%z")
    zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
    stamp = moment.replace(microsecond=0, tzinfo=None).isoformat() + fraction + zone
    expected = int(moment.replace(microsecond=0).timestamp())
    assert unix(stamp) == expected and unix(stamp) == expected  # the second call is served from the cache


V1_BODIES = [
    {"model": "llama3.2", "messages": [{"role": "user", "content": "Say something short."}]},
    {"model": "qwen3:8b", "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Why?"}],
     "seed": 7, "temperature": 0.2, "max_tokens": 40},
    {"model": "llama3.2", "messages": [{"role": "user", "content": "Give JSON"}],
     "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}},
    {"model": "llama3.2", "messages": [{"role": "user", "content": "weather in Paris?"}],
     "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]},
]


def test_the_v1_layer_hands_the_native_handler_the_digest_it_would_make() -> None:
    # /v1 chat digests its translated body once (its id derives from it) and hands the digest on:
    # the reply must be the one the native handler draws from that body on its own
    from ollama_conformance.mock_server.compat import ids, openai_chat
    from ollama_conformance.mock_server.compat.common import native_single
    from ollama_conformance.mock_server.compat.openai_chat_request import to_native
    from ollama_conformance.mock_server.generation.responder import seed_of
    from ollama_conformance.mock_server.handlers.chat import run_chat
    from ollama_conformance.mock_server.outcome import request_info

    state = create_app(Settings(clock="2026-01-01T00:00:00Z")).state.mock
    v1_info = request_info("POST /v1/chat/completions", "openai", {}, {})
    native_info = request_info("POST /api/chat", "native", {}, {})
    for body in V1_BODIES:
        answer = openai_chat.run(state, dict(body), v1_info).body
        native = to_native(dict(body), state.profile)
        alone = native_single(run_chat(state, dict(native), native_info))["message"]
        message = answer["choices"][0]["message"]
        assert message["content"] == alone["content"]
        assert [c["function"]["name"] for c in message.get("tool_calls", [])] == \
            [c["function"]["name"] for c in alone.get("tool_calls", [])]
        assert answer["id"] == ids.chat_id(seed_of(native))
    # the digest travels beside the body, never in it: a field a client names so is just ignored
    plain = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    odd = {**plain, "_request_digest": "x", "digest": "y"}
    assert native_single(run_chat(state, odd, native_info))["message"] == native_single(run_chat(state, dict(plain), native_info))["message"]
    assert odd["_request_digest"] == "x"  # and the body (what the journal shows) keeps it
    # ids spread over chatcmpl-0 .. chatcmpl-998 as Ollama's random ones do
    made = {ids.chat_id(seed_of({"model": "m", "messages": [{"role": "user", "content": str(i)}]})) for i in range(200)}
    assert len(made) > 170 and all(0 <= int(i.removeprefix("chatcmpl-")) < 999 for i in made)


def test_a_profile_hashes_as_its_fields_do() -> None:
    # the hash reads the name and version only: equal profiles still hash alike, and a changed
    # copy (same name) is still a different cache key
    from ollama_conformance.mock_server import profiles

    current, legacy = profiles.load(), profiles.load("ollama-0.4.5")
    assert hash(current) == hash(dataclasses.replace(current)) and current == dataclasses.replace(current)
    changed = dataclasses.replace(current, logprobs=False)
    assert changed != current and hash(legacy) != hash(current)
    assert profiles.unknown_fields(changed, "POST /api/chat") == {"logprobs", "top_logprobs"}
    assert profiles.unknown_fields(current, "POST /api/chat") == frozenset()
    assert {current: 1, legacy: 2}[dataclasses.replace(legacy)] == 2


def test_logprobs_from_cheap_draws_keep_their_ranges() -> None:
    from ollama_conformance.mock_server.generation import logprobs

    seed = text.digest("a request")
    pieces = ["Hello", " world", "!"] * 20
    found = logprobs.entries(pieces, seed, 4)
    assert found == logprobs.entries(pieces, seed, 4) and found[5:] == logprobs.entries(pieces[5:], seed, 4, offset=5)
    assert len({e["logprob"] for e in found}) > 50  # each position draws its own
    for piece, entry in zip(pieces, found, strict=True):
        best, top = entry["logprob"], entry["top_logprobs"]
        assert -0.9 <= best <= -0.0001 and entry["token"] == piece and entry["bytes"] == list(piece.encode())
        assert top[0] == {"token": piece, "logprob": best, "bytes": list(piece.encode())} and len(top) == 4
        drops = [best - alt["logprob"] for alt in top[1:]]
        assert all(0.5 * (k + 1) - 1e-6 <= drop <= 4.0 * (k + 1) + 1e-6 for k, drop in enumerate(drops))
        assert all(alt["token"][1:] in text.WORDS and alt["token"][0] == " " for alt in top[1:])
    assert "top_logprobs" not in logprobs.entries(["a"], seed, 0)[0]
