"""/v1/responses request -> native /api/chat body (reference §3.5).

Input items become native messages in order: messages (text parts concatenated, data-URL images),
function calls merged into the preceding assistant message, function call outputs as tool
messages, reasoning carried to the next assistant message. Namespace tools are flattened.
"""

from __future__ import annotations

import json
from typing import Any

from .. import errors
from ..profiles import Profile
from .common import obj
from .mapping import image_from_url, think_from_effort, tool_parameters_error, tool_result


def to_native(body: dict[str, Any], prof: Profile) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": str(body["instructions"])})
    messages.extend(_input_messages(body.get("input")))
    options: dict[str, Any] = {
        "temperature": body["temperature"] if body.get("temperature") is not None else 1.0
    }
    if body.get("top_p") is not None:
        options["top_p"] = body["top_p"]
    if body.get("max_output_tokens") is not None:
        options["num_predict"] = body["max_output_tokens"]
    native: dict[str, Any] = {
        "model": body.get("model") or "",
        "messages": messages,
        "stream": body.get("stream") is True,
    }
    native["options"] = options
    reasoning = obj(body.get("reasoning"))
    is_set, think = think_from_effort(reasoning.get("effort"))
    if is_set:
        native["think"] = think
    tools = native_tools(body.get("tools") or [], prof.responses_web_search)
    if tools:
        native["tools"] = tools
    text_format = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if (
        isinstance(text_format, dict)
        and text_format.get("type") == "json_schema"
        and text_format.get("schema") is not None
    ):
        native["format"] = text_format["schema"]
    if prof.v1_tool_choice_honoured and body.get("tool_choice") is not None:
        native["_tool_choice"] = _chat_tool_choice(body["tool_choice"])
    return native


# The function Ollama puts where a {"type": "web_search"} tool stood (WebSearchFunctionTool): the
# model calls it, and the middleware runs the search itself
WEB_SEARCH_FUNCTION: dict[str, Any] = {"type": "function", "function": {
    "name": "web_search", "description": "Search the web for current information.",
    "parameters": {"type": "object", "required": ["query"],
                   "properties": {"query": {"type": "string", "description": "The search query."}}}}}


def has_web_search(tools: Any) -> bool:
    """Whether the request has the built-in web search tool (type exactly "web_search")."""
    return isinstance(tools, list) and any(isinstance(t, dict) and t.get("type") == "web_search" for t in tools)


def native_tools(tools: list[Any], web_search: bool = True) -> list[dict[str, Any]]:
    """Responses tools -> native tools; a namespace's functions become `ns.<name>`; the built-in
    web search (`web_search`: the release has it) becomes its function, and a function of the
    same name is then dropped."""
    out: list[dict[str, Any]] = []
    builtin = web_search and has_web_search(tools)
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") == "web_search" and builtin:
            out.append(json.loads(json.dumps(WEB_SEARCH_FUNCTION)))  # a copy: tool lists are read downstream
        elif builtin and tool.get("type") == "function" and tool.get("name") == "web_search":
            continue
        elif tool.get("type") == "namespace":
            for inner in tool.get("tools") or []:
                if isinstance(inner, dict):
                    out.append(_function(inner, prefix=f"{tool.get('name', '')}."))
        elif tool.get("type") == "function":
            out.append(_function(tool))
    return out


def _function(tool: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    function: dict[str, Any] = {"name": prefix + str(tool.get("name") or "")}
    if tool.get("description"):
        function["description"] = tool["description"]
    parameters = tool.get("parameters")
    if isinstance(parameters, dict):  # convertTool re-decodes them into api.ToolFunctionParameters
        detail = tool_parameters_error(parameters)
        if detail is not None:
            raise errors.OllamaError(400, f"failed to unmarshal tool parameters: {detail}")
    function["parameters"] = parameters or {"type": "object", "properties": {}}
    return {"type": "function", "function": function}


def _chat_tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


def _input_messages(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"role": "user", "content": value}] if value else []
    if not isinstance(value, list):
        kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else _kind(value)
        raise errors.OllamaError(
            400,
            f"input must be a string or array: json: cannot unmarshal {kind} into Go value of type []json.RawMessage",
        )
    return _items(value)


