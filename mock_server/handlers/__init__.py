"""The handler of every route of contracts/index.json, and how the route layer calls it.

Calling conventions (ARCHITECTURE.md, "Mock internals"):
  "info"  handler(state, info)                  no request body
  "body"  handler(state, body, info)            JSON body, decoded by decode.py
  "head_blob" / "post_blob"                     handler(state, digest[, data], info)
  "form"  handler(state, form, info)            multipart fields (audio)
A handler whose module is not there yet answers 501 through `placeholder` (logged once).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from ..errors import OllamaError

log = logging.getLogger("ollama_conformance.mock_server")

# endpoint -> (module under mock_server, function, calling convention)
HANDLERS: dict[str, tuple[str, str, str]] = {
    "GET /": ("handlers.meta", "run_root", "info"),
    "GET /api/version": ("handlers.meta", "run_version", "info"),
    "GET /api/status": ("handlers.meta", "run_status", "info"),
    "POST /api/generate": ("handlers.generate", "run_generate", "body"),
    "POST /api/chat": ("handlers.chat", "run_chat", "body"),
    "POST /api/embed": ("handlers.embed", "run_embed", "body"),
    "POST /api/embeddings": ("handlers.embed", "run_embeddings", "body"),
    "POST /api/create": ("handlers.progress", "run_create", "body"),
    "HEAD /api/blobs/{digest}": ("handlers.blobs", "run_head_blob", "head_blob"),
    "POST /api/blobs/{digest}": ("handlers.blobs", "run_post_blob", "post_blob"),
    "GET /api/tags": ("handlers.models", "run_tags", "info"),
    "POST /api/show": ("handlers.models", "run_show", "body"),
    "POST /api/copy": ("handlers.models", "run_copy", "body"),
    "DELETE /api/delete": ("handlers.models", "run_delete", "body"),
    "POST /api/pull": ("handlers.progress", "run_pull", "body"),
    "POST /api/push": ("handlers.progress", "run_push", "body"),
    "GET /api/ps": ("handlers.models", "run_ps", "info"),
    "POST /v1/chat/completions": ("compat.openai_chat", "run", "body"),
    "POST /v1/completions": ("compat.openai_completions", "run", "body"),
    "POST /v1/embeddings": ("compat.openai_embeddings", "run", "body"),
    "GET /v1/models": ("compat.openai_models", "run_list", "info"),
    "GET /v1/models/{model}": ("compat.openai_models", "run_retrieve", "info"),
    "POST /v1/responses": ("compat.openai_responses", "run", "body"),
    "POST /v1/audio/transcriptions": ("compat.openai_audio", "run", "form"),
    "POST /v1/messages": ("compat.anthropic_messages", "run", "body"),
}


def resolve(endpoint: str) -> tuple[Callable[..., Any], str, bool]:
    """(handler, calling convention, is_placeholder) for `endpoint`."""
    module_name, function, convention = HANDLERS[endpoint]
    try:
        module = importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.{module_name}")
        return getattr(module, function), convention, False
    except Exception as exc:  # a module another engineer has not written yet, or broken right now
        log.warning("%s is not wired (%s: %s); it answers 501", endpoint, type(exc).__name__, exc)
        return placeholder(endpoint), convention, True


def placeholder(endpoint: str) -> Callable[..., Any]:
    def not_implemented(*_args: Any) -> Any:
        raise OllamaError(501, f"{endpoint} is not implemented in this mock build")

    return not_implemented
