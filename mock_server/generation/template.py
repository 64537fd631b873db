"""The prompt the mock's "template" renders, for `_debug_render_only` requests.

A ChatML-style template (as qwen models use): system (with the tool definitions), the turns,
assistant tool calls as <tool_call> blocks, tool results as <tool_response> blocks. Tool
parameter schemas are rendered the lossy way Ollama reads them (gap 21): only type,
description, enum, items, properties, required, anyOf and $defs survive.
"""

from __future__ import annotations

import json
from typing import Any

from . import structured

_KEPT = ("type", "description", "enum", "items", "properties", "required", "anyOf", "$defs")


def render_chat(system: str, messages: list[dict[str, Any]], tools: list[Any], think: bool,
                tag_images: bool = True) -> str:
    """The chat prompt (`tag_images`: chatPrompt's [img-N] tags; a model with a renderer has none)."""
    parts = []
    head = [m for m in messages[:1] if m.get("role") == "system"]
    system_text = str(head[0].get("content") or "") if head else system
    if system_text or tools:
        parts.append(_turn("system", system_text + _tools_block(tools)))
    images = 0  # chatPrompt numbers the images [img-N] across the conversation
    for message in messages[len(head) :]:
        count = len(message.get("images") or [])
        parts.append(_message(message, images if tag_images else -1))
        images += count
    parts.append("<|im_start|>assistant\n" + ("<think>\n" if think else ""))
    return "".join(parts)


def render_generate(prompt: str, system: str, suffix: str, raw: bool, images: int = 0) -> str:
    if raw:
        return prompt
    prompt = with_image_tags(prompt, 0, images)  # generate goes through chatPrompt too
    if suffix:
        return f"<|fim_prefix|>{prompt}<|fim_suffix|>{suffix}<|fim_middle|>"
    head = _turn("system", system) if system else ""
    return head + _turn("user", prompt) + "<|im_start|>assistant\n"


def with_image_tags(content: str, first: int, count: int) -> str:
    """chatPrompt's image tags: each image's [img-N] fills an [img] placeholder in the text, else
    goes before it."""
    prefix = ""
    for number in range(first, first + count):
        tag = f"[img-{number}]"
        if "[img]" in content:
            content = content.replace("[img]", tag, 1)
        else:
            prefix += tag
    return prefix + content


def lossy_schema(schema: Any) -> Any:
    """A parameter schema as Ollama keeps it: unknown keywords dropped, recursively."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key in _KEPT:
        if key not in schema:
            continue
        value = schema[key]
        if key in ("properties", "$defs"):
            value = {k: lossy_schema(v) for k, v in structured.mapping(value).items()}
        elif key == "items" or (key == "anyOf" and isinstance(value, list)):
            value = [lossy_schema(v) for v in value] if isinstance(value, list) else lossy_schema(value)
        out[key] = value
    return out


def _tools_block(tools: list[Any]) -> str:
    if not tools:
        return ""
    lines = []
    for tool in tools:
        fn = structured.mapping(structured.mapping(tool).get("function")) or structured.mapping(tool)
        kept = {
            "name": fn.get("name"),
            "description": fn.get("description", ""),
            "parameters": lossy_schema(fn.get("parameters") or {}),
        }
        lines.append(json.dumps({"type": "function", "function": kept}, ensure_ascii=False))
    return "\n\n# Tools\n\n<tools>\n" + "\n".join(lines) + "\n</tools>"


def _message(message: dict[str, Any], first_image: int = 0) -> str:
    role = str(message.get("role") or "")
    content = str(message.get("content") or "")
    if first_image >= 0:
        content = with_image_tags(content, first_image, len(message.get("images") or []))
    if role == "tool":
        name = message.get("tool_name") or ""
        ident = message.get("tool_call_id") or ""
        attrs = "".join(f' {k}="{v}"' for k, v in (("name", name), ("id", ident)) if v)
        return _turn("user", f"<tool_response{attrs}>\n{content}\n</tool_response>")
    calls = "".join(_call(c) for c in message.get("tool_calls") or [] if isinstance(c, dict))
    return _turn(role, content + calls)


def _call(call: dict[str, Any]) -> str:
    fn = structured.mapping(call.get("function"))
    payload = {"name": fn.get("name"), "arguments": fn.get("arguments")}
    ident = f' id="{call["id"]}"' if call.get("id") else ""
    return f"\n<tool_call{ident}>\n{json.dumps(payload, ensure_ascii=False)}\n</tool_call>"


def _turn(role: str, text: str) -> str:
    return f"<|im_start|>{role}\n{text}<|im_end|>\n"
