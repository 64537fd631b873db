"""The native contracts: well-formed documents, conventions, and valid/invalid examples per endpoint.

Examples come from the reference (ollama-api.md). Validation uses the local shim of the
`schema_shim` fixture (Draft7Validator and a referencing Registry of every schema file), so these
tests do not depend on `contracts.validate`.
"""

from __future__ import annotations

import copy
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator
from referencing import Registry

from ollama_conformance import contracts

ROOT = Path(str(resources.files("ollama_conformance.contracts")))
ID_BASE = "https://ollama-conformance.invalid/"
TS = "2026-08-21T17:02:11.512309Z"
LOCAL_TS = "2025-05-10T08:06:48.639712648-07:00"
HEX = "6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa"
GO_STRUCTS = {
    "generate": "GenerateRequest",
    "chat": "ChatRequest",
    "embed": "EmbedRequest",
    "embeddings": "EmbeddingRequest",
    "create": "CreateRequest",
    "pull": "PullRequest",
    "push": "PushRequest",
    "show": "ShowRequest",
    "copy": "CopyRequest",
    "delete": "DeleteRequest",
}


def _native_files() -> list[str]:
    return sorted(p.name for p in (ROOT / "schemas" / "native").glob("*.json"))


def _errors(shim: Any, path: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in shim.validator(path).iter_errors(instance)]


