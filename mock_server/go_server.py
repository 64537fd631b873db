"""The uvicorn options that make the mock's HTTP server behave as Ollama's net/http server.

Ollama serves with `&http.Server{Handler: ...}` and no timeouts: it sends a Date header and no
Server header, reads no X-Forwarded-* header, and keeps an idle keep-alive connection open until
the client closes it (uvicorn's defaults: a Server header, X-Forwarded-* rewriting the client,
and idle connections closed after 5 s, which a client's pooled connection then finds dead).
"""

from __future__ import annotations

from typing import Any

NO_IDLE_TIMEOUT = 365 * 24 * 3600  # seconds: uvicorn needs a number; a year is as good as Go's none

UVICORN_OPTIONS: dict[str, Any] = {
    "server_header": False,
    "proxy_headers": False,  # also a step less on every request
    "timeout_keep_alive": NO_IDLE_TIMEOUT,
    "lifespan": "off",
    "access_log": False,
}
