"""create_app(settings): the mock's one route table and its route adapters.

The table is built from contracts/index.json (the index is the source of the routes); each path
gets one dispatcher that picks the adapter by method and answers gin's 405 itself. The router's
default answers gin's 404 and trailing-slash redirects. Ollama's CORS and Host-header guard is
`access.Guard`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from ollama_conformance import contracts

from . import decode, journal_hook, request_body, zstd_body
from .access import Guard, request_headers, stamped
from .errors import OllamaError, envelope
from .handlers import HANDLERS, resolve
from .outcome import Chunk, Outcome, RequestInfo, Single, Stream, request_info
from .profiles import routes_since, serves_route, unknown_fields
from .request_target import absolute_form, as_origin_form, options_star
from .settings import Settings
from .state import State
from .wire import DELIBERATE, drop_connection, dumps, plain, send_outcome

log = logging.getLogger("ollama_conformance.mock_server")
LIVE_STATES: weakref.WeakSet[State] = weakref.WeakSet()  # every mock's State, for the test self-check
ASGIApp = Callable[..., Any]


def create_app(settings: Settings | None = None) -> Starlette:
    """A new mock (its own State) as a Starlette app."""
    settings = settings or Settings()
    state = State(settings)
    _install_extensions(state, settings)
    routes = [*_api_routes(state), *_mock_routes(state)]
    app = _MockApp(routes=routes, middleware=[Middleware(Guard, state=state)])
    app.router.redirect_slashes = False
    app.router.default = _NotFound(state)  # type: ignore[assignment]
    app.state.mock = state
    app.guard, app.static = Guard(app.router, state), _static_paths(routes)
    app.moved = _Moved([(r.path_regex, r.endpoint) for r in routes], app.guard)
    LIVE_STATES.add(state)
    return app


class _MockApp(Starlette):
    """Starlette, with a front door for paths without parameters (most of Ollama's API): the
    Host/CORS guard, then a dict lookup straight to the path's dispatcher, without Starlette's
    middleware stack and router. Other requests take the usual way (guard middleware, router)."""

    guard: Guard
    static: dict[str, _Dispatch]
    moved: _Moved

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # Any: Starlette types it loosely
        dispatch = self.static.get(scope["path"]) if scope["type"] == "http" and not scope.get("root_path") else None
        if dispatch is None:
            if scope["type"] == "http" and scope.get("raw_path") == b"*" and scope.get("method") == "OPTIONS":
                await options_star(send)  # net/http answers it before the handler (no CORS, no Host check)
            elif scope["type"] == "http" and _from_absolute_form(scope):
                await self(scope, receive, send)  # as the request for its path, as net/http reads it
            elif scope["type"] != "http" or not await self.moved(scope, send):
                await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        headers = request_headers(scope)
        extra = await self.guard.admit(scope, send, headers)
        if extra is not None:
            await dispatch.serve(scope, receive, send, extra, headers)


def _from_absolute_form(scope: dict[str, Any]) -> bool:
    """An absolute-form request target (`GET http://host:port/api/tags`, as sent to a proxy) read
    as net/http reads it: the URL's path is the path, its host the Host. True when it was one."""
    found = absolute_form((scope.get("raw_path") or scope.get("path", "").encode()).decode("latin-1"))
    if found is None:
        return False
    as_origin_form(scope, found[0])
    scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
    scope["headers"].append((b"host", found[1].encode("latin-1")))
    return True


def _static_paths(routes: list[Route]) -> dict[str, _Dispatch]:
    """Paths without parameters whose route is a plain dispatcher: the route Starlette's router
    would pick for them (no earlier route's pattern matches the path)."""
    static: dict[str, _Dispatch] = {}
    for index, route in enumerate(routes):
        endpoint = route.endpoint
        if not isinstance(endpoint, _Dispatch) or route.methods is not None or route.param_convertors:
            continue
        if not any(r.path_regex.match(route.path) for r in routes[:index]):  # not shadowed
            static.setdefault(route.path, endpoint)
    return static


def _install_extensions(state: State, settings: Settings) -> None:
    try:
        from . import extensions
    except ImportError:
        return  # the CI features are not installed in this build
    extensions.install(state, settings)


def _api_routes(state: State) -> list[Route]:
    by_path: dict[str, dict[str, ASGIApp]] = {}
    for endpoint in contracts.operations():
        method, path = endpoint.split(" ", 1)
        operation = contracts.operation(endpoint)
        adapter = _Adapter(state, endpoint, operation)
        methods = by_path.setdefault(path, {})
        methods[method] = adapter
        if method == "GET" and operation.get("head"):
            methods["HEAD"] = adapter
    return [Route(path, _Dispatch(methods, state, path if path in routes_since() else None))
            for path, methods in by_path.items()]


def _mock_routes(state: State) -> list[Route]:
    async def info(scope: dict[str, Any], receive: Any, send: Any) -> None:
        profile = state.profile
        from . import __version__

        body = {"mock": "ollama-conformance", "version": __version__, "profile": profile.name,
                "profile_version": profile.version, "gaps": list(profile.gaps),
                "expected_gaps": list(getattr(profile, "expected_gaps", ()))}
        await plain(send, 200, "application/json; charset=utf-8", dumps(body))

    routes = [Route("/_mock/info", _Dispatch({"GET": info}))]
    for extra in state.extra_routes:  # extensions add Route objects or (path, {method: asgi_app})
        routes.append(extra if isinstance(extra, Route) else Route(extra[0], _Dispatch(dict(extra[1]))))
    return routes


# gin's method trees in the order Ollama's GenerateRoutes first registers each method (HEAD "/" comes
# first): a 405's Allow header lists a path's methods in this order
_GIN_TREES = ("HEAD", "GET", "POST", "DELETE")


class _Dispatch:
    """All methods of one path: the adapter for the method, else gin's 405."""

    def __init__(self, methods: dict[str, ASGIApp], state: State | None = None, newer: str | None = None) -> None:
        self.methods, self.state = methods, state  # state: to journal a 405 (None: the mock's own routes)
        self.newer = newer  # a route older releases lack (the contracts' `since`): its path

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.serve(scope, receive, send, [])

    def serves(self) -> bool:
        """Whether the profile's release had this route."""
        return self.newer is None or self.state is None or serves_route(self.state.profile, self.newer)

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any, extra: list[tuple[bytes, bytes]],
                    headers: dict[str, str] | None = None) -> None:
        """Answer with `extra` headers added to the response (the guard's); `headers`: the
        request's, when the caller decoded them already."""
        state = self.state
        if state is not None and self.newer is not None and not self.serves():
            # the profile's release had no such route: gin's 404, as _NotFound sends it
            await plain(stamped(send, extra) if extra else send, 404, "text/plain", b"404 page not found")
            journal_hook.record(state, scope, request_headers(scope) if headers is None else headers, 404)
            return
        handler = self.methods.get(scope["method"])
        if handler is None:
            allow = ", ".join(m for m in _GIN_TREES if m in self.methods).encode()  # gin >= 1.10 (RFC 9110)
            await plain(send, 405, "text/plain", b"405 method not allowed", [(b"allow", allow), *extra])
            if self.state is not None:
                journal_hook.record(self.state, scope, request_headers(scope) if headers is None else headers, 405)
        elif isinstance(handler, _Adapter):
            await handler.serve(scope, receive, send, extra, headers)
        else:
            await handler(scope, receive, stamped(send, extra) if extra else send)


