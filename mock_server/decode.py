"""Request bodies decoded the way Ollama's Go code decodes them, errors included (reference §0.4).

Empty body, Go's syntax messages (gojson.py), Go type-mismatch messages at any depth checked
against the Go types of the request schema (gotypes.py, built once per endpoint), and the custom
`think` / `keep_alive` decoders. Gin's decoder reads the first JSON value and ignores the rest.

Go's encoding/json keeps the first type mismatch and decodes on; an error returned by a type's
own UnmarshalJSON (api.Message, think, keep_alive, ...) ends decoding at once and wins. Its
message names the struct the failing path starts from: `ChatRequest.messages.role` for a field
inside api.Message (its UnmarshalJSON re-decodes it), `ToolFunction.tools.function.name` where
no such decoder sits in between (the innermost struct, then the whole path).

Most bodies have no error: a check compiled once per Go type (the "common case" section) only
says whether a body is well typed; `_Walk`, which finds Go's error in Go's order, runs only when
that check says no.

A number must fit its Go type: an int's range, a float32's or a float64's (1e39 does not fit a
float32; 1e400 fits nothing, and neither does an integer of more than 4300 digits, which Python
will not convert). Go names the field and its type (`CompletionRequest.temperature of type
float32`); a number in an `any` it reads as a float64 (`CompletionRequest.stop of type float64`).
The usual reading refuses 1e400 at once (`_finite`); the body is then read again keeping such
numbers (as infinities, their text kept) for `_Walk` to find Go's error.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

from ollama_conformance import contracts

from .anthropic_decode import check_messages
from .errors import OllamaError
from .go_base64 import base64_error_offset
from .go_duration import parse_go_duration
from .gojson import first_value_end, json_kind
from .gotypes import FLOAT_LIMITS, GoType, request_type, without_fields

_THINK_LEVELS = ("high", "medium", "low", "max")
_THINK_LEVELS_BEFORE_MAX = ("high", "medium", "low")  # before v0.22.0
_GO_KIND: dict[type, str] = {bool: "bool", dict: "map[string]interface {}", list: "[]interface {}"}


def decode_body(endpoint: str, api: str, raw: bytes, unknown: frozenset[str] = frozenset()) -> Any:
    """The decoded request body of `endpoint`; OllamaError(400) with Go's message when it is not.
    `unknown`: top-level fields the profile's Ollama release did not have (never type-checked)."""
    if not raw or (raw[:1] in _JSON_SPACE and not raw.strip(_JSON_SPACE)):  # \v and \f are not JSON's
        raise OllamaError(400, contracts.message("missing_body" if api == "native" else "v1_empty_body"))
    text = raw.decode("utf-8", "replace")
    if raw.count(b"[") + raw.count(b"{") > MOCK_MAX_DEPTH:  # two byte counts: only such bodies are measured
        too_deep(text, MOCK_MAX_DEPTH)
    try:
        value = _first_value(text)
    except OllamaError:
        if not raw.isascii():  # Go's decoder reads bytes: name the offending one as it does
            first_value_end(raw.decode("latin-1"))
        raise
    except RecursionError:  # deeper than Python's stack: measured, then refused as Go or the mock does
        too_deep(text, 0)
        raise
    except (_HugeNumber, ValueError):  # 1e400, or more digits than Python converts (4300)
        _refuse_number(raw, text, _plan(endpoint, api, unknown))
    if value is None:
        return {}
    try:  # _plan's lookup, inline: this runs on every request
        plan = _PLANS[endpoint, api] if not unknown else _PLANS[endpoint, api, unknown]
    except KeyError:
        plan = _new_plan(endpoint, api, unknown)
    if plan is None:
        return value
    root, check = plan
    if type(value) is not dict:
        raise OllamaError(400, f"json: cannot unmarshal {json_kind(value)} into Go value of type {root.go}")
    if not check(value) or (len(raw) > _FLOAT64_DIGITS and _long_integer(raw)):
        # something is wrong (or an integer no float64 holds may sit in an `any` field, which the
        # check does not look into): the full walk finds Go's error, in Go's order
        _raise_go_error(text, root)
        walk = _Walk()  # nothing Go refuses after all: fold the keys as Go reads them
        walk.fields(value, root, (), None)
    if api == "native":
        _lower_roles(value)
    return value


