"""Ollama's CORS and Host-header middlewares (reference §0.1), as one ASGI middleware.

CORS first: an Origin that is not allowed gets 403, an allowed preflight 204 with the CORS
headers. Then, on a loopback bind, the Host guard: a Host that is not local gets 403. Every
answer carries X-Ollama-Mock-Profile.
"""

from __future__ import annotations

import ipaddress
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
# and poll headers, so a browser's preflight without them fails. gin-contrib/cors writes the
# names canonicalised (http.CanonicalHeaderKey) and joins them, and the methods, with "," alone.
_ALLOW_HEADERS = b"Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta," \
    b"X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,X-Stainless-Helper-Method," \
    b"X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,X-Stainless-Poll-Helper," \
    b"X-Stainless-Retry-Count,X-Stainless-Runtime,X-Stainless-Runtime-Version,X-Stainless-Timeout"
_ALLOW_METHODS = b"GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
# A preflight's Vary: three header lines (headers.Add), unless every origin is allowed
_PREFLIGHT_VARY = [(b"vary", b"Origin"), (b"vary", b"Access-Control-Request-Method"),
                   (b"vary", b"Access-Control-Request-Headers")]


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
            if scope["method"] == "OPTIONS":
                extra += [(b"access-control-allow-methods", _ALLOW_METHODS), (b"access-control-allow-headers", _ALLOW_HEADERS),
                          (b"access-control-max-age", b"43200")]
                extra += [(b"access-control-allow-origin", b"*")] if self.any_origin else \
                    [*_PREFLIGHT_VARY, (b"access-control-allow-origin", origin.encode("latin-1"))]
                await self._answer(scope, send, headers, 204, extra)
                return None
            extra += [(b"access-control-allow-origin", b"*")] if self.any_origin else \
                [(b"vary", b"Origin"), (b"access-control-allow-origin", origin.encode("latin-1"))]
        if self.guard_hosts:
            kind = _host_kind(host)
            if kind is None:
                await self._answer(scope, send, headers, 403, extra)
                return None
            if kind == "name" and scope["method"] == "OPTIONS":  # an IP Host goes on to the router
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
        # gin-contrib/cors lowercases the configured origins (normalize), not the request's Origin
        return [_origin_pattern(o.lower()) for o in (*self.state.settings.origins, *_DEFAULT_ORIGINS)]

    def _origin_ok(self, origin: str) -> bool:
        return self.any_origin or any(p.fullmatch(origin) for p in self.origins)


def request_headers(scope: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name (the last of repeated ones), as text. The dict is
    shared by every request that sent the same header bytes: read it, never change it (copy it)."""
    raw = tuple(scope.get("headers", ()))
    decoded = _DECODED.get(raw)
    if decoded is None:
        decoded = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}
        if len(_DECODED) >= 512:
            _DECODED.clear()
        _DECODED[raw] = decoded
    return decoded


# Decoded header sets by their bytes: a client sends the same headers on every request (only a
# Content-Length differs). Sharing them spares decoding each pair, and the journal keeps one dict
# for many requests instead of one each.
_DECODED: dict[tuple[tuple[bytes, bytes], ...], dict[str, str]] = {}


def stamped(send: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    """`send` that appends `extra` to the response's headers."""

    async def stamping(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return stamping


def _origin_pattern(origin: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in origin.split("*")))


def host_refused(bind: str, host_header: str) -> bool:
    """Whether Ollama's Host guard answers 403 to a request with this Host header on a server
    bound to `bind` (it guards loopback binds only)."""
    return _is_loopback(bind) and _host_kind(host_header) is None


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=256)
def _host_kind(host_header: str) -> str | None:
    """Ollama's allowedHostsMiddleware on a Host header: "ip" for an address it lets through (a
    loopback, private (RFC 1918, fc00::/7), unspecified or local-interface one), "name" for an
    allowed name (localhost, the machine's hostname, *.localhost, *.local, *.internal), None: 403.
    As Go's net.SplitHostPort: "[::1]" without a port is no address, "::1" is."""
    import socket

    host = host_header
    if host.startswith("[") and "]:" in host:
        host = host[1:].split("]:", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # netip unmaps ::ffff:a.b.c.d before its checks
        if ip.is_loopback or ip.is_unspecified or any(ip in net for net in _GO_PRIVATE) or str(ip) in _local_ips():
            return "ip"
        return None
    host = host.lower()
    if host in ("", "localhost") or host == socket.gethostname().lower():
        return "name"
    return "name" if host.endswith((".localhost", ".local", ".internal")) else None


# netip.Addr.IsPrivate: narrower than Python's is_private (ipaddress: loaded at start-up by urllib anyway)
_GO_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


@lru_cache(maxsize=1)
def _local_ips() -> frozenset[str]:
    """The machine's own addresses, as far as its hostname resolves (Go asks the interfaces)."""
    import socket

    try:
        return frozenset(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        return frozenset()
