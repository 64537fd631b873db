"""Delivery over real uvicorn on 127.0.0.1: one line per record, pacing, errors, disconnects."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from ollama_conformance.mock_server.outcome import Chunk, Stream


def test_ndjson_lines_arrive_one_per_record_without_blank_lines(make_mock):
    mock_url = make_mock().base_url  # its own mock: a pull changes the model list
    with httpx.stream("POST", mock_url + "/api/pull", json={"model": "gemma3:1b"}) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers.get("transfer-encoding") == "chunked"
        lines = list(response.iter_lines())
    assert lines and all(line.strip() for line in lines)
    records = [json.loads(line) for line in lines]
    assert records[0] == {"status": "pulling manifest"} and records[-1] == {"status": "success"}


def _paced(state, count: int, delay: float) -> None:
    items = [Chunk({"status": f"step {i}"}, delay=delay) for i in range(count)] + [Chunk({"status": "success"})]
    state.interceptors.append(lambda info, body: Stream(items) if info.endpoint == "POST /api/pull" else None)


def test_delayed_records_arrive_spread_over_time(make_mock):
    mock = make_mock()
    _paced(mock.state, 4, 0.1)
    stamps = []
    with httpx.stream("POST", mock.base_url + "/api/pull", json={"model": "x"}) as response:
        for line in response.iter_lines():
            stamps.append((time.monotonic(), json.loads(line)["status"]))
    assert [s for _, s in stamps] == ["step 0", "step 1", "step 2", "step 3", "success"]
    assert stamps[-1][0] - stamps[0][0] >= 0.25


def test_a_client_that_disconnects_mid_stream_leaves_nothing_behind(make_mock):
    mock = make_mock()
    tasks_seen = []

    def count_tasks(info, body):
        if info.endpoint == "GET /api/tags":
            tasks_seen.append(len(asyncio.all_tasks()))
        return None

    mock.state.interceptors.append(count_tasks)
    httpx.get(mock.base_url + "/api/tags")
    _paced(mock.state, 100, 0.1)  # 10 s if it ran to the end
    with httpx.stream("POST", mock.base_url + "/api/pull", json={"model": "x"}) as response:
        next(response.iter_lines())
    deadline = time.monotonic() + 3.0
    while mock.state.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mock.state.in_flight == 0
    httpx.get(mock.base_url + "/api/tags")
    assert tasks_seen[1] <= tasks_seen[0]


def test_the_server_keeps_serving_after_errors(mock_url):
    for raw in (b"", b"{", b"[1]", b'{"model":1}'):
        assert httpx.post(mock_url + "/api/show", content=raw).status_code == 400
    assert httpx.get(mock_url + "/api/version").status_code == 200


def test_cut_drops_the_connection_mid_stream(make_mock):
    from ollama_conformance.mock_server.outcome import Cut

    mock = make_mock()
    mock.state.interceptors.append(lambda info, body: Stream([Chunk({"status": "a"}), Cut()]))
    received = []
    try:
        with httpx.stream("POST", mock.base_url + "/api/pull", json={"model": "x"}) as response:
            for line in response.iter_lines():
                received.append(line)
        dropped = False
    except httpx.HTTPError:
        dropped = True
    assert dropped and received == ['{"status":"a"}']
    mock.state.interceptors.clear()
    assert httpx.get(mock.base_url + "/api/version").status_code == 200
