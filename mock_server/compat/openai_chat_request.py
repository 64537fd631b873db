"""/v1/chat/completions request -> native /api/chat body (reference §3.1).

Validation follows Ollama's middleware: `messages` must be non-empty, each message is converted in
order (content parts, data-URL images, tool-call arguments parsed from their JSON string), then the
sampling options and the reasoning effort are mapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .. import errors
from ..go_base64 import base64_error_offset
from ..profiles import Profile
from .mapping import check_effort_type, go_type, image_from_url, stop_list, think_from_effort

_PASSED_OPTIONS = ("seed", "frequency_penalty", "presence_penalty")
_PASSED_FIELDS = ("logprobs", "top_logprobs", "_debug_render_only")
# Fields that need nothing past model, messages, stream and the options built above;
# the others are either mapped below or ignored, as Ollama ignores them.
_PLAIN_FIELDS = frozenset({"model", "messages", "stream", "stream_options", "n", "user"})


def to_native(body: dict[str, Any], prof: Profile) -> dict[str, Any]:
    """The native chat body for an OpenAI chat request; raises OllamaError (400) like Ollama."""
    get = body.get
    plain = body.keys() <= _PLAIN_FIELDS  # the usual request: no optional field to look up
    if prof.v1_reasoning and not plain:
        check_effort_type(get("reasoning"), "Reasoning")
    raw_messages = get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise errors.OllamaError.of("v1_messages_too_short")
    native: dict[str, Any] = {
        "model": get("model") or "",
        "messages": convert_messages(raw_messages),
        "stream": get("stream") is True,
        # no sampling field sent: Ollama's two overrides alone (gap 34), as _options makes them
        "options": {"temperature": 1.0, "top_p": 1.0} if plain else _options(get),
    }
    if plain:
        return native
    response_format = get("response_format")
    if response_format is not None:
        _map_format(response_format, native)
    reasoning = get("reasoning") if prof.v1_reasoning else None
    effort = reasoning.get("effort") if isinstance(reasoning, dict) and reasoning.get("effort") else None
    if effort is None and prof.v1_reasoning:
        effort = get("reasoning_effort")
    if effort is not None:
        is_set, think = think_from_effort(effort)
        if is_set:
            native["think"] = think
    tools = get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise errors.OllamaError(
                400,
                f"json: cannot unmarshal {_json_kind(tools)} into Go struct field ChatCompletionRequest.tools of type []api.Tool",
            )
        if tools:
            native["tools"] = tools
    for field in _PASSED_FIELDS:
        value = get(field)
        if value is not None:
            native[field] = value
    if prof.v1_tool_choice_honoured and get("tool_choice") is not None:
        native["_tool_choice"] = body["tool_choice"]
    return native


def _options(get: Callable[[str], Any]) -> dict[str, Any]:
    """The native options from the request body's `get`."""
    options: dict[str, Any] = {}
    max_tokens = get("max_tokens")
    if max_tokens is not None:
        options["num_predict"] = max_tokens
    # Ollama overrides the model's own defaults with 1.0 when these are absent (gap 34).
    temperature, top_p = get("temperature"), get("top_p")
    options["temperature"] = 1.0 if temperature is None else temperature
    options["top_p"] = 1.0 if top_p is None else top_p
    for key in _PASSED_OPTIONS:
        value = get(key)
        if value is not None:
            options[key] = value
    stop = get("stop")
    if stop is not None:
        stops = stop_list(stop)
        if stops is not None:
            options["stop"] = stops
    return options


def _map_format(response_format: Any, native: dict[str, Any]) -> None:
    if not isinstance(response_format, dict):
        return
    kind = str(response_format.get("type") or "").strip().lower()
    if kind == "json_object":
        native["format"] = "json"
    elif kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            native["format"] = schema


def convert_messages(raw_messages: list[Any]) -> list[dict[str, Any]]:
    """Each OpenAI message becomes one native message (or one per content part)."""
    out: list[dict[str, Any]] = []
    for position, msg in enumerate(raw_messages):
        if msg is None:
            msg = {}  # null decodes as Go's zero Message: no content, refused below as <nil>
        if not isinstance(msg, dict):
            raise errors.OllamaError(
                400, f"json: cannot unmarshal {_json_kind(msg)} into Go value of type openai.Message"
            )
        content = msg.get("content")
        if isinstance(content, str) and msg.keys() <= _ROLE_AND_CONTENT:
            # the usual message: nothing to map but the role (what _convert_one makes of it)
            out.append({"role": str(msg.get("role") or "").lower(), "content": content})
        else:
            out.extend(_convert_one(msg, raw_messages, position, out))
    return out


_ROLE_AND_CONTENT = frozenset({"role", "content"})