_JSON_SPACE = b" \t\r\n"
_FLOAT64_DIGITS = 308  # an integer of more digits is past every float64
_DIGITS = b"0123456789"
_DIGIT_MASK = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # a digit -> "0", the rest -> " "
_LONG_RUN = b"0" * (_FLOAT64_DIGITS + 1)


def _long_integer(raw: bytes) -> bool:
    """Whether `raw` has a run of more than 308 digits (counted first: one C pass, rarely enough;
    then a substring search of the masked bytes, several times faster than a regex over a body
    with base64 images, which always has that many digits)."""
    return len(raw) - len(raw.translate(None, _DIGITS)) > _FLOAT64_DIGITS and _LONG_RUN in raw.translate(_DIGIT_MASK)


def _plan(endpoint: str, api: str, unknown: frozenset[str]) -> tuple[GoType, _Check] | None:
    key = (endpoint, api, unknown) if unknown else (endpoint, api)
    return _PLANS[key] if key in _PLANS else _new_plan(endpoint, api, unknown)


def _first_value(text: str, decoder: json.JSONDecoder | None = None) -> Any:
    """The first JSON value of `text` (Gin ignores the rest), lone surrogates read as Go reads them;
    Go's syntax error when there is none."""
    value = _scanned(text, decoder)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        value = without_lone_surrogates(value)
    return value


def _scanned(text: str, decoder: json.JSONDecoder | None) -> Any:
    scan = _SCAN if decoder is None else decoder.scan_once  # type: ignore[attr-defined]  # set in __init__
    decoder = decoder or _DECODER
    try:  # the scanner alone: JSONDecoder.decode adds two regex calls around it
        value, end = scan(text, 0)
        if end == len(text) or not text[end:].lstrip(" \t\n\r"):
            return value
    except _HugeNumber:
        raise  # a number no float64 holds (_finite): read again, keeping it (_refuse_number)
    except (StopIteration, ValueError):
        pass
    try:  # leading whitespace, NaN, a syntax error or text after the value: the original path
        return decoder.decode(text)
    except ValueError:
        return decoder.decode(text[: first_value_end(text)])  # Go stops after the first value


# A \\uD800-\\uDFFF escape: half a surrogate pair, or a lone one, which Go decodes as U+FFFD (Python keeps
# it, and it cannot be encoded: every string that echoes it would fail to be written)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: Any) -> Any:
    """`value` with each unpaired surrogate (in keys and strings, at any depth) as U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_LONE_SURROGATE.sub("\ufffd", k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    return value


def _raise_go_error(text: str, root: GoType) -> None:
    """OllamaError(400) with Go's message for the body `text`, if Go refuses it."""
    literals: dict[int, str] = {}
    message = _go_error(_first_value(text, _literal_decoder(literals, [])), root, literals)
    if message is not None:
        raise OllamaError(400, message)


def _go_error(value: dict[str, Any], root: GoType, literals: dict[int, str]) -> str | None:
    walk = _Walk(literals)
    walk.fields(value, root, (), None)
    return walk.saved


def _refuse_number(raw: bytes, text: str, plan: tuple[GoType, _Check] | None) -> NoReturn:
    """OllamaError(400) for a body with a number no float64 holds (1e400; an integer of more than
    4300 digits): Go's syntax error, or its first decoding error, naming the field the number is
    in. Where Go leaves the number unread (a field it does not know, a json.RawMessage) the mock,
    which cannot hold it, refuses it all the same, in Go's words for such a number in an `any`."""
    literals: dict[int, str] = {}
    huge: list[str] = []
    try:  # syntax errors first: Go checks the whole body before it decodes
        value = _first_value(text, _literal_decoder(literals, huge))
    except OllamaError:
        if not raw.isascii():
            first_value_end(raw.decode("latin-1"))
        raise
    if plan is not None and type(value) is not dict:
        raise OllamaError(400, f"json: cannot unmarshal {json_kind(value)} into Go value of type {plan[0].go}")
    message = _go_error(value, plan[0], literals) if plan is not None else None
    raise OllamaError(400, message) if message is not None else number_error(huge[0])


