"""Outcomes to bytes on the socket: Go-style JSON, NDJSON / SSE framing, pacing, self-check.

Speed matters: a stream whose items have no delay goes out as ONE ASGI body message, its records
encoded by one C encoder call; only items with a delay are sent one by one, on time (or, with
virtual time, at once with the delays reported in a header). A client that disconnects stops a paced stream at its next step.
With `per_record` (--chunk-per-record) every record is a message, so an HTTP chunk, of its own, as
Ollama flushes each record: the same chunk framing on the wire as Ollama's, at Python's speed.
A single body is framed as net/http frames gin's one write: Content-Length up to 2048 bytes,
chunked above that and for an error Go flushed (a streaming request's first item).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from .clock import DIGITS, TRIMMED
from .outcome import NATIVE_JSON, Chunk, Cut, Outcome, Raw, Single, Stream, StreamItem, with_headers

Send = Callable[[dict[str, Any]], Any]
Receive = Callable[[], Any]
DELIBERATE = "x-ollama-mock-deliberate"
VIRTUAL_DELAY = "X-Ollama-Mock-Virtual-Delay-Ms"  # virtual time: the delays reported, not waited
_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                          "\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})
log = logging.getLogger("ollama_conformance.mock_server")
# A drop fault leaves its response incomplete on purpose, and uvicorn logs an ERROR for every
# response left so; this request's is expected, so that line is kept out of the user's CI log.
# (uvicorn logs it in the task that ran the app, so the request's context is still current.)
_CUT_ON_PURPOSE = contextvars.ContextVar("ollama_mock_cut_on_purpose", default=False)
_INCOMPLETE = "ASGI callable returned without completing response"  # a drop fault, a stream the stop cut


class _DeliberateCutFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_CUT_ON_PURPOSE.get() and record.getMessage().startswith(_INCOMPLETE))


logging.getLogger("uvicorn.error").addFilter(_DeliberateCutFilter())
# net/http buffers a handler's first 2048 bytes (bufferBeforeChunkingSize): a body that fits and
# was not flushed gets a Content-Length; a larger one (gin writes a body in one go) goes out chunked
GO_WRITE_BUFFER = 2048


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Any], str]:
    # One C encoder reused for every record: json.dumps builds a new one per call, which costs
    # more than the encoding itself for small stream records.
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return encoder.encode
    encode = make(None, _not_json, json.encoder.encode_basestring, None, ":", ",", False, False, False)

    def run(value: Any) -> str:
        if isinstance(value, str):
            return json.encoder.encode_basestring(value)
        return "".join(encode(value, 0))

    return run


_encode = _make_encoder()


def _needs_escape(text: str) -> bool:
    # `in` scans are ~100x faster than a regex character class over a whole stream's text
    if "<" in text or ">" in text or "&" in text:
        return True
    return not text.isascii() and ("\u2028" in text or "\u2029" in text or "\u0085" in text)


def dumps(value: Any) -> bytes:
    """Compact JSON as Go's encoding/json writes it (HTML characters and U+2028/9 escaped).
    Floats keep Python's repr: `go_floats` would cost every body a scan (see there)."""
    text = _encode(value)
    if _needs_escape(text):
        text = text.translate(_ESCAPES)
    return utf8(text)


def go_floats(text: str) -> str:
    """JSON text from Python's encoder with its floats written as Go's encoding/json writes a
    float64: `1` for 1.0, `0.00001` for 1e-05, `10000000000000000` for 1e+16, `1e-7` for 1e-07
    (fixed notation from 1e-6 up to 1e21, else Go's exponent form).

    Used where floats are known to come (tool-call argument strings, a Single marked `go_floats`).
    Not in `dumps`: even finding out whether a body holds such a float costs ~1 us on 400 bytes
    (two-character `in` scans run at ~1 ns a character), more than 2% of a chat request, and none
    of the usual bodies does."""
    return _STRING_OR_NUMBER.sub(_go_number, text)


_STRING_OR_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e[-+]\d+)?')


def _go_number(found: re.Match[str]) -> str:
    token = found.group()
    if token[0] == '"' or ("." not in token and "e" not in token):  # a string, an int
        return token
    value = abs(float(token))
    if value == 0 or 1e-6 <= value < 1e21:  # strconv 'f', shortest digits: the repr's digits, fixed
        return format(Decimal(token).normalize(), "f")
    mantissa, exponent = token.split("e")
    if exponent.startswith("-0"):  # Go cleans up e-09 to e-9 (repr and strconv 'e' agree otherwise)
        exponent = "-" + exponent[2:]
    return mantissa + "e" + exponent


