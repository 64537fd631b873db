"""Ollama's HTTP API as JSON Schema documents, and the one library that reads them.

Python API (`from ollama_conformance import contracts`):

    contracts.index() / operations() / operation(endpoint) / schema(path) / key_order(path)
    contracts.metric_keys()   (the six metrics of a final generation record, in Ollama's order)
    contracts.routes_added() / release(version) / predates(version, path)   (routes' `since`)
    contracts.message(key, **values) / message_status(key) / errors_catalog() / go_quote(s)
    contracts.validate(endpoint, kind, instance, *, variant=None) -> list[Violation]
        kind: request | response | chunk | error
    contracts.validate_document(schema_path, instance) -> list[Violation]
    contracts.validate_stream(endpoint, raw, *, request=None, variant=None) -> list[Violation]
    contracts.ignored_fields(endpoint, request) -> list[Warning]
    contracts.openapi() -> dict   (OpenAPI 3.1)

The jsonschema-based parts (validation, streams, openapi) are imported on first use, so
importing this package costs only the stdlib loader.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .loader import (
    errors_catalog,
    go_quote,
    index,
    key_order,
    message,
    message_status,
    metric_keys,
    operation,
    operations,
    predates,
    release,
    routes_added,
    schema,
)

# Names served lazily: attribute -> submodule that defines it.
_LAZY = {
    "Violation": "validation",
    "ContractError": "validation",
    "Warning": "ignored",
    "FieldWarning": "ignored",
}


def _sub(name: str) -> Any:
    """A submodule, imported on first use.

    Always through import_module: a bare sys.modules lookup could hand one thread a module that
    another thread (the mock's self-check) is still importing; import_module waits for it.
    """
    return import_module(f".{name}", __name__)


def validate(endpoint: str, kind: str, instance: Any, *, variant: str | None = None) -> list[Any]:
    """Violations of `instance` as the `kind` document of `endpoint` (empty list = valid)."""
    return _sub("validation").validate(endpoint, kind, instance, variant=variant)


def validate_document(schema_path: str, instance: Any) -> list[Any]:
    """Violations of `instance` against the schema at `schema_path` ("native/chat.response.json")."""
    return _sub("validation").validate_document(schema_path, instance)


def validate_stream(
    endpoint: str, raw: bytes | str, *, request: dict[str, Any] | None = None, variant: str | None = None
) -> list[Any]:
    """Violations of a raw NDJSON/SSE body: every record's schema plus the stream grammar."""
    return _sub("streams").validate_stream(endpoint, raw, request=request, variant=variant)


def ignored_fields(endpoint: str, request: dict[str, Any]) -> list[Any]:
    """Warnings for request fields and options Ollama ignores, and unknown top-level fields."""
    return _sub("ignored").ignored_fields(endpoint, request)


def openapi() -> dict[str, Any]:
    """An OpenAPI 3.1 document of every in-scope route, built from index.json and the schemas."""
    return _sub("openapi_doc").openapi()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module("." + _LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ContractError",
    "FieldWarning",
    "Violation",
    "Warning",
    "errors_catalog",
    "go_quote",
    "ignored_fields",
    "index",
    "key_order",
    "message",
    "message_status",
    "metric_keys",
    "openapi",
    "operation",
    "operations",
    "predates",
    "release",
    "routes_added",
    "schema",
    "validate",
    "validate_document",
    "validate_stream",
]
