"""Assertions for checks: each failure carries a message, a JSON path and the offending excerpt."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ollama_conformance import contracts

from .client import Exchange

EXCERPT = 600


class CheckFailed(AssertionError):
    """A check did not pass; the plugin turns this into a result with evidence."""

    def __init__(self, message: str, *, json_path: str = "$", excerpt: Any = None, exchange: Exchange | None = None) -> None:
        message = safe_text(message, MESSAGE_LIMIT)
        super().__init__(message)
        self.message = message
        self.json_path = json_path
        self.excerpt = excerpt
        self.exchange = exchange


def excerpt_of(value: Any) -> str:
    # An empty string is shown as "" so the evidence is never blank.
    text = value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False, default=str)
    return safe_text(text if len(text) <= EXCERPT else text[:EXCERPT] + "...")


MESSAGE_LIMIT = 1000  # a message quotes what the server sent: a 4 MiB body must not be copied into every report


def safe_text(text: str, limit: int | None = None) -> str:
    """`text` writable as UTF-8 (a lone surrogate, which a server's JSON escape can carry, becomes
    U+FFFD) and, with `limit`, at most that long with a note of what was cut."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # a pair joins, one alone is U+FFFD
    return text


def fail(message: str, *, path: str = "$", excerpt: Any = None, exchange: Exchange | None = None) -> None:
    raise CheckFailed(message, json_path=path, excerpt=excerpt, exchange=exchange)


def expect(cond: bool, message: str, *, path: str = "$", excerpt: Any = None) -> None:
    if not cond:
        fail(message, path=path, excerpt=excerpt)


def expect_equal(actual: Any, wanted: Any, what: str, *, path: str = "$") -> None:
    if actual != wanted:
        fail(f"{what}: expected {wanted!r}, got {actual!r}", path=path, excerpt=actual)


def expect_status(ex: Exchange, *wanted: int) -> None:
    if ex.transport_error:
        fail(f"{ex.method} {ex.path}: {ex.transport_error}", excerpt=ex.text)
    if ex.status not in wanted:
        fail(f"{ex.method} {ex.path}: status {ex.status}, expected {' or '.join(map(str, wanted))}", excerpt=ex.text)


def expect_content_type(ex: Exchange, *wanted: str) -> None:
    """Exact Content-Type match (Ollama's differ only by `; charset=utf-8`, which matters)."""
    ctype = ex.content_type.replace(" ", "").lower()
    if ctype not in {w.replace(" ", "").lower() for w in wanted}:
        fail(f"Content-Type {ex.content_type!r}, expected {' or '.join(map(repr, wanted))}",
             path="headers.content-type", excerpt=ex.content_type)


def body_json(ex: Exchange) -> Any:
    try:
        return ex.json()
    except ValueError:
        fail(f"{ex.method} {ex.path}: body is not JSON", excerpt=ex.text)


def _violations(endpoint: str, kind: str, instance: Any, variant: str | None = None) -> list[Any]:
    try:
        return contracts.validate(endpoint, kind, instance, variant=variant)
    except (KeyError, FileNotFoundError, LookupError, ValueError) as exc:
        # The contract for this endpoint/kind is not available: not the server's fault.
        pytest.skip(f"no {kind} contract for {endpoint}: {str(exc)[:160]}")


def expect_valid(endpoint: str, kind: str, instance: Any) -> None:
    """The instance validates against the endpoint's contract; the first violation is the evidence."""
    found = _violations(endpoint, kind, instance)
    if found:
        first = found[0]
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        fail(f"{kind} violates the {endpoint} contract at {first.instance_path}: {first.message}{more}",
             path=first.instance_path, excerpt=_at_path(instance, first.instance_path))


def expect_valid_stream(endpoint: str, raw: bytes, request: dict[str, Any] | None = None) -> None:
    try:
        found = contracts.validate_stream(endpoint, raw, request=request)
    except (KeyError, FileNotFoundError, LookupError, ValueError) as exc:
        pytest.skip(f"no stream contract for {endpoint}: {str(exc)[:160]}")
    if found:
        first = found[0]
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        fail(f"stream violates the {endpoint} grammar at {first.instance_path}: {first.message}{more}",
             path=first.instance_path, excerpt=raw.decode("utf-8", "replace"))


def _at_path(instance: Any, path: str) -> Any:
    """The value at a "$.a[0].b" path, or the whole instance when it cannot be followed."""
    node = instance
    for token in path.lstrip("$").replace("]", "").replace("[", ".").split("."):
        if not token:
            continue
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            return instance
    return node
