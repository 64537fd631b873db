"""Request bodies decoded the way Ollama's Go code decodes them, errors included (reference §0.4).

Empty body, Go's json.Decoder syntax messages, Go type-mismatch messages checked against the
request schema's top-level property types (precomputed once per endpoint), and the custom
`think` / `keep_alive` decoders. Gin's decoder reads the first JSON value and ignores the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from ollama_conformance import contracts

from .errors import OllamaError

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_THINK_LEVELS = ("high", "medium", "low", "max")
_KIND_OF: dict[type, str] = {str: "string", list: "array", dict: "object"}
_GO_KIND: dict[type, str] = {bool: "bool", dict: "map[string]interface {}", list: "[]interface {}"}
_PACKAGE = {"native": "api", "openai": "openai", "anthropic": "anthropic"}


@dataclass(frozen=True)
class Rules:
    struct: str  # Go struct name for field errors ("ChatRequest")
    package: str
    fields: dict[str, tuple[str, str]]  # json key -> (JSON kind accepted, Go type name)


def decode_body(endpoint: str, api: str, raw: bytes) -> Any:
    """The decoded request body of `endpoint`; OllamaError(400) with Go's message when it is not."""
    if not raw.strip():
        raise OllamaError(400, contracts.message("missing_body" if api == "native" else "v1_empty_body"))
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except ValueError:
        value = json.loads(text[: _Scanner(text).scan()])  # Go stops after the first value
    if value is None:
        return {}
    rules = rules_for(endpoint, api)
    if rules is None:
        return value
    if not isinstance(value, dict):
        kind = _json_kind(value)
        raise OllamaError(400, f"json: cannot unmarshal {kind} into Go value of type {rules.package}.{rules.struct}")
    body = _fold_keys(value, rules.fields)
    _check_fields(body, rules)
    if api == "native":
        _lower_roles(body)
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python accepts NaN/Infinity; Go does not


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return _KIND_OF[type(value)]


