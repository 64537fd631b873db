"""The Go types Ollama decodes each request body into, built once per endpoint from its request schema.

The schema says the JSON type of every field, at any depth (following `$ref` into
common/defs.json and the like); the schemas name only the top-level Go struct (`x-go-struct`) and
some Go types (`x-go-type`), so the nested Go structs Ollama uses (api.Message, api.Tool, ...) are
named here, with whether they have their own UnmarshalJSON (that changes Go's error: see decode.py).
A nested object the table does not name is left unchecked: its Go type may be json.RawMessage or
`any`, which take every value. `options` is a map[string]any: its values fail later (§0.8).

A number has a range as well as a kind: an int's (int64, uint8, ...), and a float's, past which
Go's strconv.ParseFloat(text, 32 or 64) rounds to infinity. A `free` type (interface {} and maps
and slices of it) holds any JSON, but Go reads each number in it as a float64 and refuses one that
does not fit, naming the field the value is in (decode.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ollama_conformance import contracts

_PACKAGE = {"native": "api", "openai": "openai", "anthropic": "anthropic"}
_KIND = {"string": "string", "integer": "number", "number": "number", "boolean": "bool", "object": "object", "array": "array"}
_GO = {"string": "string", "integer": "int", "number": "float64", "boolean": "bool",
       "object": "map[string]interface {}", "array": "[]interface {}"}
_PACKAGES = ("api.", "openai.", "anthropic.")
_PYTHON: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float), "bool": (bool,),
                                        "array": (list,), "object": (dict,)}
_INTS = frozenset({"int", "int32", "int64", "uint", "uint32", "uint64"})
_BOUNDS = {"int": (-(2**63), 2**63 - 1), "int64": (-(2**63), 2**63 - 1), "int32": (-(2**31), 2**31 - 1),
           "uint": (0, 2**64 - 1), "uint64": (0, 2**64 - 1), "uint32": (0, 2**32 - 1),
           "uint8": (0, 255)}  # a 64-bit Go's
# The least number each float type rounds to infinity (MaxFloat plus half its last step: the tie
# rounds to the even infinity). A float field's bounds are its largest finite value (a float
# compares fastest with a float): a number past it that still rounds to it is decided by decode.py.
FLOAT_LIMITS = {"float32": 2**128 - 2**103, "float64": 2**1024 - 2**970}
_FLOAT_MAX = {"float32": float((2**24 - 1) * 2**104), "float64": float((2**53 - 1) * 2**971)}
_FREE = frozenset({"interface {}", "map[string]interface {}", "[]interface {}"})  # Go's `any` inside
_DECODERS = ("think", "keep_alive")  # top-level fields with Ollama's own decoders (decode.py)


@dataclass(frozen=True)
class GoType:
    """One Go type: the JSON kinds it accepts and, for structs, arrays and maps, what is inside."""

    go: str  # the Go type named in messages ("[]api.Message", "string")
    kinds: frozenset[str] = frozenset()  # JSON kinds Go accepts; empty: anything
    integer: bool = False  # an int: a number with a fraction does not fit
    custom: bool = False  # has its own UnmarshalJSON: an error inside ends decoding at once
    struct: str = ""  # Go struct name, for "Go struct field <Struct>.<path>"
    fields: dict[str, GoType] | None = None  # struct fields by JSON name
    folded: dict[str, str] | None = None  # lower-cased JSON name -> JSON name (Go matches either)
    item: GoType | None = None  # array element or map value
    decoder: str | None = None  # "think" / "keep_alive": checked by that decoder instead
    base64: bool = False  # a Go []byte: a string is base64, decoded (and refused) while the body is
    types: frozenset[type] = field(init=False)  # the Python types of the accepted kinds (empty: any)
    plain: bool = field(init=False)  # a scalar with nothing inside and no own decoder
    bounds: tuple[float, float] | None = field(init=False)  # an int's or a float's range (see _FLOAT_MAX)
    free: bool = field(init=False)  # Go's `any` (or a map or slice of it): every number in it a float64

    def __post_init__(self) -> None:
        types = {t for kind in self.kinds for t in _PYTHON[kind]}
        if self.integer:
            types.discard(float)  # Go refuses 1.5 (and 1.0) for an int
        object.__setattr__(self, "types", frozenset(types))
        object.__setattr__(self, "bounds", _bounds(self.go.lstrip("*"), self.integer))
        object.__setattr__(self, "free", self.go in _FREE)
        inside = self.fields is not None or self.item is not None
        object.__setattr__(self, "plain", not (inside or self.custom or self.decoder or self.base64))


def _bounds(go: str, integer: bool) -> tuple[float, float] | None:
    if integer:
        return _BOUNDS.get(go, _BOUNDS["int"])
    largest = _FLOAT_MAX.get(go)
    return None if largest is None else (-largest, largest)


_UINT8 = GoType("uint8", frozenset({"number"}), integer=True)  # one byte of a []byte sent as numbers

# Schema locations and struct fields whose Go type the schemas do not name: (Go type, own
# UnmarshalJSON, unchecked inside). Ollama's api.Message lowercases the role in its UnmarshalJSON.
_NAMED: dict[str, tuple[str, bool, bool]] = {
    "common/defs.json#/definitions/message_request": ("api.Message", True, False),
    "common/defs.json#/definitions/tool": ("api.Tool", False, False),
    "common/defs.json#/definitions/tool_call_request": ("api.ToolCall", False, False),
    "common/defs.json#/definitions/tool_call_function_request": ("api.ToolCallFunction", False, False),
    "common/defs.json#/definitions/tool_property": ("api.ToolProperty", False, False),
    "common/defs.json#/definitions/options": ("map[string]interface {}", False, True),
    "Tool.function": ("api.ToolFunction", False, False),
    "ToolFunction.parameters": ("api.ToolFunctionParameters", False, False),
    "ToolFunctionParameters.properties": ("api.ToolPropertiesMap", True, False),  # keeps key order
    "ToolProperty.properties": ("api.ToolPropertiesMap", True, False),
    "ToolCallFunction.arguments": ("api.ToolCallFunctionArguments", True, True),
}
_BYTES = {"common/defs.json#/definitions/image_base64": "api.ImageData"}  # []byte: base64 text or numbers
# Fields of a type the schema says nothing of: Go keeps a json.RawMessage as sent (a number in it is
# not read), and reads an `any` as JSON values, every number a float64
_UNTYPED = {"GenerateRequest.format": "json.RawMessage", "ChatRequest.format": "json.RawMessage",
            "Message.content": "interface {}"}  # openai.Message's content (api.Message's is a string)
# Nested fields whose Go type has an UnmarshalJSON that decode.py reproduces (its _DECODERS)
_NESTED_DECODERS = {"ToolProperty.type": ("api.PropertyType", "property_type"),
                    "MessagesRequest.messages": ("[]anthropic.MessageParam", "anthropic_messages")}


@cache
def request_type(endpoint: str, api: str) -> GoType | None:
    """The Go struct `endpoint`'s body decodes into (None: nothing to check)."""
    try:
        path = contracts.operation(endpoint).get("request")
        document = contracts.schema(path) if path else None
    except (KeyError, OSError, ValueError):
        document, path = None, None
    if not document or not path or "x-go-struct" not in document:
        return fallback_type(endpoint)
    struct = str(document["x-go-struct"])
    known = FALLBACK.get(endpoint, {})
    fields = {key: _top_field(key, prop, path, struct, known.get(key)) for key, prop in document.get("properties", {}).items()}
    return _struct(f"{_PACKAGE.get(api, 'api')}.{struct}", struct, fields)


