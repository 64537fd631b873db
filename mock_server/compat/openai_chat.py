"""POST /v1/chat/completions: OpenAI chat on top of the native chat handler (reference §3.1, §2.4).

The request is translated by `openai_chat_request`, the native outcome back here (one
`chat.completion`) or by `openai_chat_stream` (SSE chunks).
"""

from __future__ import annotations

from typing import Any

from ..outcome import Outcome, RequestInfo, Single
from ..profiles import Profile
from . import ids
from .common import (
    JSON,
    call_native,
    go_decode,
    marked,
    native_single,
    openai_errors,
    openai_tool_calls,
    profile,
    reasoning_field,
    unix,
)
from .openai_chat_request import to_native
from .openai_chat_stream import ChatStreamer


@openai_errors
def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    prof = profile(state)
    with go_decode("openai.ChatCompletionRequest"):
        native = to_native(body, prof)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    result = call_native("chat", state, native, info)
    request_id = ids.chat_id(body)
    if native["stream"]:
        return ChatStreamer(request_id, prof, include_usage).translate(result)
    marks: set[str] = set()
    record = native_single(result)
    completion = completion_body(request_id, record, prof, marks, body.get("model") or "")
    return Single(body=completion, content_type=JSON, headers=marked({}, marks))


def completion_body(
    request_id: str, record: dict[str, Any], prof: Profile, marks: set[str], model: str
) -> dict[str, Any]:
    """A `chat.completion` object from the native final record."""
    choice: dict[str, Any] = {"index": 0, "message": _message(record.get("message") or {}, prof, marks)}
    choice["finish_reason"] = _finish_reason(
        record.get("done_reason") or "", bool(choice["message"].get("tool_calls")), prof, marks
    )
    if record.get("logprobs"):
        choice["logprobs"] = {"content": record["logprobs"]}
    prompt, completion = int(record.get("prompt_eval_count") or 0), int(record.get("eval_count") or 0)
    out: dict[str, Any] = {
        "id": request_id,
        "object": "chat.completion",
        "created": unix(record.get("created_at")),
        "model": record.get("model", model),
        "system_fingerprint": "fp_ollama",
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    if record.get("_debug_info"):
        out["_debug_info"] = record["_debug_info"]
    return out


def _message(native: dict[str, Any], prof: Profile, marks: set[str]) -> dict[str, Any]:
    calls = openai_tool_calls(native.get("tool_calls") or [])
    message: dict[str, Any] = {
        "role": native.get("role") or "assistant",
        "content": native.get("content") or "",
    }
    if calls and prof.v1_content_null_with_tool_calls:
        message["content"] = None
        marks.add("v1_content_null_with_tool_calls")
    if native.get("thinking"):
        message[reasoning_field(prof, marks)] = native["thinking"]
    if calls:
        message["tool_calls"] = calls
    return message


def _finish_reason(reason: str, has_calls: bool, prof: Profile, marks: set[str]) -> str | None:
    if has_calls and reason == "stop":
        return "tool_calls"
    if has_calls and reason == "length" and not prof.v1_length_beats_tool_calls:
        marks.add("v1_length_beats_tool_calls")
        return "tool_calls"
    return reason or None
