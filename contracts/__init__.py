"""Ollama's HTTP API as JSON Schema documents, and the one library that reads them."""

from __future__ import annotations

from .loader import (
    errors_catalog,
    go_quote,
    index,
    key_order,
    message,
    message_status,
    operation,
    operations,
    schema,
)

__all__ = [
    "errors_catalog",
    "go_quote",
    "index",
    "key_order",
    "message",
    "message_status",
    "operation",
    "operations",
    "schema",
]
