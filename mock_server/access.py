"""Ollama's CORS and Host-header middlewares (reference §0.1), as one ASGI middleware.

CORS first: an Origin that is not allowed gets 403, an allowed preflight 204 with the CORS
headers. Then, on a loopback bind, the Host guard: a Host that is not local gets 403. Every
answer carries X-Ollama-Mock-Profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import Any

from . import journal_hook
from .state import State
from .wire import plain

ASGIApp = Callable[..., Any]


_DEFAULT_ORIGINS = tuple(
    f"{scheme}://{host}{port}" for host in ("localhost", "127.0.0.1", "0.0.0.0")
    for scheme in ("http", "https") for port in ("", ":*")
) + ("app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*")
# Ollama's list (routes.go): openai-node's streaming and polling helpers send the helper-method
# and poll headers, so a browser's preflight without them fails
_ALLOW_HEADERS = b"Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, " \
    b"x-stainless-arch, x-stainless-async, x-stainless-custom-poll-interval, x-stainless-helper-method, " \
    b"x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-poll-helper, " \
    b"x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout"
_ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


class Guard:
    """CORS first (bad Origin -> 403, preflight -> 204), then the Host guard (loopback binds only)."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app, self.state = app, state
        self.any_origin = "*" in state.settings.origins  # no default origin is "*"
        self.guard_hosts = _is_loopback(state.settings.host)
        self._profile: tuple[str, tuple[bytes, bytes]] = ("", (b"", b""))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = await self.admit(scope, send, request_headers(scope))
        if extra is not None:
            await self.app(scope, receive, stamped(send, extra))

    async def admit(self, scope: dict[str, Any], send: Any, headers: dict[str, str]) -> list[tuple[bytes, bytes]] | None:
        """The headers every answer to this request carries, or None when the guard answered
        it already (403, or 204 to a preflight). `headers`: the request's (request_headers)."""
        host, origin = headers.get("host", ""), headers.get("origin")
        extra = [self.profile_header]
        if origin and origin not in ("http://" + host, "https://" + host):
            if not self._origin_ok(origin):
                await self._answer(scope, send, headers, 403, extra)
                return None
            allowed = b"*" if self.any_origin else origin.encode("latin-1")
            extra += [(b"access-control-allow-origin", allowed), (b"vary", b"Origin")]
            if scope["method"] == "OPTIONS":
                extra += [(b"access-control-allow-methods", _ALLOW_METHODS), (b"access-control-allow-headers", _ALLOW_HEADERS),
                          (b"access-control-max-age", b"43200")]
                await self._answer(scope, send, headers, 204, extra)
                return None
        if self.guard_hosts:
            if not _host_ok(host):
                await self._answer(scope, send, headers, 403, extra)
                return None
            if scope["method"] == "OPTIONS":
                await self._answer(scope, send, headers, 204, extra)
                return None
        return extra

    async def _answer(self, scope: dict[str, Any], send: Any, headers: dict[str, str], status: int,
                      extra: list[tuple[bytes, bytes]]) -> None:
        """The guard's own empty answer (403, or 204 to a preflight), journalled."""
        await plain(send, status, None, b"", extra)
        journal_hook.record(self.state, scope, headers, status)

    @property
    def profile_header(self) -> tuple[bytes, bytes]:
        name = self.state.profile.name
        if self._profile[0] != name:  # the profile can be swapped at run time (tests do)
            self._profile = (name, (b"x-ollama-mock-profile", name.encode()))
        return self._profile[1]

    @cached_property  # compiled on the first cross-origin request, not at start-up
    def origins(self) -> list[re.Pattern[str]]:
        return [_origin_pattern(o) for o in (*self.state.settings.origins, *_DEFAULT_ORIGINS)]

    def _origin_ok(self, origin: str) -> bool:
        return self.any_origin or any(p.fullmatch(origin) for p in self.origins)


def request_headers(scope: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name (the last of repeated ones), as text."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def stamped(send: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    """`send` that appends `extra` to the response's headers."""

    async def stamping(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return stamping


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
