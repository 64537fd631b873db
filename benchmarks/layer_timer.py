"""Time spent per layer inside a uvicorn server with the h11 protocol, for bench_mock_layers.py.

The benchmark starts a server with `python -c "import layer_timer; layer_timer.install(path); ..."`.
`install` wraps three methods of uvicorn's h11 protocol:
  H11Protocol.data_received      reading the request: h11 parsing, the ASGI scope, the task
  RequestResponseCycle.run_asgi  the application, its sends included
  RequestResponseCycle.send      uvicorn answering: h11 framing and the socket writes
so that application = run_asgi - send. SIGUSR1 writes the totals so far to `path` (JSON).
Clock: perf_counter_ns (a vDSO call; the thread CPU clock is a system call, which would cost more
than the gaps it measures). The servers are single-threaded and the cases never suspend inside
the application, so the wall time of these synchronous stretches is their CPU time (unless the
VM's host takes the CPU away meanwhile: then the benchmark's `rest` column can come out negative).
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

_FIELDS = ("requests", "read_ns", "run_ns", "send_ns")


def install(path: str) -> None:
    from uvicorn.protocols.http import h11_impl

    totals = dict.fromkeys(_FIELDS, 0)
    clock = time.perf_counter_ns
    protocol, cycle = h11_impl.H11Protocol, h11_impl.RequestResponseCycle
    data_received, run_asgi, send = protocol.data_received, cycle.run_asgi, cycle.send

    def timed_data_received(self: Any, data: bytes) -> None:
        started = clock()
        try:
            data_received(self, data)
        finally:
            totals["read_ns"] += clock() - started

    def timed(method: Any, key: str, counts_requests: bool = False) -> Any:
        """`method` (a coroutine method), adding its time to totals[key]."""

        async def wrapper(self: Any, argument: Any) -> None:
            started = clock()
            try:
                await method(self, argument)
            finally:
                totals[key] += clock() - started
                totals["requests"] += counts_requests

        return wrapper

    def dump(*_: Any) -> None:
        done = {**totals, "cpu_ns": time.process_time_ns()}
        with open(path + ".tmp", "w") as out:
            json.dump(done, out)
        os.replace(path + ".tmp", path)  # the reader never sees half a file

    # the benchmark's own server processes only: uvicorn's classes are patched in place
    protocol.data_received = timed_data_received  # type: ignore[method-assign]
    cycle.run_asgi = timed(run_asgi, "run_ns", counts_requests=True)  # type: ignore[method-assign]
    cycle.send = timed(send, "send_ns")  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, dump)
