"""POST /v1/responses: the stateless Responses API on the native chat handler (reference §3.5, §2.6).

Non-stream: one `response` object (keys in Go struct order). Stream: `event:` + `data:` SSE events
built by `responses_stream` (Go maps: alphabetical keys), no `[DONE]`.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..gojson import go_decoded
from ..outcome import Outcome, RequestInfo, Single
from ..profiles import Profile
from . import ids
from .common import (
    JSON,
    NativeError,
    as_late_as,
    call_native_streaming,
    go_decode,
    marked,
    native_single,
    now_unix,
    obj,
    openai_errors,
    openai_tool_calls,
    profile,
    search_query,
    sort_deep,
    unix,
    web_search_call,
)
from .mapping import check_effort_type
from .responses_request import has_web_search, to_native


@openai_errors
def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    prof = profile(state)
    with go_decode("openai.ResponsesRequest"):
        check_tools(body.get("tools"))
        check_effort_type(body.get("reasoning"), "ResponsesReasoning")
        native = to_native(body, prof)
    result = call_native_streaming(state, native, info)
    marks: set[str] = set()
    if prof.v1_tool_choice_honoured and body.get("tool_choice") not in (None, "auto"):
        marks.add("v1_tool_choice_honoured")
    searches = prof.responses_web_search and has_web_search(body.get("tools"))
    if native["stream"]:
        from .responses_stream import ResponsesStreamer

        return ResponsesStreamer(body, prof, now_unix(state), marks, searches).translate(result)
    record = native_single(result)
    call = web_search_call(record.get("message") or {}) if searches else None
    if call is not None:  # the search fails before any answer is written: the writer's HTTP error
        raise NativeError(502, web_search_failure(call, now_unix(state)))
    response_id = ids.response_id(body)
    output = output_items(record.get("message") or {}, response_id, ids.responses_message_id(body))
    created = unix(record.get("created_at"))
    # completed_at is "now"; a fixed mock clock must still not put it before created_at
    out = response_object(
        body, prof, "completed", output, usage(record), created, max(now_unix(state), created)
    )
    return as_late_as(result, Single(body=out, content_type=JSON, headers=marked({}, marks)))


def web_search_failure(call: dict[str, Any], now: int) -> str:
    """Why Ollama's search fails for the mock: no query, or no ollama.com to reach (the mock is an
    offline Ollama; the wording is Go's net/http error behind the local web_search proxy's 502)."""
    if not search_query(call).strip():
        return "web_search requires a non-empty string query"
    return f'Post "https://ollama.com:443/api/web_search?ts={now}": dial tcp: lookup ollama.com: no such host'


def output_items(message: dict[str, Any], response_id: str, item_id: str) -> list[dict[str, Any]]:
    """Reasoning item, then the function calls or (without calls) one message; text beside calls is dropped."""
    output: list[dict[str, Any]] = []
    thinking = message.get("thinking") or ""
    if thinking:
        output.append(reasoning_item(f"rs_{response_id}", thinking))
    calls = openai_tool_calls(message.get("tool_calls") or [])
    for index, call in enumerate(calls):
        output.append(function_item(f"fc_{response_id}_{index}", call, "completed"))
    if not calls:
        output.append(message_item(item_id, message.get("content") or "", "completed"))
    return output


def reasoning_item(item_id: str, thinking: str) -> dict[str, Any]:
    summary = [{"type": "summary_text", "text": thinking}]
    return {"id": item_id, "type": "reasoning", "summary": summary, "encrypted_content": thinking}


def function_item(
    item_id: str, call: dict[str, Any], status: str, arguments: str | None = None
) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call["id"],
        "name": call["function"]["name"],
        "arguments": call["function"]["arguments"] if arguments is None else arguments,
    }


def message_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": content}


def usage(record: dict[str, Any]) -> dict[str, Any]:
    prompt, completion = int(record.get("prompt_eval_count") or 0), int(record.get("eval_count") or 0)
    return {
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": prompt + completion,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def response_object(
    body: dict[str, Any],
    prof: Profile,
    status: str,
    output: list[Any],
    usage_value: Any,
    created: int,
    completed: int | None,
) -> dict[str, Any]:
    """The `response` object, echoing the request's settings as Ollama does."""
    reasoning = obj(body.get("reasoning"))
    return {
        "id": ids.response_id(body),
        "object": "response",
        "created_at": created,
        "completed_at": completed,
        "status": status,
        "incomplete_details": None,
        "model": body.get("model") or "",
        "previous_response_id": None,
        "instructions": body.get("instructions") or None,
        "output": output,
        "error": None,
        "tools": [_tool_echo(tool) for tool in body.get("tools") or []],
        "tool_choice": _tool_choice(body, prof),
        "truncation": body.get("truncation") or "disabled",
        "parallel_tool_calls": True,
        "text": {"format": _text_format(body)},
        "top_p": _float_echo(body.get("top_p")),
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "top_logprobs": 0,
        "temperature": _float_echo(body.get("temperature")),
        "reasoning": _reasoning_echo(reasoning),
        "usage": usage_value,
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "store": False,
        "background": body.get("background") is True,
        "service_tier": "default",
        "metadata": {},
        "safety_identifier": None,
        "prompt_cache_key": None,
    }


