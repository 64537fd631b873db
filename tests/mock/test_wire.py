"""wire: Go-style JSON, NDJSON / SSE framing, one ASGI message for undelayed streams, pacing."""

from __future__ import annotations

import asyncio
import json
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server import wire
from ollama_conformance.mock_server.outcome import Chunk, Cut, Raw, Single, Stream
from ollama_conformance.mock_server.wire import WireResponse, dumps, ordered


def _run(response: WireResponse, method: str = "POST", disconnect_after: float | None = None) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        if disconnect_after is None:
            await asyncio.sleep(3600)
        await asyncio.sleep(disconnect_after)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(response({"type": "http", "method": method}, receive, send))
    return sent


def _bodies(sent: list[dict]) -> list[bytes]:
    return [m["body"] for m in sent if m["type"] == "http.response.body"]


def test_dumps_is_compact_and_escapes_like_go():
    text = dumps({"a": "<b> & \u2028\u2029\u0085 é 日本", "n": [1, 2.5, None, True]})
    assert text == ('{"a":"\\u003cb\\u003e \\u0026 \\u2028\\u2029\\u0085 é 日本","n":[1,2.5,null,true]}').encode()
    assert json.loads(text) == {"a": "<b> & \u2028\u2029\u0085 é 日本", "n": [1, 2.5, None, True]}


def test_ordered_follows_the_schema_and_drops_empty_omitempty_fields():
    body = {"digest": "", "completed": 0, "total": 5, "status": "pulling x"}
    assert list(ordered("native/progress.chunk.json", body)) == ["status", "total"]


def test_native_single_has_no_trailing_newline_and_v1_has_one():
    native = _bodies(_run(WireResponse(Single({"x": 1}), "native")))
    v1 = _bodies(_run(WireResponse(Single({"x": 1}, content_type="application/json"), "openai")))
    assert native == [b'{"x":1}'] and v1 == [b'{"x":1}\n']


def test_single_sets_status_content_type_and_length():
    start = _run(WireResponse(Single({"error": "no"}, status=404), "native"))[0]
    headers = dict(start["headers"])
    assert start["status"] == 404
    assert headers[b"content-type"] == b"application/json; charset=utf-8"
    assert headers[b"content-length"] == b"14"


def test_empty_single_has_no_content_type():
    start, body = _run(WireResponse(Single(None, content_type=None), "native"))
    assert b"content-type" not in dict(start["headers"]) and body["body"] == b""


def test_head_request_gets_headers_but_no_body():
    sent = _run(WireResponse(Single("Ollama is running", content_type="text/plain; charset=utf-8"), "native"), "HEAD")
    assert dict(sent[0]["headers"])[b"content-length"] == b"17" and _bodies(sent) == [b""]


def test_undelayed_ndjson_stream_goes_out_in_one_message():
    items = [Chunk({"i": i, "t": "<"}) for i in range(100)]
    sent = _run(WireResponse(Stream(items), "native"))
    bodies = _bodies(sent)
    assert len(bodies) == 1
    lines = bodies[0].split(b"\n")
    assert lines[-1] == b"" and len(lines) == 101
    assert lines[0] == b'{"i":0,"t":"\\u003c"}'
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/x-ndjson"
    assert b"content-length" not in dict(sent[0]["headers"])


def test_sse_framing_with_and_without_event_names():
    items = [Chunk({"a": 1}), Chunk({"b": 2}, event="response.created"), Raw(b"data: [DONE]\n\n")]
    body = _bodies(_run(WireResponse(Stream(items, framing="sse", content_type="text/event-stream"), "openai")))[0]
    assert body == b'data: {"a":1}\n\nevent: response.created\ndata: {"b":2}\n\ndata: [DONE]\n\n'


def test_delayed_items_go_out_on_time_and_undelayed_neighbours_together():
    items = [Chunk({"i": 0}), Chunk({"i": 1}), Chunk({"i": 2}, delay=0.15), Chunk({"i": 3})]
    started = time.monotonic()
    bodies = _bodies(_run(WireResponse(Stream(items), "native")))
    assert time.monotonic() - started >= 0.15
    assert bodies == [b'{"i":0}\n{"i":1}\n', b'{"i":2}\n{"i":3}\n']


def test_virtual_time_reports_delays_without_sleeping():
    items = [Chunk({"i": 0}, delay=5.0), Chunk({"i": 1}, delay=2.5)]
    started = time.monotonic()
    sent = _run(WireResponse(Stream(items), "native", virtual_time=True))
    assert time.monotonic() - started < 1.0
    assert dict(sent[0]["headers"])[b"x-ollama-mock-virtual-delay-ms"] == b"7500"
    assert len(_bodies(sent)) == 1


def test_cut_sends_what_came_before_and_never_completes_the_body():
    sent = _run(WireResponse(Stream([Chunk({"i": 0}), Cut(), Chunk({"i": 1})]), "native"))
    last = sent[-1]
    assert last["body"] == b'{"i":0}\n' and last["more_body"] is True