# Among an older release's missing names: its think decoder predates the level "max" (v0.22.0)
NO_THINK_MAX = "think:max"


def without_fields(node: GoType, names: frozenset[str]) -> GoType:
    """The struct `node` of an older release: without the fields `names`, and with the think
    decoder of before "max" when NO_THINK_MAX is among them."""
    fields = {k: v for k, v in (node.fields or {}).items() if k not in names}
    if NO_THINK_MAX in names and "think" in fields:
        fields["think"] = GoType("think", decoder="think_before_max")
    return _struct(node.go, node.struct, fields, node.custom)


def _struct(go: str, struct: str, fields: dict[str, GoType], custom: bool = False) -> GoType:
    folded = {name.lower(): name for name in reversed(list(fields))}
    return GoType(go, frozenset({"object"}), custom=custom, struct=struct, fields=fields, folded=folded)


def _top_field(key: str, prop: dict[str, Any], doc: str, struct: str, known: str | None) -> GoType:
    if key in _DECODERS:
        return GoType(key, decoder=key)
    if f"{struct}.{key}" in _NESTED_DECODERS:
        go_name, decoder = _NESTED_DECODERS[f"{struct}.{key}"]
        return GoType(go_name, decoder=decoder)
    node, loc = _resolve(prop, doc)
    kind = _single_type(node)
    if kind is None:
        return GoType(str(node.get("x-go-type") or _UNTYPED.get(f"{struct}.{key}", "interface {}")))
    go = node.get("x-go-type") or (known if known and _go_kind(known) == _KIND[kind] else _GO[kind])
    return _shaped(node, loc, f"{struct}.{key}", str(go), kind)


