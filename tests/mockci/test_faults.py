"""Faults: the header, their effect on native and /v1 streams, seeded schedules, virtual time."""

from __future__ import annotations

import importlib
import json
import logging
import time

import httpx
import pytest
from ollama_conformance.mock_server import extensions, faults
from ollama_conformance.mock_server.faults import Fault, FaultError, Schedule

from ollama_conformance import contracts

# contracts.streams is imported up front: contracts._sub() can hand this thread a half-imported
# module while the server thread's self-check is importing it (reported to the lead).
_streams = importlib.import_module("ollama_conformance.contracts.streams")
CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "tell me a story"}]}


def _fault(text: str) -> dict[str, str]:
    return {"X-Ollama-Mock-Fault": text}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("midstream_error;after=2;message=boom", Fault("midstream_error", after=2, message="boom")),
        ("status;code=429;retry_after=2", Fault("status", code=429, retry_after=2)),
        (" stall ; after=1 ; seconds=0.5 ", Fault("stall", after=1, seconds=0.5)),
        ("latency;ms=30", Fault("latency", ms=30)),
        ("drop", Fault("drop")),
    ],
)
def test_parse_header_syntax(text: str, expected: Fault) -> None:
    assert faults.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "explode",
            "unknown fault kind 'explode' (valid kinds: status, latency, midstream_error, drop, malformed, stall)",
        ),
        ("status;code=418", "code=418 (valid: 400|404|429|500|503)"),
        ("status;code=abc", "fault status has code='abc' (valid: 400|404|429|500|503)"),  # not "expected an int"
        ("drop;after=x", "after='x' (expected a finite non-negative int)"),
        ("stall;after=1;seconds=nan", "seconds='nan' (expected a finite non-negative float)"),  # no wait at all
        ("stall;after=1;seconds=inf", "seconds='inf' (expected a finite non-negative float)"),  # a wait forever
        ("latency;seconds=1", "unknown parameter 'seconds' for fault latency (valid: ms)"),
    ],
)
def test_bad_fault_text_is_one_line_with_choices(text: str, fragment: str) -> None:
    with pytest.raises(FaultError) as info:
        faults.parse(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_bad_header_answers_400_naming_the_problem(mock_url: str) -> None:
    r = httpx.post(mock_url + "/api/chat", json=CHAT, headers=_fault("boom"))
    assert r.status_code == 400 and "unknown fault kind 'boom'" in r.json()["error"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (400, "ollama-mock: injected fault: bad request"),
        (404, "model 'llama3.2' not found"),
        (500, "an error was encountered while running the model"),
        (503, "server busy, please try again.  maximum pending requests exceeded"),
    ],
)
def test_status_faults_use_ollamas_messages(mock_url: str, code: int, message: str) -> None:
    r = httpx.post(mock_url + "/api/chat", json=CHAT, headers=_fault(f"status;code={code}"))
    assert r.status_code == code and r.json() == {"error": message}
    assert r.headers["content-type"] == "application/json; charset=utf-8"


def test_status_fault_on_v1_uses_openai_envelope(mock_url: str) -> None:
    r = httpx.post(
        mock_url + "/v1/chat/completions", json=CHAT, headers=_fault("status;code=429;retry_after=4")
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "4"
    assert r.json() == {
        "error": {"message": "too many requests", "type": "api_error", "param": None, "code": None}
    }


def test_native_midstream_error_is_a_final_error_line_under_200(mock_url: str) -> None:
    r = httpx.post(mock_url + "/api/chat", json=CHAT, headers=_fault("midstream_error;after=2;message=boom"))
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert r.status_code == 200 and len(lines) == 3
    assert all(not x["done"] for x in lines[:2]) and lines[-1] == {"error": "boom"}
    assert not any(x.get("done") for x in lines)
    assert contracts.validate_stream("POST /api/chat", r.text) == []  # still Ollama's grammar


def test_v1_midstream_error_sends_an_empty_chunk_and_no_done(mock_url: str) -> None:
    r = httpx.post(
        mock_url + "/v1/chat/completions",
        json={**CHAT, "stream": True},
        headers=_fault("midstream_error;after=1"),
    )
    events = [x[6:] for x in r.text.splitlines() if x.startswith("data: ")]
    assert "[DONE]" not in events
    last = json.loads(events[-1])
    assert last["model"] == "" and last["choices"] == [
        {"index": 0, "delta": {"content": ""}, "finish_reason": None}
    ]
    assert r.headers["x-ollama-mock-deliberate"] == "fault-midstream_error"


def test_openai_strict_sends_an_error_event(make_mock) -> None:
    mock = make_mock(profile="openai-strict")
    r = httpx.post(
        mock.base_url + "/v1/chat/completions",
        json={**CHAT, "stream": True},
        headers=_fault("midstream_error;after=1;message=boom"),
    )
    events = [x[6:] for x in r.text.splitlines() if x.startswith("data: ")]
    assert json.loads(events[-1]) == {
        "error": {"message": "boom", "type": "api_error", "param": None, "code": None}
    }


def test_midstream_error_on_non_stream_is_a_500(mock_url: str) -> None:
    r = httpx.post(mock_url + "/api/chat", json={**CHAT, "stream": False}, headers=_fault("midstream_error"))
    assert r.status_code == 500 and r.json() == {"error": "an error was encountered while running the model"}


def test_drop_cuts_the_connection_after_n_records(mock_url: str) -> None:
    got = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", mock_url + "/api/chat", json=CHAT, headers=_fault("drop;after=2")) as r,
    ):
        for line in r.iter_lines():
            got.append(json.loads(line))
    assert len(got) == 2
    assert httpx.get(mock_url + "/api/version").status_code == 200  # the server keeps serving


