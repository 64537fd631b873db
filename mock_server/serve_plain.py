"""Serve an ASGI app in the foreground with uvicorn, printing one ready line with its URL.

`run` serves the mock (`ollama-mock serve`), `serve` binds first and serves `ollama-mock proxy`
and `record`. uvicorn's signal handling stops them cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TextIO


def serve(app: Any, host: str, port: int, banner: str, stdout: TextIO, stderr: TextIO, prog: str = "ollama-mock") -> int:
    """Serve until SIGINT/SIGTERM (exit 0); an address it cannot listen on is one line and exit 3,
    as for `ollama-mock serve`."""
    from .cli import bind

    try:  # bound here, as `serve` does: uvicorn's own bind failure exits from inside a task
        sock = bind(host, port)
    except OSError as exc:
        print(f"{prog}: cannot listen on {host}:{port}: {exc.strerror or exc}", file=stderr)
        return 3

    def stop() -> None:
        stop_relays = getattr(app, "stop_threadsafe", None)
        if stop_relays is not None:  # the proxy ends what it relays now, not when uvicorn cancels it
            stop_relays()
            # a stream cut by the stop (as Ollama's server.Close cuts it) is said in one line by
            # the proxy; uvicorn would add an error line of its own for the unfinished answer
            logging.getLogger("uvicorn.error").addFilter(_no_unfinished_answer_line)

    return run(app, sock, "warning", banner, stdout, on_stop=stop)


def run(
    app: Any, sock: Any, log_level: str, banner: str, out: TextIO,
    on_stop: Callable[[], None], on_listen: Callable[[], None] | None = None,
) -> int:
    """Serve `app` on the listening `sock` with Ollama's server behaviour (go_server) until
    SIGINT/SIGTERM, exit status 0. `on_listen` runs once connections are accepted, just before
    `banner` (its `{url}` filled in) is printed; `on_stop` when a stop signal arrives."""
    import signal

    import uvicorn

    from .go_server import uvicorn_config

    # uvicorn re-raises the signal it caught once it has shut down; with these no-op handlers in
    # place that re-raise is harmless and SIGINT/SIGTERM end with exit status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    # a stalled upstream or a paced stream must not hold a stop for uvicorn's default forever
    config = uvicorn_config(app, log_level=log_level, timeout_graceful_shutdown=3)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            on_stop()
            super().handle_exit(sig, frame)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if on_listen is not None:
                on_listen()
            if self.started:  # the event loop accepts connections on `sock` now: say so at once
                host, port = sock.getsockname()[:2]
                shown = f"[{host}]" if ":" in host else host
                print(banner.replace("{url}", f"http://{shown}:{port}"), file=out, flush=True)

    try:
        asyncio.run(Server(config).serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    return 0


def _no_unfinished_answer_line(record: logging.LogRecord) -> bool:
    return record.getMessage() != "ASGI callable returned without completing response."