def _literal_decoder(literals: dict[int, str], huge: list[str]) -> json.JSONDecoder:
    """A decoder keeping each fraction's text (Go's message quotes a number as written: "1e3"), by
    the id of its float, and reading a number no float64 holds as an infinity (its text in `huge`)."""

    def number(literal: str) -> float:
        value = float(literal)
        literals[id(value)] = literal  # the tree keeps every value alive: ids stay unique
        if value - value != 0.0:  # inf - inf is nan
            huge.append(literal)
        return value

    def integer(literal: str) -> int | float:
        try:
            return int(literal)
        except ValueError:  # more digits than Python converts: past float64 too
            return number(literal)

    return json.JSONDecoder(parse_constant=_no_constants, parse_float=number, parse_int=integer)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python accepts NaN/Infinity; Go does not


class _HugeNumber(Exception):
    """The usual reading met a number no float64 holds (1e400)."""


def _finite(literal: str) -> float:
    """A number with a fraction or an exponent; one beyond float64 (1e400), which Python reads as
    infinity and no JSON encoder writes back, stops the usual reading (_refuse_number reads on)."""
    value = float(literal)
    if value - value != 0.0:  # inf - inf is nan
        raise _HugeNumber(literal)
    return value


def number_error(literal: str) -> OllamaError:
    # what Go's decoder says of a number no float64 holds decoded into a bare `any` (in a struct
    # field it names the field: _Walk); also the mock's refusal of one Go would leave unread
    return OllamaError(400, f"json: cannot unmarshal number {literal} into Go value of type float64")


def _number_message(literal: str, go_type: str, struct: str, path: tuple[str, ...]) -> str:
    """Go's message for the number `literal` that does not fit `go_type`, in the field at `path`."""
    return contracts.message("json_type", json_type=f"number {literal}", go_struct=struct, field=".".join(path),
                             go_type=go_type)


_JSON_STRING = r'"(?:[^"\\]|\\.)*"'  # a JSON string literal, escapes included
_JSON_STRINGS = re.compile(_JSON_STRING)


# Go reads JSON nested up to 10000 levels; Python's recursion (the parser's, the encoder's, the
# journal's) gives out near 1000, so the mock reads up to this depth and says so beyond it
MOCK_MAX_DEPTH = 512
GO_MAX_DEPTH = 10000
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEPS = {"[": 1, "{": 1, "]": -1, "}": -1}


def too_deep(text: str, limit: int) -> None:
    """OllamaError(400) when `text` nests deeper than `limit` levels (0: Go's limit alone): Go's
    syntax error beyond 10000 levels, else the mock's own refusal, marked deliberate."""
    if text.count("[") + text.count("{") <= limit:  # two counts: no deeper nesting is possible
        return
    brackets = _NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text))
    depths = list(itertools.accumulate(map(_STEPS.__getitem__, brackets)))
    depth = max(depths, default=0)
    if depth > GO_MAX_DEPTH:
        opener = brackets[next(i for i, d in enumerate(depths) if d > GO_MAX_DEPTH)]
        raise OllamaError(400, f"invalid character '{opener}' exceeded max depth")
    if depth > limit:
        from .wire import DELIBERATE  # lazily: a rare answer

        raise OllamaError(400, f"ollama-mock: this JSON nests {depth} levels deep; the mock reads up to "
                               f"{MOCK_MAX_DEPTH} (Ollama: {GO_MAX_DEPTH})", {DELIBERATE: "json_depth"})


_DECODER = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite)  # json.loads with options builds one per call
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]  # bound once: every request


