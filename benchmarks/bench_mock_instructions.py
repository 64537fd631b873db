"""Server instructions per request (valgrind callgrind): the mock vs the bare Starlette app of
bench_mock.py, over real uvicorn and sockets on 127.0.0.1.

Wall-clock ratios (bench_mock.py) move by +-0.05 between runs on shared cores; instruction counts
do not, so this tells whether a change made the server do less work. Each server runs under
callgrind twice, answering 20 + N and 20 + 2N requests; the difference / N is its count per request.
Cache misses are not counted: wall-clock ratios come out lower than these for the non-stream
cases (the mock's larger code evicts more: bench_mock_layers.py shows uvicorn's own layers running
slower in the mock's process), higher for streams (the bare app's per-chunk sends are system calls).
Run it with nothing else busy on the machine: the event loop's work per request depends on whether
the next request is waiting already, and CPU-heavy work beside it moved a count by ~3% once
(repeated on an idle machine, the counts agree within ~0.3%).

    python benchmarks/bench_mock_instructions.py [--cases chat,v1,st] [--requests 100]

Needs valgrind (Debian package `valgrind`); takes about a minute per case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import bench_mock as bm  # noqa: E402  (the same servers, bodies and client)

CASES = {"core": ("/api/version", None), "chat": ("/api/chat", bm.CHAT), "v1": ("/v1/chat/completions", bm.V1),
         "st": ("/api/chat", bm.STREAM), "fresh": ("/api/chat", None)}
# "fresh": non-stream chats whose prompts were never sent before (bench_mock.fresh_chat), for information


def instructions(argv: list[str], path: str, body: dict | None, count: int, fresh: bool = False) -> int:
    """Instructions the server process ran to start, answer 20 + count requests and stop."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONHASHSEED"] = "0"  # same dict and set orders in every run
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = (process.stdout.readline() if process.stdout else "").strip().rsplit(" ", 1)[-1]
    for _ in range(600):  # bounded: ~30 s for a server under valgrind
        try:
            httpx.get(url + "/", timeout=5)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    client = bm.RawClient(url)
    raw = json.dumps(body).encode() if body is not None else None
    for _ in range(20 + count):
        client.post(path, json.dumps(bm.fresh_chat()).encode() if fresh else raw)
    client.close()
    if process.poll() is not None:  # stopped by someone else: its count would be of a shorter run
        raise SystemExit(f"the server under callgrind ended before the benchmark stopped it: {argv[:4]}")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=300)
    found = re.search(r"Collected : (\d+)", err)
    if found is None:
        raise SystemExit(f"callgrind printed no count for {argv[:4]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="chat,v1,st", help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    cases = args.cases.split(",")
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"bench_mock_instructions: --cases has {unknown[0]!r}; valid cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("bench_mock_instructions: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as scenario:
        json.dump(bm.SCENARIO, scenario)
    mock = bm.Server(bm.mock_argv(scenario.name))
    bodies = bm.capture_bodies(mock)
    mock.stop()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(bodies, handle)
    try:
        print(f"{'case':<6} {'mock':>12} {'bare':>12} {'bare/mock':>10}   (instructions per request)")
        for case in cases:
            path, body = CASES[case]
            per = {}
            for name, argv in (("mock", bm.mock_argv(scenario.name)), ("bare", bm.bare_argv(handle.name))):
                once = instructions(argv, path, body, args.requests, case == "fresh")
                twice = instructions(argv, path, body, 2 * args.requests, case == "fresh")
                if twice <= once:  # a run cut short, or far noisier than a request: no number to give
                    raise SystemExit(f"{case} {name}: {2 * args.requests} requests counted no more than {args.requests}")
                per[name] = (twice - once) / args.requests
            print(f"{case:<6} {per['mock']:>12,.0f} {per['bare']:>12,.0f} {per['bare'] / per['mock']:>9.2f}x", flush=True)
    finally:
        os.unlink(handle.name)
        os.unlink(scenario.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
