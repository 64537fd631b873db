"""Validation proxy, recording and replay, with the mock itself as the upstream."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import cassette, extensions, proxy, record

CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "tell me a story"}]}


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Any ASGI app on a real uvicorn, 127.0.0.1, port 0."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def test_proxy_passes_streams_through_unchanged_and_validates(make_mock) -> None:
    upstream = make_mock(clock="2026-01-02T03:04:05Z")
    out = io.StringIO()
    app = proxy.ValidatingProxy(upstream.base_url, out=out)
    with serving(app) as url:
        httpx.post(upstream.base_url + "/api/chat", json=CHAT)  # loads the model: later answers are warm
        direct = httpx.post(upstream.base_url + "/api/chat", json=CHAT)
        via = httpx.post(url + "/api/chat", json=CHAT)
        tags = httpx.get(url + "/api/tags")
        report = httpx.get(url + "/_mock/violations").json()
    assert via.status_code == 200 and via.text == direct.text
    assert via.headers["content-type"] == "application/x-ndjson"
    assert tags.json()["models"]
    assert report == {"exchanges": 2, "violations_total": 0, "violations": []} and out.getvalue() == ""


def test_proxy_prints_and_keeps_violations(make_mock) -> None:
    upstream = make_mock()
    out = io.StringIO()
    app = proxy.ValidatingProxy(upstream.base_url, out=out)
    with serving(app) as url:
        httpx.post(
            url + "/api/generate",
            json={"model": "llama3.2", "prompt": "x"},
            headers={"X-Ollama-Mock-Fault": "malformed;after=1"},
        )
        httpx.post(url + "/api/chat", json={"model": 7})  # the request itself breaks the contract
        report = httpx.get(url + "/_mock/violations").json()
    endpoints = [v["endpoint"] for v in report["violations"]]
    assert "POST /api/generate" in endpoints and "POST /api/chat" in endpoints
    assert any(v["violation"].startswith("request $.model") for v in report["violations"])
    assert "ollama-mock: contract violation: POST /api/generate: stream" in out.getvalue()
    assert report["violations_total"] == len(report["violations"])


def test_the_proxy_keeps_only_the_latest_violations(monkeypatch) -> None:
    # a proxy before a server that breaks a contract on every answer grew by every violation
    monkeypatch.setattr(proxy, "KEPT_VIOLATIONS", 3)
    app = proxy.ValidatingProxy("http://127.0.0.1:9", out=io.StringIO())
    for number in range(5):
        exchange = cassette.Exchange(method="POST", path="/api/chat", body={"model": number},
                                     status=200, content_type="application/json", text="{}")
        app._finish(exchange)
    assert app.violations_total >= 5 and len(app.violations) == 3
    assert all(v["endpoint"] == "POST /api/chat" for v in app.violations)


def test_unreachable_upstream_is_a_502_with_one_line() -> None:
    out = io.StringIO()
    with serving(proxy.ValidatingProxy("http://127.0.0.1:9", out=out)) as url:
        r = httpx.get(url + "/api/tags")
    assert r.status_code == 502 and "cannot reach upstream http://127.0.0.1:9" in r.json()["error"]
    assert len(out.getvalue().splitlines()) == 1


def _record(
    upstream: str, directory: Path, requests: list[tuple[str, str, Any, dict[str, str]]]
) -> list[httpx.Response]:
    got = []
    with serving(record.recording_proxy(upstream, str(directory), out=io.StringIO())) as url:
        for method, path, body, headers in requests:
            got.append(httpx.request(method, url + path, json=body, headers=headers))
    return got


def test_record_then_replay_gives_the_recorded_bytes(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    recorded = _record(
        upstream.base_url,
        tmp_path,
        [
            ("POST", "/api/chat", CHAT, {}),
            ("POST", "/v1/chat/completions", {**CHAT, "stream": True}, {}),
            ("GET", "/api/tags", None, {}),
            ("POST", "/api/chat", {**CHAT, "model": "missing"}, {}),
        ],
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [
        "0000-post-api-chat.json",
        "0001-post-v1-chat-completions.json",
        "0002-get-api-tags.json",
        "0003-post-api-chat.json",
    ]
    saved = json.loads((tmp_path / files[0]).read_text())
    assert saved["response"]["stream"] and all(r["data"].endswith("\n") for r in saved["response"]["records"])
    assert saved["violations"] == []
    replay = make_mock(cassette=str(tmp_path))
    for (method, path, body), before in zip(
        [
            ("POST", "/api/chat", CHAT),
            ("POST", "/v1/chat/completions", {**CHAT, "stream": True}),
            ("GET", "/api/tags", None),
            ("POST", "/api/chat", {**CHAT, "model": "missing"}),
        ],
        recorded,
        strict=True,
    ):
        again = httpx.request(method, replay.base_url + path, json=body)
        assert (again.status_code, again.text) == (before.status_code, before.text)
        assert again.headers["content-type"] == before.headers["content-type"]


def test_a_recorded_binary_blob_upload_replays(make_mock, tmp_path: Path) -> None:
    blob = bytes(range(256)) * 4  # not text: it must not be stored as replacement characters
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    upstream = make_mock()
    with serving(record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())) as url:
        recorded = [httpx.head(url + f"/api/blobs/{digest}"), httpx.post(url + f"/api/blobs/{digest}", content=blob)]
    [saved] = [json.loads(p.read_text()) for p in sorted(tmp_path.iterdir()) if "post" in p.name]
    assert saved["request"]["body"] == f"<1024 bytes, {digest}>"
    replay = make_mock(cassette=str(tmp_path))
    again = [httpx.head(replay.base_url + f"/api/blobs/{digest}"),
             httpx.post(replay.base_url + f"/api/blobs/{digest}", content=blob)]
    assert [r.status_code for r in again] == [r.status_code for r in recorded] == [404, 201]


def test_the_recorder_keeps_lone_surrogates_zstd_and_escaped_paths_as_ollama_reads_them(make_mock, tmp_path: Path) -> None:
    import zstandard

    upstream = make_mock()
    chat = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "x"}]}
    with serving(record.recording_proxy(upstream.base_url, str(tmp_path), out=io.StringIO())) as url:
        lone = httpx.post(url + "/api/chat", content=json.dumps(chat).replace('"x"', '"x\\ud800"').encode())
        packed = httpx.post(url + "/v1/chat/completions", headers={"content-encoding": "zstd"},
                            content=zstandard.ZstdCompressor().compress(json.dumps(chat).encode()))
        escaped = httpx.get(url + "/v1/models/gemma3%3F1b")
        mine = httpx.get(url + "//_mock/requests")
    assert (lone.status_code, packed.status_code, escaped.status_code, mine.status_code) == (200, 200, 400, 404)
    saved = [json.loads(p.read_text()) for p in sorted(tmp_path.iterdir())]
    assert [s["request"]["path"] for s in saved] == ["/api/chat", "/v1/chat/completions", "/v1/models/gemma3?1b"]
    assert saved[0]["request"]["body"]["messages"][0]["content"] == "x\ufffd"
    assert saved[1]["request"]["body"] == chat  # decoded: replay compares what the mock decodes


def test_a_client_that_leaves_stops_the_upstream_and_is_not_recorded(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    out = io.StringIO()
    with serving(record.recording_proxy(upstream.base_url, str(tmp_path), out=out)) as url:
        with pytest.raises(httpx.ReadTimeout):  # the upstream stalls 30 s after one record; the client gives up
            with httpx.stream("POST", url + "/api/chat", json=CHAT, timeout=0.5,
                              headers={"X-Ollama-Mock-Fault": "stall;after=1;seconds=30"}) as response:
                for _ in response.iter_raw():
                    pass
        deadline = time.monotonic() + 5
        while upstream.state.in_flight and time.monotonic() < deadline:  # bounded wait for the upstream to see it
            time.sleep(0.05)
        assert upstream.state.in_flight == 0  # the upstream stopped, not 30 s later
    assert list(tmp_path.iterdir()) == []
    assert "the client left during POST /api/chat: not recorded" in out.getvalue()


def test_a_replaying_mock_answers_readiness_probes_its_cassette_lacks(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    _record(upstream.base_url, tmp_path, [("GET", "/api/tags", None, {})])
    replay = make_mock(cassette=str(tmp_path))
    assert httpx.get(replay.base_url + "/api/version").status_code == 200  # the README's CI recipe polls it
    assert httpx.get(replay.base_url + "/").text == "Ollama is running"
    missing = httpx.get(replay.base_url + "/api/ps")  # anything else unrecorded is still a miss
    assert missing.status_code == 404 and "no cassette entry for GET /api/ps" in missing.json()["error"]


def test_replay_matching_ignores_key_order_and_volatile_fields(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    [before] = _record(upstream.base_url, tmp_path, [("POST", "/api/chat", {**CHAT, "stream": False}, {})])
    replay = make_mock(cassette=str(tmp_path))
    reordered = {"stream": False, "keep_alive": "1h", "messages": CHAT["messages"], "model": "llama3.2"}
    assert httpx.post(replay.base_url + "/api/chat", json=reordered).text == before.text
    miss = httpx.post(
        replay.base_url + "/api/chat", json={**CHAT, "messages": [{"role": "user", "content": "other"}]}
    )
    assert miss.status_code == 404
    assert miss.json()["error"] == (
        "ollama-mock: no cassette entry for POST /api/chat "
        "(1 recorded POST /api/chat request(s), none with this body)"
    )


def test_repeated_requests_replay_in_recorded_order(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    extensions.for_state(upstream.state).scenario.add(
        match={"message": "story"}, sequence=[{"content": "one"}, {"content": "two"}]
    )
    body = {**CHAT, "stream": False}
    _record(upstream.base_url, tmp_path, [("POST", "/api/chat", body, {}), ("POST", "/api/chat", body, {})])
    replay = make_mock(cassette=str(tmp_path))
    answers = [
        httpx.post(replay.base_url + "/api/chat", json=body).json()["message"]["content"] for _ in range(3)
    ]
    assert answers == ["one", "two", "two"]


def test_keep_timing_replays_the_recorded_gaps(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    _record(
        upstream.base_url,
        tmp_path,
        [("POST", "/api/chat", CHAT, {"X-Ollama-Mock-Fault": "stall;after=1;seconds=0.4"})],
    )
    records = json.loads(next(tmp_path.iterdir()).read_text())["response"]["records"]
    assert records[1]["t"] - records[0]["t"] >= 0.35
    fast, slow = (
        make_mock(cassette=str(tmp_path)),
        make_mock(cassette=str(tmp_path), extra={"keep_timing": True}),
    )
    for mock, expect_slow in ((fast, False), (slow, True)):
        start = time.monotonic()
        httpx.post(mock.base_url + "/api/chat", json=CHAT)
        assert (time.monotonic() - start >= 0.35) is expect_slow


def test_cassette_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = cassette.Writer(tmp_path)
    ex = cassette.Exchange(method="GET", path="/api/tags", text="{}", content_type="application/json")
    writer.write(ex)

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.write(ex)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000-get-api-tags.json"]
    assert cassette.read_all(tmp_path)[0].text == "{}"


def test_a_resumed_recording_numbers_on_after_the_last_file_and_replaces_none(tmp_path: Path) -> None:
    ex = cassette.Exchange(method="GET", path="/api/tags", text="{}", content_type="application/json")
    first = cassette.Writer(tmp_path)
    paths = [first.write(ex) for _ in range(4)]
    paths[1].unlink()  # a file deleted by hand between two recording sessions
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    added = cassette.Writer(tmp_path).write(ex)
    assert added.name == "0004-get-api-tags.json"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p != added} == before


def test_bad_cassette_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "0000-x.json").write_text("{not json")
    with pytest.raises(cassette.CassetteError, match=r"0000-x.json: not a cassette file"):
        cassette.read_all(tmp_path)
    with pytest.raises(cassette.CassetteError, match="not a directory"):
        cassette.read_all(tmp_path / "missing")


_TAGS = {"request": {"method": "GET", "path": "/api/tags", "body": None},
         "response": {"status": 200, "content_type": "application/json", "body": "{}"}}


@pytest.mark.parametrize(("change", "problem"), [
    # each was replayed as other bytes (str(None) == "None", bool("false") is True) or failed each request
    ({"response": {**_TAGS["response"], "content_type": 123}}, "response content_type 123 is not str or NoneType"),
    ({"response": {**_TAGS["response"], "body": {"a": 1}}}, "response body {'a': 1} is not str"),
    ({"response": {**_TAGS["response"], "stream": "false", "records": []}}, "response stream 'false' is not bool"),
    ({"response": {**_TAGS["response"], "stream": True, "records": [{"t": 0, "data": None}]}},
     "stream record data None is not a string"),
    ({"response": {**_TAGS["response"], "stream": True, "records": [{"t": float("nan"), "data": "{}\n"}]}},
     "stream record t nan is not seconds"),
    ({"request": {**_TAGS["request"], "path": None}}, "request path None is not a string"),
    ({"version": 2}, "version 2: this ollama-mock reads cassette version 1"),
])
def test_a_hand_edited_cassette_of_the_wrong_types_is_refused_when_read(tmp_path: Path, change, problem) -> None:
    (tmp_path / "0000-x.json").write_text(json.dumps({**_TAGS, **change}))
    with pytest.raises(cassette.CassetteError, match="0000-x.json: not a cassette file") as caught:
        cassette.read_all(tmp_path)
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_a_cassette_nested_too_deeply_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "0000-x.json").write_text("[" * 100_000 + "]" * 100_000)  # was a RecursionError, no file named
    with pytest.raises(cassette.CassetteError, match="0000-x.json: not a cassette file .RecursionError"):
        cassette.read_all(tmp_path)


def test_a_cassette_folder_removed_while_recording_is_made_again(tmp_path: Path) -> None:
    writer = cassette.Writer(tmp_path / "c")
    (tmp_path / "c").rmdir()  # a clean-up step between two tests: the next exchange was a traceback, and lost
    ex = cassette.Exchange(method="GET", path="/api/tags", text="{}", content_type="application/json")
    assert writer.write(ex).name == "0000-get-api-tags.json"


def test_a_cassette_that_cannot_be_written_is_one_line_and_the_proxy_serves_on(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    out = io.StringIO()
    with serving(record.recording_proxy(upstream.base_url, str(tmp_path / "c"), out=out)) as url:
        (tmp_path / "c").rmdir()
        (tmp_path / "c").write_text("")  # the folder is a file now: no cassette file can be written
        first = httpx.get(url + "/api/tags")
        second = httpx.get(url + "/api/version")
    assert first.status_code == 200 and second.status_code == 200
    assert out.getvalue().splitlines()[0].startswith("ollama-mock record: cannot write the cassette file of GET /api/tags")


def test_a_stop_while_the_upstream_streams_is_one_line_and_prompt(make_mock, tmp_path: Path) -> None:
    # SIGTERM during a record: uvicorn waited 3 s, then cancelled the relay with two tracebacks
    upstream = make_mock()
    process = subprocess.Popen(
        [sys.executable, "-m", "ollama_conformance.mock_server", "record", "--upstream", upstream.base_url,
         "--cassette", str(tmp_path), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[4]
        cut: dict[str, Any] = {}

        def stream() -> None:
            try:
                with httpx.stream("POST", url + "/api/chat", json=CHAT, timeout=20,
                                  headers={"X-Ollama-Mock-Fault": "stall;after=2;seconds=20"}) as r:
                    for _ in r.iter_lines():
                        cut.setdefault("started", True)
            except httpx.HTTPError as exc:
                cut["error"] = exc

        reader = threading.Thread(target=stream)
        reader.start()
        deadline = time.monotonic() + 10
        while "started" not in cut and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        process.terminate()
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 2.5
        reader.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stderr.read() == "ollama-mock proxy: the proxy stopped during POST /api/chat: not recorded\n"
    assert isinstance(cut.get("error"), httpx.RemoteProtocolError)  # the client sees the cut, as from Ollama
    assert list(tmp_path.iterdir()) == []


def test_an_empty_cassette_folder_and_an_upstream_httpx_cannot_read_are_refused_up_front() -> None:
    # `--cassette ""` recorded into the current folder; `http://[::1` made every request a traceback
    with pytest.raises(cassette.CassetteError, match="--cassette '': expected a folder"):
        cassette.Writer("")
    assert proxy.check_upstream("http://[::1") == "--upstream has value 'http://[::1': not a URL (Invalid port: ':1')"
    assert proxy.check_upstream("http://127.0.0.1:11434") is None


def test_cli_rejects_a_bad_upstream_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ollama_conformance.mock_server import cli

    code = cli.run(["record", "--upstream", "localhost:11434", "--cassette", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("ollama-mock record: --upstream has value 'localhost:11434'")
    assert cli.run(["proxy"]) == 2 and "--upstream" in capsys.readouterr().err


def test_proxy_on_an_address_in_use_is_one_line_and_exit_3(mock_server) -> None:
    port = mock_server.base_url.rsplit(":", 1)[1]
    done = subprocess.run([sys.executable, "-m", "ollama_conformance.mock_server", "proxy", "--upstream",
                           "http://127.0.0.1:1", "--port", port], capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert done.stderr == f"ollama-mock proxy: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_fault_header_also_breaks_a_replayed_stream(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    _record(upstream.base_url, tmp_path, [("POST", "/api/chat", CHAT, {})])
    replay = make_mock(cassette=str(tmp_path))
    r = httpx.post(
        replay.base_url + "/api/chat", json=CHAT, headers={"X-Ollama-Mock-Fault": "midstream_error;after=2"}
    )
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == 3 and lines[-1] == {"error": "an error was encountered while running the model"}


@pytest.mark.parametrize(("response", "problem"), [
    ({"status": 999}, "response status 999 is not an HTTP status"),
    ({"status": 200, "headers": {"x-note": "a\nb"}}, "response header 'x-note': 'a\\nb' has the control character"),
    ({"status": 200, "headers": {"bad name": "x"}}, "response header 'bad name': 'x' is no header name"),
])
def test_a_cassette_the_server_could_not_send_back_is_refused_when_read(tmp_path: Path, response, problem) -> None:
    exchange = {"request": {"method": "GET", "path": "/api/tags", "body": None},
                "response": {"content_type": "application/json", "body": "{}", **response}}
    (tmp_path / "0000-x.json").write_text(json.dumps(exchange))
    with pytest.raises(cassette.CassetteError, match="0000-x.json: not a cassette file") as caught:
        cassette.read_all(tmp_path)
    assert problem in str(caught.value) and "\n" not in str(caught.value)
