"""Ollama's CORS and Host-header middlewares (reference §0.1), as one ASGI middleware.

CORS first: an Origin that is not allowed gets 403, an allowed preflight 204 with the CORS
headers. Then, on a loopback bind, the Host guard: a Host that is not local gets 403. Every
answer carries X-Ollama-Mock-Profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .state import State
from .wire import plain

ASGIApp = Callable[..., Any]


_DEFAULT_ORIGINS = tuple(
    f"{scheme}://{host}{port}" for host in ("localhost", "127.0.0.1", "0.0.0.0")
    for scheme in ("http", "https") for port in ("", ":*")
) + ("app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*")
_ALLOW_HEADERS = b"Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, " \
    b"x-stainless-arch, x-stainless-async, x-stainless-lang, x-stainless-os, x-stainless-package-version, " \
    b"x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout"
_ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


class Guard:
    """CORS first (bad Origin -> 403, preflight -> 204), then the Host guard (loopback binds only)."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app, self.state = app, state
        origins = (*state.settings.origins, *_DEFAULT_ORIGINS)
        self.any_origin = "*" in origins
        self.origins = [_origin_pattern(o) for o in origins]
        self.guard_hosts = _is_loopback(state.settings.host)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = origin = b""
        for key, value in scope.get("headers", []):
            if key == b"host":
                host = value
            elif key == b"origin":
                origin = value
        extra = [(b"x-ollama-mock-profile", self.state.profile.name.encode())]
        if origin and origin not in (b"http://" + host, b"https://" + host):
            if not self._origin_ok(origin.decode("latin-1")):
                await plain(send, 403, None, b"", extra)
                return
            extra += [(b"access-control-allow-origin", b"*" if self.any_origin else origin), (b"vary", b"Origin")]
            if scope["method"] == "OPTIONS":
                extra += [(b"access-control-allow-methods", _ALLOW_METHODS), (b"access-control-allow-headers", _ALLOW_HEADERS),
                          (b"access-control-max-age", b"43200")]
                await plain(send, 204, None, b"", extra)
                return
        if self.guard_hosts:
            if not _host_ok(host.decode("latin-1")):
                await plain(send, 403, None, b"", extra)
                return
            if scope["method"] == "OPTIONS":
                await plain(send, 204, None, b"", extra)
                return
        await self.app(scope, receive, _stamped(send, extra))

    def _origin_ok(self, origin: str) -> bool:
        return self.any_origin or any(p.fullmatch(origin) for p in self.origins)


def _stamped(send: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    async def stamped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return stamped


def _origin_pattern(origin: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in origin.split("*")))


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=256)
def _host_ok(host_header: str) -> bool:
    import ipaddress
    import socket

    host = host_header.lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
        return ip.is_loopback or ip.is_private or ip.is_unspecified
    except ValueError:
        pass
    if host in ("", "localhost") or host == socket.gethostname().lower():
        return True
    return host.endswith((".localhost", ".local", ".internal"))
