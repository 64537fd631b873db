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
from ..gojson import json_kind

# PRIMITIVE_RULES of json-schema-to-grammar.cpp: the type names the converter has a rule for
_PRIMITIVES = frozenset(("boolean", "number", "integer", "value", "object", "array", "uuid", "char", "string",
                         "null", "decimal-part", "integral-part"))
_STRING_FORMATS = frozenset(("date", "time", "date-time"))  # STRING_FORMAT_RULES, "<format>-string"
_INT_BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")


class _TypeError(Exception):
    """nlohmann::json's type_error, thrown out of the converter (it ends the walk)."""


def conversion_error(schema: Any) -> str | None:
    """The text of the exception json_schema_to_grammar throws for `schema`; None when it converts."""
    schema = _hoisted(schema)
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
    """nlohmann's type_name(): Go's names for JSON kinds, but "boolean", and "null" for null."""
    if value is None:
        return "null"
    kind = json_kind(value)
    return "boolean" if kind == "bool" else kind


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
        self.done: set[str] = set()
        self.resolving: set[str] = set()
        self.budget = 20_000  # visits

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
                if isinstance(target, dict) and sel in target:
                    target = target[sel]
                elif isinstance(target, list) and sel.isdigit() and int(sel) < len(target):  # stoull
                    target = target[int(sel)]
                else:
                    self.errors.append(f"Error resolving ref {ref}: {sel} not in {dump(target)}")
                    return
            self.refs[ref] = target

    def visit(self, schema: Any) -> None:
        """SchemaConverter::visit, keeping only what can fail."""
        obj = isinstance(schema, dict)
        has = schema.__contains__ if obj else lambda key: False
        kind = schema.get("type") if obj else None
        fmt = _want(schema["format"], "string") if has("format") else ""
        self.budget -= 1
        if self.budget < 0:
            return  # a schema whose refs multiply the walk: what was found so far stands
        if has("$ref"):
            ref = _want(schema["$ref"], "string")
            if ref not in self.done and ref not in self.resolving:
                # _resolve_ref visits again unless a rule was made under the ref's name: one
                # that failed made none, so each use reports its errors again
                self.resolving.add(ref)
                before = len(self.errors)
                self.visit(self.refs.get(ref))
                self.resolving.discard(ref)
                if len(self.errors) == before:
                    self.done.add(ref)
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
            for value in _items(schema.get("properties")):
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
            if not isinstance(items, list) and has("minItems"):  # maxItems is read only when an integer
                _want_int(schema["minItems"])
        elif kind in (None, "string") and has("pattern"):
            pattern = _want(schema["pattern"], "string")
            if not (pattern.startswith("^") and pattern.endswith("$")):
                self.errors.append("Pattern must start with '^' and end with '$'")
            else:
                self.errors.extend(_pattern_problems(pattern[1:-1]))
        elif kind in (None, "string") and (re.fullmatch(r"uuid[1-5]?", fmt) or fmt in _STRING_FORMATS):
            return
        elif kind == "string" and (has("minLength") or has("maxLength")):
            for key in ("minLength", "maxLength"):
                if has(key):
                    _want_int(schema[key])
        elif kind == "integer" and any(has(key) for key in _INT_BOUNDS):
            for pair in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
                used = next((key for key in pair if has(key)), None)  # the first of the pair is read
                if used is not None:
                    _want(schema[used], "number")
        elif _empty(schema) or kind == "object" or (kind is None and obj):
            return  # {} and an untyped schema of annotations only ({"title": "X"}) take any value
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
                found.extend(_items(component["properties"]))

        for part in _items(parts):
            if isinstance(part, dict) and "anyOf" in part:
                for branch in _items(part["anyOf"]):
                    add(branch)
            else:
                add(part)
        return found


def _want_int(value: Any) -> None:
    """json::get<int>(): nlohmann's arithmetic conversion takes a boolean too (get<int64_t> does not)."""
    if not isinstance(value, bool):
        _want(value, "number")


def _hoisted(schema: Any) -> Any:
    """The schema with nested `$defs` added to the root's (resolve_refs hoists them first), so
    "#/$defs/x" finds a definition written deeper down; the root's own win."""
    if not isinstance(schema, dict):
        return schema
    nested: dict[str, Any] = {}

    def collect(node: Any, depth: int) -> None:
        if depth > 64:
            return
        if isinstance(node, dict):
            if depth and isinstance(node.get("$defs"), dict):
                for name, value in node["$defs"].items():
                    nested.setdefault(name, value)
            for value in node.values():
                collect(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                collect(value, depth + 1)

    collect(schema, 0)
    if not nested:
        return schema
    own = schema.get("$defs")
    return {**schema, "$defs": {**nested, **(own if isinstance(own, dict) else {})}}


def _pattern_problems(inside: str) -> list[str]:
    """What _visit_pattern reports about a pattern's brackets: a [ or { never closed, and a {m,n}
    whose numbers std::stoi cannot read (it stops at the first such)."""
    problems: list[str] = []
    i = 0
    while i < len(inside):
        c = inside[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            end = i + 1
            while end < len(inside) and inside[end] != "]":
                end += 2 if inside[end] == "\\" else 1
            if end >= len(inside):
                problems.append("Unbalanced square brackets")
            i = end + 1
            continue
        if c == "{":
            end = inside.find("}", i + 1)
            if end < 0:
                problems.append("Unbalanced curly brackets")
                end = len(inside)
            nums = inside[i + 1 : end].split(",")
            if len(nums) == 1 and not _STOI.match(nums[0]):
                problems.append("Invalid number in curly brackets")
                return problems
            if len(nums) > 2:
                problems.append("Wrong number of values in curly brackets")
            elif len(nums) == 2 and any(n and not _STOI.match(n) for n in nums):
                problems.append("Invalid number in curly brackets")
                return problems
            i = end + 1
            continue
        i += 1
    return problems


_STOI = re.compile(r"\s*[+-]?\d")  # std::stoi reads a leading number and ignores what follows


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
