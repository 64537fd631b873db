"""Model state under interleaved requests, as Ollama's scheduler keeps it (server/sched.go): a
runner in use (refCount > 0) is never unloaded, its expiry starts when its last request ends, an
unload asked for meanwhile waits for that, a request without keep_alive leaves a loaded runner's
keep_alive alone, and making room unloads an idle runner before a busy one. Streams are held open
with a stall fault over a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest

CLOCK = "2026-01-01T00:00:00Z"  # a frozen clock: every expires_at is exact
STALL = "stall;after=1;seconds=1.5"  # one record, then a pause: the stream is open meanwhile


@contextmanager
def streaming(base_url: str, path: str, body: dict[str, Any], fault: str = STALL) -> Iterator[list[dict[str, Any]]]:
    """A stream held open by `fault`: the block runs once its first record arrived; the list
    holds every record once the block is left (the stream read to its end)."""
    records: list[dict[str, Any]] = []
    started = threading.Event()

    def read() -> None:
        with httpx.stream("POST", base_url + path, json=body, headers={"X-Ollama-Mock-Fault": fault},
                          timeout=10) as response:
            for line in response.iter_lines():
                line = line.removeprefix("data: ")  # an SSE stream's events (/v1)
                if line.strip() and line != "[DONE]":
                    records.append(json.loads(line))
                    started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert started.wait(5), "the stream never started"
    assert records, "the stream ended before its first record"
    yield records
    reader.join(10)
    assert not reader.is_alive(), "the stream did not end"


def ps(base_url: str) -> list[tuple[str, str]]:
    return [(m["name"], m["expires_at"]) for m in httpx.get(base_url + "/api/ps", timeout=5).json()["models"]]


def ps_when(base_url: str, holds: Callable[[list[tuple[str, str]]], bool]) -> list[tuple[str, str]]:
    """/api/ps once `holds` is true of it (the server releases a runner just after the last bytes
    of its answer went out, so a client may ask a moment before), or as it is after 2 s."""
    deadline = time.monotonic() + 2.0
    while True:
        found = ps(base_url)
        if holds(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def load(base_url: str, model: str, keep_alive: Any = None) -> None:
    body: dict[str, Any] = {"model": model}
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    assert httpx.post(base_url + "/api/generate", json=body, timeout=5).json()["done_reason"] == "load"


GENERATE = {"model": "llama3.2", "prompt": "hi", "options": {"num_predict": 4}}


def test_an_unload_waits_for_the_stream_that_uses_the_model(make_mock: Any) -> None:
    # expireRunner: expiresAt = now and sessionDuration = 0; with refCount > 0 the runner stays
    # (listed, its expires_at now) and is unloaded when the last request ends
    url = make_mock(clock=CLOCK).base_url
    load(url, "llama3.2")
    assert ps(url) == [("llama3.2:latest", "2026-01-01T00:05:00Z")]
    with streaming(url, "/api/generate", GENERATE) as records:
        unload = httpx.post(url + "/api/generate", json={"model": "llama3.2", "keep_alive": 0}, timeout=5).json()
        assert unload["done_reason"] == "unload"
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:00:00Z")]
    assert records[-1]["done"] is True and records[-1]["done_reason"] == "length"  # the stream ends as usual
    assert ps_when(url, lambda found: not found) == []


@pytest.mark.parametrize(("path", "body"), [
    ("/api/chat", {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}),
    ("/v1/chat/completions", {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": True}),
    ("/v1/completions", {"model": "llama3.2", "prompt": "hi", "stream": True}),
])
def test_an_unload_waits_for_a_chat_or_v1_stream_too(make_mock: Any, path: str, body: dict) -> None:
    url = make_mock(clock=CLOCK).base_url
    with streaming(url, path, body):
        unload = httpx.post(url + "/api/chat", json={"model": "llama3.2", "keep_alive": 0}, timeout=5).json()
        assert unload["done_reason"] == "unload"
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:00:00Z")]
    assert ps_when(url, lambda found: not found) == []


def test_keep_alive_zero_on_a_generation_unloads_when_it_ends(make_mock: Any) -> None:
    # a runner loaded with sessionDuration 0 is listed while its request runs (ps: now + 0)
    url = make_mock(clock=CLOCK).base_url
    with streaming(url, "/api/generate", {**GENERATE, "keep_alive": 0}):
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:00:00Z")]
    assert ps_when(url, lambda found: not found) == []


def test_the_expiry_starts_when_the_last_request_ends(make_mock: Any) -> None:
    # processCompleted sets expiresAt = now + sessionDuration when refCount drops to 0; until
    # then a new runner shows now + its keep_alive, worked out on each read (PsHandler's fallback
    # for a zero expiresAt)
    url = make_mock().base_url
    asked = datetime.now().astimezone()
    with streaming(url, "/api/generate", {**GENERATE, "keep_alive": "60s"}):
        first = ps(url)
        time.sleep(0.01)
        assert ps(url) != first
    last = [ps(url)]

    def settled(found: list[tuple[str, str]]) -> bool:  # the same twice running: idle, its expiry set
        same, last[0] = found == last[0], found
        return same

    [(_, after)] = ps_when(url, settled)
    # the stream was held open 1.5 s: its expiry counts from its end, not from when it was asked
    assert (datetime.fromisoformat(after) - asked).total_seconds() >= 61.0


def test_a_model_in_use_is_listed_past_its_expiry(make_mock: Any) -> None:
    # useLoadedRunner stops the timer and leaves expiresAt; the runner is not unloaded in use
    url = make_mock().base_url
    load(url, "llama3.2", "1s")
    (_, loaded_until), = ps(url)
    with streaming(url, "/api/generate", {**GENERATE, "keep_alive": "1s"}, "stall;after=1;seconds=2.4"):
        time.sleep(max(0.0, (datetime.fromisoformat(loaded_until) - datetime.now().astimezone()).total_seconds()) + 0.2)
        assert ps(url) == [("llama3.2:latest", loaded_until)]  # past, and still listed
    [(_, after)] = ps_when(url, lambda found: found != [("llama3.2:latest", loaded_until)])
    assert after > loaded_until  # idle now: its 1 s count from the stream's end


@pytest.mark.parametrize(("path", "body"), [
    ("/api/generate", {"prompt": "hi", "stream": False}),
    ("/api/chat", {"messages": [{"role": "user", "content": "hi"}], "stream": False}),
    ("/api/embed", {"input": "hi"}),
    ("/api/embeddings", {"prompt": "hi"}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
    ("/v1/completions", {"prompt": "hi"}),
])
def test_a_request_without_keep_alive_keeps_the_runners_keep_alive(asgi_client: Any, path: str, body: dict) -> None:
    # useLoadedRunner sets sessionDuration only from a request that has a keep_alive; the server
    # default (OLLAMA_KEEP_ALIVE) is for a new runner (load). The /v1 layers forward none.
    assert asgi_client.post("/api/generate", json={"model": "llama3.2", "keep_alive": -1}).status_code == 200
    forever = asgi_client.get("/api/ps").json()["models"][0]["expires_at"]
    assert forever.startswith("23")  # ~ year 2318
    assert asgi_client.post(path, json={"model": "llama3.2", **body}).status_code == 200
    assert [m["expires_at"][:4] for m in asgi_client.get("/api/ps").json()["models"]] == [forever[:4]]
    # a keep_alive of its own does change it
    assert asgi_client.post(path, json={"model": "llama3.2", "keep_alive": "1m", **body}).status_code == 200
    if not path.startswith("/v1"):
        assert not asgi_client.get("/api/ps").json()["models"][0]["expires_at"].startswith("23")


def test_making_room_unloads_an_idle_runner_before_one_in_use(make_mock: Any) -> None:
    # findRunnerToUnload: sorted by keep_alive then model path, the first idle runner goes; the
    # shortest keep_alive (llama3.2's) is streaming, so gemma3's runner makes room
    url = make_mock(clock=CLOCK, max_loaded_models=2).base_url
    load(url, "llama3.2", "1m")
    load(url, "gemma3:1b", "1h")
    with streaming(url, "/api/generate", GENERATE):
        load(url, "qwen3:8b", "1h")
        assert sorted(name for name, _ in ps(url)) == ["llama3.2:latest", "qwen3:8b"]
    assert sorted(name for name, _ in ps(url)) == ["llama3.2:latest", "qwen3:8b"]


def test_state_changes_leave_a_streaming_runner_alone(make_mock: Any) -> None:
    # DeleteHandler, CopyHandler, CreateHandler and PullHandler never call the scheduler: a
    # loaded model keeps its runner (and ps entry) and its stream runs to the end
    url = make_mock(clock=CLOCK).base_url
    load(url, "llama3.2")
    with streaming(url, "/api/generate", GENERATE) as records:
        assert httpx.post(url + "/api/copy", json={"source": "gemma3:1b", "destination": "llama3.2"}).status_code == 200
        create = httpx.post(url + "/api/create", json={"model": "llama3.2", "from": "qwen3:8b", "stream": False})
        assert create.json() == {"status": "success"}
        assert httpx.request("DELETE", url + "/api/delete", json={"model": "llama3.2"}).status_code == 200
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:05:00Z")]
    assert records[-1]["done"] is True
    assert ps(url) == [("llama3.2:latest", "2026-01-01T00:05:00Z")]
    gone = httpx.post(url + "/api/generate", json=GENERATE)
    assert (gone.status_code, gone.json()) == (404, {"error": "model 'llama3.2' not found"})


def test_of_overlapping_keep_alives_the_last_request_to_start_wins(make_mock: Any) -> None:
    # each request that brings a keep_alive sets the runner's sessionDuration when it is given the
    # runner (useLoadedRunner); the expiry is counted when the last one ends
    url = make_mock(clock=CLOCK).base_url
    with streaming(url, "/api/generate", {**GENERATE, "keep_alive": "1h"}):
        short = httpx.post(url + "/api/generate", json={**GENERATE, "keep_alive": "10m", "stream": False}, timeout=5)
        assert short.json()["done"] is True
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:10:00Z")]  # still in use: now + the session
        late = httpx.post(url + "/api/generate", json={**GENERATE, "stream": False}, timeout=5)  # no keep_alive
        assert late.json()["done"] is True
    assert ps_when(url, lambda found: bool(found)) == [("llama3.2:latest", "2026-01-01T00:10:00Z")]


def test_a_keep_alive_brought_after_an_unload_keeps_the_model(make_mock: Any) -> None:
    # expireRunner only sets expiresAt = now and sessionDuration = 0; a request given the runner
    # meanwhile with a keep_alive sets sessionDuration again (useLoadedRunner), so when the last
    # request ends processCompleted starts its timer instead of unloading it
    url = make_mock(clock=CLOCK).base_url
    with streaming(url, "/api/generate", GENERATE):
        unload = httpx.post(url + "/api/generate", json={"model": "llama3.2", "keep_alive": 0}, timeout=5).json()
        assert unload["done_reason"] == "unload"
        kept = httpx.post(url + "/api/generate", json={**GENERATE, "keep_alive": "1h", "stream": False}, timeout=5)
        assert kept.json()["done"] is True
        assert ps(url) == [("llama3.2:latest", "2026-01-01T00:00:00Z")]  # the unload's expiresAt, in use
    assert ps_when(url, lambda found: found != [("llama3.2:latest", "2026-01-01T00:00:00Z")]) == [
        ("llama3.2:latest", "2026-01-01T01:00:00Z")]


def test_a_model_an_unload_waits_for_still_counts_toward_the_limit(make_mock: Any) -> None:
    # expireRunner leaves a runner in use in the scheduler's map: at OLLAMA_MAX_LOADED_MODELS a new
    # model makes findRunnerToUnload take an idle one (gemma3), although llama3.2 will go soon
    url = make_mock(clock=CLOCK, max_loaded_models=2).base_url
    load(url, "gemma3:1b", "1h")
    with streaming(url, "/api/generate", GENERATE):
        assert httpx.post(url + "/api/generate", json={"model": "llama3.2", "keep_alive": 0}, timeout=5).status_code == 200
        load(url, "qwen3:8b", "1h")
        assert sorted(name for name, _ in ps(url)) == ["llama3.2:latest", "qwen3:8b"]
    assert ps_when(url, lambda found: len(found) == 1) == [("qwen3:8b", "2026-01-01T01:00:00Z")]


def _store(max_loaded: int = 0) -> Any:
    from ollama_conformance.mock_server.clock import Clock
    from ollama_conformance.mock_server.state import ModelStore, load_catalog

    installed, registry = load_catalog(None)
    return ModelStore(installed, registry, Clock(fixed=datetime.fromisoformat("2026-01-01T00:00:00+00:00")),
                      max_loaded=max_loaded)


def test_a_load_from_another_thread_after_the_hold_is_never_released_unheld() -> None:
    # the plugin serves in a thread while a test may load directly: its runner can land in the
    # request's list after `hold`; releasing it with the request took its refCount to -1
    store = _store()
    entries = store.list()
    held: list[Any] = []
    store.serving = held
    store.load(entries[0])
    busy = store.hold(held)
    store.load(entries[1])  # another thread's load while the handler's list is still set
    store.serving = None
    store.release(busy)
    assert [runner.refs for runner in held] == [0, 0]
    assert {entry.name for entry, *_ in store.loaded()} == {entries[0].name, entries[1].name}


@pytest.mark.parametrize("limit", [-1, 0])
def test_a_limit_below_one_is_the_automatic_one(limit: int) -> None:
    # Go's envconfig reads no negative count; a Python-made Settings(max_loaded_models=-1) made
    # every cold load an IndexError (a 500)
    store = _store(limit)
    for entry in store.list()[:4]:
        store.load(entry)
    assert len(store.loaded()) == 3
