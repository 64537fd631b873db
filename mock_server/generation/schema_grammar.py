"""Which `format` JSON Schemas Ollama cannot use, and the words it refuses them with.

Ollama hands a schema to llama.cpp's json-schema-to-grammar (through llama-server since v0.30,
through its own runner before). The converter walks the schema as SchemaConverter::visit does and
refuses some that JSON Schema allows: a schema with keywords but no usable type (pydantic's
`Any` field is `{"title": "X"}`), a pattern not written `^...$`, a $ref it cannot resolve, a
keyword of the wrong JSON type (nlohmann's type_error). `conversion_error` retraces that walk
and returns the converter's exception text; `refusal` turns it into Ollama's error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import OllamaError

# PRIMITIVE_RULES of json-schema-to-grammar.cpp: the type names the converter has a rule for
_PRIMITIVES = frozenset(("boolean", "number", "integer", "value", "object", "array", "uuid", "char", "string",
                         "null", "decimal-part", "integral-part"))
_STRING_FORMATS = frozenset(("date", "time", "date-time"))  # STRING_FORMAT_RULES, "<format>-string"
_INT_BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")


class _TypeError(Exception):
    """nlohmann::json's type_error, thrown out of the converter (it ends the walk)."""


def conversion_error(schema: Any) -> str | None:
    """The text of the exception json_schema_to_grammar throws for `schema`; None when it converts."""
    walk = _Walk(schema)
    try:
        walk.resolve_refs(schema)
        walk.visit(schema)
    except _TypeError as error:
        return str(error)
    except RecursionError:  # deeper than the mock follows: taken as convertible
        return None
    return "JSON schema conversion failed:\n" + "\n".join(walk.errors) if walk.errors else None


def refusal(schema: Any, llama_server: bool) -> OllamaError | None:
    """Ollama's error for a schema the converter refuses (None when it converts): llama-server
    answers 400 with its error body, which Ollama passes on whole as the message with that
    status; the runner before v0.30 said only `invalid JSON schema in format` (500)."""
    problem = conversion_error(schema)
    if problem is None:
        return None
    if not llama_server:
        return OllamaError(500, "invalid JSON schema in format")
    body = {"error": {"code": 400, "message": '"json_schema": ' + problem, "type": "invalid_request_error"}}
    return OllamaError(400, dump(body))


def dump(value: Any) -> str:
    """nlohmann::ordered_json's dump(): compact, keys in order, non-ASCII as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _kind(value: Any) -> str:
    """nlohmann's type_name()."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "discarded"


def _want(value: Any, kind: str) -> Any:
    """json::get<T>(): the value, or type_error 302 when its JSON type is not `kind`."""
    if _kind(value) != kind:
        raise _TypeError(f"[json.exception.type_error.302] type must be {kind}, but is {_kind(value)}")
    return value