def test_a_client_that_leaves_stops_a_paced_stream_early():
    items = [Chunk({"i": i}, delay=0.2) for i in range(50)]  # 10 s if nobody stopped it
    started = time.monotonic()
    sent = _run(WireResponse(Stream(items), "native"), disconnect_after=0.3)
    assert time.monotonic() - started < 2.0
    assert all(m.get("more_body") for m in sent if m["type"] == "http.response.body")


def test_checker_sees_exactly_the_bytes_sent():
    seen = []
    _run(WireResponse(Stream([Chunk({"a": 1}), Raw(b"oops\n")]), "native", checker=lambda o, data: seen.append(data)))
    assert seen == [b'{"a":1}\noops\n']


def test_batched_encoding_equals_record_by_record_encoding():
    from ollama_conformance.mock_server.wire import encode_item, encode_items

    tricky = [{"a": "x},{y"}, {"b": [{"c": 1}, {"d": 2}]}, {"e": "<&>"}, {}, {"f": "\u2028"}]
    for bodies in ([{"i": 1}], [{"i": i, "t": "w"} for i in range(5)], tricky):
        for framing in ("ndjson", "sse"):
            items = [Chunk(b) for b in bodies]
            assert encode_items(items, framing) == b"".join(encode_item(i, framing) for i in items)
    mixed = [Chunk({"a": 1}), Chunk({"b": 2}, event="x"), Raw(b"data: [DONE]\n\n"), Chunk({"c": 3}), Cut(), Chunk({"d": 4})]
    expected = b"".join(encode_item(i, "sse") for i in mixed[:4])
    assert encode_items(mixed, "sse") == expected


def test_every_stream_encoder_writes_half_a_surrogate_pair_as_u_fffd() -> None:
    # a responder of the user's own (Python) can hand back any str: no framing may fail on one
    from ollama_conformance.mock_server.wire import encode_items, template_lines

    lone = "x \ud800 y"
    lines = template_lines([("2026-01-01T00:00:00", range(1000, 4000, 1000))], '{"m":1,"t":"', '","c":', [lone, "ok", lone], "}\n")
    assert lines.count("\ufffd".encode()) == 2 and [json.loads(line)["c"] for line in lines.splitlines()] == ["x \ufffd y", "ok", "x \ufffd y"]
    for framing in ("ndjson", "sse"):
        data = encode_items([Chunk({"c": lone}), Chunk({"c": "ok"})], framing)
        assert data.count("\ufffd".encode()) == 1 and b"ok" in data
    assert "\ufffd".encode() in dumps({"c": lone})


# What Go's encoding/json writes for these float64 values (strconv 'f' with the shortest digits
# from 1e-6 up to 1e21, else 'e' with e-09 cleaned up to e-9)
GO_FLOATS = [(1.0, "1"), (100.0, "100"), (123456789.0, "123456789"), (0.1, "0.1"), (1e-05, "0.00001"),
             (-2.5e-05, "-0.000025"), (1e-06, "0.000001"), (9.99e-07, "9.99e-7"), (1e-07, "1e-7"),
             (1.5e-07, "1.5e-7"), (1e-10, "1e-10"), (5e-324, "5e-324"), (1e16, "10000000000000000"),
             (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (-0.0, "-0"), (0.0, "0")]


@pytest.mark.parametrize(("value", "go"), GO_FLOATS)
def test_go_floats_writes_floats_as_go_writes_a_float64(value: float, go: str) -> None:
    assert wire.go_floats(json.dumps(value)) == go
    text = json.dumps({"x": [value, "1.0, 1e-05 and 2.0}", 7]}, separators=(",", ":"))
    assert wire.go_floats(text) == '{"x":[' + go + ',"1.0, 1e-05 and 2.0}",7]}'  # strings and ints as they were


def _go_float_oracle(value: float) -> str:
    """Go's float64 format, built from repr's shortest digits by moving the decimal point."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0") or "0"
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    if value != 0 and not 1e-6 <= abs(value) < 1e21:
        exp = point - 1
        text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{text}e{'-' if exp < 0 else '+'}{abs(exp):02d}".replace("e-0", "e-")
    if digits == "0":
        return sign + "0"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_go_floats_writes_any_float_as_go_writes_it(value: float) -> None:
    text = wire.go_floats(json.dumps([value]))[1:-1]
    assert text == _go_float_oracle(value) and float(text) == value


def test_tool_call_argument_strings_write_floats_as_go_does() -> None:
    from ollama_conformance.mock_server.compat.common import go_json

    assert go_json({"celsius": 21.0, "tiny": 1e-05, "big": 1e16, "n": 3, "s": "2.0, 1e-05"}) == (
        '{"celsius":21,"tiny":0.00001,"big":10000000000000000,"n":3,"s":"2.0, 1e-05"}')
