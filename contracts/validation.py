"""Validate JSON instances against the contract schemas (draft-07).

    contracts.validate("POST /api/chat", "response", body) -> list[Violation]
    contracts.validate_document("native/chat.response.json", body) -> list[Violation]

`kind` is one of request | response | chunk | error and picks the schema named by the
endpoint's entry in index.json (or by one of its `variants` when `variant=` is given).
Every file under contracts/schemas is registered once in a `referencing.Registry`
under its "$id" (https://ollama-conformance.invalid/<dir>/<file>), so relative
"$ref"s resolve without any fetch. Validators are compiled once per schema and cached.
Format keywords are not checked (speed; Ollama does not check them either).
Speed: each schema is also compiled to plain closures (fastcheck.py); valid instances
never reach jsonschema, which only builds the errors of invalid ones.

This is the only module of `contracts` that imports jsonschema; the package imports it
lazily so `from ollama_conformance import contracts` stays cheap for the mock.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from . import loader
from .fastcheck import Check, Compiler

KINDS = ("request", "response", "chunk", "error")
_MAX_MESSAGE = 240
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ContractError(ValueError):
    """Raised when an endpoint, kind or variant has no schema to validate against."""


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks a contract."""

    instance_path: str  # JSON path into the instance: "$.message.role"
    schema_path: str  # keyword path in the schema: "properties/message/properties/role/enum"
    message: str  # one line
    keyword: str | None = None  # the failing JSON Schema keyword, or a stream rule name

    def __str__(self) -> str:
        return f"{self.instance_path}: {self.message} (schema: {self.schema_path or '-'})"


def json_path(parts: Any) -> str:
    """A JSON path ("$.a[0]['b c']") from a sequence of keys and indexes."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.match(str(part)):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(str(part))}]")
    return "".join(out)


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace and cut long text so messages stay on one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every schema file, registered under its $id (or the id its path implies)."""
    root = resources.files(loader.__package__).joinpath("schemas")
    pairs = []
    for folder in sorted(root.iterdir(), key=lambda f: f.name):
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir(), key=lambda f: f.name):
            if item.name.endswith(".json"):
                contents = json.loads(item.read_text(encoding="utf-8"))
                uri = contents.get("$id") or f"{loader.ID_BASE}{folder.name}/{item.name}"
                pairs.append((uri, Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(pairs)


@cache
def validator(schema_path: str) -> Draft7Validator:
    """The compiled (cached) validator of a schema given by its path under schemas/."""
    document = loader.schema(schema_path)
    if "$id" not in document:
        document = {**document, "$id": loader.ID_BASE + schema_path}
    return Draft7Validator(document, registry=registry())


@lru_cache(maxsize=1)
def _compiler() -> Compiler:
    return Compiler(lambda uri: registry().contents(uri))


_COMPILE_LOCK = threading.Lock()  # the mock validates from its server thread too


@cache
def fast_check(schema_path: str) -> Check:
    """The compiled yes/no check of a schema (fastcheck.py): the fast path for valid input."""
    uri = loader.schema(schema_path).get("$id") or loader.ID_BASE + schema_path
    with _COMPILE_LOCK:  # a half-compiled recursive $ref must not escape to another thread
        return _compiler().compile_document(uri)


@lru_cache(maxsize=1024)
def schema_for(endpoint: str, kind: str, variant: str | None = None) -> str:
    """The schema path that `kind` documents of `endpoint` are validated against."""
    if kind not in KINDS:
        raise ContractError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    entry = loader.operation(endpoint)
    path = _variant_schema(entry, kind, variant) if variant else None
    if path is None:
        path = _entry_schema(entry, kind)
    if path is None:
        raise ContractError(f"{endpoint} has no {kind} schema{_why_none(entry, kind)}")
    return path


def _entry_schema(entry: dict[str, Any], kind: str) -> str | None:
    if kind == "request":
        return entry.get("request")
    part = {"response": entry.get("response"), "chunk": entry.get("stream"), "error": entry.get("errors")}[
        kind
    ]
    if not part:
        return None
    return part.get("chunk" if kind == "chunk" else "schema")


def _why_none(entry: dict[str, Any], kind: str) -> str:
    if kind == "response" and entry.get("response"):
        return f" (its response is {entry['response'].get('kind')})"
    if kind == "chunk":
        return " (it does not stream)"
    return ""


def variant_entry(entry: dict[str, Any], variant: str) -> dict[str, Any]:
    """The variant named `variant` of an index entry; ContractError lists the known ones."""
    for item in entry.get("variants", []):
        if item.get("name") == variant:
            return dict(item)
    names = [str(v.get("name")) for v in entry.get("variants", [])]
    raise ContractError(f"unknown variant {variant!r}; known variants: {', '.join(names) or '(none)'}")


def _variant_schema(entry: dict[str, Any], kind: str, variant: str) -> str | None:
    value = variant_entry(entry, variant).get(kind)
    if isinstance(value, dict):  # a variant may restate a whole response/stream part
        value = value.get("chunk" if kind == "chunk" else "schema")
    return value if isinstance(value, str) else None


def validate(endpoint: str, kind: str, instance: Any, *, variant: str | None = None) -> list[Violation]:
    """Violations of `instance` as the `kind` document of `endpoint` (empty = valid)."""
    return validate_document(schema_for(endpoint, kind, variant), instance)


def validate_document(schema_path: str, instance: Any) -> list[Violation]:
    """Violations of `instance` against the schema at `schema_path` (best match first)."""
    if fast_check(schema_path)(instance):
        return []
    checker = validator(schema_path)  # the slow path builds the detailed errors
    errors = list(checker.iter_errors(instance))
    if not errors:
        return []
    return [to_violation(e) for e in _best_first(errors)]


def is_valid(schema_path: str, instance: Any) -> bool:
    """True when `instance` satisfies the schema (jsonschema has the last word on "no")."""
    return fast_check(schema_path)(instance) or bool(validator(schema_path).is_valid(instance))


def _best_first(errors: list[ValidationError]) -> list[ValidationError]:
    best = best_match(errors)
    if best is None:
        return errors
    ancestors = set()
    node: ValidationError | None = best
    while node is not None:
        ancestors.add(id(node))
        node = node.parent  # type: ignore[assignment]
    return [best] + [e for e in errors if id(e) not in ancestors]


def to_violation(error: ValidationError) -> Violation:
    schema_path = "/".join(str(p) for p in error.absolute_schema_path)
    keyword = str(error.validator) if error.validator is not None else None
    return Violation(json_path(error.absolute_path), schema_path, one_line(error.message), keyword)
