"""JSON values that satisfy a JSON Schema: structured outputs and tool-call arguments.

Supported subset: type (string or list), const, enum, default, properties, required,
minProperties (additionalProperties fill the rest), items (schema or tuple list), prefixItems,
minItems/maxItems, uniqueItems, minimum/maximum, exclusiveMinimum/exclusiveMaximum (draft-4
booleans or draft-6+ numbers), multipleOf, minLength/maxLength, pattern (pattern_text), common
string formats, anyOf/oneOf (the first branch), allOf (merged), local $ref ("#/$defs/x",
"#/definitions/x"). Depth is bounded: past MAX_DEPTH a branch or type that ends is taken (null
before a nested object), so recursive schemas end; a schema with no finite value stops at null.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import pattern_text, text

MAX_DEPTH = 6
_NO_FINITE_VALUE = 4 * MAX_DEPTH  # a required self-reference with no way out: stop (with null) here
# Generation runs on the server's event loop: however large or self-referring a schema, one answer
# stays small and quick (a value past these bounds is left short, or null, rather than built)
MAX_VALUES = 5000  # values in one answer
MAX_COUNT = 1000  # items of an array, properties of an object
MAX_LENGTH = 4096  # characters of a string
MAX_TEXT = 1 << 20  # characters of all strings of one answer
Hint = Callable[[str, dict], Any]  # (property name, its schema) -> a value, or None for no idea

_FORMATS = {
    "date-time": "2026-01-15T10:30:00Z",
    "date": "2026-01-15",
    "time": "10:30:00Z",
    "email": "alex@example.com",
    "idn-email": "alex@example.com",
    "uri": "https://example.com/item",
    "uri-reference": "https://example.com/item",
    "iri": "https://example.com/item",
    "hostname": "example.com",
    "ipv4": "192.168.1.20",
    "ipv6": "2001:db8::20",
    "uuid": "3f1b6c1e-8d2a-4c55-9a57-6f0e2b7d9c41",
}


@dataclass
class Generator:
    r: random.Random
    root: dict
    hint: Hint | None = None
    all_properties: bool = True  # structured outputs fill every property; tool calls the required ones
    left: int = MAX_VALUES  # values still to make in this answer
    room: int = MAX_TEXT  # characters still to write in this answer
    # oneOf answers are checked against every branch: a few tries per answer, none for a oneOf
    # inside a try (nested ones would multiply the tries), which takes the first branch
    one_of_tries: int = 12
    in_one_of: bool = False

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        if not isinstance(schema, dict):
            return self.r.choice(text.WORDS) if schema is not False else None
        if not schema and self.all_properties:
            return {}  # the grammar's rule for an empty schema is "any object"
        self.left -= 1
        if depth > _NO_FINITE_VALUE or self.left < 0:
            return None
        schema = self._resolve(schema, depth)
        if "const" in schema:
            return schema["const"]
        if "default" in schema and not self.all_properties:
            return schema["default"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.r.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                merged = {k: v for k, v in schema.items() if k != key}
                if key == "oneOf" and len(schema[key]) > 1 and depth < MAX_DEPTH and self.one_of_tries > 0 \
                        and not self.in_one_of:
                    return self._one_of(merged, schema[key], name, depth)
                return self.value({**merged, **self._branch(schema[key], depth)}, name, depth + 1)
        if self.hint is not None and name:
            hinted = self.hint(name, schema)
            if isinstance(hinted, str) and _type_of(schema) in ("string", None) and _may_say(hinted, schema):
                return self._spent(_fit_length(hinted, schema, self.room))
        kind = _type_of(schema) or "string"
        if depth >= MAX_DEPTH and isinstance(schema.get("type"), list) and "null" in schema["type"]:
            kind = "null"  # deep down, the way out a nullable type offers
        return self._typed(schema, kind, name, depth)

    def _one_of(self, merged: dict, branches: list[Any], name: str, depth: int) -> Any:
        """A value of exactly one branch: the first branch's, unless it fits another branch too
        ({"oneOf": [integer, number]}), then the next branch's that fits only its own. Ollama's
        grammar reads oneOf as anyOf, so a model may break it; the mock's answers do not."""
        fits = [_validator({**merged, **b} if isinstance(b, dict) else b, self.root) for b in branches]
        values: list[Any] = []
        self.in_one_of = True
        try:
            for branch in branches[:8]:
                resolved = self._resolve(branch, depth) if isinstance(branch, dict) else {}
                for _ in range(3):  # a draw can land where branches overlap ("the" is a string of any length)
                    if self.one_of_tries <= 0:
                        return values[0] if values else self.value({**merged, **resolved}, name, depth + 1)
                    self.one_of_tries -= 1
                    value = self.value({**merged, **resolved}, name, depth + 1)
                    if not _shallow(value) or sum(fit(value) for fit in fits) == 1:
                        return value  # a deep answer goes unchecked (see _shallow)
                    values.append(value)
            return values[0]
        finally:
            self.in_one_of = False

    def _branch(self, branches: list[Any], depth: int) -> dict:
        """The anyOf/oneOf branch to follow, resolved: the first; past MAX_DEPTH the first that
        ends (null, then anything but an object or array), so a recursive schema stops."""
        if depth < MAX_DEPTH:
            first = branches[0]
            return self._resolve(first, depth) if isinstance(first, dict) else {}
        resolved = [self._resolve(b, depth) if isinstance(b, dict) else {} for b in branches]
        for wanted in (lambda k: k == "null", lambda k: k not in ("object", "array")):
            for branch in resolved:
                if wanted(_type_of(branch)):
                    return branch
        return resolved[0]

    def _resolve(self, schema: dict, depth: int, nested: int = 0) -> dict:
        for _ in range(MAX_DEPTH):
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#"):
                break
            target: Any = self.root
            for part in ref.lstrip("#/").split("/") if ref != "#" else []:
                target = (
                    target.get(part.replace("~1", "/").replace("~0", "~"), {})
                    if isinstance(target, dict)
                    else {}
                )
            schema = {
                **{k: v for k, v in schema.items() if k != "$ref"},
                **(target if isinstance(target, dict) else {}),
            }
        if isinstance(schema.get("allOf"), list):
            parts = schema["allOf"] if nested < MAX_DEPTH else []  # an allOf that refers to itself ends
            schema = _merge_all_of(
                schema, [self._resolve(s, depth, nested + 1) for s in parts if isinstance(s, dict)]
            )
        return schema

    def _typed(self, schema: dict, kind: str, name: str, depth: int) -> Any:
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            return _integer(self.r, schema)
        if kind == "number":
            return _number(self.r, schema)
        if kind == "boolean":
            return self.r.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema)

    def _object(self, schema: dict, depth: int) -> dict:
        props = mapping(schema.get("properties"))
        required = [k for k in schema.get("required") or [] if isinstance(k, str)]
        wanted = list(required)
        for key, sub in props.items():
            optional_ok = self.all_properties or (isinstance(sub, dict) and "default" in sub)
            if key not in wanted and optional_ok and depth < MAX_DEPTH:
                wanted.append(key)
        extra = [k for k in props if k not in wanted]
        least = _size(schema, "minProperties", 0)
        while len(wanted) < least and extra:
            wanted.append(extra.pop(0))
        out = {key: self.value(props.get(key, {"type": "string"}), key, depth + 1) for key in wanted}
        more = schema.get("additionalProperties", True)
        if len(out) < least and more is not False:  # the rest from additionalProperties (a dict[str, T])
            for index in range(1, least + 1):
                key = f"key{index}"
                if len(out) >= least:
                    break
                if key not in out:
                    out[key] = self.value(more if isinstance(more, dict) else {"type": "string"}, key, depth + 1)
        return out

    def _array(self, schema: dict, name: str, depth: int) -> list:
        items = schema.get("items", {})
        low = _size(schema, "minItems", 0)
        high = _size(schema, "maxItems", max(low, 3))
        if isinstance(items, list):  # tuple form: one value per position
            return [self.value(s, name, depth + 1) for s in items][: max(high, low)]
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):  # draft 2020-12 tuples (pydantic's tuple[int, str]): then `items`
            tuple_values = [self.value(s, name, depth + 1) for s in prefix][:high]
            while len(tuple_values) < low and items is not False:
                tuple_values.append(self.value(items if isinstance(items, dict) else {}, name, depth + 1))
            return tuple_values
        count = low if depth >= MAX_DEPTH else self.r.randint(max(low, min(1, high)), max(low, min(high, 3)))
        out: list = []
        for _ in range(count * 8 + 8):
            if len(out) == count:
                break
            item = self.value(items, "" if out else name, depth + 1)  # the user's words fill one item
            if not schema.get("uniqueItems") or not any(_same(item, o) for o in out):
                out.append(item)
        return out

    def _string(self, schema: dict) -> str:
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        if isinstance(schema.get("pattern"), str):
            low, high = _size(schema, "minLength", 0, MAX_LENGTH), schema.get("maxLength")
            found = pattern_text.matching(schema["pattern"], self.r, low, high if _num(high) else None)
            if found is not None and len(found) <= self.room:
                return self._spent(found)  # the pattern first, as Ollama's grammar takes it
        return self._spent(_fit_length(text.phrase(self.r, self.r.randint(1, 4)), schema, self.room))

    def _spent(self, value: str) -> str:
        self.room = max(self.room - len(value), 0)
        return value