def _field(prop: Any, doc: str, name: str, hint: str | None) -> GoType | None:
    """A nested field's Go type; None when nothing can be said about it."""
    if not isinstance(prop, dict):
        return None
    if name in _NESTED_DECODERS:
        go_name, decoder = _NESTED_DECODERS[name]
        return GoType(go_name, decoder=decoder)
    node, loc = _resolve(prop, doc)
    node = _non_null(node)
    if node.get("x-go-ignored"):  # documented for clients, but the Go struct has no such field
        return None
    if loc in _BYTES:  # base64 text, or a JSON array of bytes (each a uint8)
        return GoType(_BYTES[loc], frozenset({"string", "array"}), base64=True, item=_UINT8)
    kind = _single_type(node)
    named = _NAMED.get(loc) or _NAMED.get(name)
    go = named[0] if named else node.get("x-go-type") or hint
    if kind is None and name in _UNTYPED:
        return GoType(_UNTYPED[name])
    if kind is None or (kind == "object" and not go):
        return None
    return _shaped(node, loc, name, str(go or _GO[kind]), kind)


def _shaped(node: dict[str, Any], loc: str, name: str, go: str, kind: str) -> GoType:
    """A field of JSON type `kind` and Go type `go`, with its inside when it has one."""
    doc = loc.split("#", 1)[0]
    named = _NAMED.get(loc) or _NAMED.get(name)
    custom, opaque = (named[1], named[2]) if named else (False, False)
    if kind == "array":
        hint = go[2:] if go.startswith("[]") and go != _GO["array"] else None
        item = _field(node.get("items"), doc, "", hint)
        go = f"[]{item.go}" if item is not None and go == _GO["array"] else go  # "[]string", not "[]interface {}"
        return GoType(go, frozenset({"array"}), custom=custom, item=item)
    typed_map = go.startswith("map[string]") and go != _GO["object"]
    if kind != "object" or opaque or not (named or typed_map or "x-go-type" in node or go.startswith(_PACKAGES)):
        return GoType(go, frozenset({_KIND[kind]}), integer=go in _INTS, custom=custom)
    if "properties" in node:
        # an anonymous struct has no name: Go's message then reads "Go struct field .<path>"
        struct = "" if go.startswith("struct {") else go.lstrip("*[]").rsplit(".", 1)[-1]
        fields = {k: f for k, p in node["properties"].items() if (f := _field(p, doc, f"{struct}.{k}", None)) is not None}
        return _struct(go, struct, fields, custom)
    extra = node.get("additionalProperties")
    hint = go[len("map[string]"):] if typed_map else None
    item = _field(extra, doc, "", hint) if isinstance(extra, dict) else None
    return GoType(go, frozenset({"object"}), custom=custom, item=item)


