"""A fast yes/no check of a draft-07 schema, compiled to closures (the validation fast path).

jsonschema's validator costs ~1 ms on a typical /api/chat response (every "$ref" goes
through the referencing registry); these closures answer "valid?" in a few microseconds.
validation.py uses them first and calls jsonschema only when the answer is "no", to get
the detailed errors, so jsonschema stays the authority on every reported violation.

Semantics follow jsonschema's Draft7Validator without a format checker: "$ref" hides its
sibling keywords; integer accepts 1.0; booleans are neither numbers nor equal to 0/1 in
enum/const/uniqueItems; unknown keywords (annotations, x-*) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

Check = Callable[[Any], bool]
Resolve = Callable[[str], Any]  # absolute URI without fragment -> document

_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "integer": lambda x: (
        (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer())
    ),
}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema sees it: true != 1, 1 == 1.0, deep for arrays/objects."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return bool(a == b)


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for token in [t for t in fragment.lstrip("/").split("/") if fragment.strip("/")]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


class Compiler:
    """Compiles schemas, sharing one cache of "$ref" targets (recursion-safe)."""

    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve
        self._refs: dict[str, Check] = {}

    def compile_document(self, uri: str) -> Check:
        return self._ref(uri, "")

    def _ref(self, base: str, ref: str) -> Check:
        target = urljoin(base, ref)
        if target not in self._refs:
            cell: list[Check] = []
            self._refs[target] = lambda x: cell[0](x)  # filled below; recursion sees the cell
            file_uri, _, fragment = target.partition("#")
            cell.append(self.compile(_pointer(self._resolve(file_uri), fragment), file_uri))
            self._refs[target] = cell[0]  # later users call it directly; recursive ones keep the cell
        return self._refs[target]

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True or schema == {}:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if "$id" in schema and isinstance(schema["$id"], str):
            base = urljoin(base, schema["$id"])
        if "$ref" in schema:  # draft-07: siblings of $ref are ignored
            return self._ref(base, schema["$ref"])
        checks = [
            c for key, value in schema.items() if (c := self._keyword(key, value, schema, base)) is not None
        ]
        return checks[0] if len(checks) == 1 else _every(checks)

    def _keyword(self, key: str, value: Any, schema: dict[str, Any], base: str) -> Check | None:
        method = getattr(self, "_k_" + key.replace("$", ""), None)
        return method(value, schema, base) if method else None

    # --- any type -----------------------------------------------------------------------
    def _k_type(self, value: Any, schema: Any, base: str) -> Check:
        tests = [_TYPES[t] for t in (value if isinstance(value, list) else [value])]
        return tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests))

    def _k_enum(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: any(equal(x, v) for v in value)

    def _k_const(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: equal(x, value)

    def _k_allOf(self, value: Any, schema: Any, base: str) -> Check:
        parts = [self.compile(s, base) for s in value]
        if len(parts) == 2:
            first, second = parts
            return lambda x: first(x) and second(x)
        return _every(parts)

    def _k_anyOf(self, value: Any, schema: Any, base: str) -> Check:
        parts = [self.compile(s, base) for s in value]

        def check(x: Any) -> bool:
            for part in parts:
                if part(x):
                    return True
            return False

        return check

    def _k_oneOf(self, value: Any, schema: Any, base: str) -> Check:
        parts = [self.compile(s, base) for s in value]
        return lambda x: sum(1 for p in parts if p(x)) == 1

    def _k_not(self, value: Any, schema: Any, base: str) -> Check:
        part = self.compile(value, base)
        return lambda x: not part(x)

    def _k_if(self, value: Any, schema: Any, base: str) -> Check:
        cond = self.compile(value, base)
        then = self.compile(schema.get("then", True), base)
        other = self.compile(schema.get("else", True), base)
        return lambda x: then(x) if cond(x) else other(x)

    # --- objects --------------------------------------------------------------------------
    def _k_properties(self, value: Any, schema: Any, base: str) -> Check:
        props = {name: self.compile(s, base) for name, s in value.items()}
        get = props.get

        def check(x: Any) -> bool:
            if isinstance(x, dict):
                for name, item in x.items():
                    part = get(name)
                    if part is not None and not part(item):
                        return False
            return True

        return check

    def _k_patternProperties(self, value: Any, schema: Any, base: str) -> Check:
        pats = [(re.compile(p), self.compile(s, base)) for p, s in value.items()]
        return lambda x: (
            not isinstance(x, dict) or all(part(v) for k, v in x.items() for p, part in pats if p.search(k))
        )

    def _k_additionalProperties(self, value: Any, schema: Any, base: str) -> Check:
        known = set(schema.get("properties", {}))
        pats = [re.compile(p) for p in schema.get("patternProperties", {})]
        if value is False and not pats:  # the common case: a closed object
            return lambda x: not isinstance(x, dict) or x.keys() <= known
        part = self.compile(value, base)

        def check(x: Any) -> bool:
            if isinstance(x, dict):
                for k, v in x.items():
                    if k not in known and not any(p.search(k) for p in pats) and not part(v):
                        return False
            return True

        return check

    def _k_required(self, value: Any, schema: Any, base: str) -> Check:
        names = frozenset(value)
        return lambda x: not isinstance(x, dict) or names <= x.keys()

    def _k_minProperties(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) >= value

    def _k_maxProperties(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) <= value

    def _k_propertyNames(self, value: Any, schema: Any, base: str) -> Check:
        part = self.compile(value, base)
        return lambda x: not isinstance(x, dict) or all(part(k) for k in x)

    def _k_dependencies(self, value: Any, schema: Any, base: str) -> Check:
        deps = [(k, d if isinstance(d, list) else self.compile(d, base)) for k, d in value.items()]

        def check(x: Any) -> bool:
            if isinstance(x, dict):
                for key, dep in deps:
                    if key in x and not (all(n in x for n in dep) if isinstance(dep, list) else dep(x)):
                        return False
            return True

        return check

    # --- arrays ----------------------------------------------------------------------------
    def _k_items(self, value: Any, schema: Any, base: str) -> Check:
        if isinstance(value, list):
            parts = [self.compile(s, base) for s in value]
            extra = self.compile(schema.get("additionalItems", True), base)
            return lambda x: (
                not isinstance(x, list)
                or all((parts[i] if i < len(parts) else extra)(item) for i, item in enumerate(x))
            )
        part = self.compile(value, base)
        return lambda x: not isinstance(x, list) or all(part(item) for item in x)

    def _k_contains(self, value: Any, schema: Any, base: str) -> Check:
        part = self.compile(value, base)
        return lambda x: not isinstance(x, list) or any(part(item) for item in x)

    def _k_minItems(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, list) or len(x) >= value

    def _k_maxItems(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, list) or len(x) <= value

    def _k_uniqueItems(self, value: Any, schema: Any, base: str) -> Check | None:
        if not value:
            return None
        return lambda x: (
            not isinstance(x, list) or not any(equal(a, b) for i, a in enumerate(x) for b in x[i + 1 :])
        )

    # --- strings and numbers -----------------------------------------------------------
    def _k_minLength(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, str) or len(x) >= value

    def _k_maxLength(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not isinstance(x, str) or len(x) <= value

    def _k_pattern(self, value: Any, schema: Any, base: str) -> Check:
        search = re.compile(value).search
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _k_minimum(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not _is_number(x) or x >= value

    def _k_maximum(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not _is_number(x) or x <= value

    def _k_exclusiveMinimum(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not _is_number(x) or x > value

    def _k_exclusiveMaximum(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not _is_number(x) or x < value

    def _k_multipleOf(self, value: Any, schema: Any, base: str) -> Check:
        return lambda x: not _is_number(x) or _multiple(x, value)


def _multiple(x: float, by: float) -> bool:
    if isinstance(by, float):
        try:
            quotient = x / by
            return int(quotient) == quotient
        except OverflowError:
            return False
    return not x % by


def _every(checks: list[Check]) -> Check:
    """One check that passes when all of `checks` pass (a plain loop: cheaper than all() on a generator)."""

    def check(x: Any) -> bool:
        for part in checks:
            if not part(x):
                return False
        return True

    return check