def _shallow(value: Any, depth: int = 0) -> bool:
    """Whether `value` nests at most 4 levels: checking a deeper one against a recursive oneOf
    grows exponentially with its depth (each level's oneOf tries every branch)."""
    if depth > 4:
        return False
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return all(_shallow(item, depth + 1) for item in items)


def _validator(schema: Any, root: dict) -> Callable[[Any], bool]:
    """Whether a value is valid against `schema` (its $refs read in `root`), built once; jsonschema
    is imported only when a oneOf needs it, off the server's start path."""
    from jsonschema import validators

    if isinstance(schema, dict):
        schema = {**{k: root[k] for k in ("$defs", "definitions") if k in root}, **schema}
    try:
        validator = validators.validator_for(schema)(schema)
    except Exception:  # a schema jsonschema cannot read: no judgement, so no fit
        return lambda value: False

    def fits(value: Any) -> bool:
        try:
            return bool(validator.is_valid(value))
        except Exception:  # RecursionError on a self-referring schema, a bad pattern...
            return False

    return fits


def _may_say(hinted: str, schema: dict) -> bool:
    """Whether words from the user's message fit a string schema: not where a format or a
    pattern decides the shape (a date, a code), unless the words match the pattern."""
    if schema.get("format") in _FORMATS:
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        # user text against a client's pattern: only where Python's backtracking stays linear
        if len(hinted) > 80 or not pattern_text.backtracks_linearly(pattern):
            return False
        try:
            return re.search(pattern, hinted) is not None
        except (re.error, RecursionError):
            return False
    return True


