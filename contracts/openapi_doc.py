"""Build an OpenAPI 3.1 document from index.json and the schema files (module `openapi_doc`: a
module named `openapi` would shadow the package function `contracts.openapi` once imported).

    contracts.openapi() -> dict        (also: `ollama-conformance openapi --output FILE`)

Layout:
- Every schema file becomes components/schemas/<dir>.<file> ("native.chat.response");
  its draft-07 "definitions" are hoisted to "<dir>.<file>.definitions.<name>", and every
  "$ref" is rewritten to "#/components/schemas/...". Draft-07 keywords OpenAPI 3.1
  (JSON Schema 2020-12) spells differently are translated: tuple "items" -> "prefixItems",
  "additionalItems" -> "items", "dependencies" -> dependentRequired/dependentSchemas;
  "$schema" and "$id" are dropped. x-* annotations ("x-omitempty", "x-go-struct") stay.
- Every index entry is an operation (plus a HEAD operation where `head` is true), with
  its request body, every success and error status, and their content types
  (application/json, application/x-ndjson, text/event-stream, text/plain). An empty body
  has no content. Errors list both JSON content types where Ollama sends both (§0.3).

Stream convention: a streaming answer is one more media type of the 200 response,
"application/x-ndjson" or "text/event-stream", whose `schema` is the schema of ONE
record (an NDJSON line, or the JSON of one SSE data: field), with the extension
    "x-stream": {"framing": "ndjson"|"sse-data"|"sse-event", "grammar": <streams.json name>,
                 "terminator": "data: [DONE]" | null, "default": <stream default>,
                 "error_record": <schema ref of an in-band error line> | null}
The grammar (streams.json) states the rules on the record sequence. Version variants of
an operation are listed, by component name, in the operation's "x-variants".
A schema file named by the index but missing is replaced by an empty schema and listed in
the document's "x-missing-contracts" (empty when the contracts are complete).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any
from urllib.parse import urljoin

from . import loader

TRANSLATED = {"additionalItems": "items"}
VERBATIM = ("enum", "const", "default", "examples", "example")  # data, not schemas
_COMPONENT = "#/components/schemas/"


def component_name(schema_path: str) -> str:
    """ "native/chat.response.json" -> "native.chat.response"."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", schema_path.removesuffix(".json").replace("/", "."))


def schema_files() -> list[str]:
    root = resources.files(loader.__package__).joinpath("schemas")
    return sorted(
        f"{folder.name}/{item.name}"
        for folder in root.iterdir()
        if folder.is_dir()
        for item in folder.iterdir()
        if item.name.endswith(".json")
    )


def _ref_target(base_path: str, ref: str) -> str:
    """An OpenAPI ref for `ref` found in the file `base_path`."""
    uri = urljoin(loader.ID_BASE + base_path, ref)
    file_uri, _, fragment = uri.partition("#")
    name = component_name(file_uri.removeprefix(loader.ID_BASE))
    parts = fragment.split("/")
    if len(parts) >= 3 and parts[0] == "" and parts[1] == "definitions":
        rest = "/".join(parts[3:])
        return _COMPONENT + f"{name}.definitions.{component_name(parts[2])}" + (f"/{rest}" if rest else "")
    return _COMPONENT + name + fragment


