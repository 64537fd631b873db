"""Benchmark the mock against a bare Starlette app on the same uvicorn (separate processes, 127.0.0.1).

Prints a table of ratios and exits 0:
  non-stream /api/chat and /v1/chat/completions requests/s vs a bare app sending the same bytes (>= 0.8x)
  streaming /api/chat (~100 records) chunks/s vs a bare one-message-per-chunk StreamingResponse (>= 4x)
  start-up to first answer vs the bare app (<= 1.3x); idle RSS of the mock (<= 45 MB)
Rounds are interleaved (mock, bare, mock, ...) and bounded; a run takes well under a minute.

    /work/venv/bin/python benchmarks/bench_mock.py [--rounds 5] [--requests 150]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "Say something short."}], "stream": False}
V1 = {"model": "llama3.2", "messages": [{"role": "user", "content": "Say something short."}]}
STREAM = {"model": "llama3.2", "messages": [{"role": "user", "content": "Tell me a long story."}],
          "options": {"num_predict": 99}}

BARE_APP = r'''
import json, os, sys, socket
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
bodies = json.load(open(sys.argv[1]))
chat = bodies["chat"].encode(); v1 = bodies["v1"].encode(); chunks = [c.encode() for c in bodies["chunks"]]
async def api_chat(request):
    payload = await request.json()
    if payload.get("stream") is False:
        return Response(chat, media_type="application/json; charset=utf-8")
    async def gen():
        for c in chunks:
            yield c
    return StreamingResponse(gen(), media_type="application/x-ndjson")
async def v1_chat(request):
    await request.json()
    return Response(v1, media_type="application/json")
async def root(request):
    return Response(b"Ollama is running", media_type="text/plain; charset=utf-8")
app = Starlette(routes=[Route("/", root), Route("/api/chat", api_chat, methods=["POST"]),
                        Route("/v1/chat/completions", v1_chat, methods=["POST"])])
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(2048)
print(f"bare listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)).run(sockets=[sock])
'''


class Server:
    """A server subprocess: started, timed to its first answer, measured, stopped."""

    def __init__(self, argv: list[str]) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        self.url = line.strip().rsplit(" ", 1)[-1]
        if not self.url.startswith("http://"):
            self.stop()
            raise SystemExit(f"server did not start: {argv[:4]} printed {line!r}")
        with httpx.Client() as client:
            for _ in range(500):  # bounded: ~5 s
                try:
                    if client.get(self.url + "/").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.01)
        self.startup = time.perf_counter() - started

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def mock_argv() -> list[str]:
    return [sys.executable, "-m", "ollama_conformance.mock_server", "serve", "--port", "0"]


def bare_argv(bodies_file: str) -> list[str]:
    return [sys.executable, "-c", BARE_APP, bodies_file]


def rate(client: httpx.Client, url: str, body: dict, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = client.post(url, json=body)
        response.read()
    return count / (time.perf_counter() - started)


def chunk_rate(client: httpx.Client, url: str, body: dict, count: int) -> float:
    chunks = 0
    started = time.perf_counter()
    for _ in range(count):
        with client.stream("POST", url, json=body) as response:
            chunks += sum(1 for _ in response.iter_lines())
    return chunks / (time.perf_counter() - started)


def capture_bodies(mock: Server) -> dict:
    with httpx.Client() as client:
        chat = client.post(mock.url + "/api/chat", json=CHAT).text
        v1 = client.post(mock.url + "/v1/chat/completions", json=V1).text
        stream = client.post(mock.url + "/api/chat", json=STREAM).text
    chunks = [line + "\n" for line in stream.splitlines()]
    return {"chat": chat, "v1": v1, "chunks": chunks}


def measure(mock: Server, bare: Server, rounds: int, requests: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {k: [] for k in ("chat_m", "chat_b", "v1_m", "v1_b", "st_m", "st_b")}
    with httpx.Client() as client:
        for _ in range(rounds):
            for tag, server in (("m", mock), ("b", bare)):
                results[f"chat_{tag}"].append(rate(client, server.url + "/api/chat", CHAT, requests))
                results[f"v1_{tag}"].append(rate(client, server.url + "/v1/chat/completions", V1, requests))
                results[f"st_{tag}"].append(chunk_rate(client, server.url + "/api/chat", STREAM, max(requests // 5, 5)))
    return results


def startup_times(bodies_file: str, tries: int) -> tuple[float, float, float]:
    mock_times, bare_times, rss = [], [], []
    for _ in range(tries):
        mock = Server(mock_argv())
        time.sleep(0.3)  # idle
        rss.append(mock.rss_mb())
        mock_times.append(mock.startup)
        mock.stop()
        bare = Server(bare_argv(bodies_file))
        bare_times.append(bare.startup)
        bare.stop()
    return statistics.median(mock_times), statistics.median(bare_times), statistics.median(rss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150)
    args = parser.parse_args()
    mock = Server(mock_argv())
    bodies = capture_bodies(mock)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(bodies, handle)
    try:
        bare = Server(bare_argv(handle.name))
        try:
            r = measure(mock, bare, args.rounds, args.requests)
        finally:
            bare.stop()
            mock.stop()
        mock_start, bare_start, rss = startup_times(handle.name, 3)
    finally:
        os.unlink(handle.name)
    med = {k: statistics.median(v) for k, v in r.items()}
    rows = [
        ("non-stream /api/chat req/s", med["chat_m"], med["chat_b"], med["chat_m"] / med["chat_b"], ">= 0.8x"),
        ("/v1/chat/completions req/s", med["v1_m"], med["v1_b"], med["v1_m"] / med["v1_b"], ">= 0.8x"),
        (f"stream /api/chat chunks/s ({len(bodies['chunks'])}/req)", med["st_m"], med["st_b"], med["st_m"] / med["st_b"], ">= 4x"),
        ("start-up to first answer (s)", mock_start, bare_start, mock_start / bare_start, "<= 1.3x"),
        ("idle RSS (MB)", rss, float("nan"), float("nan"), "<= 45 MB"),
    ]
    print(f"{'measure':<40} {'mock':>10} {'bare':>10} {'ratio':>7}  target")
    for name, mine, base, ratio, target in rows:
        print(f"{name:<40} {mine:>10.3f} {base:>10.3f} {ratio:>6.2f}x  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
