"""Errors the mock answers with, raised before any output is sent.

OllamaError            one error, with Ollama's status and message
  BadRequest           400
  NotFound             404
The route layer wraps an OllamaError in the envelope of the API it came through
(native `{"error": ...}`, OpenAI, Anthropic): see `envelope()`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ollama_conformance import contracts


class OllamaError(Exception):
    """An error answer: HTTP `status` with Ollama's exact `message`."""

    # True for the native handler's errors as a /v1 or Anthropic layer passes them on: that
    # layer's writer re-encodes them as plain application/json, while the layer's own (middleware)
    # errors go out through gin's c.JSON, with the charset (reference §0.3).
    from_handler = False
    # True for a streaming request's first item: Go flushed the headers before writing it (Single.flushed)
    flushed = False
    # seconds before the error is answered (a scenario rule's `delays`)
    delay = 0.0

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    @classmethod
    def of(cls, key: str, **values: Any) -> OllamaError:
        """The error `key` of contracts/errors.json, with its status and filled-in text."""
        return cls(contracts.message_status(key), contracts.message(key, **values))


def envelope(api: str, status: int, message: str) -> dict[str, Any]:
    """The error body Ollama sends for `status`/`message` on an API surface."""
    if api == "openai":
        return {"error": {"message": message, "type": _openai_type(status), "param": None, "code": None}}
    if api == "anthropic":
        return {
            "type": "error",
            "error": {"type": _anthropic_type(status), "message": message},
            # Ollama's is random; the mock's follows the error, so the same request gets the same bytes
            "request_id": "req_" + hashlib.sha256(f"{status}:{message}".encode()).hexdigest()[:24],
        }
    return {"error": message}


def _openai_type(status: int) -> str:
    table = contracts.errors_catalog()["envelopes"]["openai_type_by_status"]
    return str(table.get(str(status), table["default"]))


def _anthropic_type(status: int) -> str:
    table = contracts.errors_catalog()["envelopes"]["anthropic_type_by_status"]
    return str(table.get(str(status), table["default"]))