def utf8(text: str) -> bytes:
    """`text` as UTF-8; an unpaired surrogate (from text the mock parsed itself, a scenario file's
    "\\ud800" say) as U+FFFD, which is what Go, whose strings cannot hold one, writes for it."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text).encode("utf-8")


def ordered(schema_path: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with keys in the schema's (Go struct) order, empty x-omitempty fields dropped."""
    order, omit = _order_of(schema_path)
    out = {key: body[key] for key in order if key in body and not (key in omit and _empty(body[key]))}
    out.update((k, v) for k, v in body.items() if k not in out and k not in order)
    return out


_ORDERS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}


def _order_of(schema_path: str) -> tuple[tuple[str, ...], frozenset[str]]:
    if schema_path not in _ORDERS:
        from ollama_conformance import contracts

        props = contracts.schema(schema_path).get("properties", {})
        omit = frozenset(k for k, v in props.items() if isinstance(v, dict) and v.get("x-omitempty"))
        _ORDERS[schema_path] = (tuple(props), omit)
    return _ORDERS[schema_path]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == 0 and not isinstance(value, bool) or value is False \
        or (isinstance(value, (list, dict)) and not value)


def encode_item(item: StreamItem, framing: str) -> bytes:
    if isinstance(item, Raw):
        return item.data
    if isinstance(item, Chunk):
        if framing == "sse":
            head = f"event: {item.event}\n".encode() if item.event else b""
            return head + b"data: " + dumps(item.body) + b"\n\n"
        return dumps(item.body) + b"\n"
    return b""


def single_body(outcome: Single, api: str) -> bytes:
    body = outcome.body
    if body.__class__ is dict and not outcome.go_floats:  # the usual answer first
        return dumps(body) + _line_end(outcome, api)
    if body is None:
        return b""
    if isinstance(body, str):
        return utf8(body)
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = dumps(body)
    if outcome.go_floats:
        data = go_floats(data.decode("utf-8")).encode("utf-8")
    return data + _line_end(outcome, api)


def _line_end(outcome: Single, api: str) -> bytes:
    # The /v1 and Anthropic writers answer with json.NewEncoder(w).Encode (plain application/json,
    # a trailing newline); what gin's c.JSON writes (native bodies, the layers' own middleware
    # errors: the charset) has none
    return b"\n" if api != "native" and outcome.content_type != NATIVE_JSON else b""