def convert(node: Any, base_path: str) -> Any:
    """A draft-07 schema node as a JSON Schema 2020-12 node with OpenAPI refs."""
    if isinstance(node, list):
        return [convert(item, base_path) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$schema", "$id", "definitions"):
            continue
        if key in VERBATIM:
            out[key] = value
            continue
        if key == "$ref" and isinstance(value, str):
            out["$ref"] = _ref_target(base_path, value)
        elif key == "items" and isinstance(value, list):
            out["prefixItems"] = convert(value, base_path)
        elif key in TRANSLATED and isinstance(node.get("items"), list):
            out[TRANSLATED[key]] = convert(value, base_path)
        elif key == "dependencies" and isinstance(value, dict):
            _dependencies(out, value, base_path)
        elif key in ("properties", "patternProperties"):
            out[key] = {name: convert(sub, base_path) for name, sub in value.items()}
        else:
            out[key] = convert(value, base_path)
    return out


def _dependencies(out: dict[str, Any], value: dict[str, Any], base_path: str) -> None:
    for name, dep in value.items():
        if isinstance(dep, list):
            out.setdefault("dependentRequired", {})[name] = dep
        else:
            out.setdefault("dependentSchemas", {})[name] = convert(dep, base_path)


def components() -> dict[str, Any]:
    """Every schema file and its hoisted definitions, keyed by component name."""
    out: dict[str, Any] = {}
    for path in schema_files():
        document = loader.schema(path)
        name = component_name(path)
        out[name] = convert(document, path)
        for def_name, sub in document.get("definitions", {}).items():
            out[f"{name}.definitions.{component_name(def_name)}"] = convert(sub, path)
    return out


def _ref(schema_path: str | None, missing: set[str], known: set[str]) -> dict[str, Any]:
    if not schema_path:
        return {}
    if component_name(schema_path) not in known:
        missing.add(schema_path)
        return {}
    return {"$ref": _COMPONENT + component_name(schema_path)}


def _stream_media(entry: dict[str, Any], missing: set[str], known: set[str]) -> dict[str, Any]:
    stream = entry["stream"]
    grammar = _grammars().get(stream["grammar"], {})
    errors = entry.get("errors") or {}
    error_ref = _ref(errors.get("schema"), missing, known) if stream["framing"] == "ndjson" else None
    return {
        "schema": _ref(stream["chunk"], missing, known),
        "x-stream": {
            "framing": grammar.get("framing", stream["framing"]),
            "grammar": stream["grammar"],
            "terminator": grammar.get("terminator"),
            "default": stream.get("default"),
            "error_record": error_ref or None,
        },
    }


def _grammars() -> dict[str, Any]:
    text = resources.files(loader.__package__).joinpath("streams.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["grammars"])


def _success(entry: dict[str, Any], missing: set[str], known: set[str]) -> dict[str, Any]:
    response = entry.get("response") or {}
    content: dict[str, Any] = {}
    if response.get("kind") == "json":
        content[response["content_type"]] = {"schema": _ref(response.get("schema"), missing, known)}
    elif response.get("kind") == "text":
        content[response["content_type"]] = {"schema": {"type": "string", "const": response.get("body")}}
    if entry.get("stream"):
        content[entry["stream"]["content_type"]] = _stream_media(entry, missing, known)
    out: dict[str, Any] = {}
    for status in response.get("status", [200]):
        body: dict[str, Any] = {
            "description": f"{response.get('kind', 'empty')} body"
            + (" or a stream" if entry.get("stream") else "")
        }
        if content:
            body["content"] = content
        out[str(status)] = body
    return out


def _errors(entry: dict[str, Any], missing: set[str], known: set[str]) -> dict[str, Any]:
    errors = entry.get("errors") or {}
    out: dict[str, Any] = {}
    for status in errors.get("status", []):
        body: dict[str, Any] = {"description": f"error ({errors.get('envelope')} envelope)"}
        if errors.get("schema"):
            media = {"schema": _ref(errors["schema"], missing, known)}
            body["content"] = {ctype: media for ctype in _error_content_types(entry)}
        out[str(status)] = body
    return out


def _error_content_types(entry: dict[str, Any]) -> list[str]:
    """The index's error content type, plus the other JSON one Ollama uses on that route (§0.3):
    native errors raised on a streaming path, and /v1 middleware vs handler errors."""
    main = entry["errors"]["content_type"]
    if (entry.get("api") == "native" and not entry.get("stream")) or not main.startswith("application/json"):
        return [main]
    return [main, "application/json" if ";" in main else "application/json; charset=utf-8"]


def _operation(name: str, entry: dict[str, Any], missing: set[str], known: set[str]) -> dict[str, Any]:
    method, path = name.split(" ", 1)
    op: dict[str, Any] = {
        "operationId": re.sub(r"[^A-Za-z0-9]+", "_", name.lower()).strip("_"),
        "summary": f"{name} (reference {entry.get('reference', '-')})",
        "tags": [entry.get("api", "native")],
        "responses": {**_success(entry, missing, known), **_errors(entry, missing, known)},
    }
    params = re.findall(r"{([^}]+)}", path)
    if params:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
        ]
    body_schema = entry.get("request") or entry.get("request_fields")
    ctype = entry.get("request_content_type")
    if ctype:
        schema = _ref(body_schema, missing, known) if body_schema else {"type": "string", "format": "binary"}
        op["requestBody"] = {"required": True, "content": {ctype: {"schema": schema}}}
    if entry.get("variants"):
        op["x-variants"] = [_variant(v) for v in entry["variants"]]
    return op


def _variant(variant: dict[str, Any]) -> dict[str, Any]:
    out = {
        k: variant.get(k)
        for k in ("name", "since", "until", "describes", "grammar")
        if variant.get(k) is not None
    }
    for kind in ("request", "response", "chunk", "error"):
        value = variant.get(kind)
        value = value.get("schema") or value.get("chunk") if isinstance(value, dict) else value
        if isinstance(value, str):
            out[kind] = component_name(value)
    return out


def _head(op: dict[str, Any]) -> dict[str, Any]:
    """HEAD answers like GET, without a body."""
    responses = {
        status: {"description": r["description"] + " (headers only)"} for status, r in op["responses"].items()
    }
    return {**op, "operationId": op["operationId"].replace("get_", "head_", 1), "responses": responses}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every in-scope route (see the module docstring)."""
    index, schemas = loader.index(), components()
    known, missing = set(schemas), set[str]()
    paths: dict[str, dict[str, Any]] = {}
    for name, entry in index["operations"].items():
        method, path = name.split(" ", 1)
        op = _operation(name, entry, missing, known)
        paths.setdefault(path, {})[method.lower()] = op
        if entry.get("head") and method == "GET":
            paths[path]["head"] = _head(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ollama HTTP API (ollama-conformance contracts)",
            "version": str(index.get("ollama_version", "unknown")),
            "description": "Generated from contracts/index.json and contracts/schemas. Streams: see x-stream.",
        },
        "servers": [{"url": "http://127.0.0.1:11434"}],
        "paths": paths,
        "components": {"schemas": schemas},
        "x-missing-contracts": sorted(missing),
    }
