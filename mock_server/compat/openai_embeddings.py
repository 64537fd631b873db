"""POST /v1/embeddings: OpenAI embeddings on the native embed handler (reference §3.3).

`input` "" means one vector for the empty string; absent, null or [] is refused. Vectors are sent
as number arrays, or with encoding_format=base64 as base64 of little-endian float32 bytes.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from .. import errors
from ..outcome import Outcome, RequestInfo, Single
from .common import JSON, call_native, native_single, openai_errors


@openai_errors
def run(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    encoding = _encoding(body.get("encoding_format"))
    native: dict[str, Any] = {"model": body.get("model") or "", "input": _input(body.get("input"))}
    if body.get("dimensions"):
        native["dimensions"] = body["dimensions"]
    record = native_single(call_native("embed", state, native, info))
    vectors = record.get("embeddings") or []
    data = [
        {
            "object": "embedding",
            "embedding": encode(vector) if encoding == "base64" else vector,
            "index": index,
        }
        for index, vector in enumerate(vectors)
    ]
    tokens = int(record.get("prompt_eval_count") or 0)
    out = {
        "object": "list",
        "data": data,
        "model": body.get("model") or "",
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return Single(body=out, content_type=JSON)


def encode(vector: list[float]) -> str:
    """base64 of the vector as little-endian float32 (what OpenAI clients decode)."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _encoding(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.lower() in ("", "float"):
        return "float"
    if text.lower() == "base64":
        return "base64"
    raise errors.OllamaError.of("v1_encoding_format", value=text)


def _input(value: Any) -> Any:
    if value is None or value == []:
        raise errors.OllamaError.of("v1_invalid_input")
    if value == "":
        return [""]
    return value
