"""Request-side mappings shared by the /v1 layers (reference §3.1, §3.5).

Reasoning effort -> `think`, image data URLs -> base64, `stop` -> a list: the same rules apply to
chat completions and responses, so they live here once.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .. import errors

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
    """True when `text` is standard, padded base64 (what Go's StdEncoding accepts)."""
    try:
        base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


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
