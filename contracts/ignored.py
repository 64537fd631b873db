"""Warnings for request fields Ollama accepts but ignores (contracts/ignored.json).

    contracts.ignored_fields("POST /api/chat", {"model": "m", "options": {"mirostat": 1}})
    -> [Warning(path="options.mirostat", message="options.mirostat is ignored by Ollama >= 0.7.0")]

Three sources of warnings, in request order:
- fields listed in ignored.json for the endpoint (dotted paths such as "reasoning.summary");
- runner options listed there (options / create's parameters), and option keys that are
  not Ollama options at all;
- top-level fields the endpoint's request schema does not list: "x is not an Ollama
  field: ignored" (Ollama has no strict mode, reference §0.2).
Stdlib only: no jsonschema import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from . import loader

_MISSING = object()


@dataclass(frozen=True)
class FieldWarning:
    """A request field Ollama will not act on."""

    path: str  # dotted request path: "options.mirostat"
    message: str  # one line

    def __str__(self) -> str:
        return self.message


Warning = FieldWarning  # the name ARCHITECTURE.md uses; shadows the builtin only in this module


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """contracts/ignored.json, parsed."""
    text = resources.files(loader.__package__).joinpath("ignored.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def _message(path: str, entry: dict[str, Any]) -> str:
    since = entry.get("since")
    text = f"{path} is ignored by Ollama >= {since}" if since else f"{path} is ignored by Ollama"
    return f"{text} ({entry['note']})" if entry.get("note") else text


def _lookup(request: dict[str, Any], dotted: str) -> Any:
    node: Any = request
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


@cache
def known_fields(endpoint: str) -> frozenset[str] | None:
    """Top-level request properties of `endpoint` (None when it has no request schema)."""
    entry = loader.operation(endpoint)
    path = entry.get("request") or entry.get("request_fields")
    if not path:
        return None
    return frozenset(_properties(loader.schema(path)))


def _properties(schema: dict[str, Any]) -> list[str]:
    names = list(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):  # properties stated in combinators count too
        for part in schema.get(key, []):
            if isinstance(part, dict):
                names.extend(part.get("properties", {}))
    return names


@lru_cache(maxsize=1)
def known_options() -> frozenset[str]:
    """The runner option keys Ollama reads (common/defs.json#/definitions/options)."""
    options = loader.schema("common/defs.json").get("definitions", {}).get("options", {})
    return frozenset(options.get("properties", {}))


def ignored_fields(endpoint: str, request: Any) -> list[FieldWarning]:
    """Warnings for what Ollama ignores in `request` (an endpoint's JSON body)."""
    known = known_fields(endpoint)  # also raises KeyError for an unknown endpoint
    if not isinstance(request, dict):
        return []
    spec = catalogue()["endpoints"].get(endpoint, {"fields": {}, "options": None})
    warnings = [
        FieldWarning(path, _message(path, entry))
        for path, entry in spec["fields"].items()
        if _lookup(request, path) is not _MISSING
    ]
    warned = {w.path.split(".")[0] for w in warnings if "." not in w.path}
    if spec.get("options"):
        warnings.extend(_option_warnings(request.get(spec["options"]["field"]), spec["options"]))
    if known is not None:
        warnings.extend(
            FieldWarning(name, f"{name} is not an Ollama field: ignored")
            for name in request
            if name not in known and name not in warned
        )
    return warnings


def _option_warnings(options: Any, spec: dict[str, Any]) -> list[FieldWarning]:
    if not isinstance(options, dict):
        return []
    ignored = catalogue()["option_sets"][spec["set"]]
    field, out = spec["field"], []
    for key in options:
        path = f"{field}.{key}"
        if key in ignored:
            out.append(FieldWarning(path, _message(path, ignored[key])))
        elif key not in known_options():
            out.append(FieldWarning(path, f"{path} is not an Ollama option: ignored"))
    return out
