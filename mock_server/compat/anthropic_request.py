"""/v1/messages (Anthropic) request -> native /api/chat body (reference §3.6).

Checks in Ollama's order (model, max_tokens, messages), then converts the system prompt, content
blocks (text, image, tool_use, tool_result, thinking), tools and the thinking settings.
"""

from __future__ import annotations

import json
from typing import Any

from ollama_conformance import contracts

from .. import errors
from ..go_base64 import base64_error_offset
from .common import go_json, obj, sort_deep
from .mapping import tool_parameters_error, tool_result

_WEB_SEARCH = {
    "type": "function",
    "function": {
        "name": "web_search",
        "description": "Search the web for current information. Use this to find up-to-date information about any topic.",
        "parameters": {
            "type": "object",
            "required": ["query"],
            "properties": {
                "query": {"type": "string", "description": "The search query to look up on the web"}
            },
        },
    },
}


def validate(body: dict[str, Any]) -> None:
    if not body.get("model"):
        raise errors.OllamaError.of("model_required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens <= 0:
        raise errors.OllamaError.of("anthropic_max_tokens")
    if not body.get("messages"):
        raise errors.OllamaError.of("anthropic_messages_required")


def to_native(
    body: dict[str, Any], capabilities: list[str] | None, honour_tool_choice: bool = False
) -> dict[str, Any]:
    """The native chat body; `capabilities` of the model (None when unknown) relax thinking.

    Ollama ignores tool_choice; `honour_tool_choice` (openai-strict profile) passes it on as
    the native `_tool_choice` that the mock's default responder understands.
    """
    validate(body)
    messages = _system(body.get("system"))
    for message in body["messages"]:
        messages.extend(_convert(message))
    options: dict[str, Any] = {"num_predict": body["max_tokens"]}
    for source, target in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        if body.get(source) is not None:
            options[target] = body[source]
    if body.get("stop_sequences"):
        options["stop"] = list(body["stop_sequences"])
    native: dict[str, Any] = {
        "model": body["model"],
        "messages": messages,
        "stream": body.get("stream") is True,
    }
    native["options"] = options
    tools = _tools(body.get("tools") or [])
    if tools:
        native["tools"] = tools
    choice = _tool_choice(body.get("tool_choice")) if honour_tool_choice else None
    if choice is not None:
        native["_tool_choice"] = choice
    think = _think(body)
    # a model without thinking is silently relaxed on this API (no 400)
    if think is not None and not (
        think is not False and capabilities is not None and "thinking" not in capabilities
    ):
        native["think"] = think
    return native


def _system(system: Any) -> list[dict[str, Any]]:
    if isinstance(system, str):
        return [{"role": "system", "content": system}] if system else []
    if isinstance(system, list):
        text = "".join(
            block["text"]
            for block in system
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str)
        )
        return [{"role": "system", "content": text}] if text else []
    return []


def _convert(message: dict[str, Any]) -> list[dict[str, Any]]:
    """One message (decoded as Go decodes it, anthropic_decode: a dict, content a string or blocks)."""
    role = str(message.get("role") or "").lower()
    blocks = message.get("content")
    if isinstance(blocks, str):
        blocks = [{"type": "text", "text": blocks}]
    text, images, calls, thinking, results = "", [], [], "", []
    for block in blocks or []:
        block = block or {}  # a null block is Go's zero ContentBlock
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            text += block["text"]
        elif kind == "image":
            images.append(_image(block.get("source")))
        elif kind in ("tool_use", "server_tool_use"):
            calls.append(_tool_use(block, strict=kind == "tool_use"))
        elif kind == "tool_result":
            results.append(_tool_result(block))
        elif kind == "web_search_tool_result":
            results.append(tool_result(_web_search_text(block.get("content")), [], block.get("tool_use_id")))
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            thinking = block["thinking"]
    out = results if role == "user" else []
    if text or images or calls or thinking:
        native: dict[str, Any] = {"role": role, "content": text}
        if thinking:
            native["thinking"] = thinking
        if images:
            native["images"] = images
        if calls:
            native["tool_calls"] = calls
        out = out + [native]
    return out if role == "user" else out + results