def _convert_one(
    msg: dict[str, Any], raw_messages: list[Any], position: int, earlier: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The native messages of one message; `earlier`: those made so far (an empty content array's
    tool calls go to the last of them, as Ollama attaches them to the last message it has)."""
    role = str(msg.get("role") or "").lower()
    tool_name = _tool_name(msg, raw_messages[:position]) if role == "tool" else ""
    content = msg.get("content")
    raw_calls = msg.get("tool_calls")
    if isinstance(content, str):
        return [_message(role, content, msg, tool_name, _tool_calls(raw_calls) if raw_calls else [])]
    if isinstance(content, list):
        parts = [_part(role, part) for part in content]
        last = parts or earlier
        if last and raw_calls:
            # Go sets all four on the last message, an empty name or reasoning too (which clears it)
            target = last[-1]
            target["tool_calls"] = _tool_calls(raw_calls)
            for key, value in (("tool_name", tool_name), ("tool_call_id", msg.get("tool_call_id")),
                               ("thinking", msg.get("reasoning"))):
                if value:
                    target[key] = value
                else:
                    target.pop(key, None)
            last[-1] = _tidy(target)
        return [_tidy(p) for p in parts]
    if raw_calls is None:
        # content is optional only when tool calls are present
        raise errors.OllamaError.of("v1_invalid_message_content", go_type=go_type(content))
    return [_message(role, "", msg, tool_name, _tool_calls(raw_calls))]


def _message(
    role: str, content: str, msg: dict[str, Any], tool_name: str, calls: list[Any]
) -> dict[str, Any]:
    native: dict[str, Any] = {"role": role, "content": content}
    if msg.get("reasoning"):
        native["thinking"] = msg["reasoning"]
    if calls:
        native["tool_calls"] = calls
    if tool_name:
        native["tool_name"] = tool_name
    if msg.get("tool_call_id"):
        native["tool_call_id"] = msg["tool_call_id"]
    return native


def _tidy(message: dict[str, Any]) -> dict[str, Any]:
    """Native key order: role, content, thinking, images, tool_calls, tool_name."""
    order = ("role", "content", "thinking", "images", "tool_calls", "tool_name", "tool_call_id")
    return {key: message[key] for key in order if key in message}


def _tool_name(msg: dict[str, Any], earlier_messages: list[Any]) -> str:
    """The tool a `tool` message answers."""
    if msg.get("name"):
        return str(msg["name"])
    call_id = msg.get("tool_call_id")
    if not call_id:
        return ""
    # the latest earlier assistant tool call with that id names the tool
    for earlier in reversed(earlier_messages):
        if isinstance(earlier, dict) and str(earlier.get("role", "")).lower() == "assistant":
            for call in earlier.get("tool_calls") or []:
                if isinstance(call, dict) and call.get("id") == call_id:
                    return str((call.get("function") or {}).get("name") or "")
    return ""


def _tool_calls(raw_calls: Any) -> list[dict[str, Any]]:
    calls = []
    for call in raw_calls or []:
        function = (call or {}).get("function") or {}
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            raise errors.OllamaError(
                400,
                f"json: cannot unmarshal {_json_kind(arguments)} into Go struct field "
                "ToolCall.messages.tool_calls.function.arguments of type string",
            )
        try:
            parsed = json.loads(arguments)
        except ValueError:
            raise errors.OllamaError.of("v1_invalid_tool_call_arguments") from None
        if parsed is not None and not isinstance(parsed, dict):
            raise errors.OllamaError.of("v1_invalid_tool_call_arguments")
        native: dict[str, Any] = {}
        if call.get("id"):
            native["id"] = call["id"]
        native["function"] = {"name": function.get("name") or "", "arguments": parsed or {}}
        calls.append(native)
    return calls


def _part(role: str, part: Any) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise errors.OllamaError.of("v1_invalid_message_format")
    kind = part.get("type")
    if kind == "text" and isinstance(part.get("text"), str):
        return {"role": role, "content": part["text"]}
    if kind == "image_url":
        return {"role": role, "content": "", "images": [image_from_url(_image_url(part))]}
    if kind == "input_audio":
        return {"role": role, "content": "", "images": [_audio(part.get("input_audio"))]}
    raise errors.OllamaError.of("v1_invalid_message_format")


def _image_url(part: dict[str, Any]) -> str:
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str):
        raise errors.OllamaError.of("v1_invalid_message_format")
    return url


def _audio(value: Any) -> str:
    if not isinstance(value, dict):
        raise errors.OllamaError(400, "invalid input_audio format")
    data = value.get("data")
    if not isinstance(data, str) or not data:
        raise errors.OllamaError(400, "invalid input_audio format: missing data")
    offset = base64_error_offset(data.encode("utf-8"))  # Go's StdEncoding: \r and \n are skipped
    if offset is not None:
        raise errors.OllamaError(400, f"invalid input_audio base64 data: illegal base64 data at input byte {offset}")
    return data


def _json_kind(value: Any) -> str:
    kinds = {bool: "bool", str: "string", int: "number", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "null" if value is None else "value")