class Waits:
    """One server's waits in progress (paced streams, delayed answers): stopping the server ends
    them at once instead of letting uvicorn's graceful shutdown time out on them (Go's
    srvr.Close() drops them too)."""

    def __init__(self) -> None:
        self.events: set[asyncio.Event] = set()
        self.stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, event: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        if self.stopping:  # the server began stopping before this wait did
            event.set()
        self.events.add(event)

    async def until_stop(self, future: asyncio.Future[Any], timeout: float | None = None) -> bool:
        """Wait for `future`, the server's stop or `timeout`, whichever comes first; True when the
        server stops. `future` is left as it is (done or not) for the caller."""
        stop = asyncio.Event()
        self.add(stop)
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((future, stopped), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.events.discard(stop)
            stopped.cancel()
        return stop.is_set()

    def stop(self) -> None:
        """End every wait, now and from now on (call it on the server's event loop)."""
        self.stopping = True
        for event in list(self.events):
            event.set()

    def stop_threadsafe(self) -> None:
        """`stop()` from another thread (a test's mock server, stopped by its owner)."""
        if self._loop is None or self._loop.is_closed():
            self.stopping = True
        else:
            self._loop.call_soon_threadsafe(self.stop)


NO_STOP = Waits()  # for responses sent outside a server that is stopped by signal or owner


class WireResponse:
    """An ASGI response for one outcome; `checker(body_bytes)` runs after it is sent."""

    def __init__(self, outcome: Outcome, api: str, virtual_time: bool = False,
                 checker: Callable[[Outcome, bytes], None] | None = None,
                 tail: list[tuple[bytes, bytes]] | None = None, per_record: bool = False,
                 waits: Waits = NO_STOP) -> None:
        self.outcome = outcome
        self.waits = waits
        self.api = api
        self.virtual_time = virtual_time
        self.per_record = per_record  # each stream record in an ASGI message (an HTTP chunk) of its own
        self.checker = checker
        self.tail = tail or []  # headers that go last (the guard's)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        head_only = scope.get("method") == "HEAD"
        if isinstance(self.outcome, Single):
            await self._send_single(send, head_only)
        else:
            await self._send_stream(receive, send)

    async def _send_single(self, send: Send, head_only: bool) -> None:
        assert isinstance(self.outcome, Single)
        await _send_single(self.outcome, self.api, send, head_only, self.tail, self.checker)

    async def _send_stream(self, receive: Receive, send: Send) -> None:
        outcome = self.outcome
        assert isinstance(outcome, Stream)
        extra = dict(outcome.headers)
        template: Any = None if self.per_record else outcome.template
        fast = template is not None and template.items is outcome.items  # as rendered: no transformer rebuilt them
        # the usual stream: records only, no delay, no event
        plain = None if fast or self.per_record else _plain_bodies(outcome.items)
        paced = self.per_record or (not fast and plain is None and not self.virtual_time
                                    and any(item.delay > 0 for item in outcome.items))
        if self.virtual_time:
            total = sum(item.delay for item in outcome.items)
            extra[VIRTUAL_DELAY] = str(round(total * 1000))
        start = {"type": "http.response.start", "status": 200, "headers": _headers(extra, outcome.content_type) + self.tail}
        sent: bytes | None
        if fast or plain is not None:
            sent = template.encode() if fast else _encode_run(plain or [], outcome.framing)
            await send(start)
            await send({"type": "http.response.body", "body": sent})
        elif paced:
            sent = await _Pacer(outcome, receive, send, start, self.per_record, not self.virtual_time, self.waits).run()
        else:
            sent = await _send_at_once(outcome, send, start)
        if sent is not None and self.checker is not None:
            self.checker(outcome, sent)


async def send_outcome(outcome: Outcome, api: str, scope: dict[str, Any], receive: Receive, send: Send,
                       tail: list[tuple[bytes, bytes]], virtual_time: bool = False,
                       checker: Callable[[Outcome, bytes], None] | None = None, per_record: bool = False,
                       waits: Waits = NO_STOP) -> None:
    """`WireResponse(outcome, api, virtual_time, checker, tail)(scope, receive, send)`, with a
    single body (most answers) sent straight away."""
    if outcome.__class__ is Single:
        if outcome.delay:  # type: ignore[union-attr]
            late = await _after_delay(outcome, receive, virtual_time, waits)  # type: ignore[arg-type]
            if late is None:
                return  # the client left meanwhile: nothing to send
            outcome = late
        await _send_single(outcome, api, send, scope.get("method") == "HEAD", tail, checker)  # type: ignore[arg-type]
    else:
        await WireResponse(outcome, api, virtual_time, checker, tail, per_record, waits)(scope, receive, send)


async def _after_delay(outcome: Single, receive: Receive, virtual_time: bool, waits: Waits) -> Single | None:
    """`outcome` once its delay has passed (with virtual time: at once, the delay in a header);
    None when the client disconnected while it waited."""
    if virtual_time:
        return with_headers(outcome, {**outcome.headers, VIRTUAL_DELAY: str(round(outcome.delay * 1000))})  # type: ignore[return-value]
    left = asyncio.ensure_future(disconnected(receive))
    try:
        stopped = await waits.until_stop(left, outcome.delay)
        gone = left.done()  # read before the cancel below
    except asyncio.CancelledError:  # the server shuts down meanwhile: answer nothing, no traceback
        return None
    finally:
        left.cancel()
    if stopped or not gone:
        # the wait is over, or the server stops: answer now (an ASGI app that sends nothing gets
        # the client uvicorn's 500, which Ollama never sends; an early answer is the lesser change)
        return outcome
    return None  # the client left


async def drop_connection(send: Send) -> None:
    """End the exchange by dropping the connection: uvicorn closes it when a response is left
    incomplete (it has no other way; the status line goes first, with no body)."""
    _CUT_ON_PURPOSE.set(True)  # expected: no "without completing response" error in the log
    await send({"type": "http.response.start", "status": 400, "headers": [(b"content-length", b"1")]})
    await send({"type": "http.response.body", "body": b"", "more_body": True})


async def disconnected(receive: Receive) -> None:
    """Return once the client has disconnected (the request's body was read already)."""
    while (await receive()).get("type") != "http.disconnect":
        pass


async def _send_single(outcome: Single, api: str, send: Send, head_only: bool, tail: list[tuple[bytes, bytes]],
                       checker: Callable[[Outcome, bytes], None] | None) -> None:
    data = single_body(outcome, api)
    headers = _headers(outcome.headers, outcome.content_type) if outcome.headers else _content_type(outcome.content_type)
    if head_only or go_sends_length(len(data), outcome.flushed):
        headers.append((b"content-length", str(len(data)).encode()))
    # else no length: uvicorn frames the body chunked, as net/http does (HEAD keeps the length:
    # Go sends neither header there, which h11 cannot; it would add chunked)
    headers += tail
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else data})
    if checker is not None:
        checker(outcome, data)