def test_a_drop_leaves_no_error_in_the_server_log(make_mock) -> None:
    # uvicorn logs an ERROR for every response left incomplete; a drop does that on purpose
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(  # a paced stream: the cut goes out on its own step
        match={"message": "paced"}, respond={"content": "one two three four", "delays": [0, 0.01]})
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log = logging.getLogger("uvicorn.error")
    log.addHandler(handler)
    try:
        for content in ("tell me a story", "paced please"):
            body = {"model": "llama3.2", "messages": [{"role": "user", "content": content}]}
            with pytest.raises(httpx.RemoteProtocolError), httpx.stream(
                    "POST", mock.base_url + "/api/chat", json=body, headers=_fault("drop;after=2")) as r:
                assert len(list(r.iter_lines())) == 2
        log.error("ASGI callable returned without completing response.")  # outside a dropped request: kept
        time.sleep(0.2)  # uvicorn logs after the app returned
    finally:
        log.removeHandler(handler)
    assert [record.getMessage() for record in records] == ["ASGI callable returned without completing response."]


def test_malformed_line_after_n_records(mock_url: str) -> None:
    r = httpx.post(
        mock_url + "/api/generate",
        json={"model": "llama3.2", "prompt": "hi"},
        headers=_fault("malformed;after=1"),
    )
    lines = r.text.splitlines()
    json.loads(lines[0])
    with pytest.raises(ValueError):
        json.loads(lines[1])
    assert json.loads(lines[-1])["done"] is True


def test_stall_pauses_mid_stream(mock_url: str) -> None:
    start = time.monotonic()
    arrivals = []
    with httpx.stream(
        "POST", mock_url + "/api/chat", json=CHAT, headers=_fault("stall;after=1;seconds=0.4")
    ) as r:
        for line in r.iter_lines():
            if line:
                arrivals.append(time.monotonic() - start)
    assert arrivals[0] < 0.3 and arrivals[1] >= 0.4 and len(arrivals) > 2


def test_latency_delays_single_and_stream_answers(mock_url: str) -> None:
    start = time.monotonic()
    r = httpx.post(mock_url + "/api/chat", json={**CHAT, "stream": False}, headers=_fault("latency;ms=300"))
    assert time.monotonic() - start >= 0.3
    assert r.status_code == 200 and r.json()["done"] is True
    assert not contracts.validate("POST /api/chat", "response", r.json())


def test_latency_holds_back_status_and_headers_too(mock_url: str) -> None:
    # clients that time out on the headers (fetch, Go's ResponseHeaderTimeout) must see a slow server
    start = time.monotonic()
    with httpx.stream("POST", mock_url + "/api/chat", json={**CHAT, "stream": False},
                      headers=_fault("latency;ms=400")) as r:
        headers_at = time.monotonic() - start
        body = r.read()
    assert headers_at >= 0.4
    assert r.headers["content-length"] == str(len(body)) and "transfer-encoding" not in r.headers
    assert "x-ollama-mock-deliberate" not in r.headers  # the body is the ordinary answer