def _image(source: Any) -> str:
    if not isinstance(source, dict):
        raise errors.OllamaError(400, "invalid image source")
    if source.get("type") != "base64":
        raise errors.OllamaError(
            400, f"invalid image source type: {source.get('type') or ''}. Only base64 images are supported."
        )
    data = str(source.get("data") or "")
    offset = base64_error_offset(data.encode("utf-8"))
    if offset is not None:
        raise errors.OllamaError(400, f"invalid base64 image data: illegal base64 data at input byte {offset}")
    return data


def _tool_use(block: dict[str, Any], strict: bool) -> dict[str, Any]:
    if strict and not block.get("id"):
        raise errors.OllamaError(400, "tool_use block missing required 'id' field")
    if strict and not block.get("name"):
        raise errors.OllamaError(400, "tool_use block missing required 'name' field")
    arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
    call: dict[str, Any] = {}
    if block.get("id"):
        call["id"] = block["id"]
    call["function"] = {"name": str(block.get("name") or ""), "arguments": arguments}
    return call


def _tool_result(block: dict[str, Any]) -> dict[str, Any]:
    """convertToolResultContent: a string, or the text and images of a block list; any other
    content (an object, a number) reaches the model as ""."""
    content = block.get("content")
    text, images = "", []
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                text += part["text"]
            elif isinstance(part, dict) and part.get("type") == "image":
                if not isinstance(part.get("source"), dict):
                    raise errors.OllamaError(400, "invalid tool_result image source")
                images.append(_image(part["source"]))
    return tool_result(text, images, block.get("tool_use_id"))


def _web_search_text(content: Any) -> str:
    """formatWebSearchToolResultContent: the results as "- <title>: <url>" lines, or the error
    code; anything else as Go marshals it."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        lines = []
        for item in content:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "web_search_result":
                lines.append(f"- {_text(item.get('title'))}: {_text(item.get('url'))}\n")
            elif item.get("type") == "web_search_tool_result_error":
                return _search_error(item)
        return "".join(lines)
    if isinstance(content, dict) and content.get("type") == "web_search_tool_result_error":
        return _search_error(content)
    return go_json(sort_deep(content))  # a decoded map marshals with its keys sorted


def _search_error(item: dict[str, Any]) -> str:
    code = _text(item.get("error_code"))
    return f"web_search_tool_result_error: {code}" if code else "web_search_tool_result_error"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""  # Go's `v, _ := x.(string)`


def _tools(tools: list[Any]) -> list[dict[str, Any]]:
    builtin = any(isinstance(t, dict) and str(t.get("type") or "").startswith("web_search") for t in tools)
    out: list[dict[str, Any]] = []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        if str(tool.get("type") or "").startswith("web_search"):
            out.append(json.loads(json.dumps(_WEB_SEARCH)))
            continue
        if builtin and tool.get("name") == "web_search":
            continue  # a custom tool named like the built-in one is dropped
        out.append(_custom_tool(tool))
    return out


def _custom_tool(tool: dict[str, Any]) -> dict[str, Any]:
    schema = tool.get("input_schema")
    name = str(tool.get("name") or "")
    _check_input_schema(name, schema)
    function: dict[str, Any] = {"name": name}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = schema or {"type": "object", "properties": {}}
    return {"type": "function", "function": function}


def _check_input_schema(name: str, schema: Any) -> None:
    """Ollama decodes input_schema into api.ToolFunctionParameters; Go's error is the 400's detail."""
    if schema is None:
        return
    if isinstance(schema, dict):
        detail = tool_parameters_error(schema)
    else:
        detail = f"json: cannot unmarshal {_kind(schema)} into Go value of type api.ToolFunctionParameters"
    if detail is not None:
        raise errors.OllamaError(400, f"invalid input_schema for tool {contracts.go_quote(name)}: {detail}")


def _tool_choice(choice: Any) -> Any:
    """Anthropic's tool_choice in the chat-completions form: any -> required, tool -> named."""
    kind = obj(choice).get("type")
    if kind == "any":
        return "required"
    if kind == "none":
        return "none"
    if kind == "tool" and obj(choice).get("name"):
        return {"type": "function", "function": {"name": obj(choice)["name"]}}
    return None