def _float_echo(value: Any) -> Any:
    """A float64 setting echoed as Go writes it; absent, Ollama's default 1.0, which Go writes `1`."""
    return 1 if value is None else go_decoded(value)


def _tool_choice(body: dict[str, Any], prof: Profile) -> Any:
    # Ollama always echoes "auto" (gap 19); the openai-strict profile echoes the request
    if prof.v1_tool_choice_honoured and body.get("tool_choice") is not None:
        return body["tool_choice"]
    return "auto"


_TOOL_FIELDS = (
    ("type", str, "string"),
    ("name", str, "string"),
    ("description", str, "string"),
    ("strict", bool, "bool"),
    ("parameters", dict, "map[string]interface {}"),
)


def check_tools(tools: Any) -> None:
    """Go decodes `tools` into ResponsesTool structs: a field of the wrong type is a 400."""
    if tools is None:
        return
    if not isinstance(tools, list):
        raise errors.OllamaError(
            400,
            f"json: cannot unmarshal {_kind(tools)} into Go struct field ResponsesRequest.tools of type []openai.ResponsesTool",
        )
    for tool in tools:
        if not isinstance(tool, dict):
            raise errors.OllamaError(
                400, f"json: cannot unmarshal {_kind(tool)} into Go value of type openai.ResponsesTool"
            )
        for field, kind, go_name in _TOOL_FIELDS:
            value = tool.get(field)
            if value is not None and not (
                isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
            ):
                raise errors.OllamaError(
                    400,
                    f"json: cannot unmarshal {_kind(value)} into Go struct field ResponsesTool.tools.{field} of type {go_name}",
                )


def _kind(value: Any) -> str:
    kinds = {bool: "bool", str: "string", int: "number", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "value")


def _tool_echo(tool: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": tool.get("type") or "",  # Go strings: null decodes to "" (check_tools refused other types)
        "name": tool.get("name") or "",
        "description": tool.get("description"),
        "strict": tool.get("strict"),
        "parameters": sort_deep(tool.get("parameters")),  # a map[string]any: Go writes its keys sorted
    }


def _text_format(body: dict[str, Any]) -> dict[str, Any]:
    text = obj(body.get("text"))
    fmt = text.get("format")
    if not isinstance(fmt, dict):
        return {"type": "text"}
    out: dict[str, Any] = {"type": fmt.get("type", "")}
    for key in ("name", "schema", "strict"):
        if fmt.get(key) is not None and fmt.get(key) != "":
            out[key] = fmt[key]
    return out


def _reasoning_echo(reasoning: dict[str, Any]) -> dict[str, Any] | None:
    effort, summary = reasoning.get("effort") or "", reasoning.get("summary") or ""
    if not effort and not summary:
        return None
    out: dict[str, Any] = {}
    if effort:
        out["effort"] = effort
    if summary:
        out["summary"] = summary
    return out
