"""Request-side mappings shared by the /v1 layers (reference §3.1, §3.5, §3.6).

Reasoning effort -> `think`, image data URLs -> base64, `stop` -> a list, tool schemas decoded as
api.ToolFunctionParameters, a tool result -> a native `tool` message: the same rules apply to several layers, so they live here once.
"""

from __future__ import annotations

import functools
from typing import Any

from ollama_conformance import contracts

from .. import decode, errors
from ..go_base64 import base64_error_offset
from ..gojson import json_kind
from ..gotypes import GoType, request_type

_EFFORT_TO_THINK: dict[str, Any] = {
    "none": False,
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "max": "max",
    "xhigh": "max",
    "ultra": "max",
}

_IMAGE_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("jpeg", "jpg", "png", "webp"))


def think_from_effort(effort: Any) -> tuple[bool, Any]:
    """(set?, think value) for a reasoning effort; "" leaves think unset; unknown -> 400."""
    if effort is None or effort == "":
        return False, None
    if isinstance(effort, str) and effort in _EFFORT_TO_THINK:
        return True, _EFFORT_TO_THINK[effort]
    raise errors.OllamaError.of("v1_invalid_reasoning", value=effort)


def check_effort_type(reasoning: Any, go_struct: str) -> None:
    """Go decodes `reasoning` into `go_struct`, whose `effort` is a string: another JSON type is
    its decode error (400), raised before any conversion check looks at the value."""
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is not None and not isinstance(effort, str):
        raise errors.OllamaError(
            400,
            contracts.message(
                "json_type", json_type=json_kind(effort), go_struct=go_struct, field="reasoning.effort", go_type="string"
            ),
        )


def tool_parameters_error(schema: dict[str, Any]) -> str | None:
    """Go's error for json.Unmarshal of `schema` into api.ToolFunctionParameters (None: it decodes),
    the type the /v1/chat/completions decoder checks `tools[].function.parameters` against."""
    return decode.struct_error(schema, _tool_parameters_type())


@functools.cache
def _tool_parameters_type() -> GoType:
    chat = request_type("POST /v1/chat/completions", "openai")
    tool = chat.fields["tools"].item if chat and chat.fields else None
    function = tool.fields["function"] if tool and tool.fields else None
    parameters = function.fields["parameters"] if function and function.fields else None
    assert parameters is not None, "the chat request schema names api.ToolFunctionParameters"
    return parameters


def image_from_url(url: str) -> str:
    """The base64 payload of a data URL; http(s) URLs and other forms are refused like Ollama."""
    if url.startswith(("http://", "https://")):
        raise errors.OllamaError.of("v1_image_url_unsupported")
    for prefix in ("data:;base64,", *_IMAGE_PREFIXES):
        if url.startswith(prefix):
            payload = url[len(prefix) :]
            if is_base64(payload):
                return payload
            break
    raise errors.OllamaError.of("v1_invalid_image")


def is_base64(text: str) -> bool:
    """True when `text` is what Go's base64.StdEncoding decodes (padded; \\r and \\n skipped)."""
    return base64_error_offset(text.encode("utf-8")) is None


def stop_list(stop: Any) -> list[str] | None:
    """Chat's `stop`: a string -> [s]; an array -> its strings (others dropped); else ignored."""
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list):
        return [item for item in stop if isinstance(item, str)]
    return None


def go_type(value: Any) -> str:
    """The Go type name encoding/json gives a decoded JSON value (`%T` of an interface{})."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    return "map[string]interface {}"


def tool_result(content: str, images: list[str], call_id: Any) -> dict[str, Any]:
    """The native `tool` message of a tool result (Anthropic tool_result, Responses
    function_call_output): images and the call's id only when there are any."""
    message: dict[str, Any] = {"role": "tool", "content": content}
    if images:
        message["images"] = images
    if call_id:
        message["tool_call_id"] = call_id
    return message