def _think(body: dict[str, Any]) -> Any:
    thinking = obj(body.get("thinking"))
    if thinking.get("type") == "enabled":
        return True
    if thinking.get("type") == "disabled":
        return False
    config = obj(body.get("output_config"))
    effort = str(config.get("effort") or "").strip().lower()
    effort = "high" if effort == "xhigh" else effort
    return effort if effort in ("low", "medium", "high", "max") else None


def estimate_tokens(body: dict[str, Any]) -> int:
    """Ollama's len/4 estimate of the input, used when the first record has no prompt count."""
    total = _length(body.get("system"))
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            total += len(str(message.get("role") or "")) + _length(message.get("content"))
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):  # Go's len: bytes
            total += len(str(tool.get("name") or "").encode()) + len(str(tool.get("description") or "").encode())
            schema = tool.get("input_schema")
            total += len(go_json(schema).encode()) if schema is not None else 0  # the raw bytes, when sent compact
    tokens = total // 4
    return 1 if tokens == 0 and (body.get("messages") or body.get("system") is not None) else tokens


def _length(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return len(content.encode("utf-8"))
    if isinstance(content, list):
        return sum(_block_length(block) for block in content if isinstance(block, dict))
    return len(go_json(content).encode("utf-8"))


def _block_length(block: dict[str, Any]) -> int:
    total = len(str(block.get("text") or "").encode("utf-8")) + len(
        str(block.get("thinking") or "").encode("utf-8")
    )
    if block.get("type") in ("tool_use", "tool_result"):
        total += len(go_json(_as_content_block(block)).encode("utf-8"))
    return total


def _as_content_block(block: dict[str, Any]) -> dict[str, Any]:
    """The block as Go marshals its ContentBlock struct: its fields in struct order, empty ones
    left out (omitempty), keys it does not know (cache_control) dropped."""
    out: dict[str, Any] = {"type": _text(block.get("type"))}
    if isinstance(block.get("text"), str):
        out["text"] = block["text"]
    if block.get("citations"):
        out["citations"] = [
            {"type": _text(c.get("type")), "url": _text(c.get("url")), "title": _text(c.get("title")),
             **{k: c[k] for k in ("encrypted_index", "cited_text") if _text(c.get(k))}}
            for c in (item if isinstance(item, dict) else {} for item in block["citations"])
        ]  # a null citation is Go's zero Citation
    if isinstance(block.get("source"), dict):
        source = block["source"]
        out["source"] = {"type": _text(source.get("type")),
                         **{k: source[k] for k in ("media_type", "data", "url") if _text(source.get(k))}}
    for key in ("id", "name"):
        if _text(block.get(key)):
            out[key] = block[key]
    if isinstance(block.get("input"), dict):
        out["input"] = block["input"]
    if _text(block.get("tool_use_id")):
        out["tool_use_id"] = block["tool_use_id"]
    if block.get("content") is not None:
        out["content"] = sort_deep(block["content"])  # an `any`: maps marshal with sorted keys
    if block.get("is_error") is True:
        out["is_error"] = True
    if isinstance(block.get("thinking"), str):
        out["thinking"] = block["thinking"]
    if _text(block.get("signature")):
        out["signature"] = block["signature"]
    return out


def _kind(value: Any) -> str:
    kinds = {bool: "bool", str: "string", int: "number", float: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "null" if value is None else "value")