class _NotFound:
    """gin's 404 for a path no route has (after the CORS and Host middlewares, which it runs)."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await plain(send, 404, "text/plain", b"404 page not found")
        journal_hook.record(self.state, scope, request_headers(scope), 404)


class _Moved:
    """The redirects answered before any middleware (no CORS headers, no Host check): Go's
    ServeMux sends a path that is not clean (`//api/tags`, `/api/./tags`) to its cleaned form
    (301, every method); gin's router sends a path with a trailing slash that a route has without
    it to that path (301 for GET, 307 for other methods)."""

    def __init__(self, table: list[tuple[re.Pattern[str], Any]], guard: Guard) -> None:
        self.table, self.guard, self.state = table, guard, guard.state

    async def __call__(self, scope: dict[str, Any], send: Any) -> bool:
        """True when the request was answered with a redirect."""
        path, method = scope.get("path", ""), scope.get("method", "GET")
        query = scope.get("query_string") or b""
        escaped = (scope.get("raw_path") or path.encode()).decode("latin-1")  # the mux cleans the path as sent
        if ("//" in escaped or "/." in escaped) and method != "CONNECT":
            clean = go_clean_path(escaped)
            if clean != escaped:
                status = await _redirect(send, method, clean.encode("latin-1") + (b"?" + query if query else b""), 301,
                                         [self.guard.profile_header])  # the mock's mark, on every answer
                journal_hook.record(self.state, scope, request_headers(scope), status)
                return True
        if len(path) > 1 and path.endswith("/") and self._has(path.rstrip("/") or "/", method):
            # gin trims the decoded path and writes it escaped again (URL.String): %2F gives no loop
            target = quote(path.rstrip("/"), safe=_PATH_SAFE).encode("latin-1") or b"/"
            status = await _redirect(send, method, target + (b"?" + query if query else b""),
                                     301 if method == "GET" else 307, [self.guard.profile_header])
            journal_hook.record(self.state, scope, request_headers(scope), status)
            return True
        return False

    def _has(self, path: str, method: str) -> bool:
        """A route has `path` and `method` (and the profile's release had the route: gin redirects
        only to a route it has)."""
        return any(regex.match(path) and method in getattr(endpoint, "methods", {})
                   and (not isinstance(endpoint, _Dispatch) or endpoint.serves()) for regex, endpoint in self.table)


_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # what Go's URL.EscapedPath leaves unescaped in a path


def go_clean_path(path: str) -> str:
    """Go's net/http cleanPath: path.Clean (one slash at a time, no `.`, `..` resolved, never
    above the root), with a trailing slash kept."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    clean = "/" + "/".join(parts)
    if path.endswith("/") and clean != "/":
        clean += "/"
    return clean


