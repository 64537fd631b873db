"""Where a request's server time goes, the mock against the bare app of bench_mock.py: uvicorn
reading the request, the application, uvicorn writing the answer, the rest (event loop, system
calls for reading), in microseconds of the server process per request, over real sockets.

bench_mock.py gives the ratios the targets are about; this says what they are made of. Both
servers run uvicorn's h11 protocol, whose reading and writing cost the same for both (the same
request bytes, answers of the same size and header count): what one server does beyond the other
is its application, plus whatever its larger code makes the shared layers lose in the caches.
The layers are timed by `layer_timer.py` inside each server (perf_counter_ns around three uvicorn
methods, under a microsecond a request in all), so these servers run a little slower than
bench_mock.py's.
Batches alternate between the two servers, as in bench_mock.py. A request/s ratio also holds the
client's time (~45 us a request here) and the loopback's, which this table leaves out.

    python benchmarks/bench_mock_layers.py [--cases chat,v1,fresh] [--requests 500] [--rounds 6]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import bench_mock as bm  # noqa: E402  (the same servers, bodies and client)

# non-stream cases only: a streaming application suspends between its sends (the bare app's
# StreamingResponse), so the span of run_asgi would hold other work and idle time
CASES: dict[str, tuple[str, dict | None]] = {"chat": ("/api/chat", bm.CHAT), "v1": ("/v1/chat/completions", bm.V1), "fresh": ("/api/chat", None)}
# "fresh": a prompt never sent before on every request (bench_mock.fresh_chat), for information
LAYERS = ("read", "app", "write", "rest")


def timed_argv(argv: list[str], stats: str) -> list[str]:
    """`argv` (a bench_mock server) started with layer_timer installed, writing to `stats`."""
    prologue = f"import sys; sys.path.insert(0, {str(HERE)!r}); import layer_timer; layer_timer.install({stats!r})\n"
    if argv[1] == "-c":  # the bare app: its script after the prologue
        return [argv[0], "-c", prologue + argv[2], *argv[3:]]
    module = argv[2]  # [python, "-m", module, ...]
    return [argv[0], "-c", prologue + f"import runpy; runpy.run_module({module!r}, run_name='__main__')", *argv[3:]]


def snapshot(server: bm.Server, stats: str) -> dict[str, int]:
    """The server's totals so far (it writes them on SIGUSR1)."""
    Path(stats).unlink(missing_ok=True)
    server.process.send_signal(signal.SIGUSR1)
    for _ in range(500):  # bounded: ~5 s
        try:
            return dict(json.loads(Path(stats).read_text()))
        except FileNotFoundError:
            time.sleep(0.01)
    raise SystemExit(f"the server {server.url} wrote no layer times to {stats}")


def per_request(before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    """Microseconds per request of each layer between two snapshots."""
    count = after["requests"] - before["requests"]
    if count <= 0:
        raise SystemExit("a batch answered no request")
    spent = {k: (after[k] - before[k]) / count / 1000 for k in ("read_ns", "run_ns", "send_ns", "cpu_ns")}
    return {"read": spent["read_ns"], "app": spent["run_ns"] - spent["send_ns"], "write": spent["send_ns"],
            "rest": spent["cpu_ns"] - spent["read_ns"] - spent["run_ns"], "cpu": spent["cpu_ns"]}


def bodies(body: dict | None, count: int) -> list[bytes | None]:
    """`count` request bodies: `body` each time, or (None) a new chat each time."""
    if body is None:
        return [json.dumps(bm.fresh_chat()).encode() for _ in range(count)]
    return [json.dumps(body).encode()] * count


def measure(servers: dict[str, tuple[bm.Server, str]], path: str, body: dict | None, requests: int,
            rounds: int) -> dict[str, dict[str, float]]:
    """Median per layer over `rounds` batches on each server (who goes first alternates)."""
    clients = {name: bm.RawClient(server.url) for name, (server, _) in servers.items()}
    found: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    try:
        for client in clients.values():  # warm-up, not counted
            bm.timed(client, path, bodies(body, 50))
        for round_ in range(rounds):
            for name in ("mock", "bare") if round_ % 2 == 0 else ("bare", "mock"):
                server, stats = servers[name]
                raws = bodies(body, requests)  # made before the first snapshot
                before = snapshot(server, stats)
                bm.timed(clients[name], path, raws)
                found[name].append(per_request(before, snapshot(server, stats)))
    finally:
        for client in clients.values():
            client.close()
    return {name: {k: statistics.median(b[k] for b in batches) for k in (*LAYERS, "cpu")} for name, batches in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="chat,v1", help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--requests", type=int, default=500, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    cases = args.cases.split(",")
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"--cases has {unknown[0]!r}; valid cases: {', '.join(CASES)}")
    for name in ("requests", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, not {getattr(args, name)}")
    work = tempfile.mkdtemp(prefix="bench_layers_")
    scenario, bodies_file = os.path.join(work, "scenario.json"), os.path.join(work, "bodies.json")
    Path(scenario).write_text(json.dumps(bm.SCENARIO))
    stats = {name: os.path.join(work, f"{name}.json") for name in ("mock", "bare")}
    started: list[bm.Server] = []
    try:
        mock = bm.Server(timed_argv(bm.mock_argv(scenario), stats["mock"]))
        started.append(mock)
        Path(bodies_file).write_text(json.dumps(bm.capture_bodies(mock)))
        bare = bm.Server(timed_argv(bm.bare_argv(bodies_file), stats["bare"]))
        started.append(bare)
        servers = {"mock": (mock, stats["mock"]), "bare": (bare, stats["bare"])}
        print(f"{'case':<5} {'server':<6} " + " ".join(f"{k:>7}" for k in (*LAYERS, "cpu")) + "   (us of server time per request)")
        for case in cases:
            path, body = CASES[case]
            found = measure(servers, path, body, args.requests, args.rounds)
            for name in ("mock", "bare"):
                print(f"{case:<5} {name:<6} " + " ".join(f"{found[name][k]:>7.1f}" for k in (*LAYERS, "cpu")))
            shared = found["mock"]["cpu"] - found["mock"]["app"]
            print(f"{'':<5} {'':<6} server time bare/mock {found['bare']['cpu'] / found['mock']['cpu']:.2f}x; "
                  f"the mock's layers besides its app {shared:.1f} us (bare: {found['bare']['cpu'] - found['bare']['app']:.1f})",
                  flush=True)
    finally:
        for server in started:
            server.stop()
        for leftover in Path(work).iterdir():
            leftover.unlink()
        os.rmdir(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
