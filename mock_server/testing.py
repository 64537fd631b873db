"""Run the mock in a background thread for tests: real uvicorn on 127.0.0.1, port 0.

uvicorn installs signal handlers only in the main thread, so a thread server leaves them alone.

    with serve_in_thread(Settings(validate_emitted=True)) as base_url:
        httpx.get(base_url + "/api/tags")

`running(settings)` yields a RunningMock with the State and the app as well as the URL.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .settings import Settings
from .state import State

START_TIMEOUT = 10.0


@dataclass
class RunningMock:
    base_url: str
    state: State
    app: Any


@contextlib.contextmanager
def running(settings: Settings | None = None) -> Iterator[RunningMock]:
    """A started mock (uvicorn in a daemon thread, no signal handlers), stopped on exit."""
    import uvicorn

    from .app import create_app
    from .go_server import uvicorn_config

    settings = (settings or Settings()).with_(host="127.0.0.1", port=0)
    app = create_app(settings)
    config = uvicorn_config(app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ollama-mock", daemon=True)
    thread.start()
    try:
        port = _wait_started(server, thread)
        yield RunningMock(f"http://127.0.0.1:{port}", app.state.mock, app)
    finally:
        app.state.mock.waits.stop_threadsafe()  # a stalled stream must not hold the stop
        server.should_exit = True
        thread.join(timeout=5)


def _wait_started(server: Any, thread: threading.Thread) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the mock server thread stopped before it started listening")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the mock server did not start within {START_TIMEOUT:.0f}s")
        time.sleep(0.01)
    sockets = [s for srv in server.servers for s in srv.sockets]
    return int(sockets[0].getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(settings: Settings | None = None) -> Iterator[str]:
    """ARCHITECTURE.md's entry point: yields the base URL ("http://127.0.0.1:PORT")."""
    with running(settings) as mock:
        yield mock.base_url
