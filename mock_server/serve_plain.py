"""Serve an ASGI app in the foreground with uvicorn, printing one ready line with its URL.

Used by `ollama-mock proxy` and `ollama-mock record` (the mock's own `serve` is the core's).
uvicorn's signal handling stops it cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TextIO


def serve(app: Any, host: str, port: int, banner: str, stdout: TextIO, stderr: TextIO, prog: str = "ollama-mock") -> int:
    """Serve until SIGINT/SIGTERM (exit 0); an address it cannot listen on is one line and exit 3,
    as for `ollama-mock serve`."""
    import signal

    import uvicorn

    # uvicorn re-raises the signal it caught once it has shut down; with these no-op handlers in
    # place that re-raise is harmless and SIGINT/SIGTERM end with exit status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)

    from .cli import bind

    try:  # bound here, as `serve` does: uvicorn's own bind failure exits from inside a task
        sock = bind(host, port)
    except OSError as exc:
        print(f"{prog}: cannot listen on {host}:{port}: {exc.strerror or exc}", file=stderr)
        return 3
    from .go_server import uvicorn_config

    # as `serve`: Ollama's server behaviour, and a stalled upstream must not hold a stop
    config = uvicorn_config(app, log_level="warning", timeout_graceful_shutdown=3)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            stop = getattr(app, "stop_threadsafe", None)
            if stop is not None:  # the proxy ends what it relays now, not when uvicorn cancels it
                stop()
                # a stream cut by the stop (as Ollama's server.Close cuts it) is said in one line by
                # the proxy; uvicorn would add an error line of its own for the unfinished answer
                logging.getLogger("uvicorn.error").addFilter(_no_unfinished_answer_line)
            super().handle_exit(sig, frame)

    server = Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            bound = sock.getsockname()[1]
            print(banner.format(url=f"http://{host}:{bound}"), file=stdout, flush=True)
        await task

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    return 0


def _no_unfinished_answer_line(record: logging.LogRecord) -> bool:
    return record.getMessage() != "ASGI callable returned without completing response."