def go_sends_length(size: int, flushed: bool) -> bool:
    """Whether net/http gives a body written in one go a Content-Length (else: chunked)."""
    return size <= GO_WRITE_BUFFER and not flushed


def _content_type(content_type: str | None) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", content_type.encode())] if content_type else []


def _headers(extra: dict[str, str], content_type: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", content_type.encode())] if content_type else []
    headers.extend((k.lower().encode(), str(v).encode()) for k, v in extra.items())
    return headers


def _plain_bodies(items: list[StreamItem]) -> list[dict[str, Any]] | None:
    """The record bodies when every item is an undelayed Chunk without an SSE event name, else None."""
    bodies = []
    for item in items:
        if item.__class__ is not Chunk or item.delay or item.event is not None:  # type: ignore[union-attr]
            return None
        bodies.append(item.body)  # type: ignore[union-attr]
    return bodies


def encode_items(items: list[StreamItem], framing: str) -> bytes:
    """Items up to (not including) any Cut, framed; runs of plain records encoded in one go."""
    parts: list[bytes] = []
    run: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Chunk) and item.event is None:
            run.append(item.body)
            continue
        parts.append(_encode_run(run, framing))
        run = []
        if isinstance(item, Cut):
            return b"".join(parts)
        parts.append(encode_item(item, framing))
    parts.append(_encode_run(run, framing))
    return b"".join(parts)


def _encode_run(bodies: list[dict[str, Any]], framing: str) -> bytes:
    # One C encoder call for the whole run: the list's record separators are "},{"; when no
    # string holds "},{" the count proves it, and each becomes a line break (else: one by one).
    if not bodies:
        return b""
    text = _encode(bodies)
    if text.count("},{") != len(bodies) - 1:
        return b"".join(encode_item(Chunk(body), framing) for body in bodies)
    if _needs_escape(text):
        text = text.translate(_ESCAPES)
    if framing == "sse":
        return utf8("data: " + text[1:-1].replace("},{", "}\n\ndata: {") + "\n\n")
    return utf8(text[1:-1].replace("},{", "}\n{") + "\n")