class _Walk:
    """One decode: checks a value against its Go type, keeping Go's first mismatch in `saved`."""

    __slots__ = ("saved", "literals")

    def __init__(self, literals: dict[int, str] | None = None) -> None:
        self.saved: str | None = None
        self.literals = {} if literals is None else literals  # id of a float -> its text as sent (_raise_go_error)

    def value(self, value: Any, node: GoType, struct: str, path: tuple[str, ...], pin: str | None) -> None:
        if value is None:
            return  # null leaves a Go value as it is
        if node.decoder is not None:
            if node.decoder in _READS_ANY and (literal := self.huge_in(value)) is not None:  # returned at once
                raise OllamaError(400, _number_message(literal, "float64", pin or struct, path))
            _DECODERS[node.decoder](value)
            return
        if node.custom:  # its own UnmarshalJSON: a mismatch inside is returned at once
            inner = _Walk(self.literals)
            inner.shape(value, node, struct, path, pin or struct)
            if inner.saved is not None:
                raise OllamaError(400, inner.saved)
            return
        self.shape(value, node, struct, path, pin)

    def shape(self, value: Any, node: GoType, struct: str, path: tuple[str, ...], pin: str | None) -> None:
        if node.types and type(value) not in node.types or node.bounds and self.out_of_range(value, node):
            if self.saved is None:
                self.saved = _mismatch(value, node, pin or struct, path, self.literals)
            return
        if node.free:
            self.free(value, pin or struct, path)
            return
        if node.base64 and type(value) is list:  # bytes as numbers: each a uint8
            for item in value:
                self.value(item, node.item, struct, path, pin)  # type: ignore[arg-type]
            return
        if node.base64 and type(value) is str:  # Go decodes it now, saving its error
            offset = base64_error_offset(value.encode("utf-8")) if self.saved is None else None
            if offset is not None:
                self.saved = contracts.message("bad_base64", offset=offset)
            return
        if node.fields is not None:
            self.fields(value, node, path, pin)
        elif node.item is not None:
            for item in value if type(value) is list else value.values():
                self.value(item, node.item, struct, path, pin)

    def fields(self, value: dict[str, Any], node: GoType, path: tuple[str, ...], pin: str | None) -> dict[str, Any]:
        """The struct's fields checked in the order sent (a value a later key overrides too, as Go
        decodes every one); then keys folded to the field names (in place)."""
        fields = node.fields or {}
        exact = fields.keys() >= value.keys()
        for key, item in value.items():
            name = key if exact else _field_name(key, node)
            field = fields.get(name)
            if field is None or item is None:
                continue
            if not field.plain:
                self.value(item, field, node.struct, (*path, name), pin)
            elif self.saved is None and (field.types and type(item) not in field.types  # inline: the usual case
                                         or field.bounds and self.out_of_range(item, field)):
                self.saved = _mismatch(item, field, pin or node.struct, (*path, name), self.literals)
            elif field.free:
                self.free(item, pin or node.struct, (*path, name))
        return value if exact else _fold_keys(value, node)

    def out_of_range(self, value: int | float, node: GoType) -> bool:
        """Whether a number of the right kind is past its Go type's range. Past a float's largest
        value, one that rounds down to it still fits: an int says so exactly, a float by its text
        (as a float64 it may have rounded up to the limit)."""
        low, high = node.bounds or (0, 0)
        if low <= value <= high:
            return False
        if node.integer:
            return True
        limit = FLOAT_LIMITS[node.go.lstrip("*")]
        literal = self.literals.get(id(value)) if type(value) is float else None
        return not -limit < (value if literal is None else Decimal(literal)) < limit

    def free(self, value: Any, struct: str, path: tuple[str, ...]) -> None:
        """A value decoded into `any`: each number in it a float64, whose error names the field."""
        if self.saved is None and (literal := self.huge_in(value)) is not None:
            self.saved = _number_message(literal, "float64", struct, path)

    def huge_in(self, value: Any) -> str | None:
        """The text of the first number in `value` (at any depth) that no float64 holds."""
        kind = type(value)
        if kind is float:
            return self.literals.get(id(value), repr(value)) if value - value != 0.0 else None
        if kind is int:
            return None if -_FLOAT64_LIMIT < value < _FLOAT64_LIMIT else str(value)
        if kind is list or kind is dict:
            for item in value if kind is list else value.values():
                if (literal := self.huge_in(item)) is not None:
                    return literal
        return None


def struct_error(value: dict[str, Any], node: GoType) -> str | None:
    """Go's error for json.Unmarshal of `value` into the struct `node` alone (None: it decodes).
    The walk folds key case in place, so it runs on a copy."""
    walk = _Walk()
    try:
        walk.fields(copy.deepcopy(value), node, (), None)
    except OllamaError as error:  # from inside a type with its own UnmarshalJSON
        return error.message
    return walk.saved


