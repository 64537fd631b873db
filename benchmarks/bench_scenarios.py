"""Benchmark the CI features: scenario matching + journal cost, and the plugin's per-test reset.

Prints a table and exits 0:
  non-stream /api/chat requests/s of the mock with 100 scenario rules (none matching: every rule
  is checked) and the journal on, vs the same mock with the CI hooks removed (target: cost <= 10 %)
  the pytest plugin's per-test reset with a filled journal and test rules (target <= 1 ms)
Each server runs in its own process on 127.0.0.1; rounds are interleaved and bounded.

    python benchmarks/bench_scenarios.py [--rounds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

CHAT = {
    "model": "llama3.2",
    "messages": [{"role": "user", "content": "Say something short."}],
    "stream": False,
}

SERVER = r"""
import socket, sys
import uvicorn
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server import extensions
app = create_app(Settings(clock="2026-01-01T00:00:00Z"))
state = app.state.mock
ext = extensions.for_state(state)
if sys.argv[1] == "bare":  # the mock without the CI hooks: no journal, no scenario, no faults
    state.journal = None
    state.responders[:] = [r for r in state.responders if r is state.default_responder]
    state.interceptors.clear(); state.transformers.clear()
else:
    for i in range(100):
        ext.scenario.add(name=f"rule-{i}", match={"endpoint": "chat", "model": ["llama3.2", "qwen3:8b"],
                                                 "message": f"topic number {i} marker"},
                         respond={"content": f"answer {i}"})
# proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets whose proto says TCP; with proto 0
# every answer written in two parts waits ~40 ms for the client's delayed ACK (Nagle).
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.bind(("127.0.0.1", 0)); sock.listen(2048)
print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)).run(sockets=[sock])
"""


def start(kind: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, kind], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.strip().rsplit(" ", 1)[-1]


def rate(client: httpx.Client, url: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        r = client.post(url + "/api/chat", json=CHAT)
        assert r.status_code == 200
    return n / (time.perf_counter() - start)


def bench_throughput(rounds: int, requests: int) -> tuple[float, float]:
    servers = {kind: start(kind) for kind in ("bare", "ci")}
    try:
        results: dict[str, list[float]] = {"bare": [], "ci": []}
        # TCP_NODELAY: without it the client's two small writes (headers, body) wait for a
        # delayed ACK (~40 ms), which would hide what the server does.
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        with httpx.Client(transport=transport) as client:
            for kind in results:  # warm-up
                rate(client, servers[kind][1], 20)
            for _ in range(rounds):
                for kind in ("ci", "bare"):
                    results[kind].append(rate(client, servers[kind][1], requests))
        return statistics.median(results["bare"]), statistics.median(results["ci"])
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)


def _app(kind: str) -> Any:
    from ollama_conformance.mock_server import extensions
    from ollama_conformance.mock_server.app import create_app
    from ollama_conformance.mock_server.settings import Settings

    app = create_app(Settings(clock="2026-01-01T00:00:00Z"))
    state, ext = app.state.mock, extensions.for_state(app.state.mock)
    if kind == "bare":
        state.journal = None
        state.responders[:] = [r for r in state.responders if r is state.default_responder]
        state.interceptors.clear()
        state.transformers.clear()
    else:
        for i in range(100):
            ext.scenario.add(
                name=f"rule-{i}",
                match={
                    "endpoint": "chat",
                    "model": ["llama3.2", "qwen3:8b"],
                    "message": f"topic number {i} marker",
                },
                respond={"content": f"answer {i}"},
            )
    return app


def bench_in_process(rounds: int, requests: int) -> tuple[float, float]:
    """Requests/s through the ASGI app itself (no sockets): the CI hooks' cost without network noise."""
    body = json.dumps(CHAT).encode()
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/chat",
        "raw_path": b"/api/chat",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:11434"), (b"content-type", b"application/json")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 11434),
        "client": ("127.0.0.1", 1),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200

    async def run(app: Any, n: int) -> float:
        start = time.process_time()  # CPU time of this process: other processes' load does not count
        for _ in range(n):
            await app(dict(scope), receive, send)
        return n / (time.process_time() - start)

    apps = {kind: _app(kind) for kind in ("bare", "ci")}
    results: dict[str, list[float]] = {"bare": [], "ci": []}
    for kind in apps:
        asyncio.run(run(apps[kind], 50))
    # Many short paired rounds, alternating which goes first: the machine's load drifts, and a
    # pair shares the same conditions. The median pair ratio is what is reported.
    for i in range(rounds * 4):
        for kind in ("ci", "bare") if i % 2 else ("bare", "ci"):
            results[kind].append(asyncio.run(run(apps[kind], max(requests // 4, 10))))
    ratios = [c / b for b, c in zip(results["bare"], results["ci"], strict=True)]
    bare = statistics.median(results["bare"])
    return bare, bare * statistics.median(ratios)


def bench_reset(repeat: int = 2000) -> float:
    from ollama_conformance.mock_server import extensions
    from ollama_conformance.mock_server.app import create_app
    from ollama_conformance.mock_server.pytest_plugin import OllamaMock
    from ollama_conformance.mock_server.settings import Settings

    app = create_app(Settings())
    mock = OllamaMock("http://127.0.0.1:0", app.state.mock, extensions.for_state(app.state.mock))
    total = 0.0
    for _ in range(repeat):
        for i in range(20):  # what a busy test leaves behind
            mock.journal.record({"method": "POST", "path": "/api/chat", "body": {"i": i}})
        mock.scenario.rules.extend(mock.scenario.rules[:0])
        start = time.perf_counter()
        mock.reset()
        total += time.perf_counter() - start
    return total / repeat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rounds, requests = max(args.rounds, 1), max(args.requests, 10)
    bare, ci = bench_throughput(rounds, requests)
    bare_in, ci_in = bench_in_process(rounds, requests * 2)
    reset_ms = bench_reset() * 1000
    print(f"{'measure':<58}{'value':>12}{'target':>12}")
    print(f"{'HTTP non-stream /api/chat req/s, mock without CI hooks':<58}{bare:>12.0f}")
    print(f"{'HTTP non-stream /api/chat req/s, 100 rules + journal':<58}{ci:>12.0f}")
    print(f"{'HTTP ratio (with / without)':<58}{ci / bare:>11.2f}x{'>= 0.90x':>12}")
    print(f"{'in-process /api/chat req/s, mock without CI hooks':<58}{bare_in:>12.0f}")
    print(f"{'in-process /api/chat req/s, 100 rules + journal':<58}{ci_in:>12.0f}")
    print(f"{'in-process ratio (with / without)':<58}{ci_in / bare_in:>11.2f}x{'>= 0.90x':>12}")
    print(f"{'plugin per-test reset':<58}{reset_ms:>10.3f}ms{'<= 1 ms':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
