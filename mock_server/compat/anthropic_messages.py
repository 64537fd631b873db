"""POST /v1/messages: the Anthropic Messages API on the native chat handler (reference §3.6, §2.7).

Errors use the Anthropic envelope (the core wraps OllamaError by info.api). Non-stream answers are
one `message` object; streams are `event:` + `data:` SSE events from `anthropic_stream`.
"""

from __future__ import annotations

from typing import Any

from ..outcome import Outcome, RequestInfo, Single
from . import ids
from .anthropic_request import estimate_tokens, to_native
from .common import JSON, as_late_as, call_native_streaming, go_decode, native_single, profile


def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    with go_decode("anthropic.MessagesRequest"):
        honour = profile(state).v1_tool_choice_honoured
        native = to_native(body, _capabilities(state, body.get("model")), honour)
    result = call_native_streaming(state, native, info)
    message_id = ids.anthropic_message_id(body)
    if native["stream"]:
        from .anthropic_stream import AnthropicStreamer

        return AnthropicStreamer(message_id, body.get("model") or "", estimate_tokens(body)).translate(result)
    record = native_single(result)
    return as_late_as(result, Single(body=message_body(message_id, record), content_type=JSON))


def _capabilities(state: Any, model: Any) -> list[str] | None:
    models = getattr(state, "models", None)
    entry = models.get(model) if models is not None and isinstance(model, str) and model else None
    return list(entry.capabilities) if entry is not None else None


def message_body(message_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """The Anthropic `message` object of a native final record."""
    native = record.get("message") or {}
    content: list[dict[str, Any]] = []
    if native.get("thinking"):
        content.append({"type": "thinking", "thinking": native["thinking"]})
    if native.get("content"):
        content.append({"type": "text", "text": native["content"]})
    calls = native.get("tool_calls") or []
    for call in calls:
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id") or "",
                "name": function.get("name") or "",
                "input": function.get("arguments") or {},
            }
        )
    out: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": record.get("model", ""),
        "content": content or None,
    }
    reason = stop_reason(record.get("done_reason") or "", bool(calls))
    if reason:
        out["stop_reason"] = reason
    out["usage"] = {
        "input_tokens": int(record.get("prompt_eval_count") or 0),
        "output_tokens": int(record.get("eval_count") or 0),
    }
    return out


def stop_reason(reason: str, has_calls: bool) -> str:
    if has_calls:
        return "tool_use"
    return {"stop": "end_turn", "length": "max_tokens", "": ""}.get(reason, "stop_sequence")