def template_lines(segments: list[tuple[str, Sequence[int]]], head: str, middle: str, texts: list[str], tail: str) -> bytes:
    """NDJSON lines `head + created_at + middle + <text as a JSON string> + tail`, Go-escaped:
    the bytes `_encode_run` writes for records of that fixed shape, without a dict per record.
    `segments` are the stamps (clock.Stamps.segments); `head`, `middle`, `tail` are JSON text.

    The lines are four parts each (the previous line's tail with this line's date and time, the
    fraction, the middle with the text's opening quote, the text), laid into one list by slice
    assignment and joined once: no Python-level concatenation per line. A text that JSON must
    escape (a quote, a backslash, a control character) sends every text through the encoder."""
    count = len(texts)
    if not count:
        return b""
    joined = "".join(texts).encode("utf-8", "surrogatepass")  # a special character is one byte below 0x80
    if len(joined.translate(None, _JSON_SPECIAL)) == len(joined):  # nothing to escape: quotes go into the constant parts
        middle, tail, strings = middle + '"', '"' + tail, texts
    else:
        strings = list(map(_JSON_STRING, texts))
    leads: list[str] = []
    fractions: list[str] = []
    after = "Z" + middle
    lead = segments[0][1] if segments else None  # every segment is a range with the same step, or none is
    micro = lead[0] % 1000 if isinstance(lead, range) and lead and lead.step % 1000 == 0 else 0
    if micro:
        # whole-millisecond ticks: every stamp has the same microsecond digits, which go into the
        # constant part; the milliseconds come from a table, with no Python code per line
        after = TRIMMED[micro] + after
        for second, micros in segments:
            assert isinstance(micros, range)
            leads += [tail + head + second + "."] * len(micros)
            first, step = micros.start // 1000, micros.step // 1000
            fractions += map(DIGITS.__getitem__, range(first, first + len(micros) * step, step))
    else:
        for second, micros in segments:
            start = len(leads)
            leads += [tail + head + second + "."] * len(micros)
            fractions += [DIGITS[m // 1000] + TRIMMED[m % 1000] if m % 1000 else TRIMMED[m // 1000] for m in micros]
            if micros and micros[0] == 0:  # exactly on the second: Go writes no fraction, no dot
                # a range holds 0 first at most; tick 0 (Stamps.segments' list) repeats it on every step
                on = len(micros) if micros[-1] == 0 else 1
                leads[start:start + on] = [tail + head + second] * on
    leads[0] = leads[0][len(tail):]  # the first line follows no tail
    parts: list[str] = [""] * (4 * count + 1)
    parts[0:-1:4] = leads
    parts[1::4] = fractions
    parts[2::4] = [after] * count
    parts[3::4] = strings
    parts[-1] = tail
    text = "".join(parts)
    if _needs_escape(text):
        text = text.translate(_ESCAPES)
    return utf8(text)


_JSON_STRING = json.encoder.encode_basestring  # a str as a JSON string literal, non-ASCII kept
_JSON_SPECIAL = bytes(range(32)) + b'"\\'  # what that literal escapes


async def _send_at_once(outcome: Stream, send: Send, start: dict[str, Any]) -> bytes | None:
    """Everything up to the first Cut in one body message; a Cut drops the connection."""
    data = encode_items(outcome.items, outcome.framing)
    if any(isinstance(item, Cut) for item in outcome.items):
        _CUT_ON_PURPOSE.set(True)
        await send(start)
        await send({"type": "http.response.body", "body": data, "more_body": True})
        return None  # never completing the body makes the server drop the connection
    await send(start)
    await send({"type": "http.response.body", "body": data})
    return data


class _Pacer:
    """Sends a stream whose items have delays: runs of undelayed items still go out together,
    unless `per_record` (each item its own message). `wait` False: virtual time, no sleeping."""

    def __init__(self, outcome: Stream, receive: Receive, send: Send, start: dict[str, Any],
                 per_record: bool = False, wait: bool = True, waits: Waits = NO_STOP) -> None:
        self.outcome, self.receive, self.send, self.waits = outcome, receive, send, waits
        self.start: dict[str, Any] | None = start
        self.per_record, self.wait = per_record, wait
        self.gone = asyncio.Event()

    async def run(self) -> bytes | None:
        watcher = asyncio.ensure_future(self._watch())
        self.waits.add(self.gone)
        try:
            sent = await self._run()
            if sent is None and self.waits.stopping:
                _CUT_ON_PURPOSE.set(True)  # cut short by the stop: no "without completing" error logged
            return sent
        except asyncio.CancelledError:  # the server shuts down mid-stream: stop quietly, no traceback
            return None
        finally:
            self.waits.events.discard(self.gone)
            watcher.cancel()

    async def _watch(self) -> None:
        await disconnected(self.receive)
        self.gone.set()

    async def _run(self) -> bytes | None:
        # the status line and headers go with the first record (net/http writes them at its first
        # flush), so a wait before it, a slow load or first token, keeps them back too
        sent: list[bytes] = []
        batch: list[bytes] = []
        for item in self.outcome.items:
            if item.delay > 0 and self.wait:
                if batch:
                    await self._flush(batch, sent)
                if await self._sleep(item.delay):
                    if self.waits.stopping:
                        await self._started()  # status and headers, then the cut: no uvicorn 500
                    return None  # the client left or the server stops: nothing left running
            if isinstance(item, Cut):
                _CUT_ON_PURPOSE.set(True)
                await self._flush(batch, sent)
                return None  # never completing the body makes the server drop the connection
            batch.append(encode_item(item, self.outcome.framing))
            if self.per_record:
                await self._flush(batch, sent)
                await asyncio.sleep(0)  # a turn of the loop: a client that left is seen (no writes to a dead socket)
                if self.gone.is_set():
                    return None  # the client left: stop here
        await self._started()
        await self.send({"type": "http.response.body", "body": b"".join(batch)})
        return b"".join(sent + batch)

    async def _flush(self, batch: list[bytes], sent: list[bytes]) -> None:
        data = b"".join(batch)
        batch.clear()
        sent.append(data)
        await self._started()
        await self.send({"type": "http.response.body", "body": data, "more_body": True})

    async def _started(self) -> None:
        if self.start is not None:
            start, self.start = self.start, None
            await self.send(start)

    async def _sleep(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.gone.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True


async def plain(send: Send, status: int, content_type: str | None, body: bytes,
                headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A small fixed answer (router errors, 403, 204, /_mock/ routes)."""
    head = [(b"content-type", content_type.encode())] if content_type else []
    head += headers or []
    if status != 204:  # net/http sends no Content-Length with a 204
        head.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
