"""Request bodies decoded the way Ollama's Go code decodes them, errors included (reference §0.4).

Empty body, Go's syntax messages (gojson.py), Go type-mismatch messages at any depth checked
against the Go types of the request schema (gotypes.py, built once per endpoint), and the custom
`think` / `keep_alive` decoders. Gin's decoder reads the first JSON value and ignores the rest.

Go's encoding/json keeps the first type mismatch and decodes on; an error returned by a type's
own UnmarshalJSON (api.Message, think, keep_alive, ...) ends decoding at once and wins. Its
message names the struct the failing path starts from: `ChatRequest.messages.role` for a field
inside api.Message (its UnmarshalJSON re-decodes it), `ToolFunction.tools.function.name` where
no such decoder sits in between (the innermost struct, then the whole path).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ollama_conformance import contracts

from .errors import OllamaError
from .gojson import first_value_end, json_kind
from .gotypes import GoType, request_type

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_THINK_LEVELS = ("high", "medium", "low", "max")
_GO_KIND: dict[type, str] = {bool: "bool", dict: "map[string]interface {}", list: "[]interface {}"}


def decode_body(endpoint: str, api: str, raw: bytes) -> Any:
    """The decoded request body of `endpoint`; OllamaError(400) with Go's message when it is not."""
    if not raw.strip():
        raise OllamaError(400, contracts.message("missing_body" if api == "native" else "v1_empty_body"))
    text = raw.decode("utf-8", errors="replace")
    try:
        value = _DECODER.decode(text)
    except ValueError:
        value = json.loads(text[: first_value_end(text)])  # Go stops after the first value
    if value is None:
        return {}
    root = request_type(endpoint, api)
    if root is None:
        return value
    if not isinstance(value, dict):
        raise OllamaError(400, f"json: cannot unmarshal {json_kind(value)} into Go value of type {root.go}")
    walk = _Walk()
    body = walk.fields(value, root, (), None)
    if walk.saved is not None:
        raise OllamaError(400, walk.saved)
    if api == "native":
        _lower_roles(body)
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python accepts NaN/Infinity; Go does not


_DECODER = json.JSONDecoder(parse_constant=_no_constants)  # json.loads with options builds one per call


class _Walk:
    """One decode: checks a value against its Go type, keeping Go's first mismatch in `saved`."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        self.saved: str | None = None

    def value(self, value: Any, node: GoType, struct: str, path: tuple[str, ...], pin: str | None) -> None:
        if value is None:
            return  # null leaves a Go value as it is
        if node.decoder is not None:
            _DECODERS[node.decoder](value)
            return
        if node.custom:  # its own UnmarshalJSON: a mismatch inside is returned at once
            inner = _Walk()
            inner.shape(value, node, struct, path, pin or struct)
            if inner.saved is not None:
                raise OllamaError(400, inner.saved)
            return
        self.shape(value, node, struct, path, pin)

    def shape(self, value: Any, node: GoType, struct: str, path: tuple[str, ...], pin: str | None) -> None:
        if node.types and type(value) not in node.types:
            if self.saved is None:
                self.saved = _mismatch(value, node, pin or struct, path)
            return
        if node.fields is not None:
            self.fields(value, node, path, pin)
        elif node.item is not None:
            for item in value if type(value) is list else value.values():
                self.value(item, node.item, struct, path, pin)

    def fields(self, value: dict[str, Any], node: GoType, path: tuple[str, ...], pin: str | None) -> dict[str, Any]:
        """The struct's fields checked in the order sent; keys folded to the field names (in place)."""
        fields = node.fields or {}
        if not fields.keys() >= value.keys():
            value = _fold_keys(value, node)
        for key, item in value.items():
            field = fields.get(key)
            if field is None or item is None:
                continue
            if not field.plain:
                self.value(item, field, node.struct, (*path, key), pin)
            elif field.types and type(item) not in field.types and self.saved is None:  # inline: the usual case
                self.saved = _mismatch(item, field, pin or node.struct, (*path, key))
        return value


def _mismatch(value: Any, node: GoType, struct: str, path: tuple[str, ...]) -> str:
    kind = json_kind(value)
    if node.integer and type(value) is float:  # a fraction for an int field: Go names the literal
        kind = f"number {json.dumps(value)}"
    return contracts.message("json_type", json_type=kind, go_struct=struct, field=".".join(path), go_type=node.go)


def _fold_keys(value: dict[str, Any], node: GoType) -> dict[str, Any]:
    # Go matches JSON keys to struct fields case-insensitively (an exact key wins); the dict is
    # rewritten in place so that nested objects the handlers read see the field names too.
    fields, folded = node.fields or {}, node.folded or {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        target = key if key in fields else folded.get(key.lower(), key)
        if target == key or target not in value:
            out[target] = item
    value.clear()
    value.update(out)
    return value


def _check_think(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        if value not in _THINK_LEVELS:
            raise OllamaError.of("think_bad_string", value=value)
        return
    raise OllamaError.of("think_bad_type")


def _check_keep_alive(value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return
    if isinstance(value, str):
        try:
            parse_go_duration(value)
        except ValueError as exc:
            raise OllamaError(400, str(exc)) from None
        return
    raise OllamaError.of("keep_alive_bad_type", go_type=_GO_KIND.get(type(value), "string"))


_DECODERS = {"think": _check_think, "keep_alive": _check_keep_alive}


def _lower_roles(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict) and isinstance(message.get("role"), str):
                message["role"] = message["role"].lower()


@lru_cache(maxsize=256)
def parse_go_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds; ValueError with Go's exact message."""
    quoted = contracts.go_quote(text)
    rest = text[1:] if text[:1] in ("+", "-") else text
    sign = -1.0 if text[:1] == "-" else 1.0
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        whole, rest = _take(rest, "0123456789")
        frac = ""
        if rest[:1] == ".":
            frac, rest = _take(rest[1:], "0123456789")
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {quoted}")
        count = next((i for i, ch in enumerate(rest) if ch == "." or ch.isdigit()), len(rest))
        unit, rest = rest[:count], rest[count:]
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise ValueError(f"time: unknown unit {contracts.go_quote(unit)} in duration {quoted}")
        total += float(f"{whole or 0}.{frac or 0}") * _UNITS[unit]
    return sign * total


def _take(text: str, chars: str) -> tuple[str, str]:
    count = len(text) - len(text.lstrip(chars))
    return text[:count], text[count:]


# --- reading the body ------------------------------------------------------------------------------

TOO_LARGE = "http: request body too large"  # Go's http.MaxBytesReader message


async def read_body(scope: dict[str, Any], receive: Any, limit: int) -> bytes:
    """The whole request body; 413 (Go's MaxBytesReader message) beyond `limit` bytes."""
    for key, value in scope.get("headers", []):
        if key == b"content-length" and value.isdigit() and int(value) > limit:
            raise OllamaError(413, TOO_LARGE)
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise OllamaError(413, TOO_LARGE)
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def parse_form(scope: dict[str, Any], raw: bytes) -> dict[str, Any]:
    """Multipart (or urlencoded) fields; files as bytes. 400 with Go's wording when unparsable."""
    from starlette.datastructures import UploadFile
    from starlette.requests import Request

    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception as exc:  # python-multipart's errors differ from Go's; the prefix is what matters
        raise OllamaError.of("audio_bad_multipart", err=str(exc) or "no multipart boundary param in Content-Type") from None
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        fields[key] = await value.read() if isinstance(value, UploadFile) else value
    return fields