@pytest.mark.parametrize("name", ["../common/defs.json"] + _native_files())
def test_document_is_draft07_with_its_id(name: str) -> None:
    path = "native/" + name if not name.startswith("..") else "common/defs.json"
    doc = contracts.schema(path)
    Draft7Validator.check_schema(doc)
    assert doc["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert doc["$id"] == ID_BASE + path


def test_every_native_route_has_its_documents() -> None:
    named = set()
    for endpoint in contracts.operations():
        op = contracts.operation(endpoint)
        if op["api"] != "native":
            continue
        docs = [op["request"], (op["response"] or {}).get("schema"), (op["stream"] or {}).get("chunk")]
        docs += [(op["errors"] or {}).get("schema")]
        docs += [v[k] for v in op["variants"] for k in ("request", "response", "chunk") if k in v]
        named |= {d for d in docs if d}
    assert {"native/" + n for n in _native_files()} == named, "files and index entries must match"


def test_every_ref_resolves(schema_shim: Any) -> None:
    for name in _native_files():
        doc = contracts.schema("native/" + name)
        resolver = schema_shim.registry().resolver(base_uri=doc["$id"])
        for sub in schema_shim.walk(doc):
            if isinstance(sub.get("$ref"), str):
                resolver.lookup(sub["$ref"])  # raises when the target is missing


@pytest.mark.parametrize("kind", sorted(GO_STRUCTS))
def test_request_schema_conventions(kind: str, schema_shim: Any) -> None:
    doc = contracts.schema(f"native/{kind}.request.json")
    assert doc["x-go-struct"] == GO_STRUCTS[kind]
    assert doc.get("additionalProperties", True) is True, "Ollama ignores unknown fields"
    assert _keywords(_inline(schema_shim.registry(), doc)) <= SIMPLE_KEYWORDS, "request schemas keep to keywords generators handle"


def _keywords(schema: Any) -> set[str]:
    """The keywords used in a schema and its sub-schemas (not property names, not enum values)."""
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    subs = list(schema.get("properties", {}).values()) + schema.get("anyOf", []) + schema.get("oneOf", [])
    subs += [schema[k] for k in ("items", "additionalProperties") if k in schema]
    return found.union(*(_keywords(sub) for sub in subs))


def _response_objects() -> list[tuple[str, dict[str, Any]]]:
    defs = contracts.schema("common/defs.json")["definitions"]
    out = [
        (f"defs/{k}", defs[k]) for k in ("message", "tool_call", "model_details", "logprob", "top_logprob")
    ]
    for name in _native_files():
        if ".request." in name or ".before-" in name:
            continue
        doc = contracts.schema("native/" + name)
        out += [(name, doc)] + [
            (f"{name}#{k}", d) for k, d in doc.get("definitions", {}).items() if "properties" in d
        ]
    return out


@pytest.mark.parametrize("name,obj", _response_objects(), ids=[n for n, _ in _response_objects()])
def test_response_object_conventions(name: str, obj: dict[str, Any]) -> None:
    """Closed objects; a field is optional exactly when Ollama drops it when empty (x-omitempty)."""
    assert obj["additionalProperties"] is False
    for key, prop in obj["properties"].items():
        omitted = isinstance(prop, dict) and prop.get("x-omitempty") is True
        assert omitted == (key not in obj.get("required", [])), key


@pytest.mark.parametrize("kind", ["generate", "chat"])
def test_chunk_and_response_share_key_order(kind: str) -> None:
    chunk = contracts.key_order(f"native/{kind}.chunk.json")
    assert chunk == contracts.key_order(f"native/{kind}.response.json")
    assert chunk[:4] == ("model", "remote_model", "remote_host", "created_at")


def test_variants_name_ordered_ranges() -> None:
    for endpoint in contracts.operations():
        ranges = [(v.get("since") or "0.0.0", v["until"]) for v in contracts.operation(endpoint)["variants"]]
        keyed = sorted((_version(a), _version(b)) for a, b in ranges)
        for (lo, hi), (nxt, _) in zip(keyed, keyed[1:], strict=False):
            assert lo < hi <= nxt, f"{endpoint}: variant ranges overlap"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


# --- hypothesis: request schemas stay generable, and what they generate they accept ---------------


def _inline(registry: Registry, node: Any, base: str = "") -> Any:
    """The document with every $ref replaced by its target (request schemas have no cycles)."""
    if isinstance(node, list):
        return [_inline(registry, x, base) for x in node]
    if not isinstance(node, dict):
        return node
    base = node.get("$id", base)
    if "$ref" in node:
        target = registry.resolver(base_uri=base).lookup(node["$ref"]).contents
        return _inline(registry, copy.deepcopy(target), urldefrag(urljoin(base, node["$ref"])).url)
    return {k: _inline(registry, v, base) for k, v in node.items() if k not in ("$id", "$schema", "definitions")}


def _strategy(schema: Any) -> st.SearchStrategy[Any]:
    """Instances of an inlined request schema, from the simple keywords requests may use only."""
    if schema is True or schema == {}:
        return st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    unknown = set(schema) - SIMPLE_KEYWORDS
    assert not unknown, f"request schemas keep to simple keywords; found {unknown}"
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        return st.one_of([_strategy(_merge(base, b)) for b in branches])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_strategy({**schema, "type": k}) for k in kind])
    return _TYPED[kind](schema)


def _merge(base: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **branch}
    if "properties" in base and "properties" in branch:  # a branch that tightens a field (model or name)
        merged["properties"] = {**base["properties"], **branch["properties"]}
    if "required" in base and "required" in branch:
        merged["required"] = base["required"] + branch["required"]
    return merged


def _object(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = {k: _strategy(v) for k, v in schema.get("properties", {}).items()}
    required = schema.get("required", [])
    fixed = st.fixed_dictionaries(
        {k: props[k] for k in required}, optional={k: v for k, v in props.items() if k not in required}
    )
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, dict) or props:
        return fixed
    return st.dictionaries(st.text(min_size=1, max_size=8), _strategy(extra), max_size=2)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(min_size=schema.get("minLength", 0), max_size=8)


_TYPED: dict[Any, Any] = {
    "object": _object,
    "string": _string,
    "array": lambda s: st.lists(_strategy(s.get("items", True)), min_size=s.get("minItems", 0), max_size=3),
    "integer": lambda s: st.integers(s.get("minimum"), s.get("maximum")),
    "number": lambda s: st.floats(s.get("minimum"), s.get("maximum"), allow_nan=False, allow_infinity=False),
    "boolean": lambda s: st.booleans(),
    "null": lambda s: st.none(),
}
SIMPLE_KEYWORDS = {
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "items",
    "anyOf",
    "oneOf",
    "minimum",
    "maximum",
    "pattern",
    "minLength",
    "minItems",
    "additionalProperties",
    "description",
    "title",
    "$comment",
    "x-go-struct",
    "x-omitempty",
    "x-since",
}