_GO_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})  # Go's htmlEscape


async def _redirect(send: Any, method: str, location: bytes, status: int, extra: list[tuple[bytes, bytes]]) -> int:
    # Go's http.Redirect: an HTML content type for GET and HEAD, the short body for GET only
    href = location.decode("latin-1").translate(_GO_HTML_ESCAPES).encode("latin-1")
    body = b'<a href="' + href + b'">Moved Permanently</a>.\n\n' if method == "GET" else b""  # GET is always a 301
    headers = [(b"location", location)]
    if method in ("GET", "HEAD"):
        headers.append((b"content-type", b"text/html; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra]})
    await send({"type": "http.response.body", "body": body})
    return status


class _Adapter:
    """One route: read and decode the body, run interceptors, the handler and transformers, and
    render the outcome; OllamaError -> the API's envelope; any other exception -> 500, logged."""

    def __init__(self, state: State, endpoint: str, operation: dict[str, Any]) -> None:
        self.state, self.endpoint = state, endpoint
        self.api = str(operation.get("api", "native"))
        self.convention = HANDLERS[endpoint][2]
        self.reads_body = self.convention in ("body", "post_blob", "form")
        self._handler: Callable[..., Any] | None = None  # imported on first use: a fast start
        self._decoding: tuple[Any, tuple[str, str, frozenset[str]]] = (None, (endpoint, self.api, frozenset()))
        self.envelope = (operation.get("errors") or {}).get("envelope", self.api)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.serve(scope, receive, send, [])

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any, extra: list[tuple[bytes, bytes]],
                    headers: dict[str, str] | None = None) -> None:
        """Answer the request, with `extra` headers added (the guard's); `headers`: the request's,
        when the caller has them already."""
        state = self.state
        state.in_flight += 1
        held: list[Any] = []  # the runners this request loads
        busy: tuple[Any, ...] = ()  # those in use until its answer is sent (or its client has gone)
        body: Any = None
        params = scope.get("path_params")
        shared = request_headers(scope) if headers is None else headers
        info = request_info(self.endpoint, self.api, shared.copy(), dict(params) if params else {})
        raw = b""
        decoded_as = None
        try:
            try:
                if self.reads_body:
                    raw = await request_body.read_body(receive, state.settings.max_body_bytes, shared.get("content-length"),
                                                 state.waits)
                    if self.api != "native" and "content-encoding" in shared:
                        raw = zstd_body.body(self.endpoint, shared, raw)
                if self.convention == "body":
                    profile = state.profile
                    if self._decoding[0] is not profile:  # the profile can be swapped at run time (tests do)
                        self._decoding = (profile, (self.endpoint, self.api, unknown_fields(profile, self.endpoint)))
                    decoded_as = self._decoding[1]  # decode_body's arguments but the bytes: the journal keeps them
                    body = decode.decode_body(self.endpoint, self.api, raw, decoded_as[2])
                else:
                    body = await request_body.parse_form(scope, raw) if self.convention == "form" else {}
                outcome = self._run(info, body, raw, held)
                if held and (outcome.__class__ is not Single or outcome.delay):  # answered over time
                    busy = state.models.hold(held)
            except OllamaError as exc:
                outcome = self._error(exc)
            except (request_body.ServerStopping, asyncio.CancelledError):
                # the server stops while the body is still coming: the connection goes, as Go's
                # srvr.Close() drops it (no 500, no traceback in the log)
                await drop_connection(send)
                return
            except Exception as exc:  # a bug in a handler: answer 500 and keep serving
                log.exception("unexpected error in %s", self.endpoint)
                outcome = self._error(OllamaError(500, str(exc) or type(exc).__name__))
            self._journal(scope, shared, body, raw, decoded_as, outcome)
            checker = self._checker(body) if state.settings.validate_emitted else None
            settings = state.settings
            await send_outcome(outcome, self.api, scope, receive, send, extra, settings.virtual_time, checker,
                               settings.chunk_per_record, state.waits)
        finally:
            if busy:  # answered, or the client left: the runners go idle
                state.models.release(busy)
            state.in_flight -= 1

    def _run(self, info: RequestInfo, body: Any, raw: bytes, held: list[Any]) -> Outcome:
        """The outcome of the request; the runners its handler loads are added to `held`."""
        state = self.state
        outcome: Outcome | None = None
        for intercept in state.interceptors:
            outcome = intercept(info, body)
            if outcome is not None:
                break
        if outcome is None:
            models = state.models
            models.serving = held  # handlers are synchronous: whatever loads until they return is this request's
            try:
                outcome = self._call(info, body, raw)
            except OllamaError as exc:  # an error answer is labelled like any other (the rule that gave it)
                outcome = self._error(exc)
            finally:
                models.serving = None
        for transform in state.transformers:
            outcome = transform(info, outcome)
        return outcome

    @property
    def handler(self) -> Callable[..., Any]:
        if self._handler is None:
            self._handler = resolve(self.endpoint)[0]
        return self._handler

    def _call(self, info: RequestInfo, body: Any, raw: bytes) -> Outcome:
        state, kind = self.state, self.convention
        if kind == "info":
            return self.handler(state, info)  # type: ignore[no-any-return]
        if kind == "head_blob":
            return self.handler(state, info.path_params.get("digest", ""), info)  # type: ignore[no-any-return]
        if kind == "post_blob":
            return self.handler(state, info.path_params.get("digest", ""), raw, info)  # type: ignore[no-any-return]
        return self.handler(state, body, info)  # type: ignore[no-any-return]

    def _error(self, exc: OllamaError) -> Single:
        headers = dict(exc.headers)
        content_type = headers.pop("Content-Type", None) or headers.pop("content-type", None)
        if content_type is None:
            # the /v1 and Anthropic writers re-encode the native handler's errors as plain
            # application/json; native c.JSON errors and the layers' own (middleware: decoding,
            # validation) carry the charset (reference §0.3)
            content_type = "application/json" if exc.from_handler else "application/json; charset=utf-8"
        if self.envelope == "none":
            return Single(None, status=exc.status, content_type=None, headers=headers, flushed=exc.flushed)
        return Single(envelope(self.envelope, exc.status, exc.message), exc.status, content_type, headers,
                      delay=exc.delay, flushed=exc.flushed)

    def _journal(self, scope: dict[str, Any], headers: dict[str, str], body: Any, raw: bytes,
                 decoded_as: tuple[str, str, frozenset[str]] | None, outcome: Outcome) -> None:
        status = outcome.status if isinstance(outcome, Single) else 200
        sent = None
        if self.convention == "form" and isinstance(body, dict):  # uploaded files: their size, not bytes
            body = {k: f"<{len(v)} bytes>" if isinstance(v, bytes) else v for k, v in body.items()}
        elif body is None:  # a body that did not decode: the bytes sent (the journal shows their text)
            body = raw or None
        elif decoded_as is not None and raw:  # decoded: the bytes and how, for a journal that keeps bytes
            sent = raw
        journal_hook.record(self.state, scope, headers, status, self.endpoint, body, sent,
                            decoded_as if sent is not None else None)

    def _checker(self, request: Any) -> Callable[[Outcome, bytes], None]:
        endpoint, state = self.endpoint, self.state

        def check(outcome: Outcome, data: bytes) -> None:
            if any(k.lower() == DELIBERATE for k in outcome.headers):
                return
            try:
                found = _violations(endpoint, outcome, data, request)
            except Exception as exc:  # a crashing validator is a finding too, never a crashed server
                log.exception("self-check of %s failed", endpoint)
                found = [f"self-check could not run: {type(exc).__name__}: {exc}"]
            if found:
                state.violations.append({"endpoint": endpoint, "messages": found, "excerpt": data[:400].decode("utf-8", "replace")})

        return check


def _violations(endpoint: str, outcome: Outcome, data: bytes, request: Any) -> list[str]:
    """What the contracts reject in an emitted body or stream ([] when contracts cannot check yet)."""
    import json

    validate = getattr(contracts, "validate", None)
    validate_stream = getattr(contracts, "validate_stream", None)
    if isinstance(outcome, Stream) and outcome.ended_by_error:
        # Ollama's in-band error ended it without closing events, which the grammar reports by
        # design (streams.json `terminal.error`): its chunks against the chunk schema alone
        if validate is None:
            return []
        found = [v for item in outcome.items if isinstance(item, Chunk) for v in validate(endpoint, "chunk", item.body)]
    elif isinstance(outcome, Stream):
        if validate_stream is None:
            return []
        found = validate_stream(endpoint, data, request=request if isinstance(request, dict) else None)
    else:
        if validate is None or not data or outcome.content_type is None or "json" not in outcome.content_type:
            return []
        found = validate(endpoint, "response" if outcome.status < 400 else "error", json.loads(data))
    return [f"{getattr(v, 'instance_path', '$')}: {getattr(v, 'message', v)}" for v in found]