_FLOAT64_LIMIT = FLOAT_LIMITS["float64"]
_READS_ANY = frozenset({"keep_alive"})  # decoders that read their value into an `any` first (api.Duration)


def _mismatch(value: Any, node: GoType, struct: str, path: tuple[str, ...], literals: dict[int, str] | None = None) -> str:
    kind = json_kind(value)
    if "number" in node.kinds and type(value) in (int, float):  # a fraction for an int, or out of range: Go names the literal
        kind = f"number {(literals or {}).get(id(value)) or json.dumps(value)}"
    return contracts.message("json_type", json_type=kind, go_struct=struct, field=".".join(path), go_type=node.go)


def _field_name(key: str, node: GoType) -> str:
    """The struct field a JSON key sets: its exact name, else the one it matches case-insensitively."""
    return key if key in (node.fields or {}) else (node.folded or {}).get(key.lower(), key)


def _fold_keys(value: dict[str, Any], node: GoType) -> dict[str, Any]:
    # Go sets the field each key names, in the order sent: of keys naming one field ("model",
    # "Model"), the last one sent wins. The dict is rewritten in place so that nested objects the
    # handlers read see the field names too.
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[_field_name(key, node)] = item
    value.clear()
    value.update(out)
    return value


# --- the common case: a body with nothing wrong ----------------------------------------------------
# _Walk says which error Go reports; most bodies have none. A check compiled once per Go type says
# only whether the body is well typed (folding keys as _Walk does), with no path, message or _Walk
# built: True means _Walk would find nothing; on False decode_body runs _Walk for Go's error.

_Check = Callable[[Any], bool]  # a value (never None) of one Go type: is it well typed throughout?
_ANY: frozenset[type] = frozenset({str, int, float, bool, list, dict, type(None)})
_PLANS: dict[tuple[Any, ...], tuple[GoType, _Check] | None] = {}  # by (endpoint, api[, unknown fields])


def _new_plan(endpoint: str, api: str, unknown: frozenset[str] = frozenset()) -> tuple[GoType, _Check] | None:
    """The Go type of `endpoint`'s body and its compiled check (None: nothing to check), kept."""
    root = request_type(endpoint, api)
    if root is not None and unknown and root.fields:  # an older struct: without the fields it lacked
        root = without_fields(root, unknown)
    plan = None if root is None else (root, _struct_check(root, {}))
    _PLANS[(endpoint, api, unknown) if unknown else (endpoint, api)] = plan
    return plan


def _accepts(node: GoType) -> frozenset[type]:
    """The Python types a plain field takes; null always leaves the Go value as it is."""
    return node.types | {type(None)} if node.types else _ANY


def _check_of(node: GoType, memo: dict[int, _Check]) -> _Check:
    """The check of a Go type that is not plain: its own decoder, a struct, or an array or map."""
    if id(node) not in memo:
        if node.decoder is not None:
            memo[id(node)] = _decoder_check(_DECODERS[node.decoder])
        elif node.fields is not None:
            memo[id(node)] = _struct_check(node, memo)
        elif node.base64:
            memo[id(node)] = _bytes_check
        else:
            memo[id(node)] = _items_check(node, memo)
    return memo[id(node)]


def _bytes_check(value: Any) -> bool:
    if type(value) is list:  # each element is a uint8 (null leaves a zero byte)
        return all(v is None or (type(v) is int and 0 <= v <= 255) for v in value)
    return type(value) is str and base64_error_offset(value.encode("utf-8")) is None


def _decoder_check(decode: Callable[[Any], None]) -> _Check:
    def check(value: Any) -> bool:
        try:
            decode(value)
        except OllamaError:
            return False
        return True

    return check


