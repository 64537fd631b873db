"""POST /v1/completions: OpenAI legacy completions on the native generate handler (§3.2, §2.5).

One SSE chunk per native record; the chunk made from the done record carries finish_reason (no
separate finish chunk). With include_usage every chunk carries a zero usage and a usage chunk
with `choices: []` follows the done chunk.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..outcome import Chunk, Cut, Outcome, Raw, RequestInfo, Single, StreamItem
from ..profiles import Profile
from . import ids
from .common import (
    JSON,
    NativeError,
    as_late_as,
    call_native,
    debug_render,
    go_decode,
    marked,
    native_items,
    native_single,
    openai_errors,
    profile,
    unix,
)
from .mapping import go_type
from .sse import DONE, sse

_ZERO_USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@openai_errors
def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    with go_decode("openai.CompletionRequest"):
        native = to_native(body)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    result = call_native("generate", state, native, info)
    request_id = ids.completion_id(body)
    if native["stream"]:
        return _stream(request_id, result, profile(state), include_usage)
    record = native_single(result)
    choice = {
        "text": record.get("response", ""),
        "index": 0,
        "finish_reason": record.get("done_reason") or None,
    }
    out = {
        "id": request_id,
        "object": "text_completion",
        "created": unix(record.get("created_at")),
        "model": record.get("model", body.get("model") or ""),
        "system_fingerprint": "fp_ollama",
        "choices": [choice],
        "usage": _usage(record),
    }
    return as_late_as(result, Single(body=out, content_type=JSON))


def to_native(body: dict[str, Any]) -> dict[str, Any]:
    """The native generate body of a completions request (reference §3.2)."""
    prompt = body.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise errors.OllamaError(
            400,
            f"json: cannot unmarshal {_json_kind(prompt)} into Go struct field CompletionRequest.prompt of type string",
        )
    options: dict[str, Any] = {}
    if body.get("max_tokens") is not None:
        options["num_predict"] = body["max_tokens"]
    options["temperature"] = body["temperature"] if body.get("temperature") is not None else 1.0
    options["top_p"] = body.get("top_p") or 1.0  # 0 or absent -> 1.0
    options["frequency_penalty"] = body.get("frequency_penalty") or 0.0
    options["presence_penalty"] = body.get("presence_penalty") or 0.0
    if body.get("seed") is not None:
        options["seed"] = body["seed"]
    stops = _stops(body.get("stop"))
    if stops is not None:
        options["stop"] = stops
    native: dict[str, Any] = {
        "model": body.get("model") or "",
        "prompt": prompt or "",
        "stream": body.get("stream") is True,
    }
    if body.get("suffix"):
        native["suffix"] = body["suffix"]
    native["options"] = options
    logprobs = body.get("logprobs")
    if isinstance(logprobs, int) and not isinstance(logprobs, bool) and logprobs > 0:
        native["logprobs"] = True
        native["top_logprobs"] = logprobs
    if body.get("_debug_render_only"):
        native["_debug_render_only"] = True
    return native


def _stops(stop: Any) -> list[str] | None:
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list):
        for item in stop:
            if not isinstance(item, str):
                raise errors.OllamaError.of("v1_stop_type", go_type=go_type(item))
        return list(stop)
    return None  # a number, a bool, an object: FromCompleteRequest's type switch has no default case


def _usage(record: dict[str, Any]) -> dict[str, int]:
    prompt, completion = int(record.get("prompt_eval_count") or 0), int(record.get("eval_count") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chunk(
    request_id: str, record: dict[str, Any], reason: str | None, usage: dict[str, int] | None
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": request_id,
        "object": "text_completion",
        "created": unix(record.get("created_at")),
        "choices": [{"text": record.get("response", ""), "index": 0, "finish_reason": reason}],
        "model": record.get("model", ""),
        "system_fingerprint": "fp_ollama",
    }
    if usage is not None:
        chunk["usage"] = dict(usage)
    return chunk


def _stream(request_id: str, result: Outcome, prof: Profile, include_usage: bool) -> Outcome:
    marks: set[str] = {"_debug_render_only"} if debug_render(result) else set()
    if include_usage and not prof.v1_usage_chunk:
        marks.add("v1_usage_chunk")
    with_usage = include_usage and prof.v1_usage_chunk
    zero = _ZERO_USAGE if with_usage else None
    items: list[StreamItem] = []
    ended_by_error = False
    for item in native_items(result):
        if isinstance(item, (Raw, Cut)):
            items.append(item)
            if isinstance(item, Cut):
                break
            continue
        record = item.body
        if "error" in record:
            _error(items, request_id, str(record["error"]), item.delay, prof, marks, zero)
            ended_by_error = True
            break
        done = bool(record.get("done"))
        reason = (record.get("done_reason") or None) if done else None
        items.append(Chunk(body=_chunk(request_id, record, reason, zero), delay=item.delay))
        if done:
            if with_usage:
                final = _chunk(request_id, record, None, _usage(record))
                final["choices"] = []
                items.append(Chunk(body=final))
            items.append(DONE)
            break
    return sse(items, marked({}, marks), ended_by_error)


def _error(
    items: list[StreamItem],
    request_id: str,
    message: str,
    delay: float,
    prof: Profile,
    marks: set[str],
    zero: dict[str, int] | None,
) -> None:
    if not any(isinstance(item, Chunk) for item in items):
        raise NativeError(500, message)
    if prof.v1_midstream_error == "error_event":
        marks.add("v1_midstream_error")
        body = {"error": {"message": message, "type": "api_error", "param": None, "code": None}}
        items.append(Chunk(body=body, delay=delay))
        return
    chunk = _chunk(request_id, {"model": ""}, None, zero)
    chunk["created"] = next(i.body["created"] for i in reversed(items) if isinstance(i, Chunk))
    items.append(Chunk(body=chunk, delay=delay))


def _json_kind(value: Any) -> str:
    kinds = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "value")