def test_a_client_gone_during_the_latency_leaves_nothing_behind(make_mock) -> None:
    mock = make_mock()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(mock.base_url + "/api/chat", json={**CHAT, "stream": False}, headers=_fault("latency;ms=30000"),
                   timeout=0.3)
    deadline = time.monotonic() + 5
    while mock.state.in_flight and time.monotonic() < deadline:  # bounded: the request ends once it sees the exit
        time.sleep(0.05)
    assert mock.state.in_flight == 0


def test_virtual_time_reports_latency_and_stall_without_sleeping(make_mock) -> None:
    mock = make_mock(virtual_time=True)
    start = time.monotonic()
    r = httpx.post(mock.base_url + "/api/chat", json=CHAT, headers=_fault("stall;after=1;seconds=30"))
    s = httpx.post(
        mock.base_url + "/api/chat", json={**CHAT, "stream": False}, headers=_fault("latency;ms=45000")
    )
    assert time.monotonic() - start < 5
    assert r.headers["x-ollama-mock-virtual-delay-ms"] == "30000"
    assert s.headers["x-ollama-mock-virtual-delay-ms"] == "45000" and s.json()["done"] is True


def test_rule_can_choose_a_fault(make_mock) -> None:
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        match={"message": "story"},
        respond={"content": "once upon a time", "fault": "midstream_error;after=1"},
    )
    r = httpx.post(mock.base_url + "/api/chat", json=CHAT)
    assert json.loads(r.text.splitlines()[-1]) == {
        "error": "an error was encountered while running the model"
    }
    entry = extensions.for_state(mock.state).journal.last("/api/chat")
    assert entry.rule == "rule-1" and entry.fault == "midstream_error;after=1 (rule)"


def test_schedule_is_the_same_for_the_same_seed() -> None:
    def run(seed: int) -> list[str | None]:
        schedule = Schedule(seed, 0.5)
        return [f.describe() if (f := schedule.next(stream=True)) else None for _ in range(40)]

    a, b, c = run(7), run(7), run(8)
    assert a == b and a != c
    assert 8 <= sum(x is not None for x in a) <= 32


def test_schedule_never_picks_mid_stream_faults_for_single_answers() -> None:
    schedule = Schedule(3, 1.0)
    kinds = {schedule.next(stream=False).kind for _ in range(30)}  # type: ignore[union-attr]
    assert kinds <= {"status", "latency"}


def test_seeded_faults_repeat_across_servers_and_reset(make_mock) -> None:
    def statuses(mock) -> list[int]:
        out = []
        for _ in range(12):
            r = httpx.post(mock.base_url + "/api/chat", json={**CHAT, "stream": False})
            out.append(r.status_code)
        return out

    first = make_mock(seed=11, fault_rate=0.5, virtual_time=True)
    second = make_mock(seed=11, fault_rate=0.5, virtual_time=True)
    run1 = statuses(first)
    httpx.get(first.base_url + "/api/tags")  # ineligible requests do not move the sequence
    assert statuses(second) == run1 and any(s != 200 for s in run1) and 200 in run1
    httpx.post(first.base_url + "/_mock/reset")
    assert statuses(first) == run1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/chat", {"error": "boom"}),
        (
            "/v1/chat/completions",
            {"error": {"message": "boom", "type": "api_error", "param": None, "code": None}},
        ),
    ],
)
def test_error_before_the_first_record_is_an_http_500(mock_url: str, path: str, expected: dict) -> None:
    r = httpx.post(
        mock_url + path, json={**CHAT, "stream": True}, headers=_fault("midstream_error;after=0;message=boom")
    )
    assert r.status_code == 500 and r.json() == expected
    assert r.headers.get("transfer-encoding") == "chunked"  # Go had flushed the stream's headers


def test_journal_of_a_multipart_request_is_json(make_mock) -> None:
    mock = make_mock()
    httpx.post(
        mock.base_url + "/v1/audio/transcriptions",
        data={"model": "llama3.2"},
        files={"file": ("a.wav", b"RIFF1234")},
    )
    entries = httpx.get(mock.base_url + "/_mock/requests").json()["requests"]
    assert entries[0]["path"] == "/v1/audio/transcriptions"
    assert entries[0]["body"] == {"model": "llama3.2", "file": "<8 bytes>"}


