"""Serve an ASGI app in the foreground with uvicorn, printing one ready line with its URL.

Used by `ollama-mock proxy` and `ollama-mock record` (the mock's own `serve` is the core's).
uvicorn's signal handling stops it cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
from typing import Any, TextIO


def serve(app: Any, host: str, port: int, banner: str, stdout: TextIO, stderr: TextIO) -> int:
    import signal

    import uvicorn

    # uvicorn re-raises the signal it caught once it has shut down; with these no-op handlers in
    # place that re-raise is harmless and SIGINT/SIGTERM end with exit status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False,
                            timeout_graceful_shutdown=3)  # as `serve`: a stalled upstream must not hold a stop
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1]
            print(banner.format(url=f"http://{host}:{bound}"), file=stdout, flush=True)
        await task

    try:
        asyncio.run(main())
    except OSError as exc:
        print(f"cannot listen on {host}:{port}: {exc.strerror or exc}", file=stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    if not server.started:
        print(f"cannot listen on {host}:{port}", file=stderr)
        return 2
    return 0