def generate(schema: Any, seed: bytes, hint: Hint | None = None, all_properties: bool = True) -> Any:
    """A value valid against `schema`, the same for the same seed."""
    root = schema if isinstance(schema, dict) else {}
    try:
        return Generator(text.rng(seed, "structured"), root, hint, all_properties).value(schema)
    except (RecursionError, ValueError, TypeError, OverflowError):  # a schema beyond the subset: no 500 for it
        return {}


def _type_of(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if isinstance(k, str)]
        non_null = [k for k in kinds if k != "null"]
        return (non_null or kinds)[0] if kinds else None
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return None


def _merge_all_of(schema: dict, parts: list[dict]) -> dict:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        for key, val in part.items():
            if key == "properties" and isinstance(val, dict):
                merged["properties"] = {**merged.get("properties", {}), **val}
            elif key == "required" and isinstance(val, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *val]))
            else:
                merged.setdefault(key, val)
    return merged


def _bounds(schema: dict) -> tuple[float | None, bool, float | None, bool]:
    """(low, low exclusive, high, high exclusive), for draft-4 and draft-6+ spellings."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_x = high_x = False
    ex_min, ex_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if ex_min is True:
        low_x = True
    elif _num(ex_min) and (low is None or ex_min >= low):
        low, low_x = ex_min, True
    if ex_max is True:
        high_x = True
    elif _num(ex_max) and (high is None or ex_max <= high):
        high, high_x = ex_max, True
    return (low if _num(low) else None, low_x, high if _num(high) else None, high_x)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _integer(r: random.Random, schema: dict) -> int:
    low, low_x, high, high_x = _bounds(schema)
    lo = None if low is None else (math.floor(low) + 1 if low_x else math.ceil(low))
    hi = None if high is None else (math.ceil(high) - 1 if high_x else math.floor(high))
    lo, hi = _span(lo, hi, 1, 100)
    step = _step(schema)
    if step is not None and float(step).is_integer():
        step = int(step)
        first, last = -(-lo // step), hi // step
        if first <= last:
            return r.randint(first, last) * step
    return r.randint(lo, hi) if lo <= hi else lo


def _number(r: random.Random, schema: dict) -> float | int:
    low, low_x, high, high_x = _bounds(schema)
    lo, hi = _span(low, high, 0.0, 100.0)
    step = _step(schema)
    if step is not None:
        first, last = math.ceil(lo / step), math.floor(hi / step)
        for k in (r.randint(first, last) if first <= last else first, first, last):
            v = k * step
            if _inside(v, low, low_x, high, high_x) and (v / step).is_integer():
                return v
    v = round(r.uniform(lo, hi), 2)
    return v if _inside(v, low, low_x, high, high_x) else (lo + hi) / 2


def _step(schema: dict) -> float | None:
    step = schema.get("multipleOf")
    return step if isinstance(step, (int, float)) and _num(step) and step > 0 else None


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _span(lo: Any, hi: Any, default_lo: Any, width: Any) -> tuple[Any, Any]:
    if lo is None and hi is None:
        return default_lo, default_lo + width
    if lo is None:
        return hi - width, hi
    if hi is None:
        return lo, lo + width
    return lo, hi


def _inside(v: float, low: Any, low_x: bool, high: Any, high_x: bool) -> bool:
    if low is not None and (v < low or (low_x and v == low)):
        return False
    return not (high is not None and (v > high or (high_x and v == high)))


def _fit_length(value: str, schema: dict, room: int = MAX_LENGTH) -> str:
    low = _size(schema, "minLength", 0, min(MAX_LENGTH, room))
    high = schema.get("maxLength")
    if len(value) < low:
        value += " value" * ((low - len(value)) // 6 + 1)
    return value[:high] if isinstance(high, int) and high >= 0 else value


def _size(schema: dict, key: str, default: int, cap: int = MAX_COUNT) -> int:
    """A count keyword (minItems, maxItems, minProperties, minLength) as an int of at most `cap`;
    default when it is not a non-negative integer."""
    value = schema.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return min(value, cap)
    return default


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)
