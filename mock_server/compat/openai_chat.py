"""POST /v1/chat/completions: OpenAI chat on top of the native chat handler (reference §3.1, §2.4).

The request is translated by `openai_chat_request`, the native outcome back here (one
`chat.completion`) or by `openai_chat_stream` (SSE chunks).
"""

from __future__ import annotations

from typing import Any

from ..generation.responder import seed_of
from ..outcome import Outcome, RequestInfo, single
from ..profiles import Profile
from . import ids
from .common import (
    JSON,
    SHAPE_ERRORS,
    as_late_as,
    call_native,
    marked,
    native_single,
    openai_errors,
    openai_tool_calls,
    profile,
    reasoning_field,
    shape_error,
    unix,
)
from .openai_chat_request import to_native
from .openai_chat_stream import ChatStreamer

_GO_STRUCT = "openai.ChatCompletionRequest"


@openai_errors
def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    prof = profile(state)
    try:  # what `with go_decode(...)` does, without a context manager per request
        native = to_native(body, prof)
        stream_options = body.get("stream_options")
        include_usage = bool(stream_options.get("include_usage")) if stream_options else False
    except SHAPE_ERRORS as error:
        raise shape_error(error, _GO_STRUCT) from None
    digest = seed_of(native)  # the native reply's digest, which the id derives from too
    result = call_native("chat", state, native, info, digest)
    request_id = ids.chat_id(digest)
    if native["stream"]:
        return ChatStreamer(request_id, prof, include_usage).translate(result)
    marks: set[str] = set()
    completion = completion_body(request_id, native_single(result), prof, marks, body.get("model") or "")
    return as_late_as(result, single(completion, marked({}, marks) if marks else {}, content_type=JSON))


def completion_body(
    request_id: str, record: dict[str, Any], prof: Profile, marks: set[str], model: str
) -> dict[str, Any]:
    """A `chat.completion` object from the native final record (built in its key order)."""
    get = record.get
    message = _message(get("message") or {}, prof, marks, request_id)
    reason = get("done_reason") or ""
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": _finish_reason(reason, prof, marks) if "tool_calls" in message else reason or None,
    }
    if get("logprobs"):
        choice["logprobs"] = {"content": record["logprobs"]}
    prompt, completion = int(get("prompt_eval_count") or 0), int(get("eval_count") or 0)
    out: dict[str, Any] = {
        "id": request_id,
        "object": "chat.completion",
        "created": unix(get("created_at")),
        "model": get("model", model),
        "system_fingerprint": "fp_ollama",
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    if get("_debug_info"):
        out["_debug_info"] = record["_debug_info"]
    return out


def _message(native: dict[str, Any], prof: Profile, marks: set[str], request_id: str) -> dict[str, Any]:
    native_calls = native.get("tool_calls")
    message: dict[str, Any] = {
        "role": native.get("role") or "assistant",
        "content": native.get("content") or "",
    }
    calls = openai_tool_calls(native_calls, with_index=prof.v1_stream_tool_index, request_id=request_id) if native_calls else None
    if calls and not prof.v1_stream_tool_index:
        marks.add("v1_stream_tool_index")
    if calls and prof.v1_content_null_with_tool_calls:
        message["content"] = None
        marks.add("v1_content_null_with_tool_calls")
    if native.get("thinking"):
        message[reasoning_field(prof, marks)] = native["thinking"]
    if calls:
        message["tool_calls"] = calls
    return message


def _finish_reason(reason: str, prof: Profile, marks: set[str]) -> str | None:
    """The finish reason of a message with tool calls."""
    if reason == "stop":
        return "tool_calls"
    if reason == "length" and not prof.v1_length_beats_tool_calls:
        marks.add("v1_length_beats_tool_calls")
        return "tool_calls"
    return reason or None
