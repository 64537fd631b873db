"""Benchmark the mock against a bare Starlette app on the same uvicorn (separate processes, 127.0.0.1).

Prints a table of ratios and exits 0:
  GET /api/version requests/s vs a bare constant answer (the route layer's own cost, for information)
  non-stream /api/chat and /v1/chat/completions requests/s vs a bare app sending the same bytes (>= 0.8x)
  streaming /api/chat (~100 records) chunks/s vs a bare one-message-per-chunk StreamingResponse (>= 4x)
  non-stream /api/chat with a prompt never sent before, vs the same bare app (for information: the
  rows above repeat one request, whose words the mock draws once and keeps; this row draws them
  every time, as a test suite that sends many different prompts makes it do)
  start-up to first answer vs the bare app (<= 1.3x); idle RSS of the mock (<= 45 MB)
Rounds are interleaved batch by batch (mock then bare, bare then mock, ...) and bounded; a run
takes about a minute. Each ratio is the median of the rounds' ratios; the column beside it gives
their middle half (25th to 75th percentile), which says how far one run's median can be trusted.
Several server pairs run side by side (--pairs, default 3) and the rounds go round them: two
processes of the same server differ by up to +-10% in speed (memory layout: address-space
randomisation, where pages land in the caches), so one pair alone can be lucky or unlucky for the
whole run. pyperf spreads its runs over worker processes for the same reason.
The client is a raw keep-alive socket that writes each request in one piece (httpx writes headers
and body apart, and Nagle + delayed ACK then add ~40 ms to every request, for both servers alike).
The servers run with bytecode caching on (as after `pip install`): this machine's environment sets
PYTHONDONTWRITEBYTECODE, which would make every start recompile the project's modules.
The streaming case answers a ~100-record chat through a scenario rule (--scenario).

    python benchmarks/bench_mock.py [--rounds 12] [--requests 250] [--pairs 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHAT = {"model": "llama3.2", "messages": [{"role": "user", "content": "Say something short."}], "stream": False}
V1 = {"model": "llama3.2", "messages": [{"role": "user", "content": "Say something short."}]}
STREAM = {"model": "llama3.2", "messages": [{"role": "user", "content": "Tell me a long story."}]}
SCENARIO = {"rules": [{"name": "long", "match": {"message": "long story"},
                       "respond": {"content": " ".join(f"word{i}" for i in range(99))}}]}

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
async def version(request):
    return Response(b'{"version":"0.32.15"}', media_type="application/json; charset=utf-8")
app = Starlette(routes=[Route("/", root), Route("/api/version", version), Route("/api/chat", api_chat, methods=["POST"]),
                        Route("/v1/chat/completions", v1_chat, methods=["POST"])])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP); sock.bind(("127.0.0.1", 0)); sock.listen(2048)
print(f"bare listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)).run(sockets=[sock])
'''


class Server:
    """A server subprocess: started, timed to its first answer, measured, stopped."""

    def __init__(self, argv: list[str]) -> None:
        started = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
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


def mock_argv(scenario: str | None = None) -> list[str]:
    extra = ["--scenario", scenario] if scenario else []
    return [sys.executable, "-m", "ollama_conformance.mock_server", "serve", "--port", "0", *extra]


def bare_argv(bodies_file: str) -> list[str]:
    return [sys.executable, "-c", BARE_APP, bodies_file]


class RawClient:
    """HTTP/1.1 keep-alive over one socket; each request is written in one piece."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.head = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n"
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def post(self, path: str, body: bytes | None) -> bytes:
        if body is None:
            request = f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode()
        else:
            request = f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        try:
            return self._exchange(request)
        except ConnectionError:  # the bare app's uvicorn closes a connection idle for 5 s: once more, anew
            self.sock.close()
            self._connect()
            return self._exchange(request)

    def _exchange(self, request: bytes) -> bytes:
        self.sock.sendall(request)
        headers = self._until(b"\r\n\r\n").lower()
        if b"transfer-encoding: chunked" in headers:
            return self._chunked()
        length = int(headers.split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
        return self._exactly(length)

    def _fill(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buffer += data

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._until(b"\r\n").split(b";")[0], 16)
            parts.append(self._exactly(size))
            self._exactly(2)
            if size == 0:
                return b"".join(parts)

    def close(self) -> None:
        self.sock.close()


def rate(client: RawClient, path: str, body: dict | None, count: int) -> float:
    return timed(client, path, [json.dumps(body).encode() if body is not None else None] * count)


def timed(client: RawClient, path: str, raws: list[bytes | None]) -> float:
    """Requests/s sending each of `raws` (made before the clock starts) in turn."""
    started = time.perf_counter()
    for raw in raws:
        client.post(path, raw)
    return len(raws) / (time.perf_counter() - started)


_FRESH = itertools.count()


def fresh_chat() -> dict:
    """CHAT with a user message no earlier request of this run had."""
    return {**CHAT, "messages": [{"role": "user", "content": f"Say something short about thing {next(_FRESH)}."}]}


def fresh_rate(client: RawClient, path: str, count: int) -> float:
    return timed(client, path, [json.dumps(fresh_chat()).encode() for _ in range(count)])


def chunk_rate(client: RawClient, path: str, body: dict, count: int) -> float:
    raw = json.dumps(body).encode()
    chunks = 0
    started = time.perf_counter()
    for _ in range(count):
        chunks += client.post(path, raw).count(b"\n")
    return chunks / (time.perf_counter() - started)


def capture_bodies(mock: Server) -> dict:
    with httpx.Client() as client:
        chat = client.post(mock.url + "/api/chat", json=CHAT).text
        v1 = client.post(mock.url + "/v1/chat/completions", json=V1).text
        stream = client.post(mock.url + "/api/chat", json=STREAM).text
    chunks = [line + "\n" for line in stream.splitlines()]
    return {"chat": chat, "v1": v1, "chunks": chunks}


def measure(pairs: list[tuple[Server, Server]], rounds: int, requests: int) -> dict[str, list[float]]:
    """Per measure and round, a batch on each server of one pair back to back (who goes first
    alternates), so that each round's ratio compares the two under the same machine load; round
    N uses pair N % len(pairs)."""
    results: dict[str, list[float]] = {f"{k}_{t}": [] for k in ("core", "chat", "v1", "st", "fresh") for t in "mb"}
    clients = [{"m": RawClient(mock.url), "b": RawClient(bare.url)} for mock, bare in pairs]
    batches = {
        "core": lambda c, n: rate(c, "/api/version", None, n),
        "chat": lambda c, n: rate(c, "/api/chat", CHAT, n),
        "v1": lambda c, n: rate(c, "/v1/chat/completions", V1, n),
        "st": lambda c, n: chunk_rate(c, "/api/chat", STREAM, max(n // 3, 5)),
        "fresh": lambda c, n: fresh_rate(c, "/api/chat", n),
    }
    try:
        for pair in clients:  # warm-up, not counted: first-use imports, caches, the interpreter's specialising
            for batch in batches.values():
                for client in pair.values():
                    batch(client, 50)
        for round_ in range(rounds):
            pair = clients[round_ % len(clients)]
            for name, batch in batches.items():
                for tag in ("m", "b") if (round_ // len(clients)) % 2 == 0 else ("b", "m"):
                    results[f"{name}_{tag}"].append(batch(pair[tag], requests))
    finally:
        for pair in clients:
            for client in pair.values():
                client.close()
    return results


def startup_times(bodies_file: str, tries: int) -> tuple[float, float, float]:
    mock_times, bare_times, rss = [], [], []
    Server(mock_argv()).stop()  # warm-up: writes the bytecode caches
    Server(bare_argv(bodies_file)).stop()
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=250)
    parser.add_argument("--pairs", type=int, default=3, help="mock/bare server pairs the rounds go round")
    args = parser.parse_args()
    for name in ("rounds", "requests", "pairs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, not {getattr(args, name)}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as scenario:
        json.dump(SCENARIO, scenario)
    mocks = [Server(mock_argv(scenario.name))]
    bares: list[Server] = []
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    try:
        try:
            bodies = capture_bodies(mocks[0])
            json.dump(bodies, handle)
            handle.close()
            mocks += [Server(mock_argv(scenario.name)) for _ in range(args.pairs - 1)]
            bares += [Server(bare_argv(handle.name)) for _ in range(args.pairs)]
            r = measure(list(zip(mocks, bares, strict=True)), args.rounds, args.requests)
        finally:
            for server in [*mocks, *bares]:
                server.stop()
        mock_start, bare_start, rss = startup_times(handle.name, 7)
    finally:
        handle.close()
        os.unlink(handle.name)
        os.unlink(scenario.name)
    med = {k: statistics.median(v) for k, v in r.items()}

    def ratios(name: str) -> list[float]:  # per round: both servers saw the same machine load
        return [m / b for m, b in zip(r[f"{name}_m"], r[f"{name}_b"], strict=True)]

    rows = [
        ("core only: GET /api/version req/s", med["core_m"], med["core_b"], ratios("core"), "(info)"),
        ("non-stream /api/chat req/s", med["chat_m"], med["chat_b"], ratios("chat"), ">= 0.8x"),
        ("/v1/chat/completions req/s", med["v1_m"], med["v1_b"], ratios("v1"), ">= 0.8x"),
        (f"stream /api/chat chunks/s ({len(bodies['chunks'])}/req)", med["st_m"], med["st_b"], ratios("st"), ">= 4x"),
        ("non-stream /api/chat, every prompt new", med["fresh_m"], med["fresh_b"], ratios("fresh"), "(info)"),
        ("start-up to first answer (s)", mock_start, bare_start, [mock_start / bare_start], "<= 1.3x"),
        ("idle RSS (MB)", rss, float("nan"), [], "<= 45 MB"),
    ]
    print(f"{'measure':<40} {'mock':>10} {'bare':>10} {'ratio':>7} {'rounds 25-75%':>14}  target")
    for name, mine, base, found, target in rows:
        middle = f"{statistics.median(found):>6.2f}x" if found else f"{'':>7}"
        spread = "{:.2f}-{:.2f}".format(*statistics.quantiles(found, n=4, method="inclusive")[::2]) if len(found) > 1 else ""
        print(f"{name:<40} {mine:>10.3f} {base:>10.3f} {middle} {spread:>14}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
