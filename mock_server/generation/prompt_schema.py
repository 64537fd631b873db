"""The JSON Schema a prompt asks JSON mode to follow, for `format: "json"` answers.

Clients that ask for structured output in JSON mode put the schema in the prompt and send
`format: "json"`: the Vercel AI SDK's generateObject ("JSON schema:\\n{...}\\nYou MUST answer
with a JSON object that matches the JSON schema above"), LangChain's output parsers ("Here is the
output schema: ..."). A real model follows it; the mock finds the schema and answers with a value
that satisfies it. Only a schema the grammar converter would take counts.
"""

from __future__ import annotations

import json
from typing import Any

from .schema_grammar import conversion_error

MAX_SCAN = 1 << 20  # a longer text is not searched (cut, its schema would not parse whole)
MAX_STARTS = 64  # "{" positions tried in one text
_DECODER = json.JSONDecoder()


def schema_in(texts: list[str]) -> dict[str, Any] | None:
    """The JSON Schema object written in `texts`: the first text that has one, and its last one
    (LangChain shows an example schema before the real one), else None."""
    for text in texts:
        if len(text) > MAX_SCAN:
            continue
        found = _last_schema(text)
        if found is not None:
            return found
    return None


def _last_schema(text: str) -> dict[str, Any] | None:
    found, start = None, text.find("{")
    for _ in range(MAX_STARTS):
        if start < 0:
            break
        try:
            value, end = _DECODER.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        if _looks_like_schema(value) and conversion_error(value) is None:
            found = value
        start = text.find("{", end if isinstance(value, dict) else start + 1)
    return found


def _looks_like_schema(value: Any) -> bool:
    """An object that describes JSON rather than being an example of it."""
    if not isinstance(value, dict):
        return False
    if isinstance(value.get("properties"), dict) and all(isinstance(p, dict) for p in value["properties"].values()):
        return True
    return "$schema" in value and value.get("type") in ("object", "array")