def _fold_keys(value: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    # Go matches JSON keys to struct fields case-insensitively (an exact key wins).
    lowered = {name.lower(): name for name in fields}
    out: dict[str, Any] = {}
    for key, item in value.items():
        target = key if key in fields else lowered.get(key.lower(), key)
        if target == key or target not in value:
            out[target] = item
    return out


def _check_fields(body: dict[str, Any], rules: Rules) -> None:
    # Go keeps the first type mismatch and goes on; a custom decoder's error aborts at once.
    first: str | None = None
    for key, item in body.items():
        spec = rules.fields.get(key)
        if spec is None or item is None:
            continue
        if key == "think":
            _check_think(item)
        elif key == "keep_alive":
            _check_keep_alive(item)
        elif first is None:
            first = _type_error(item, spec, f"{rules.struct}.{key}")
    if first is not None:
        raise OllamaError(400, first)


def _type_error(value: Any, spec: tuple[str, str], where: str) -> str | None:
    kind, go_type = spec
    actual = _json_kind(value)
    if kind == "any" or (kind == actual and not (go_type == "int" and isinstance(value, float))):
        return None
    if kind == actual:  # a fraction for an int field: Go names the literal
        actual = f"number {json.dumps(value)}"
    return contracts.message("json_type", json_type=actual, go_struct=where.split(".")[0],
                             field=where.split(".", 1)[1], go_type=go_type)


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


# --- Go encoding/json syntax errors -------------------------------------------------------------


class _Scanner:
    """Finds the end of the first JSON value, or raises Go's decoder message for the first error."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def scan(self) -> int:
        self._value("looking for beginning of value")
        return self.pos

    def _peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1
        if self.pos >= len(self.text):
            raise OllamaError.of("json_eof")
        return self.text[self.pos]

    def _fail(self, context: str) -> OllamaError:
        return OllamaError(400, f"invalid character {_quote_char(self.text[self.pos])} {context}")

    def _value(self, context: str) -> None:
        ch = self._peek()
        if ch == "{":
            self._container("}", "looking for beginning of object key string", "after object key:value pair")
        elif ch == "[":
            self._container("]", "", "after array element")
        elif ch == '"':
            self._string()
        elif ch == "-" or ch.isdigit():
            self._number()
        elif ch in "tfn":
            self._literal({"t": "true", "f": "false", "n": "null"}[ch])
        else:
            raise self._fail(context)

    def _container(self, close: str, key_context: str, after: str) -> None:
        self.pos += 1
        if self._peek() == close:
            self.pos += 1
            return
        while True:
            if close == "}":
                if self._peek() != '"':
                    raise self._fail(key_context)
                self._string()
                if self._peek() != ":":
                    raise self._fail("after object key")
                self.pos += 1
            self._value("looking for beginning of value")
            ch = self._peek()
            self.pos += 1
            if ch == close:
                return
            if ch != ",":
                self.pos -= 1
                raise self._fail(after)

    def _string(self) -> None:
        self.pos += 1
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                self.pos += 1
                return
            if ch < " ":
                raise self._fail("in string literal")
            if ch == "\\":
                self.pos += 1
                self._escape()
            self.pos += 1
        raise OllamaError.of("json_eof")

    def _escape(self) -> None:
        if self.pos >= len(self.text):
            raise OllamaError.of("json_eof")
        if self.text[self.pos] == "u":
            for _ in range(4):
                self.pos += 1
                if self.pos >= len(self.text):
                    raise OllamaError.of("json_eof")
                if self.text[self.pos] not in "0123456789abcdefABCDEF":
                    raise self._fail("in \\u hexadecimal character escape")
        elif self.text[self.pos] not in '"\\/bfnrt':
            raise self._fail("in string escape code")

    def _number(self) -> None:
        if self.text[self.pos] == "-":
            self._digits("in numeric literal", need=True)
        if self.text[self.pos] == "0":
            self.pos += 1
        else:
            self._digits("in numeric literal", need=False)
        if self._at("."):
            self._digits("after decimal point in numeric literal", need=True)
        if self._at("e") or self._at("E"):
            if self.pos + 1 < len(self.text) and self.text[self.pos + 1] in "+-":
                self.pos += 1
            self._digits("in exponent of numeric literal", need=True)

    def _at(self, ch: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == ch

    def _digits(self, context: str, need: bool) -> None:
        if need:
            self.pos += 1
            if self.pos >= len(self.text):
                raise OllamaError.of("json_eof")
            if not self.text[self.pos].isdigit():
                raise self._fail(context)
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1

    def _literal(self, word: str) -> None:
        for i, expected in enumerate(word):
            if self.pos >= len(self.text):
                raise OllamaError.of("json_eof")
            if self.text[self.pos] != expected:
                raise self._fail(f"in literal {word} (expecting {_quote_char(expected)})")
            self.pos += 1 if i < len(word) else 0


def _quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    inner = json.dumps(ch, ensure_ascii=False)[1:-1]  # close to strconv.Quote for one character
    return f"'{inner}'"


# --- per-endpoint field rules ----------------------------------------------------------------------

_KIND = {"string": "string", "integer": "number", "number": "number", "boolean": "bool",
         "object": "object", "array": "array"}
_GO = {"string": "string", "integer": "int", "number": "float64", "boolean": "bool",
       "object": "map[string]interface {}", "array": "[]interface {}"}


@cache
def rules_for(endpoint: str, api: str) -> Rules | None:
    """Top-level field types of `endpoint`'s request schema (None: nothing to check)."""
    try:
        path = contracts.operation(endpoint).get("request")
        document = contracts.schema(path) if path else None
    except (KeyError, OSError, ValueError):
        document, path = None, None
    if not document or "x-go-struct" not in document:
        return _FALLBACK.get(endpoint)
    known = _FALLBACK[endpoint].fields if endpoint in _FALLBACK else {}
    base = path.rsplit("/", 1)[0] if path else ""
    fields = {key: _field(_resolve(prop, base), known.get(key)) for key, prop in document.get("properties", {}).items()}
    return Rules(str(document["x-go-struct"]), _PACKAGE.get(api, "api"), fields)


def _resolve(prop: dict[str, Any], base: str) -> dict[str, Any]:
    """One level of relative $ref ("../common/defs.json#/definitions/x"), enough for top-level types."""
    ref = prop.get("$ref")
    if not isinstance(ref, str):
        return prop
    file_part, _, pointer = ref.partition("#")
    target = contracts.schema(_join(base, file_part)) if file_part else {}
    for step in [p for p in pointer.split("/") if p]:
        target = target.get(step, {})
    return target if isinstance(target, dict) else {}


def _join(base: str, relative: str) -> str:
    parts = base.split("/") if base else []
    for piece in relative.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _field(prop: dict[str, Any], known: tuple[str, str] | None) -> tuple[str, str]:
    kind = prop.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if not isinstance(kind, str) or kind not in _KIND:
        return ("any", str(prop.get("x-go-type", "interface {}")))
    go = prop.get("x-go-type") or (known[1] if known and known[0] == _KIND[kind] else _GO[kind])
    return (_KIND[kind], str(go))


def _r(struct: str, **fields: str) -> Rules:
    specs = {key: (("any", "json.RawMessage") if go == "any" else (_go_kind(go), go)) for key, go in fields.items()}
    return Rules(struct, "api", specs)


def _go_kind(go: str) -> str:
    if go.startswith("[]") or go == "api.Tools":
        return "array"
    if go.startswith("map[") or go == "api.Options":
        return "object"
    return {"string": "string", "bool": "bool", "int": "number", "float64": "number"}.get(go, "any")


_OPTS = "map[string]interface {}"
_MSGS = "[]api.Message"
_FALLBACK = {  # used until the request schemas carry x-go-struct (they are the source when they do)
    "POST /api/generate": _r("GenerateRequest", model="string", prompt="string", suffix="string", system="string",
                             template="string", context="[]int", stream="bool", raw="bool", format="any",
                             images="[]api.ImageData", options=_OPTS, logprobs="bool", top_logprobs="int",
                             keep_alive="any", think="any"),
    "POST /api/chat": _r("ChatRequest", model="string", messages=_MSGS, stream="bool", format="any",
                         tools="api.Tools", options=_OPTS, logprobs="bool", top_logprobs="int",
                         keep_alive="any", think="any"),
    "POST /api/embed": _r("EmbedRequest", model="string", input="any", truncate="bool", dimensions="int",
                          options=_OPTS, keep_alive="any"),
    "POST /api/embeddings": _r("EmbeddingRequest", model="string", prompt="string", options=_OPTS, keep_alive="any"),
    "POST /api/create": _r("CreateRequest", model="string", stream="bool", quantize="string", **{"from": "string"},
                           files="map[string]string", adapters="map[string]string", template="string",
                           license="any", system="string", parameters=_OPTS, messages=_MSGS, name="string"),
    "POST /api/show": _r("ShowRequest", model="string", system="string", verbose="bool", options=_OPTS, name="string"),
    "POST /api/copy": _r("CopyRequest", source="string", destination="string"),
    "DELETE /api/delete": _r("DeleteRequest", model="string", name="string"),
    "POST /api/pull": _r("PullRequest", model="string", insecure="bool", stream="bool", name="string"),
    "POST /api/push": _r("PushRequest", model="string", insecure="bool", stream="bool", name="string"),
}


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
