"""How bodies are framed, as Go's net/http frames gin's one write: Content-Length for a body of up
to 2048 bytes, chunked for a larger one and for an error Go flushed first (a streaming request's
first item). The rule is checked against the recordings, then over a real uvicorn."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest
from ollama_conformance.mock_server.compat.common import NativeError
from ollama_conformance.mock_server.errors import OllamaError
from ollama_conformance.mock_server.outcome import Single
from ollama_conformance.mock_server.wire import GO_WRITE_BUFFER, WireResponse, go_sends_length

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
HI = [{"role": "user", "content": "hi"}]


def _start(outcome: Single, method: str = "POST") -> dict:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(WireResponse(outcome, "native")({"type": "http", "method": method}, None, send))
    return dict(sent[0]["headers"])


@pytest.mark.parametrize(("size", "flushed", "length"), [
    (GO_WRITE_BUFFER, False, True), (GO_WRITE_BUFFER + 1, False, False), (10, True, False), (0, False, True)])
def test_the_length_header_follows_go_s_buffer(size, flushed, length):
    headers = _start(Single("x" * size, content_type="text/plain", flushed=flushed))
    assert (b"content-length" in headers) is length
    if length:
        assert headers[b"content-length"] == str(size).encode()


def test_head_keeps_the_length_whatever_the_size():
    assert _start(Single("x" * 5000, content_type="text/plain"), "HEAD")[b"content-length"] == b"5000"


def test_the_v1_layers_keep_what_the_native_stream_flushed():
    error = OllamaError(500, "invalid format")
    error.flushed = True
    assert NativeError.wrap(error).flushed is True
    assert NativeError.wrap(OllamaError(404, "x")).flushed is False


@pytest.mark.skipif(not RECORDED.is_dir() and not os.environ.get("CI"), reason="../shared/recorded is not on this machine")
def test_the_rule_predicts_every_local_recording_s_framing():
    checked = 0
    for path in sorted(RECORDED.glob("*.json")):
        recorded = json.loads(path.read_text())
        headers, raw = recorded.get("headers") or {}, recorded.get("response_raw")
        # single bodies from a local Ollama (ollama.com's front end buffers; streams are always chunked)
        if recorded.get("server") != "local" or recorded.get("response_kind") not in ("json", "text") \
                or not isinstance(raw, str) or not ({"Content-Length", "Transfer-Encoding"} & set(headers)):
            continue
        streamed_error = recorded["status"] >= 400 and (recorded.get("request") or {}).get("stream") is not False \
            and headers.get("Content-Type") == "application/json" and recorded["endpoint"].endswith(("/chat", "/generate"))
        expected = go_sends_length(len(raw.encode()), streamed_error)
        assert ("Content-Length" in headers) is expected, path.name
        assert (headers.get("Transfer-Encoding") == "chunked") is (not expected), path.name
        checked += 1
    assert checked >= 16  # both kinds: small bodies with a length, tags/show/embed and a streamed error chunked


def _framing(response: httpx.Response) -> str:
    if response.headers.get("transfer-encoding") == "chunked":
        assert "content-length" not in response.headers
        return "chunked"
    assert int(response.headers["content-length"]) == len(response.content)
    return "length"


def test_large_answers_go_out_chunked_and_small_ones_with_a_length(mock_url):
    with httpx.Client(base_url=mock_url) as client:
        show = client.post("/api/show", json={"model": "llama3.2"})
        assert len(show.content) > GO_WRITE_BUFFER and _framing(show) == "chunked" and show.json()["model_info"]
        version = client.get("/api/version")
        assert _framing(version) == "length" and version.json()["version"]
        chat = client.post("/api/chat", json={"model": "llama3.2", "messages": HI, "stream": False})
        assert _framing(chat) == "length" and chat.json()["done"] is True


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/chat", {"model": "llama3.2", "messages": HI, "format": "xml"}, 500),
    ("/api/generate", {"model": "llama3.2", "prompt": "hi", "format": "xml"}, 500),
    ("/api/create", {"model": "mine"}, 400),  # neither from nor files: the create worker's first item
])
def test_a_streaming_request_s_first_item_error_is_chunked_and_stream_false_has_a_length(mock_url, path, body, status):
    with httpx.Client(base_url=mock_url) as client:
        streamed = client.post(path, json=body)
        single = client.post(path, json={**body, "stream": False})
    assert (streamed.status_code, _framing(streamed)) == (status, "chunked")
    assert (single.status_code, _framing(single)) == (status, "length")
    assert streamed.json() == single.json() and "error" in single.json()


def test_errors_before_the_stream_keep_their_length(mock_url):
    with httpx.Client(base_url=mock_url) as client:
        response = client.post("/api/chat", json={"model": "nope", "messages": HI})
    assert (response.status_code, _framing(response)) == (404, "length")


def _raw_chunks(base_url: str, path: str, body: dict) -> list[bytes]:
    """The HTTP chunks of a streamed answer, read off the socket (clients hide the framing)."""
    import socket

    host, port = base_url.removeprefix("http://").split(":")
    payload = json.dumps(body).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    chunks = []
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return chunks
        chunks.append(rest[:size])
        rest = rest[size + 2:]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/chat", {"model": "llama3.2", "messages": HI}),
    ("/v1/chat/completions", {"model": "llama3.2", "messages": HI, "stream": True}),
])
def test_chunk_per_record_frames_each_record_as_ollama_flushes_it(make_mock, path, body):
    clock = "2026-01-02T03:04:05Z"  # the same bytes from both mocks
    fast, exact = make_mock(clock=clock), make_mock(clock=clock, chunk_per_record=True)
    together, each = _raw_chunks(fast.base_url, path, body), _raw_chunks(exact.base_url, path, body)
    assert len(together) == 1  # the default: every undelayed record in one write
    separator = b"\n\n" if path.startswith("/v1") else b"\n"
    records = [r + separator for r in together[0].split(separator) if r]
    assert len(records) > 3 and each == records  # one chunk per record (SSE event), the same bytes


def test_chunk_per_record_keeps_faults_and_virtual_time(make_mock):
    import time

    from ollama_conformance.mock_server import extensions

    mock = make_mock(chunk_per_record=True, virtual_time=True)
    extensions.for_state(mock.state).scenario.add(match={"message": "slow"}, respond={"content": "a b c d", "delays": 5})
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "slow please"}]}
    started = time.monotonic()
    slow = httpx.post(mock.base_url + "/api/chat", json=body, timeout=10)
    assert time.monotonic() - started < 5 and slow.headers["x-ollama-mock-virtual-delay-ms"] != "0"
    assert json.loads(slow.text.splitlines()[-1])["done"] is True  # virtual time: delays reported, not waited
    got = []
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream(
            "POST", mock.base_url + "/api/chat", json={**body, "messages": HI},
            headers={"X-Ollama-Mock-Fault": "drop;after=2"}) as response:
        got.extend(response.iter_lines())
    assert len(got) == 2


def test_chunk_per_record_stops_writing_once_the_client_left(make_mock, caplog):
    # each record is its own write: without a turn of the event loop between them the client's
    # close went unseen and asyncio logged "socket.send() raised exception." for the rest
    import logging
    import socket

    mock = make_mock(chunk_per_record=True)
    host, port = mock.base_url.removeprefix("http://").split(":")
    body = json.dumps({"model": "llama3.2", "messages": [{"role": "user", "content": "Tell me a long story"}],
                       "options": {"num_predict": 300}}).encode()
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        for _ in range(10):
            with socket.create_connection((host, int(port)), timeout=5) as client:
                client.sendall(b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
                               % len(body) + body)
                client.recv(600)  # the headers and a record or two, then away
        assert httpx.get(mock.base_url + "/api/version").status_code == 200  # a turn for the server
    assert not [r for r in caplog.records if "socket.send() raised exception" in r.getMessage()]