@pytest.mark.parametrize("kind", sorted(GO_STRUCTS))
def test_requests_generate_and_validate(kind: str, schema_shim: Any) -> None:
    path = f"native/{kind}.request.json"
    strategy = _strategy(_inline(schema_shim.registry(), contracts.schema(path)))
    schema_shim.check_generated(partial(_errors, schema_shim), path, strategy, 10)


def test_hypothesis_jsonschema_generates_requests(schema_shim: Any) -> None:
    """hypothesis-jsonschema itself, when it works with the installed hypothesis."""
    schema_shim.require_hypothesis_jsonschema()
    for kind in sorted(GO_STRUCTS):
        path = f"native/{kind}.request.json"
        strategy = from_schema(_inline(schema_shim.registry(), contracts.schema(path)))
        schema_shim.check_generated(partial(_errors, schema_shim), path, strategy, 5)


@settings(max_examples=15, derandomize=True, deadline=None)
@given(
    st.text(max_size=12)
    | st.from_regex(r"[-+]?[0-9.]{0,3}(ns|us|ms|s|m|h|x)?([0-9]{1,2}(s|m|d))?", fullmatch=True)
)
def test_keep_alive_strings_follow_go_durations(schema_shim: Any, text: str) -> None:
    accepted = not _errors(schema_shim, "native/generate.request.json", {"model": "m", "keep_alive": text})
    assert accepted == _go_duration_ok(text)


def _go_duration_ok(text: str) -> bool:
    """A tiny model of Go's time.ParseDuration grammar, written independently of the schema's regex."""
    s = text[1:] if text[:1] in "+-" else text
    if s == "0":
        return True
    units = ("ns", "us", "\u00b5s", "\u03bcs", "ms", "s", "m", "h")
    if not s:
        return False
    while s:
        i = 0
        while i < len(s) and (s[i].isascii() and s[i].isdigit() or s[i] == "."):
            i += 1
        number, s = s[:i], s[i:]
        if number.count(".") > 1 or not any(c.isdigit() for c in number):
            return False
        unit = next((u for u in sorted(units, key=len, reverse=True) if s.startswith(u)), None)
        if unit is None:
            return False
        s = s[len(unit) :]
    return True


# --- valid and invalid examples per endpoint (reference §1-§2) ---------------------------------------

