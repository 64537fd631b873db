"""A validating proxy in front of a live Ollama (`ollama-mock proxy --upstream URL`).

Every request is passed to the upstream with httpx and the answer streamed back as it arrives
(status, headers, bytes unchanged); once an exchange is complete, the request and the answer
are validated against the contracts and violations are printed (one line each) and kept
(`GET /_mock/violations`). `ollama-mock record` is this proxy plus a cassette writer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TextIO

from .access import host_refused
from .cassette import UNPARSED_BODY_ENDPOINTS, CassetteError, Exchange
from .mock_routes import read_body
from .request_target import absolute_form, as_origin_form, options_star
from .wire import Waits, disconnected

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "accept-encoding"}
DROP_BACK = {
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "content-encoding",
    "date",
    "server",
}
DEFAULT_PORT = 11435  # beside the upstream's 11434
KEPT_VIOLATIONS = 10_000  # GET /_mock/violations lists the latest ones; violations_total counts all


class ValidatingProxy:
    """ASGI app: forwards to `upstream`, validates, calls `on_exchange(exchange)` when done."""

    def __init__(
        self,
        upstream: str,
        *,
        on_exchange: Callable[[Exchange], Any] | None = None,
        out: TextIO | None = None,
        timeout: float = 600.0,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.on_exchange = on_exchange
        self.out = out if out is not None else sys.stderr
        self.timeout = timeout
        # the latest KEPT_VIOLATIONS: a long-running proxy before a server that breaks a contract on
        # every answer would otherwise grow without end (the journal is bounded the same way)
        self.violations: deque[dict[str, Any]] = deque(maxlen=KEPT_VIOLATIONS)
        self.violations_total = 0
        self.exchanges = 0
        self._client: Any = None
        self._routes = _route_table()
        self.waits = Waits()  # the server's stop ends the exchanges in flight

    def stop_threadsafe(self) -> None:
        """End the exchanges in flight (none is recorded), from a signal handler or another thread:
        a stream that an upstream holds open must not hold the stop until uvicorn cancels it."""
        self.waits.stop_threadsafe()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "OPTIONS" and scope.get("raw_path") == b"*":  # Go's server answers it itself
            await options_star(send)
            return
        host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"").decode("latin-1")
        if host_refused(str((scope.get("server") or ("",))[0]), host):
            # the upstream sees the proxy's own Host, so its guard cannot: a page that rebinds a name to
            # 127.0.0.1 would read the upstream through the proxy. The proxy guards as Ollama does.
            await _send_empty(send, 403)
            return
        target = _origin_form(scope)
        if target is None:  # "@host:port/x" would follow the upstream's authority and name another host
            await _send_json(send, 400, {"error": "ollama-mock proxy: invalid URI for request"})
            return
        scope = target
        if scope["path"] == "/_mock/violations" and scope["method"] == "GET":
            await _send_json(send, 200, {"exchanges": self.exchanges, "violations_total": self.violations_total,
                                         "violations": list(self.violations)})
            return
        if scope["path"].lstrip("/").startswith("_mock/"):  # the mock's own routes: never Ollama's, never recorded
            await _send_json(send, 404, {"error": f"{scope['path']}: the proxy has only GET /_mock/violations"})
            return
        body = await read_body(receive)
        await self._forward(scope, body, send, receive)

    async def _forward(self, scope: dict[str, Any], body: bytes, send: Any, receive: Any) -> None:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        query = scope.get("query_string", b"").decode("latin-1")
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")  # as sent: %3F stays %3F
        url = self.upstream + path + (f"?{query}" if query else "")
        headers = [
            (k, v) for k, v in scope.get("headers", []) if k.decode("latin-1").lower() not in HOP_HEADERS
        ]
        sent = self._decoded(scope, body)
        # a blob's or an audio file's bytes: a summary, as the cassette keeps them (even when they are text)
        unparsed = self._endpoint(scope["method"], scope["path"]) in UNPARSED_BODY_ENDPOINTS
        ex = Exchange(method=scope["method"], path=scope["path"], query=query,
                      body=_summary(sent) if unparsed and sent else _parse(sent))
        try:
            request = self._client.build_request(scope["method"], url, headers=headers, content=body)
            answered, response = await _unless_interrupted(self._client.send(request, stream=True), receive,
                                                           self.waits)
        except httpx.HTTPError as exc:
            message = f"ollama-mock proxy: cannot reach upstream {self.upstream}: {exc or type(exc).__name__}"
            print(message, file=self.out, flush=True)
            await _send_json(send, 502, {"error": message})
            return
        relayed = False
        if answered:
            try:
                relayed, _ = await _unless_interrupted(self._relay(response, send, ex), receive, self.waits)
            finally:
                await response.aclose()  # also when the client left: the upstream stops generating
        if answered and relayed:
            self._finish(ex)
            return
        # what the client never got is not a recording of what it saw
        why = "the proxy stopped" if self.waits.stopping else "the client left"
        print(f"ollama-mock proxy: {why} during {ex.method} {ex.path}: not recorded", file=self.out, flush=True)
        if not answered and self.waits.stopping:  # nothing sent yet: say why, rather than uvicorn's 500
            await _send_json(send, 503, {"error": f"ollama-mock proxy: stopping: {ex.method} {ex.path} not relayed"})

    async def _relay(self, response: Any, send: Any, ex: Exchange) -> None:
        ex.status = response.status_code
        ex.content_type = response.headers.get("content-type")
        ex.headers = {
            k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "cache-control")
        }
        ex.stream = _is_stream(ex.content_type)
        back = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.items()
            if k.lower() not in DROP_BACK
        ]
        await send({"type": "http.response.start", "status": response.status_code, "headers": back})
        splitter = _Records(b"\n\n" if (ex.content_type or "").startswith("text/event-stream") else b"\n")
        start = time.monotonic()
        async for data in response.aiter_raw():
            await send({"type": "http.response.body", "body": data, "more_body": True})
            if ex.stream:
                ex.records.extend((time.monotonic() - start, r) for r in splitter.feed(data))
            else:
                splitter.buffer += data
        await send({"type": "http.response.body", "body": b""})
        if ex.stream:
            rest = splitter.buffer.decode("utf-8", "replace")
            if rest:
                ex.records.append((time.monotonic() - start, rest))
        else:
            ex.text = splitter.buffer.decode("utf-8", "replace")

    def _finish(self, ex: Exchange) -> None:
        ex.endpoint = self._endpoint(ex.method, ex.path)
        ex.violations = validate_exchange(ex) if ex.endpoint else []
        self.exchanges += 1
        self.violations_total += len(ex.violations)
        for v in ex.violations:
            self.violations.append({"endpoint": ex.endpoint, "violation": v})
            print(f"ollama-mock: contract violation: {ex.endpoint}: {v}", file=self.out, flush=True)
        if self.on_exchange is not None:
            try:
                self.on_exchange(ex)
            except OSError as exc:  # the cassette cannot be written: one line, and the proxy keeps serving
                print(f"ollama-mock record: cannot write the cassette file of {ex.method} {ex.path}: "
                      f"{exc.strerror or exc}", file=self.out, flush=True)

    def _decoded(self, scope: dict[str, Any], body: bytes) -> bytes:
        """The body as Ollama reads it (a zstd body on a /v1 route decompressed), for the cassette:
        replay compares what the mock decodes. Upstream gets the bytes as sent."""
        encoding = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-encoding"), None)
        if encoding is None:
            return body
        endpoint = self._endpoint(scope["method"], scope["path"])
        if endpoint is None:
            return body
        from . import zstd_body
        from .errors import OllamaError

        try:
            return zstd_body.body(endpoint, {"content-encoding": encoding.decode("latin-1")}, body)
        except OllamaError:  # not zstd after all: Ollama refuses it; the cassette keeps the bytes
            return body

    def _endpoint(self, method: str, path: str) -> str | None:
        for regex, endpoint in self._routes:
            if endpoint.startswith(method + " ") and regex.fullmatch(path):
                return endpoint
        return None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def validate_exchange(ex: Exchange) -> list[str]:
    """Violations of the request and of the answer (body or whole stream), one line each."""
    from ollama_conformance import contracts

    assert ex.endpoint is not None
    out: list[str] = []
    if isinstance(ex.body, dict):
        out += [f"request {_line(v)}" for v in contracts.validate(ex.endpoint, "request", ex.body)]
    if ex.stream and ex.status < 400:
        raw = "".join(d for _, d in ex.records)
        request = ex.body if isinstance(ex.body, dict) else None
        out += [f"stream {_line(v)}" for v in contracts.validate_stream(ex.endpoint, raw, request=request)]
    elif ex.text and "json" in (ex.content_type or ""):
        try:
            doc = json.loads(ex.text)
        except ValueError as exc:
            return [*out, f"response is not JSON: {exc}"]
        kind = "response" if ex.status < 400 else "error"
        out += [f"{kind} {_line(v)}" for v in contracts.validate(ex.endpoint, kind, doc)]
    return out


def _line(v: Any) -> str:
    return f"{getattr(v, 'instance_path', '$')}: {getattr(v, 'message', v)}"


class _Records:
    """Cuts a byte stream into records (lines or SSE events) as they complete."""

    def __init__(self, separator: bytes) -> None:
        self.sep, self.buffer = separator, b""

    def feed(self, data: bytes) -> list[str]:
        self.buffer += data
        out = []
        while (i := self.buffer.find(self.sep)) >= 0:
            end = i + len(self.sep)
            out.append(self.buffer[:end].decode("utf-8", "replace"))
            self.buffer = self.buffer[end:]
        return out


def _route_table() -> list[tuple[re.Pattern[str], str]]:
    from ollama_conformance import contracts

    table = []
    for endpoint in contracts.operations():
        _, path = endpoint.split(" ", 1)
        table.append((re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))), endpoint))
    return table


def _is_stream(content_type: str | None) -> bool:
    ct = (content_type or "").lower()
    return ct.startswith("application/x-ndjson") or ct.startswith("text/event-stream")


async def _unless_interrupted(work: Any, receive: Any, waits: Waits) -> tuple[bool, Any]:
    """Run `work` (a coroutine) to its end: (True, its result); (False, None) when the client
    disconnected or the server began to stop first (then `work` is cancelled)."""
    working = asyncio.ensure_future(work)
    leaving = asyncio.ensure_future(disconnected(receive))
    either = asyncio.ensure_future(asyncio.wait({working, leaving}, return_when=asyncio.FIRST_COMPLETED))
    try:
        await waits.until_stop(either)
    finally:
        leaving.cancel()
        either.cancel()  # only the wait: asyncio.wait leaves `working` running
    if working.done():
        return True, working.result()  # its errors are the request's
    working.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await working
    return False, None


def _origin_form(scope: dict[str, Any]) -> dict[str, Any] | None:
    """The request with a target that is a path: an absolute-form target (`GET http://host/api/tags`)
    read for its path, as net/http reads it; None for any other (`@host:port/x`, `%2F@host/x`), which
    net/http refuses (url.ParseRequestURI) and which, appended to the upstream URL, would name another
    host. Path and raw path both come from the target as sent (they are what is checked, recorded
    and forwarded)."""
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    if raw.startswith("/"):
        return scope
    found = absolute_form(raw)
    if found is None:
        return None
    scope = dict(scope)
    as_origin_form(scope, found[0])
    return scope


def _parse(body: bytes) -> Any:
    """The request body as the cassette keeps it: JSON parsed, text as text, other bytes as a
    summary (never replacement characters that pass for the bytes sent)."""
    if not body:
        return None
    try:
        from .decode import without_lone_surrogates

        return without_lone_surrogates(json.loads(body))  # a "\ud800" cannot be written to a file
    except ValueError:
        pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _summary(body)


def _summary(body: bytes) -> str:
    return f"<{len(body)} bytes, sha256:{hashlib.sha256(body).hexdigest()}>"


async def _send_empty(send: Any, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _send_json(send: Any, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


# -- CLI ---------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream", required=True, help="base URL of the live Ollama, e.g. http://127.0.0.1:11434"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    from .cli import port_number

    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)",
    )


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`ollama-mock proxy`: validate every exchange with the upstream, record nothing."""
    banner = "ollama-mock proxy listening on {url} (upstream " + args.upstream + ")"
    return serve_proxy(args, lambda out: ValidatingProxy(args.upstream, out=out), banner, stdout, stderr)


def serve_proxy(
    args: argparse.Namespace,
    build: Callable[[TextIO], ValidatingProxy],
    banner: str,
    stdout: TextIO | None,
    stderr: TextIO | None,
) -> int:
    """`proxy` and `record`: check --upstream, build the app (given stderr), serve it until stopped.

    A bad upstream URL or cassette folder is one line on stderr and exit status 2."""
    from .serve_plain import serve

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    prog = f"ollama-mock {args.command}"
    problem = check_upstream(args.upstream)
    if problem:
        print(f"{prog}: {problem}", file=stderr)
        return 2
    try:
        app = build(stderr)
    except CassetteError as exc:
        print(f"{prog}: {exc}", file=stderr)
        return 2
    return serve(app, args.host, args.port, banner, stdout, stderr, prog)


def check_upstream(url: str) -> str | None:
    """One line when `url` is not an http(s) URL."""
    if not re.match(r"^https?://[^/\s]+", url or ""):
        return f"--upstream has value {url!r}: expected an http:// or https:// URL such as http://127.0.0.1:11434"
    import httpx

    try:  # as the proxy will read it: a URL httpx refuses would fail every request
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"--upstream has value {url!r}: not a URL ({exc})"
    return None
