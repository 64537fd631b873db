"""The uvicorn server set up to behave as Ollama's net/http server.

Ollama serves with `&http.Server{Handler: ...}` and no timeouts: it sends a Date header and no
Server header, reads no X-Forwarded-* header, and keeps an idle keep-alive connection open until
the client closes it (uvicorn's defaults: a Server header, X-Forwarded-* rewriting the client,
and idle connections closed after 5 s, which a client's pooled connection then finds dead).
Go's server knows no WebSocket either: a request with `Upgrade: websocket` is answered like any
other (uvicorn, with a WebSocket library installed, would start a handshake the app cannot
finish: a 500). Without its WebSocket protocol uvicorn also starts faster.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

NO_IDLE_TIMEOUT = 365 * 24 * 3600  # seconds: uvicorn needs a number; a year is as good as Go's none

UVICORN_OPTIONS: dict[str, Any] = {
    "server_header": False,
    "proxy_headers": False,  # also a step less on every request
    "timeout_keep_alive": NO_IDLE_TIMEOUT,
    "lifespan": "off",
    "access_log": False,
    "ws": "none",
    # net/http reads request headers up to DefaultMaxHeaderBytes (1 MiB) plus 4096 bytes of slack;
    # h11 stops at 16 KiB unless told otherwise (a long cookie or token header got a 400)
    "h11_max_incomplete_event_size": (1 << 20) + 4096,
}


def uvicorn_config(app: Any, **options: Any) -> Any:
    """A uvicorn.Config of `app` with UVICORN_OPTIONS (and `options`: host, port, log level...)."""
    import uvicorn

    options = {"http": http_protocol(), **options}
    config = uvicorn.Config(app, **UVICORN_OPTIONS, **options)  # sets up uvicorn's loggers
    _quiet_upgrades(logging.getLogger("uvicorn.error"))
    return config


@cache
def http_protocol() -> type:
    """uvicorn's HTTP protocol (httptools when installed, else h11, as its "auto" picks), with the
    keep-alive timer cancelled however the connection ends. uvicorn cancels it only when the
    connection closes cleanly: one the client resets after a complete answer (an RST: a socket
    closed with unread bytes, a client killed) leaves the timer armed, and the timer holds the
    protocol, its transport and the last request until it fires. With uvicorn's 5 s that is
    nothing; with NO_IDLE_TIMEOUT it is a year, so every such connection stayed in memory."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class Protocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            timer = getattr(self, "timeout_keep_alive_task", None)
            if timer is not None:
                timer.cancel()
                self.timeout_keep_alive_task = None

    Protocol.__qualname__ = f"{AutoHTTPProtocol.__name__}WithIdleTimerFreed"
    return Protocol


class _UpgradeNotice(logging.Filter):
    """Drops uvicorn's warnings about an Upgrade header: answering such a request as plain HTTP is
    what Go does, not a problem to report (and 'pip install uvicorn[standard]' is no advice here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not (message == "Unsupported upgrade request." or message.startswith("No supported WebSocket library"))


def _quiet_upgrades(logger: logging.Logger) -> None:
    if not any(isinstance(f, _UpgradeNotice) for f in logger.filters):
        logger.addFilter(_UpgradeNotice())
