"""POST /v1/messages: the Anthropic Messages API on the native chat handler (reference §3.6, §2.7).

Errors use the Anthropic envelope (the core wraps OllamaError by info.api). Non-stream answers are
one `message` object; streams are `event:` + `data:` SSE events from `anthropic_stream`.
"""

from __future__ import annotations

from typing import Any

from ..outcome import Outcome, RequestInfo, Single
from . import ids
from .anthropic_request import estimate_tokens, to_native
from .common import (
    JSON,
    as_late_as,
    call_native_streaming,
    go_decode,
    native_single,
    profile,
    search_query,
    usage_counts,
    web_search_call,
)


def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    with go_decode("anthropic.MessagesRequest"):
        honour = profile(state).v1_tool_choice_honoured
        native = to_native(body, _capabilities(state, body.get("model")), honour)
    result = call_native_streaming(state, native, info)
    message_id = ids.anthropic_message_id(body)
    searches = has_web_search(body.get("tools"))
    if native["stream"]:
        from .anthropic_stream import AnthropicStreamer

        streamer = AnthropicStreamer(message_id, body.get("model") or "", estimate_tokens(body), searches)
        return streamer.translate(result)
    record = native_single(result)
    call = web_search_call(record.get("message") or {}) if searches else None
    if call is not None:
        usage = message_usage(record)
        answer = {"id": message_id, "type": "message", "role": "assistant", "model": body.get("model") or "",
                  "content": web_search_failure(message_id, call), "stop_reason": "end_turn", "usage": usage}
        return as_late_as(result, Single(body=answer, content_type=JSON))
    return as_late_as(result, Single(body=message_body(message_id, record), content_type=JSON))


def has_web_search(tools: Any) -> bool:
    """Whether the request has Anthropic's server web search (a `web_search_*` tool)."""
    return isinstance(tools, list) and any(
        isinstance(t, dict) and isinstance(t.get("type"), str) and t["type"].startswith("web_search") for t in tools
    )


def web_search_failure(message_id: str, call: dict[str, Any]) -> list[dict[str, Any]]:
    """What Ollama answers when it cannot run the search: the mock has no ollama.com to ask (as an
    offline or signed-out Ollama), so it is the middleware's `unavailable` result, or
    `invalid_request` for a call without a query string (webSearchErrorResponse)."""
    query = search_query(call)
    tool_use_id = "srvtoolu_" + message_id.removeprefix("msg_")
    return [
        {"type": "server_tool_use", "id": tool_use_id, "name": "web_search", "input": {"query": query}},
        {"type": "web_search_tool_result", "tool_use_id": tool_use_id,
         "content": {"type": "web_search_tool_result_error", "error_code": "unavailable" if query else "invalid_request"}},
    ]


def message_usage(record: dict[str, Any]) -> dict[str, int]:
    """A message's usage: the native final record's token counts."""
    prompt, output = usage_counts(record)
    return {"input_tokens": prompt, "output_tokens": output}


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
    out["usage"] = message_usage(record)
    return out


def stop_reason(reason: str, has_calls: bool) -> str:
    if has_calls:
        return "tool_use"
    return {"stop": "end_turn", "length": "max_tokens", "": ""}.get(reason, "stop_sequence")