def _items(items: list[Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    pending_thinking = ""
    for index, item in enumerate(items):
        kind = _item_type(index, item)
        if kind == "reasoning":
            pending_thinking = str(item.get("encrypted_content") or "")
        elif kind == "message":
            message = _message(index, item)
            if message["role"] == "assistant" and pending_thinking:
                message["thinking"], pending_thinking = pending_thinking, ""
            messages.append(message)
        elif kind == "function_call":
            pending_thinking = _merge_call(messages, _call(item), pending_thinking)
        elif kind == "function_call_output":
            messages.append(_tool_output(index, item))
    if pending_thinking:
        messages.append({"role": "assistant", "content": "", "thinking": pending_thinking})
    return messages


# Each item is first decoded into this anonymous struct, to read its type and role
_PEEK = 'struct { Type string "json:\\"type\\""; Role string "json:\\"role\\"" }'
# then into its own struct: (Go struct, {JSON field: Go type}) of the fields a wrong type fails on
_ITEM_STRUCTS: dict[str, tuple[str, dict[str, str]]] = {
    "function_call": ("ResponsesFunctionCall", {"id": "string", "call_id": "string", "name": "string",
                                                "arguments": "string", "status": "string"}),
    "function_call_output": ("ResponsesFunctionCallOutput", {"call_id": "string"}),
    "reasoning": ("ResponsesReasoningInput", {"id": "string", "encrypted_content": "string",
                                              "summary": "[]openai.ResponsesReasoningSummary"}),
}
_GO_KINDS = {"string": str, "[]openai.ResponsesReasoningSummary": list}
# A content part is decoded the same two ways: its type alone, then its own struct (every field a string)
_PART_PEEK = 'struct { Type string "json:\\"type\\"" }'
_PART_STRUCTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "input_text": ("ResponsesTextContent", ("type", "text")),
    "output_text": ("ResponsesOutputTextContent", ("type", "text")),
    "input_image": ("ResponsesImageContent", ("type", "detail", "file_id", "image_url")),
    "input_file": ("ResponsesFileContent", ("type", "file_data", "file_id", "file_url", "filename")),
}
_SUMMARY_FIELDS = ("type", "text")  # openai.ResponsesReasoningSummary


def _item_type(index: int, item: Any) -> str:
    if item is None:  # null decodes into the empty struct: no type
        raise errors.OllamaError.of("responses_item_missing_type", i=index)
    if not isinstance(item, dict):
        raise errors.OllamaError(400, f"input[{index}]: json: cannot unmarshal {_kind(item)} into Go value of type {_PEEK}")
    for field, value in item.items():  # Go reports the first mismatch in the order sent
        if field in ("type", "role") and value is not None and not isinstance(value, str):
            raise errors.OllamaError(
                400, f"input[{index}]: json: cannot unmarshal {_kind(value)} into Go struct field .{field} of type string")
    kind = item.get("type") or ("message" if item.get("role") else "")
    if kind in ("message", "function_call", "function_call_output", "reasoning", "web_search_call"):
        _check_fields(index, str(kind), item)
        return str(kind)
    if not kind:
        raise errors.OllamaError.of("responses_item_missing_type", i=index)
    raise errors.OllamaError.of("responses_unknown_item", i=index, type=kind)


def _check_fields(index: int, kind: str, item: dict[str, Any]) -> None:
    """Go's error for the first field of the item's own struct that has the wrong JSON type."""
    struct, fields = _ITEM_STRUCTS.get(kind, ("", {}))
    for field, value in item.items():  # in the order sent, as Go meets them
        go_type = fields.get(field)
        if go_type is not None and value is not None and not isinstance(value, _GO_KINDS[go_type]):
            raise errors.OllamaError(
                400, f"input[{index}]: json: cannot unmarshal {_kind(value)} into Go struct field {struct}.{field} of type {go_type}")
        if field == "summary" and isinstance(value, list):
            _check_summary(index, value)


def _check_summary(index: int, summary: list[Any]) -> None:
    """Go's error for a reasoning item's summary parts (the innermost struct names the error)."""
    for part in summary:
        if part is not None and not isinstance(part, dict):
            raise errors.OllamaError(400, f"input[{index}]: json: cannot unmarshal {_kind(part)} into Go struct field "
                                          "ResponsesReasoningInput.summary of type openai.ResponsesReasoningSummary")
        _check_strings(f"input[{index}]", part or {}, "ResponsesReasoningSummary.summary", _SUMMARY_FIELDS)


def _check_part(at: str, part: Any) -> str:
    """A content part's type, after Go's checks of its two decodes (`at`: where it is, for the error)."""
    if part is not None and not isinstance(part, dict):
        raise errors.OllamaError(400, f"{at}: json: cannot unmarshal {_kind(part)} into Go value of type {_PART_PEEK}")
    kind = (part or {}).get("type")
    if kind is not None and not isinstance(kind, str):
        raise errors.OllamaError(400, f"{at}: json: cannot unmarshal {_kind(kind)} into Go struct field .type of type string")
    struct, fields = _PART_STRUCTS.get(kind or "", ("", ()))
    _check_strings(at, part or {}, struct, fields)
    return kind or ""


def _check_strings(at: str, value: dict[str, Any], where: str, fields: tuple[str, ...]) -> None:
    """Go's error for the first of a struct's string `fields` sent with another JSON type (in the
    order sent: Go keeps the first mismatch); `where` names it as Go does (struct, then path)."""
    for field, item in value.items():
        if field in fields and item is not None and not isinstance(item, str):
            raise errors.OllamaError(
                400, f"{at}: json: cannot unmarshal {_kind(item)} into Go struct field {where}.{field} of type string")


def _raw_list_error(index: int, what: str, value: Any) -> errors.OllamaError:
    """A json.RawMessage that is neither a string nor an array (`%w` of the []json.RawMessage decode)."""
    return errors.OllamaError(400, f"input[{index}]: {what} must be a string or array: json: cannot unmarshal "
                                   f"{_kind(value)} into Go value of type []json.RawMessage")


def _message(index: int, item: dict[str, Any]) -> dict[str, Any]:
    content = item.get("content")
    text, images = "", list[str]()
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text, images = _parts(f"input[{index}]: content", content)
    elif content is not None:
        raise _raw_list_error(index, "content", content)
    message: dict[str, Any] = {"role": str(item.get("role") or ""), "content": text}
    if images:
        message["images"] = images
    return message


def _parts(where: str, parts: list[Any]) -> tuple[str, list[str]]:
    text, images = "", []
    for position, part in enumerate(parts):
        kind = _check_part(f"{where}[{position}]", part)
        if kind in ("input_text", "output_text"):
            text += str(part.get("text") or "")
        elif kind == "input_image":
            if part.get("image_url"):
                images.append(image_from_url(str(part["image_url"])))
        elif kind == "input_file":
            raise errors.OllamaError.of("responses_file_inputs")
        else:
            raise errors.OllamaError(400, f"{where}[{position}]: unknown content type: {kind}")
    return text, images


def _call(item: dict[str, Any]) -> dict[str, Any]:
    raw = item.get("arguments") or ""
    arguments: Any = {}
    if raw:
        try:
            arguments = json.loads(raw, parse_constant=_not_json)  # NaN and Infinity are not JSON to Go
        except (TypeError, ValueError):
            raise errors.OllamaError.of("responses_bad_call_arguments", err=_go_syntax_error(str(raw))) from None
        if arguments is None:  # Go's ordered map reads null as no arguments
            arguments = {}
        elif not isinstance(arguments, dict):
            raise errors.OllamaError.of("responses_bad_call_arguments", err="arguments must be a JSON object")
    call: dict[str, Any] = {}
    if item.get("call_id"):
        call["id"] = item["call_id"]
    call["function"] = {"name": str(item.get("name") or ""), "arguments": arguments}
    return call


def _merge_call(messages: list[dict[str, Any]], call: dict[str, Any], thinking: str) -> str:
    """Attach a call to the preceding assistant message (or a new one); returns the pending thinking."""
    if messages and messages[-1]["role"] == "assistant":
        target = messages[-1]
    else:
        target = {"role": "assistant", "content": ""}
        messages.append(target)
    target.setdefault("tool_calls", []).append(call)
    if thinking:
        target["thinking"] = thinking
    return ""


def _tool_output(index: int, item: dict[str, Any]) -> dict[str, Any]:
    output = item.get("output")
    images: list[str] = []
    if output is not None and not isinstance(output, (str, list)):
        raise _raw_list_error(index, "output", output)
    if isinstance(output, list):
        output, images = _parts(f"input[{index}]: output", output)
    return tool_result(output if isinstance(output, str) else "", images, item.get("call_id"))


def _not_json(name: str) -> Any:
    raise ValueError(name)


def _go_syntax_error(text: str) -> str:
    """json.Unmarshal's syntax error for `text` (Python refused it), in Go's words."""
    from ..gojson import first_value_end, quote_char

    text = text.encode("utf-8", "surrogatepass").decode("latin-1")  # byte-wise, as Go scans it
    try:
        end = first_value_end(text)
    except errors.OllamaError as error:
        return "unexpected end of JSON input" if error.message == "unexpected EOF" else error.message
    rest = text[end:].lstrip(" \t\r\n")
    return f"invalid character {quote_char(rest[0])} after top-level value" if rest else "unexpected end of JSON input"


def _kind(value: Any) -> str:
    kinds = {bool: "bool", str: "string", int: "number", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "null" if value is None else "value")
