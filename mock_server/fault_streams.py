"""Mid-stream faults: what a stream looks like when it breaks after N records.

Native NDJSON: an `{"error": ...}` line with no done:true (reference §4.2), a dropped
connection, a malformed line, or a stall. The /v1 surfaces break the way Ollama's middlewares
do (§2.4, §2.5, §4.2): /v1/chat/completions and /v1/completions send one more empty chunk with
model "" and close without [DONE]; /v1/responses and /v1/messages just close. A profile with
`v1_midstream_error = "error_event"` (openai-strict) sends an OpenAI error event instead.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from .errors import envelope
from .outcome import Chunk, Cut, Outcome, Raw, RequestInfo, Single, Stream, StreamItem

DELIBERATE = "X-Ollama-Mock-Deliberate"
RUNNER_ERROR = "an error was encountered while running the model"
_MALFORMED_NDJSON = b'{"model":"ollama-mock","created_at":"2026-\n'
_MALFORMED_SSE = b'data: {"id":"chatcmpl-\n\n'


def break_stream(fault: Any, stream: Stream, info: RequestInfo, profile: Any) -> Outcome:
    """`stream` with a mid-stream fault injected after `fault.after` records."""
    chunks = [i for i, item in enumerate(stream.items) if _is_record(item)]
    if not chunks:
        return stream
    if fault.kind == "midstream_error" and fault.after == 0:
        # Failing before the first record is an ordinary HTTP error in Ollama (§4.2), on every API,
        # written by the streaming path: plain application/json, no charset (§0.3, §2.1), after Go
        # flushed the headers (chunked, as any error that is a stream's first item)
        message = fault.message or RUNNER_ERROR
        return Single(envelope(info.api, 500, message), status=500, content_type="application/json",
                      headers=dict(stream.headers), flushed=True)
    # Keep at least one record back, so the fault always lands before the stream's end.
    after = min(fault.after, max(len(chunks) - 1, 0))
    cut = chunks[after] if after < len(chunks) else len(stream.items)
    head, tail = list(stream.items[:cut]), list(stream.items[cut:])
    kind = fault.kind
    if kind == "stall":
        first = tail[0]
        return replace(stream, items=[*head, replace(first, delay=first.delay + fault.seconds), *tail[1:]])
    if kind == "drop":
        return _marked(stream, [*head, Cut()], "fault-drop")
    if kind == "malformed":
        bad = _MALFORMED_SSE if stream.framing == "sse" else _MALFORMED_NDJSON
        return _marked(stream, [*head, Raw(bad), *tail], "fault-malformed")
    if kind == "midstream_error":
        return _error_tail(stream, head, info, profile, fault.message or RUNNER_ERROR)
    return stream


def _error_tail(
    stream: Stream, head: list[StreamItem], info: RequestInfo, profile: Any, message: str
) -> Stream:
    if stream.framing != "sse":
        # Native: the error line is the stream's legal end (no done:true); not marked deliberate.
        return replace(stream, items=[*head, Chunk({"error": message})])
    endpoint = info.endpoint
    strict = getattr(profile, "v1_midstream_error", "empty_chunk") == "error_event"
    if strict and endpoint in ("POST /v1/chat/completions", "POST /v1/completions"):
        event = {"error": {"message": message, "type": "api_error", "param": None, "code": None}}
        return _marked(stream, [*head, Chunk(event)], "fault-midstream_error")
    first = next((b for b in map(_body_of, head) if b), {})
    if endpoint == "POST /v1/chat/completions":
        extra = {
            "id": first.get("id", "chatcmpl-0"),
            "object": "chat.completion.chunk",
            "created": first.get("created", 0),
            "model": "",
            "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "delta": _error_delta(profile), "finish_reason": None}],
        }
        return _marked(stream, [*head, Chunk(extra)], "fault-midstream_error")
    if endpoint == "POST /v1/completions":
        extra = {
            "id": first.get("id", "cmpl-0"),
            "object": "text_completion",
            "created": first.get("created", 0),
            "choices": [{"text": "", "index": 0, "finish_reason": None}],
            "model": "",
            "system_fingerprint": "fp_ollama",
        }
        if "usage" in first:  # include_usage: every chunk carries a zero usage, this one too
            extra["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        return _marked(stream, [*head, Chunk(extra)], "fault-midstream_error")
    # /v1/responses and /v1/messages close silently (§4.2).
    return _marked(stream, head, "fault-midstream_error")


def _error_delta(profile: Any) -> dict[str, Any]:
    # the error line becomes a chunk of an empty message; legacy framing put the role on every one
    legacy = getattr(profile, "v1_stream_framing", "current") == "legacy"
    return {"role": "assistant", "content": ""} if legacy else {"content": ""}


def _is_record(item: StreamItem) -> bool:
    """A record of the stream: a Chunk, or (replayed cassettes) a Raw line other than [DONE]."""
    if isinstance(item, Chunk):
        return True
    return isinstance(item, Raw) and bool(item.data.strip()) and not item.data.startswith(b"data: [DONE]")


def _body_of(item: StreamItem) -> dict[str, Any]:
    if isinstance(item, Chunk):
        return item.body
    if isinstance(item, Raw):
        text = item.data.decode("utf-8", "replace").strip()
        text = text[len("data: ") :] if text.startswith("data: ") else text
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def _marked(stream: Stream, items: list[StreamItem], why: str) -> Stream:
    return replace(stream, items=items, headers={**stream.headers, DELIBERATE: why})