def _resolve(prop: dict[str, Any], doc: str) -> tuple[dict[str, Any], str]:
    """`prop` with its `$ref` followed (relative file and JSON pointer); the location it came from."""
    loc = doc
    for _ in range(8):  # refs to refs are short chains
        ref = prop.get("$ref")
        if not isinstance(ref, str):
            break
        file_part, _, pointer = ref.partition("#")
        loc_doc = _join(doc.rsplit("/", 1)[0] if "/" in doc else "", file_part) if file_part else doc.split("#", 1)[0]
        target: Any = contracts.schema(loc_doc)
        for step in [p for p in pointer.split("/") if p]:
            target = target.get(step, {}) if isinstance(target, dict) else {}
        prop, doc, loc = (target if isinstance(target, dict) else {}), loc_doc, f"{loc_doc}#{pointer}"
    return prop, loc


def _join(base: str, relative: str) -> str:
    parts = base.split("/") if base else []
    for piece in relative.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _non_null(node: dict[str, Any]) -> dict[str, Any]:
    """An `anyOf` whose only other branch is null is that branch (null decodes as nothing)."""
    branches = node.get("anyOf")
    if isinstance(branches, list):
        rest = [b for b in branches if isinstance(b, dict) and b.get("type") != "null"]
        if len(rest) == 1 and len(branches) == 2:
            return rest[0]
    return node


def _single_type(node: dict[str, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return kind if isinstance(kind, str) and kind in _KIND else None


def _go_kind(go: str) -> str:
    if go.startswith("[]") or go == "api.Tools":
        return "array"
    if go.startswith("map[") or go == "api.Options":
        return "object"
    return {"string": "string", "bool": "bool", "int": "number", "float64": "number"}.get(go, "any")


def fallback_type(endpoint: str) -> GoType | None:
    """Top-level types from FALLBACK, for an endpoint whose schema has no x-go-struct."""
    if endpoint not in FALLBACK:
        return None
    struct, fields = FALLBACK_STRUCT[endpoint], FALLBACK[endpoint]
    nodes = {k: GoType(k, decoder=k) if k in _DECODERS else
             GoType(go, frozenset() if _go_kind(go) == "any" else frozenset({_go_kind(go)}), integer=go in _INTS)
             for k, go in fields.items()}
    return _struct(f"api.{struct}", struct, nodes)


_OPTS = "map[string]interface {}"
_MSGS = "[]api.Message"
FALLBACK_STRUCT = {"POST /api/generate": "GenerateRequest", "POST /api/chat": "ChatRequest", "POST /api/embed": "EmbedRequest",
                   "POST /api/embeddings": "EmbeddingRequest", "POST /api/create": "CreateRequest",
                   "POST /api/show": "ShowRequest", "POST /api/copy": "CopyRequest", "DELETE /api/delete": "DeleteRequest",
                   "POST /api/pull": "PullRequest", "POST /api/push": "PushRequest"}
FALLBACK: dict[str, dict[str, str]] = {  # Go type names of top-level fields ("any": not checked)
    "POST /api/generate": dict(model="string", prompt="string", suffix="string", system="string", template="string",
                               context="[]int", stream="bool", raw="bool", format="any", images="[]api.ImageData",
                               options=_OPTS, logprobs="bool", top_logprobs="int", keep_alive="any", think="any"),
    "POST /api/chat": dict(model="string", messages=_MSGS, stream="bool", format="any", tools="api.Tools",
                           options=_OPTS, logprobs="bool", top_logprobs="int", keep_alive="any", think="any"),
    "POST /api/embed": dict(model="string", input="any", truncate="bool", dimensions="int", options=_OPTS, keep_alive="any"),
    "POST /api/embeddings": dict(model="string", prompt="string", options=_OPTS, keep_alive="any"),
    "POST /api/create": dict(model="string", stream="bool", quantize="string", files="map[string]string",
                             adapters="map[string]string", template="string", license="any", system="string",
                             parameters=_OPTS, messages=_MSGS, name="string", **{"from": "string"}),
    "POST /api/show": dict(model="string", system="string", verbose="bool", options=_OPTS, name="string"),
    "POST /api/copy": dict(source="string", destination="string"),
    "DELETE /api/delete": dict(model="string", name="string"),
    "POST /api/pull": dict(model="string", insecure="bool", stream="bool", name="string"),
    "POST /api/push": dict(model="string", insecure="bool", stream="bool", name="string"),
}