def _struct_check(node: GoType, memo: dict[int, _Check]) -> _Check:
    fields, folded = node.fields or {}, node.folded or {}
    plain = {key: _accepts(field) for key, field in fields.items() if field.plain and not field.bounds}
    # a number has a range as well (ints, floats): its types, then its bounds, checked inline too
    ranged = {key: (field.types, *field.bounds) for key, field in fields.items() if field.plain and field.bounds}
    inner = {key: _check_of(field, memo) for key, field in fields.items() if not field.plain}

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return False
        for key, item in value.items():
            accepted = plain.get(key)
            if accepted is not None:
                if type(item) not in accepted:
                    return False
            elif (bounded := ranged.get(key)) is not None:
                if item is not None and (type(item) not in bounded[0] or not bounded[1] <= item <= bounded[2]):
                    return False
            elif key in inner:
                if item is not None and not inner[key](item):
                    return False
            elif key.lower() in folded:  # another case of a field name: check by field, fold as _Walk does
                return _folded_check(value, node, plain, ranged, inner)
        return True

    return check


def _folded_check(value: dict[str, Any], node: GoType, plain: dict[str, frozenset[type]],
                  ranged: dict[str, tuple[frozenset[type], float, float]], inner: dict[str, _Check]) -> bool:
    """A struct with keys in another case: every value checked against the field its key names
    (one a later key overrides too, as Go decodes it); keys folded (in place) only when all are
    well typed, so that _Walk finds Go's error in the body as sent."""
    for key, item in value.items():
        name = _field_name(key, node)
        accepted = plain.get(name)
        if accepted is not None:
            if type(item) not in accepted:
                return False
        elif (bounded := ranged.get(name)) is not None:
            if item is not None and (type(item) not in bounded[0] or not bounded[1] <= item <= bounded[2]):
                return False
        elif name in inner and item is not None and not inner[name](item):
            return False
    _fold_keys(value, node)
    return True


def _items_check(node: GoType, memo: dict[int, _Check]) -> _Check:
    """An array or a map: its own JSON type, then every element (null elements are left alone)."""
    item, types = node.item, node.types
    if item is None or (item.plain and not item.types):
        return lambda value: not types or type(value) in types
    if item.plain:  # []string, []int, map[string]string, ...: no call per element
        accepted = _accepts(item)
        low, high = item.bounds or (0, 0)

        def plain_items(value: Any) -> bool:
            if types and type(value) not in types:
                return False
            for element in value if type(value) is list else value.values():
                if type(element) not in accepted or item.bounds and element is not None and not low <= element <= high:
                    return False
            return True

        return plain_items
    inside = _check_of(item, memo)

    def items(value: Any) -> bool:
        if types and type(value) not in types:
            return False
        for element in value if type(value) is list else value.values():
            if element is not None and not inside(element):
                return False
        return True

    return items


def _check_think(value: Any, levels: tuple[str, ...] = _THINK_LEVELS, suffix: str = "") -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        if value not in levels:
            raise OllamaError.of("think_bad_string" + suffix, value=value)
        return
    raise OllamaError.of("think_bad_type" + suffix)


def _check_think_before_max(value: Any) -> None:
    """api.ThinkValue of the releases before v0.22.0, which added the level "max"."""
    _check_think(value, _THINK_LEVELS_BEFORE_MAX, "_before_max")


def _check_keep_alive(value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not -_FLOAT64_LIMIT < value < _FLOAT64_LIMIT:  # read into an `any`: _Walk names the field
            raise number_error(str(value))
        return
    if isinstance(value, str):
        try:
            parse_go_duration(value)
        except ValueError as exc:
            raise OllamaError(400, str(exc)) from None
        return
    raise OllamaError.of("keep_alive_bad_type", go_type=_GO_KIND.get(type(value), "string"))


def _check_property_type(value: Any) -> None:
    """api.PropertyType.UnmarshalJSON: a string, else a []string, whose decode error it returns."""
    if isinstance(value, str):
        return
    if isinstance(value, list):
        for item in value:
            if item is not None and not isinstance(item, str):
                raise OllamaError(400, f"json: cannot unmarshal {json_kind(item)} into Go value of type string")
        return
    raise OllamaError(400, f"json: cannot unmarshal {json_kind(value)} into Go value of type []string")


_DECODERS = {"think": _check_think, "think_before_max": _check_think_before_max, "keep_alive": _check_keep_alive, "property_type": _check_property_type,
             "anthropic_messages": check_messages}


def _lower_roles(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if type(messages) is list:  # JSON values: exact types
        for message in messages:
            if type(message) is dict and type(role := message.get("role")) is str:
                message["role"] = role.lower()