class _Walk:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.errors: list[str] = []
        self.refs: dict[str, Any] = {}
        self.visited: set[str] = set()

    def resolve_refs(self, node: Any) -> None:
        """SchemaConverter::resolve_refs: every $ref found (not below one) is looked up now."""
        if isinstance(node, list):
            for item in node:
                self.resolve_refs(item)
        elif isinstance(node, dict):
            if "$ref" not in node:
                for value in node.values():
                    self.resolve_refs(value)
                return
            ref = _want(node["$ref"], "string")
            if ref in self.refs:
                return
            if ref.startswith("https://"):
                target: Any = None  # Ollama's converter fetches nothing: a remote schema is null
                if "#" not in ref or not ref.split("#", 1)[1]:
                    return
            elif ref.startswith("#/"):
                target = self.root
            else:
                self.errors.append("Unsupported ref: " + ref)
                return
            for sel in ref.split("#", 1)[1].split("/")[1:]:
                if not isinstance(target, dict) or sel not in target:
                    self.errors.append(f"Error resolving ref {ref}: {sel} not in {dump(target)}")
                    return
                target = target[sel]
            self.refs[ref] = target

    def visit(self, schema: Any) -> None:
        """SchemaConverter::visit, keeping only what can fail."""
        obj = isinstance(schema, dict)
        has = schema.__contains__ if obj else lambda key: False
        kind = schema.get("type") if obj else None
        fmt = _want(schema["format"], "string") if has("format") else ""
        if has("$ref"):
            ref = _want(schema["$ref"], "string")
            if ref not in self.visited:
                self.visited.add(ref)
                self.visit(self.refs.get(ref))
        elif has("oneOf") or has("anyOf"):
            for alternative in _want(schema["oneOf" if has("oneOf") else "anyOf"], "array"):
                self.visit(alternative)
        elif isinstance(kind, list):
            for each in kind:
                self.visit({**schema, "type": each})
        elif has("const") or has("enum"):
            return
        elif kind in (None, "object") and (
            has("properties") or (has("additionalProperties") and schema["additionalProperties"] is not True)
        ):
            for value in _properties(schema.get("properties")):
                self.visit(value)
            more = schema.get("additionalProperties")
            if isinstance(more, dict):
                self.visit(more)
        elif kind in (None, "object", "string") and has("allOf"):
            for value in self._all_of_properties(schema["allOf"]):
                self.visit(value)
        elif kind in (None, "array") and (has("items") or has("prefixItems")):
            items = schema["items"] if has("items") else schema["prefixItems"]
            for item in items if isinstance(items, list) else [items]:
                self.visit(item)
            for key in ("minItems", "maxItems"):
                if has(key):
                    _want(schema[key], "number")
        elif kind in (None, "string") and has("pattern"):
            pattern = _want(schema["pattern"], "string")
            if not (pattern.startswith("^") and pattern.endswith("$")):
                self.errors.append("Pattern must start with '^' and end with '$'")
        elif kind in (None, "string") and (re.fullmatch(r"uuid[1-5]?", fmt) or fmt in _STRING_FORMATS):
            return
        elif kind == "string" and (has("minLength") or has("maxLength")):
            for key in ("minLength", "maxLength"):
                if has(key):
                    _want(schema[key], "number")
        elif kind == "integer" and any(has(key) for key in _INT_BOUNDS):
            for pair in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
                used = next((key for key in pair if has(key)), None)  # the first of the pair is read
                if used is not None:
                    _want(schema[used], "number")
        elif _empty(schema) or kind == "object":
            return
        elif not isinstance(kind, str) or kind not in _PRIMITIVES:
            self.errors.append("Unrecognized schema: " + dump(schema))

    def _all_of_properties(self, parts: Any) -> list[Any]:
        """The property schemas allOf's components bring (a component's anyOf counts too)."""
        found: list[Any] = []

        def add(component: Any, depth: int = 0) -> None:
            if not isinstance(component, dict) or depth > 64:
                return
            if "$ref" in component:
                add(self.refs.get(component["$ref"]) if isinstance(component["$ref"], str) else None, depth + 1)
            elif "properties" in component:
                found.extend(_properties(component["properties"]))

        for part in _items(parts):
            if isinstance(part, dict) and "anyOf" in part:
                for branch in _items(part["anyOf"]):
                    add(branch)
            else:
                add(part)
        return found


def _properties(value: Any) -> list[Any]:
    """The values of `properties` as the converter iterates them: an object's values; nothing for
    null; anything else has no keys (nlohmann's invalid_iterator 207, thrown like a type error)."""
    if isinstance(value, dict):
        return list(value.values())
    if value is None or value == []:
        return []
    raise _TypeError("[json.exception.invalid_iterator.207] cannot use key() for non-object iterators")


def _items(value: Any) -> list[Any]:
    """What a range-for over a json value visits: an array's items, an object's values, else itself."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [] if value is None else [value]


def _empty(schema: Any) -> bool:
    """json::empty(): true for null and for an empty object or array, false for other values."""
    return schema is None or (isinstance(schema, (dict, list)) and not schema)