def test_v1_completions_midstream_error_sends_an_empty_text_chunk(mock_url: str) -> None:
    r = httpx.post(
        mock_url + "/v1/completions",
        json={"model": "llama3.2", "prompt": "tell me a story", "stream": True},
        headers=_fault("midstream_error;after=2"),
    )
    events = [x[6:] for x in r.text.splitlines() if x.startswith("data: ")]
    assert "[DONE]" not in events and len(events) == 3
    last = json.loads(events[-1])
    assert last["model"] == "" and last["choices"] == [{"text": "", "index": 0, "finish_reason": None}]
    assert "usage" not in last


def test_v1_completions_midstream_error_chunk_has_zero_usage_with_include_usage(mock_url: str) -> None:
    # CompleteWriter gives every chunk, the error line's too, a zero usage when include_usage is on
    r = httpx.post(
        mock_url + "/v1/completions",
        json={"model": "llama3.2", "prompt": "tell me a story", "stream": True,
              "stream_options": {"include_usage": True}},
        headers=_fault("midstream_error;after=2"),
    )
    events = [json.loads(x[6:]) for x in r.text.splitlines() if x.startswith("data: ")]
    assert len(events) == 3 and events[-1]["model"] == ""
    zero = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    assert [e["usage"] for e in events] == [zero] * 3
    assert list(events[-1]) == ["id", "object", "created", "choices", "model", "system_fingerprint", "usage"]


@pytest.mark.parametrize(
    ("path", "body", "terminal"),
    [
        (
            "/v1/responses",
            {"model": "llama3.2", "input": "tell me a story", "stream": True},
            "response.completed",
        ),
        (
            "/v1/messages",
            {
                "model": "llama3.2",
                "max_tokens": 50,
                "stream": True,
                "messages": [{"role": "user", "content": "tell me a story"}],
            },
            "message_stop",
        ),
    ],
)
def test_responses_and_messages_streams_just_end(mock_url: str, path: str, body: dict, terminal: str) -> None:
    healthy = httpx.post(mock_url + path, json=body).text
    broken = httpx.post(mock_url + path, json=body, headers=_fault("midstream_error;after=3"))
    assert f"event: {terminal}" in healthy
    assert f"event: {terminal}" not in broken.text and "event: error" not in broken.text
    assert broken.text.count("data: ") == 3


def test_embed_status_and_latency_faults(mock_url: str) -> None:
    body = {"model": "nomic-embed-text", "input": "hello"}
    missing = httpx.post(mock_url + "/api/embed", json=body, headers=_fault("status;code=404"))
    assert missing.status_code == 404 and missing.json() == {
        "error": 'model "nomic-embed-text" not found, try pulling it first'
    }
    start = time.monotonic()
    slow = httpx.post(mock_url + "/api/embed", json=body, headers=_fault("latency;ms=200"))
    assert time.monotonic() - start >= 0.2 and len(slow.json()["embeddings"][0]) == 768


def test_stopping_a_test_mock_ends_its_stalled_streams_quietly() -> None:
    import json
    import logging
    import socket

    from ollama_conformance.mock_server.testing import running

    class Kept(logging.Handler):  # uvicorn's loggers do not propagate to pytest's: listen on them
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    kept, uvicorn_log = Kept(), logging.getLogger("uvicorn.error")
    body = json.dumps({**CHAT, "stream": True}).encode()
    try:
        with running() as mock:
            uvicorn_log.addHandler(kept)  # after uvicorn configured its logging, which drops handlers
            host, port = mock.base_url.removeprefix("http://").split(":")
            client = socket.create_connection((host, int(port)), timeout=10)
            client.sendall(b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ollama-Mock-Fault: stall;after=1;seconds=60"
                           b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            client.recv(1)  # the stream began and now waits in its stall
        client.close()
    finally:
        uvicorn_log.removeHandler(kept)
    assert kept.messages == []  # no "graceful shutdown exceeded", no "returned without completing"


def test_a_latency_fault_delays_an_error_answer_too(make_mock) -> None:
    # README: `latency;ms=N` is "the answer, N ms late", whatever the answer (an unknown model's 404
    # came at once, though its headers said the fault was applied)
    mock = make_mock(virtual_time=True)
    answer = httpx.post(mock.base_url + "/api/chat", headers={"X-Ollama-Mock-Fault": "latency;ms=800"},
                        json={"model": "nope", "stream": False, "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 404
    assert answer.headers["x-ollama-mock-fault-applied"] == "latency;ms=800"
    assert answer.headers["x-ollama-mock-virtual-delay-ms"] == "800"
