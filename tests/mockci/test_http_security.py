"""What an HTTP client can make the CI features do to the machine (record/proxy, /_mock/scenario,
faults): requests that reached another host, wrote a file the recording lost, held an unbounded body
or ended in a 500 with a traceback. Each test sends what an attacker (or a careless client) would."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import cassette, record

CHAT = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hi"}]}


@contextlib.contextmanager
def serving(app: Any) -> Iterator[tuple[str, int]]:
    """An ASGI app on a real uvicorn at 127.0.0.1: (base URL, port)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def raw_request(port: int, head: bytes) -> bytes:
    """One request as bytes (a request target httpx would not send); the whole answer's head and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        out = b""
        while b"\r\n\r\n" not in out or (b"\r\n0\r\n\r\n" not in out and b"content-length" not in out.lower()):
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


@pytest.mark.parametrize("target", ["@127.0.0.1:%d/api/version", "%%2F@127.0.0.1:%d/api/version",
                                    "http:%%2F%%2Fx%%2F@127.0.0.1:%d/api/version"])
def test_proxy_never_sends_a_request_to_a_host_named_in_the_request_target(make_mock, tmp_path: Path,
                                                                           target: str) -> None:
    # "GET @host:port/path" made the proxy fetch http://<upstream>@host:port/path: any host the
    # proxy can reach (an internal service, a cloud metadata address), its answer relayed back
    upstream, other = make_mock(), make_mock()
    other_port = int(other.base_url.rsplit(":", 1)[1])
    app = record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())
    with serving(app) as (_, port):
        answer = raw_request(port, b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (target % other_port).encode())
    seen = httpx.get(other.base_url + "/_mock/requests").json()["requests"]
    assert seen == [], "the proxy reached a host the request named"
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert list(tmp_path.glob("*.json")) == []


def test_proxy_reads_an_absolute_form_target_as_its_path(make_mock, tmp_path: Path) -> None:
    # as net/http reads `GET http://host/api/tags`: the path is the URL's (was: a 500 and a traceback)
    upstream = make_mock()
    app = record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())
    with serving(app) as (_, port):
        answer = raw_request(port, b"GET http://elsewhere.example/api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"version"' in answer
    recorded = cassette.read_all(tmp_path)
    assert [(e.method, e.path) for e in recorded] == [("GET", "/api/version")]


def test_recording_keeps_an_exchange_whose_path_or_method_is_long(make_mock, tmp_path: Path) -> None:
    # the file name came from the whole path and method: over 255 bytes, the exchange was lost
    upstream = make_mock()
    folder = tmp_path / "cassette"
    app = record.recording_proxy(upstream.base_url, str(folder), out=io.StringIO())
    with serving(app) as (url, port):
        assert httpx.get(url + "/api/tags/" + "a" * 400).status_code == 404
        raw_request(port, b"A" * 300 + b" /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        raw_request(port, b".. /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3, names
    assert all(len(name.encode()) <= 160 and ".." not in name and not name.startswith(".") for name in names)
    assert {e.method for e in cassette.read_all(folder)} == {"GET", "A" * 300, ".."}


def test_scenario_route_refuses_a_body_over_the_size_limit(make_mock) -> None:
    mock = make_mock(max_body_bytes=4096)
    rule = {"name": "big", "match": {"message": "x"}, "respond": {"content": "y" * 8192}}
    answer = httpx.post(mock.base_url + "/_mock/scenario", json=rule)
    assert answer.status_code == 413
    assert "request body too large" in answer.json()["error"]
    assert httpx.get(mock.base_url + "/_mock/scenario").json()["rules"] == []
    small = httpx.post(mock.base_url + "/_mock/scenario", json={**rule, "respond": {"content": "y"}})
    assert small.status_code == 200


def test_scenario_error_values_that_are_no_mapping_are_a_400(make_mock) -> None:
    mock = make_mock()
    rule = {"match": {}, "respond": {"error": {"key": "server_busy", "values": 5}}}
    answer = httpx.post(mock.base_url + "/_mock/scenario", json=rule)
    assert answer.status_code == 400
    assert "'values'" in answer.json()["error"]


@pytest.mark.parametrize("fault", ["latency;ms=" + "9" * 40, "drop;after=" + "9" * 40,
                                   "status;code=429;retry_after=" + "9" * 40])
def test_fault_numbers_beyond_an_int64_are_a_400(make_mock, fault: str) -> None:
    mock = make_mock()
    answer = httpx.post(mock.base_url + "/api/chat", json=CHAT, headers={"X-Ollama-Mock-Fault": fault})
    assert answer.status_code == 400
    assert "expected a finite non-negative int" in answer.json()["error"]


def test_waits_longer_than_go_can_say_are_refused_where_they_are_given(make_mock) -> None:
    # under virtual time a wait of 1e308 s is reported in milliseconds: float infinity, a 500
    mock = make_mock(virtual_time=True)
    answer = httpx.post(mock.base_url + "/api/chat", json={**CHAT, "stream": True},
                        headers={"X-Ollama-Mock-Fault": "stall;after=1;seconds=1e308"})
    assert answer.status_code == 400 and "seconds=" in answer.json()["error"]
    rule = {"match": {}, "respond": {"content": "x", "delays": 1e308}}
    added = httpx.post(mock.base_url + "/_mock/scenario", json=rule)
    assert added.status_code == 400 and "'delays'" in added.json()["error"]
    ok = httpx.post(mock.base_url + "/api/chat", json={**CHAT, "stream": True},
                    headers={"X-Ollama-Mock-Fault": "stall;after=1;seconds=3600"})
    assert ok.status_code == 200 and ok.headers["x-ollama-mock-virtual-delay-ms"] == "3600000"



@pytest.mark.parametrize(("target", "recorded"), [
    (b"POST http://a%2Fapi%3F/_mock/reset", ("POST", "/_mock/reset")),  # an escaped / or ? of the host
    (b"GET http://a/api/tags%3Fz", ("GET", "/api/tags?z")),
])
def test_proxy_checks_records_and_forwards_one_path(make_mock, tmp_path: Path, target: bytes,
                                                    recorded: tuple[str, str]) -> None:
    # the path came from the decoded target, what was forwarded from the target as sent: with an
    # escaped "/" or "?" in the host they differed (the proxy's own /_mock/ check saw /api while
    # /_mock/reset went upstream and wiped its journal; /api/tags?z was recorded as /api/tags)
    upstream = make_mock()
    httpx.get(upstream.base_url + "/api/version")
    app = record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())
    with serving(app) as (_, port):
        answer = raw_request(port, target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
    journal = httpx.get(upstream.base_url + "/_mock/requests").json()["requests"]
    assert journal[0]["path"] == "/api/version", "the upstream's journal was reset through the proxy"
    if recorded[1].startswith("/_mock/"):
        assert answer.startswith(b"HTTP/1.1 404 ") and list(tmp_path.glob("*.json")) == []
    else:
        assert answer.startswith(b"HTTP/1.1 404 ")  # upstream: no route /api/tags?z (an escaped ?)
        assert [(e.method, e.path) for e in cassette.read_all(tmp_path)] == [recorded]
        assert journal[-1]["path"] == "/api/tags?z"


@pytest.mark.parametrize("proxied", [False, True])
def test_options_star_is_answered_as_gos_server_answers_it(make_mock, tmp_path: Path, proxied: bool) -> None:
    # net/http's globalOptionsHandler, before any handler or middleware: 200, Content-Length 0
    mock = make_mock()
    port = int(mock.base_url.rsplit(":", 1)[1])
    with contextlib.ExitStack() as stack:
        if proxied:
            app = record.recording_proxy(mock.base_url, str(tmp_path), out=io.StringIO())
            port = stack.enter_context(serving(app))[1]
        answer = raw_request(port, b"OPTIONS * HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200 ") and b"content-length: 0" in head.split(b"\r\n")
    assert httpx.get(mock.base_url + "/_mock/requests").json()["requests"] == []


def test_scenario_route_refuses_a_chunked_body_over_the_size_limit(make_mock) -> None:
    # no Content-Length to go by: the limit holds while the body is read
    mock = make_mock(max_body_bytes=4096)
    rule = b'{"name":"big","match":{"message":"x"},"respond":{"content":"' + b"y" * 8192 + b'"}}'
    answer = httpx.post(mock.base_url + "/_mock/scenario", content=iter([rule[:3000], rule[3000:]]))
    assert answer.status_code == 413 and answer.json() == {"error": "ollama-mock: http: request body too large"}
    assert httpx.get(mock.base_url + "/_mock/scenario").json()["rules"] == []


def test_a_latency_fault_is_no_longer_than_gos_longest_duration(make_mock) -> None:
    mock = make_mock()
    answer = httpx.post(mock.base_url + "/api/chat", json=CHAT,
                        headers={"X-Ollama-Mock-Fault": "latency;ms=9223372036854775807"})
    assert answer.status_code == 400 and "ms=" in answer.json()["error"]


def test_scenario_error_values_left_empty_are_none(make_mock) -> None:
    mock = make_mock()
    rule = {"match": {}, "respond": {"error": {"key": "server_busy", "values": None}}}
    assert httpx.post(mock.base_url + "/_mock/scenario", json=rule).status_code == 200


def test_a_recorded_blob_upload_keeps_a_summary_even_of_text(make_mock, tmp_path: Path) -> None:
    # cassette.UNPARSED_BODY_ENDPOINTS: a blob's bytes are kept as a summary; a text file (a
    # template, a license) was written whole into the cassette
    import hashlib

    upstream = make_mock()
    data = b"TEMPLATE {{ .Prompt }}\n" * 100
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    app = record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())
    with serving(app) as (base, _):
        assert httpx.post(f"{base}/api/blobs/{digest}", content=data).status_code == 201
    [exchange] = cassette.read_all(tmp_path)
    assert exchange.body == f"<{len(data)} bytes, {digest}>"


def test_proxy_on_loopback_guards_the_host_as_ollama_does(make_mock, tmp_path: Path) -> None:
    # the upstream sees the proxy's own Host, so its guard never fired: a page that rebinds its
    # name to 127.0.0.1 read /api/tags through the proxy (reference §0.1: 403 on a loopback bind)
    upstream = make_mock()
    app = record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())
    with serving(app) as (_, port):
        refused = raw_request(port, b"GET /api/tags HTTP/1.1\r\nHost: rebind.example:%d\r\n\r\n" % port)
        allowed = raw_request(port, b"GET /api/tags HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % port)
    assert refused.startswith(b"HTTP/1.1 403 ") and refused.endswith(b"\r\n\r\n")  # an empty body
    assert allowed.startswith(b"HTTP/1.1 200 ")
    assert [e["path"] for e in httpx.get(upstream.base_url + "/_mock/requests").json()["requests"]] == ["/api/tags"]