GEN_CHUNK = {"model": "llama3.2", "created_at": TS, "response": "The", "done": False}
GEN_FINAL = {
    "model": "llama3.2",
    "created_at": TS,
    "response": "",
    "done": True,
    "done_reason": "stop",
    "context": [128006, 882, 128007, 271],
    "total_duration": 1589000000,
    "load_duration": 42000000,
    "prompt_eval_count": 26,
    "prompt_eval_duration": 130000000,
    "eval_count": 259,
    "eval_duration": 1410000000,
}
CALL = {
    "id": "call_k3x9a0bq",
    "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Tokyo"}},
}
CHAT_CHUNK = {
    "model": "qwen3",
    "created_at": TS,
    "message": {"role": "assistant", "content": "", "thinking": "Let me"},
    "done": False,
}
CHAT_TOOLS = {
    "model": "llama3.2",
    "created_at": TS,
    "message": {"role": "assistant", "content": "", "tool_calls": [CALL]},
    "done": False,
}
CHAT_FINAL = {
    "model": "qwen3",
    "created_at": TS,
    "message": {"role": "assistant", "content": ""},
    "done": True,
    "done_reason": "stop",
    "total_duration": 1589000000,
    "eval_count": 59,
}
LOAD = {
    "model": "llama3.2",
    "created_at": TS,
    "message": {"role": "assistant", "content": ""},
    "done": True,
    "done_reason": "load",
}
DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "3.2B",
    "quantization_level": "Q4_K_M",
}
TAG = {
    "name": "llama3.2:latest",
    "model": "llama3.2:latest",
    "modified_at": LOCAL_TS,
    "size": 2019393189,
    "digest": HEX,
    "details": DETAILS,
    "capabilities": ["completion", "tools"],
}
PS = {
    "name": "llama3.2:latest",
    "model": "llama3.2:latest",
    "size": 3000000000,
    "digest": HEX,
    "details": DETAILS,
    "expires_at": "2318-01-01T00:00:00-07:00",
    "size_vram": 2000000000,
    "context_length": 4096,
}
SHOW = {
    "modelfile": '# Modelfile generated by "ollama show"',
    "details": DETAILS,
    "model_info": {"general.architecture": "llama"},
    "capabilities": ["completion"],
    "modified_at": LOCAL_TS,
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `base` with the dotted `path` set to `value` (`...` deletes it)."""
    out = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return out


VALID: list[tuple[str, Any]] = [
    ("generate.request", {"model": "llama3.2", "prompt": "Why is the sky blue?"}),
    (
        "generate.request",
        {
            "model": "m",
            "keep_alive": "1h30m",
            "think": "high",
            "format": {"type": "object"},
            "options": {"temperature": 0.2, "num_ctx": 4096, "stop": ["\n"], "mirostat": 1},
            "images": ["aGVsbG8="],
            "top_logprobs": 20,
            "unknown_field": 1,
        },
    ),
    ("generate.request", {"model": "m", "keep_alive": -1, "format": "json", "think": False}),
    ("generate.request", {"model": "m", "keep_alive": "0", "format": None, "think": "max"}),
    (
        "chat.request",
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "hi", "images": ["aGk="]},
                {"role": "assistant", "content": "", "tool_calls": [CALL]},
                {"role": "tool", "content": "22C", "tool_name": "get_weather"},
            ],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "required": ["city"],
                            "properties": {"city": {"type": ["string", "null"], "description": "x"}},
                        },
                    },
                }
            ],
        },
    ),
    ("embed.request", {"model": "all-minilm", "input": ["a", "b"], "truncate": False, "dimensions": 128}),
    ("embed.request", {"model": "all-minilm", "input": "a"}),
    ("embeddings.request", {"model": "all-minilm", "prompt": "a"}),
    (
        "create.request",
        {
            "model": "mario",
            "from": "llama3.2",
            "system": "You are Mario.",
            "license": ["MIT"],
            "files": {"m.gguf": "sha256:" + HEX},
            "parameters": {"temperature": 0.1},
            "info": {"context_length": 8192},
        },
    ),
    ("show.request", {"model": "llama3.2", "verbose": True}),
    ("show.request", {"name": "llama3.2"}),
    ("copy.request", {"source": "llama3.2", "destination": "llama3-backup"}),
    ("delete.request", {"model": "llama3:13b"}),
    ("pull.request", {"model": "llama3.2", "insecure": True, "stream": False}),
    ("push.request", {"name": "mattw/pygmalion:latest"}),
    # cmp.Or(model, name): the first non-empty one names the model
    ("show.request", {"model": "", "name": "llama3.2"}),
    ("pull.request", {"model": "llama3.2", "name": ""}),
    ("delete.request", {"model": "", "name": "llama3:13b"}),
    # Options.FromMap skips a nil value (the option keeps its default)
    ("chat.request", {"model": "m", "options": {"temperature": None, "num_ctx": None, "stop": None}}),
    ("create.request", {"model": "m", "from": "llama3.2", "parameters": {"seed": None}}),
    # show only writes its options into the modelfile: nothing checks their types (§1.12)
    ("show.request", {"model": "m", "options": {"temperature": "hot", "stop": "x", "num_ctx": [1]}}),
    # Go's base64.StdEncoding skips \r and \n anywhere
    ("generate.request", {"model": "m", "prompt": "x", "images": ["aGVs\nbG8=", "aGVsbG8=\r\n", "aGVsbG8\n=", "\naGk="]}),
    ("chat.request", {"model": "m", "messages": [{"role": "user", "content": "x", "images": ["aGVs\r\nbG8="]}]}),
    # manifest.BlobsPath: sha256: or sha256-, hex of either case
    ("create.request", {"model": "m", "files": {"a.gguf": "sha256-" + HEX, "b.gguf": "sha256:" + HEX.upper()}}),
    ("create.request", {"model": "m", "from": "x", "adapters": {"lora.gguf": "sha256-" + HEX.upper()}}),
    ("generate.chunk", GEN_CHUNK),
    ("generate.chunk", GEN_FINAL),
    ("generate.chunk", _with(GEN_CHUNK, "thinking", "hmm")),
    ("generate.response", GEN_FINAL),
    (
        "generate.response",
        {"model": "m", "created_at": TS, "response": "", "done": True, "done_reason": "unload"},
    ),
    ("chat.chunk", CHAT_CHUNK),
    ("chat.chunk", CHAT_TOOLS),
    ("chat.chunk", CHAT_FINAL),
    ("chat.chunk", _with(CHAT_FINAL, "done_reason", ...)),
    ("chat.response", LOAD),
    ("chat.response", _with(CHAT_TOOLS, "done", True)),
    (
        "chat.response",
        _with(
            CHAT_FINAL,
            "logprobs",
            [
                {
                    "token": "Hi",
                    "logprob": -0.1,
                    "bytes": [72, 105],
                    "top_logprobs": [{"token": "Hi", "logprob": -0.1}],
                }
            ],
        ),
    ),
    (
        "embed.response",
        {
            "model": "all-minilm",
            "embeddings": [[0.01, -0.0], [0.5]],
            "total_duration": 14143917,
            "load_duration": 1019500,
            "prompt_eval_count": 8,
        },
    ),
    ("embed.response", {"model": "all-minilm", "embeddings": []}),
    ("embeddings.response", {"embedding": [0.56, 0.02, -1.5]}),
    (
        "progress.chunk",
        {
            "status": "pulling 6a0746a1ec1a",
            "digest": "sha256:" + HEX,
            "total": 2019377376,
            "completed": 241970,
        },
    ),
    ("progress.chunk", {"status": "success"}),
    ("tags.response", {"models": [TAG, _with(TAG, "capabilities", ...)]}),
    ("tags.response", {"models": []}),
    ("tags.response", {"models": [_with(TAG, "details.families", None)]}),
    ("show.response", SHOW),
    ("show.response", {"details": DETAILS, "model_info": {}, "modified_at": "0001-01-01T00:00:00Z"}),
    ("ps.response", {"models": [PS]}),
    ("version.response", {"version": "0.32.15"}),
    ("status.response", {"cloud": {"disabled": False, "source": "none"}}),
    ("error", {"error": "model 'x' not found"}),
    ("error", {"error": "unauthorized", "signin_url": "https://ollama.com/connect?name=h&key=k"}),
]

INVALID: list[tuple[str, Any, str]] = [
    ("generate.request", {"prompt": "x"}, "model missing"),
    ("generate.request", {"model": 1}, "model not a string"),
    ("generate.request", {"model": "m", "keep_alive": "5 minutes"}, "bad Go duration"),
    ("generate.request", {"model": "m", "keep_alive": "300"}, "numeric string is not a duration"),
    ("generate.request", {"model": "m", "keep_alive": True}, "keep_alive bool"),
    ("generate.request", {"model": "m", "think": "extreme"}, "unknown think level"),
    ("generate.request", {"model": "m", "think": 1}, "think number"),
    ("generate.request", {"model": "m", "top_logprobs": 21}, "top_logprobs out of range"),
    ("generate.request", {"model": "m", "images": ["not base64!"]}, "bad base64"),
    ("generate.request", {"model": "m", "options": {"stop": "x"}}, "stop must be an array"),
    ("generate.request", {"model": "m", "options": {"num_ctx": "4096"}}, "option type"),
    ("generate.request", {"model": "m", "format": "xml"}, "format neither json nor schema"),
    (
        "chat.request",
        {
            "model": "m",
            "messages": [
                {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1}'}}]}
            ],
        },
        "native arguments as a string",
    ),
    (
        "chat.request",
        {
            "model": "m",
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "f", "parameters": {"type": "object", "properties": []}},
                }
            ],
        },
        "tool properties as an array",
    ),
    ("chat.request", {"model": "m", "messages": {"role": "user"}}, "messages not an array"),
    ("embed.request", {"model": "m", "input": 5}, "invalid input type"),
    ("embed.request", {"model": "m", "input": ["a", 1]}, "non-string input element"),
    ("create.request", {"model": "m", "files": {"m.gguf": HEX}}, "digest without sha256:"),
    ("create.request", {"model": "m", "info": {"context_length": -1}}, "negative info integer"),
    ("show.request", {"verbose": True}, "neither model nor name"),
    # an empty model is refused everywhere (§4.5)
    ("chat.request", {"model": "", "messages": []}, "empty model (400 model is required)"),
    ("generate.request", {"model": ""}, "empty model (404 model '' not found)"),
    ("embed.request", {"model": "", "input": "a"}, "empty model (404 model '' not found)"),
    ("embeddings.request", {"model": "", "prompt": "a"}, "empty model (400 model is required)"),
    ("show.request", {"model": ""}, "empty model (400 model is required)"),
    ("show.request", {"model": "", "name": ""}, "model and name both empty"),
    ("pull.request", {"model": ""}, "empty model (400 invalid model name)"),
    ("pull.request", {"name": ""}, "empty name (400 invalid model name)"),
    ("push.request", {"model": "", "name": ""}, "empty model (400 model is required)"),
    ("delete.request", {"name": ""}, "empty name (400 model is required)"),
    ("create.request", {"model": "", "from": "llama3.2"}, "empty model (400 invalid model name)"),
    ("copy.request", {"source": "", "destination": "x"}, 'empty source (400 source "" is invalid)'),
    ("copy.request", {"source": "x", "destination": ""}, 'empty destination (400 destination "" is invalid)'),
    ("chat.request", {"model": "m", "options": {"temperature": "hot"}}, "option type (null is the only exception)"),
    ("generate.request", {"model": "m", "images": ["aGVs bG8="]}, "a space is not skipped, only CR and LF"),
    ("generate.request", {"model": "m", "images": ["aGVsbG8=\nx"]}, "data after the padding"),
    ("create.request", {"model": "m", "files": {"m.gguf": ""}}, "empty digest (400 invalid digest format)"),
    ("create.request", {"model": "m", "files": {"m.gguf": "sha256:" + HEX[:63]}}, "63 hex digits"),
    ("create.request", {"model": "m", "adapters": {"a.gguf": "sha512:" + HEX}}, "not sha256"),
    ("copy.request", {"source": "a"}, "destination missing"),
    ("delete.request", {}, "model missing"),
    ("pull.request", {"model": "m", "insecure": "yes"}, "insecure not bool"),
    ("generate.chunk", _with(GEN_CHUNK, "done_reason", "stop"), "done_reason on a non-final record"),
    ("generate.chunk", _with(GEN_CHUNK, "eval_count", 3), "metric on a non-final record"),
    ("generate.chunk", _with(GEN_CHUNK, "context", [1]), "context on a non-final record"),
    ("generate.chunk", _with(GEN_FINAL, "done_reason", "tool_calls"), "done_reason outside the enum"),
    ("generate.chunk", _with(GEN_FINAL, "total_duration", "1.589s"), "string duration"),
    ("generate.chunk", _with(GEN_FINAL, "eval_duration", 1.5), "fractional duration"),
    ("generate.chunk", _with(GEN_FINAL, "eval_count", 0), "zero metric (omitempty drops it)"),
    ("generate.chunk", _with(GEN_CHUNK, "response", ...), "response missing"),
    ("generate.chunk", _with(GEN_CHUNK, "created_at", "2026-08-21T19:02:11.5+02:00"), "created_at not UTC"),
    (
        "generate.chunk",
        _with(GEN_CHUNK, "created_at", "2026-08-21T17:02:11.1234567890Z"),
        "10 fraction digits",
    ),
    ("generate.chunk", _with(GEN_CHUNK, "thinking", ""), "empty thinking (omitempty)"),
    (
        "generate.chunk",
        {"error": "an error was encountered while running the model"},
        "error line is no chunk",
    ),
    ("generate.response", GEN_CHUNK, "non-stream body with done false"),
    (
        "chat.chunk",
        _with(CHAT_TOOLS, "message.tool_calls.0.function.arguments", '{"city":"Tokyo"}'),
        "native arguments as a string",
    ),
    ("chat.chunk", _with(CHAT_TOOLS, "message.tool_calls.0.function.index", "0"), "index as a string"),
    ("chat.chunk", _with(CHAT_TOOLS, "message.tool_calls.0.function.index", ...), "index missing"),
    ("chat.chunk", _with(CHAT_TOOLS, "message.tool_calls.0.function.arguments", None), "null arguments"),
    ("chat.chunk", _with(CHAT_TOOLS, "message.tool_calls.0.type", "function"), "OpenAI-style type key"),
    ("chat.chunk", _with(CHAT_CHUNK, "message.role", "user"), "role not assistant"),
    ("chat.chunk", _with(CHAT_CHUNK, "message.content", ...), "content missing"),
    ("chat.chunk", _with(CHAT_CHUNK, "done_reason", "stop"), "done_reason on a non-final record"),
    ("chat.chunk", _with(CHAT_FINAL, "load_duration", "42ms"), "string duration"),
    ("chat.chunk", _with(CHAT_FINAL, "done_reason", "tool_calls"), "done_reason outside the enum"),
    ("chat.chunk", _with(CHAT_CHUNK, "message.images", None), "images null (omitempty)"),
    ("chat.response", _with(LOAD, "created_at", ...), "created_at missing"),
    ("embed.response", {"model": "m", "embeddings": [["0.1"]]}, "embedding values as strings"),
    ("embed.response", {"model": "m", "embeddings": [0.1, 0.2]}, "flat list instead of a list of vectors"),
    ("embeddings.response", {"embeddings": [[0.1]]}, "wrong key"),
    ("progress.chunk", {"status": "pulling x", "completed": 0}, "zero completed (omitempty)"),
    ("progress.chunk", {"status": 1}, "status not a string"),
    ("tags.response", {"models": [_with(TAG, "digest", "sha256:" + HEX)]}, "digest with prefix"),
    ("tags.response", {"models": [_with(TAG, "details.families", ...)]}, "families missing"),
    (
        "tags.response",
        {"models": [_with(TAG, "modified_at", "2025-05-10T08:06:48")]},
        "modified_at without zone",
    ),
    ("tags.response", {"models": [_with(TAG, "name", "llama3.2")]}, "display name without tag"),
    ("tags.response", {"models": None}, "models null"),
    ("show.response", _with(SHOW, "model_info", ...), "model_info missing"),
    ("show.response", _with(SHOW, "capabilities", ["chat"]), "unknown capability"),
    ("show.response", _with(SHOW, "details", ...), "details missing"),
    ("ps.response", {"models": [_with(PS, "context_length", ...)]}, "context_length missing"),
    ("ps.response", {"models": [_with(PS, "size_vram", "2GB")]}, "size_vram not an integer"),
    ("ps.response", {"models": [_with(PS, "details.context_length", 4096)]}, "ps details carry no context_length"),
    ("ps.response", {"models": [_with(PS, "details.embedding_length", 3072)]}, "ps details carry no embedding_length"),
    ("tags.response", {"models": [_with(TAG, "capabilities", [])]}, "empty capabilities (omitempty drops [])"),
    ("version.response", {"version": 1}, "version not a string"),
    ("status.response", {"cloud": {"disabled": False, "source": "other"}}, "source outside the enum"),
    (
        "error",
        {"error": {"message": "x", "type": "api_error", "param": None, "code": None}},
        "OpenAI envelope",
    ),
    ("error", {"message": "x"}, "error key missing"),
    ("error", {"error": "x", "status": 404}, "extra key"),
    ("error", {"error": ""}, "empty message"),
]


@pytest.mark.parametrize("doc,instance", VALID, ids=[f"{d}-{i}" for i, (d, _) in enumerate(VALID)])
def test_valid_examples(doc: str, instance: Any, schema_shim: Any) -> None:
    assert _errors(schema_shim, f"native/{doc}.json", instance) == []


@pytest.mark.parametrize("doc,instance,why", INVALID, ids=[f"{d}-{w}" for d, _, w in INVALID])
def test_invalid_examples(doc: str, instance: Any, why: str, schema_shim: Any) -> None:
    assert _errors(schema_shim, f"native/{doc}.json", instance) != [], why


VARIANT_CASES: list[tuple[str, Any, bool]] = [
    (
        "chat.chunk.before-0.12.6",
        _with(CHAT_TOOLS, "message.tool_calls.0", {"function": {"name": "f", "arguments": {}}}),
        True,
    ),
    (
        "chat.chunk.before-0.12.6",
        _with(CHAT_TOOLS, "message.tool_calls.0.function.index", ...),
        False,
    ),  # has id
    (
        "chat.chunk.before-0.12.6",
        _with(CHAT_TOOLS, "message.tool_calls.0", {"function": {"index": 0, "name": "f", "arguments": {}}}),
        False,
    ),  # index 0 was omitted then
    ("chat.chunk.before-0.12.10", _with(CHAT_TOOLS, "message.tool_calls.0.id", ...), True),
    ("chat.chunk.before-0.12.10", CHAT_TOOLS, False),  # no ids yet
    (
        "chat.chunk.before-0.12.10",
        _with(CHAT_TOOLS, "message.tool_calls.0", {"function": {"name": "f", "arguments": {}}}),
        False,
    ),
    ("chat.chunk.before-0.9.0", CHAT_CHUNK, False),  # thinking did not exist
    ("chat.response.before-0.9.0", LOAD, True),
    (
        "chat.chunk.before-0.12.6",
        _with(CHAT_TOOLS, "message.tool_calls.0", {"function": {"name": "f", "arguments": "{}"}}),
        False,
    ),  # arguments were always an object
    ("generate.chunk.before-0.9.0", GEN_FINAL, True),
    ("generate.chunk.before-0.9.0", _with(GEN_CHUNK, "thinking", "x"), False),
    ("generate.response.before-0.9.0", _with(GEN_FINAL, "done_reason", "length"), True),
    ("generate.response.before-0.9.0", _with(GEN_FINAL, "done", False), False),
    ("show.response.before-0.6.4", _with(SHOW, "capabilities", ...), True),
    ("show.response.before-0.6.4", SHOW, False),
    ("ps.response.before-0.10.0", {"models": [_with(PS, "context_length", ...)]}, True),
    ("ps.response.before-0.10.0", {"models": [PS]}, False),
    (
        "ps.response.before-0.10.0",
        {"models": [_with(_with(PS, "context_length", ...), "details.context_length", 4096)]},
        False,
    ),  # ps details never had the lengths
]


@pytest.mark.parametrize(
    "doc,instance,valid", VARIANT_CASES, ids=[f"{d}-{i}" for i, (d, _, _) in enumerate(VARIANT_CASES)]
)
def test_variant_documents(doc: str, instance: Any, valid: bool, schema_shim: Any) -> None:
    assert (_errors(schema_shim, f"native/{doc}.json", instance) == []) is valid
