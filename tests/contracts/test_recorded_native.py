"""Every recorded /api/* exchange against the native contracts (current, or the variant that explains it).

Recent local builds (0.13.5, and the u2601 recordings of January 2026) must pass the current
schemas. Older and ollama.com recordings are listed in EXPECT with the variant that explains
them, or with the reason they fail the current schema. Besides the schema check, the top-level
key order (and the order inside `message` and list entries) must follow the document's
`properties` order: that is what the mock emits.

Validation uses the local shim of the `schema_shim` fixture (Draft7Validator + a referencing Registry of
every schema file), independent of `contracts.validate`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from ollama_conformance import contracts

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
CURRENT = "current"


@dataclass(frozen=True)
class Expect:
    """How one recording relates to the contracts."""

    variant: str  # "current" or a variant name from variants/native.json
    reason: str
    trimmed: tuple[str, ...] = ()  # keys the source's author cut out (excerpts)
    fragment: str = ""  # JSON pointer into the document when the body is one part of it
    fails_on: str = ""  # when set: the current schema must reject it, only at paths ending so


EXPECT: dict[str, Expect] = {
    "0116-api-generate-stream.json": Expect(CURRENT, "0.11.6: no generate field has changed shape since"),
    "0116-api-ps.json": Expect(CURRENT, "0.11.6 is after v0.10.0, so context_length is there"),
    "0116-api-tags.json": Expect(CURRENT, "0.11.6: capabilities (v0.30.0) is omitempty, not required"),
    "0132-api-chat-404-try-pulling.json": Expect(CURRENT, "0.1.32: the native error envelope never changed"),
    "0310-api-embed-wrong-field-empty.json": Expect(CURRENT, "0.3.10: embed answered {model, embeddings:[]}"),
    "0314-api-embeddings-wrong-field-empty.json": Expect(CURRENT, "0.3.14: {embedding:[]} as today"),
    "u2502-api-generate-nonstream.json": Expect("no-thinking", "Feb 2025 build, before v0.9.0"),
    "u2502-api-show.json": Expect("no-capabilities", "Feb 2025 build, before v0.6.4: no capabilities"),
    "u2504-api-chat-tools-nonstream.json": Expect(
        "no-thinking", "Apr 2025 (0.6.x): tool call without id or index, done_reason before done"
    ),
    "u2505-api-generate-nonstream.json": Expect("no-thinking", "7 May 2025 build, before v0.9.0 (28 May)"),
    "u2505-api-show.json": Expect(CURRENT, "May 2025, after v0.6.4: capabilities and tensors as today"),
    "u2506-api-chat-multiple-tool-calls.json": Expect(
        "tool-call-no-index", "June 2025: two calls, no id, index 0 left out"
    ),
    "u2506-api-chat-stream-format-json.json": Expect(
        "tool-call-no-index", "June 2025: done_reason before done"
    ),
    "u2506-api-chat-stream-tool-calls.json": Expect(
        "tool-call-no-index", "June 2025: first streamed call lacks index (0 omitted), second has 1"
    ),
    "u2506-api-tags.json": Expect(CURRENT, "June 2025: tags entries as today (capabilities optional)"),
    "u2508-api-chat-400-no-tools.json": Expect(CURRENT, "error envelope unchanged"),
    "u2508-api-chat-stream-format-json.json": Expect(
        "tool-call-no-index", "Aug 2025: done_reason before done"
    ),
    "u2508-api-chat-stream.json": Expect("tool-call-no-index", "Aug 2025: done_reason before done"),
    "u2508-api-embed.json": Expect(CURRENT, "Aug 2025: embed as today"),
    "u2508-api-generate-nonstream.json": Expect(CURRENT, "Aug 2025, after v0.9.0: generate as today"),
    "u2508-api-generate-stream.json": Expect(CURRENT, "Aug 2025, after v0.9.0: generate as today"),
    "u2508-api-pull-stream.json": Expect(CURRENT, "progress records as today"),
    "0135-api-chat-tools-excerpt.json": Expect(
        CURRENT, "excerpt: the author cut created_at (and the metrics)", trimmed=("created_at",)
    ),
    "0135-api-tags-entry.json": Expect(
        CURRENT, "excerpt: one element of models[] only", fragment="/definitions/model"
    ),
    "cloud2508-api-chat-502-upstream-error.json": Expect(CURRENT, "cloud proxy error, native envelope"),
    "cloud2508-api-chat-tool-call.json": Expect(
        "tool-call-no-index",
        "ollama.com in Aug 2025 ran a pre-v0.12.6 build: call without id/index; no done_reason (omitempty)",
    ),
    "cloud2509-api-generate-nonstream.json": Expect(
        CURRENT, "cloud: no load/eval durations, no context, no done_reason; all omitempty"
    ),
    "cloud2509-api-generate-stream.json": Expect(CURRENT, "cloud: metrics partly missing; all omitempty"),
    "cloud2509-api-ps-401.json": Expect(
        CURRENT, "cloud: /api/ps is 401; the local route has no errors, so the native envelope applies"
    ),
    "cloud2509-api-show.json": Expect(CURRENT, "cloud: minimal show, modified_at is the zero time in Z"),
    "cloud2509-api-tags.json": Expect(
        CURRENT,
        "cloud catalogue lists 12-hex short digests: a service quirk, not a release; no variant explains it",
        fails_on="/digest",
    ),
    "cloud2509-api-version.json": Expect(CURRENT, "cloud: version 0.0.0"),
    "cloud2603-api-chat-after-tool-result.json": Expect(CURRENT, "cloud 2026: current build"),
    "cloud2603-api-chat-format-json.json": Expect(CURRENT, "cloud 2026: current build"),
    "cloud2603-api-chat-stream-buffered.json": Expect(
        CURRENT, "cloud 2026: NDJSON lines buffered into one application/json body; lines as today"
    ),
    "cloud2603-api-chat-tool-call.json": Expect(CURRENT, "cloud 2026: call with id and index"),
    "cloud2607-api-chat-format-schema-glm.json": Expect(CURRENT, "cloud 2026: current build"),
    "cloud2607-api-chat-format-schema-kimi.json": Expect(CURRENT, "cloud 2026: current build"),
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _recordings() -> list[str]:
    return sorted(
        p.name for p in RECORDED.glob("*.json") if _load(p)["endpoint"].split()[1].startswith("/api/")
    )


def _is_recent(name: str, record: dict[str, Any]) -> bool:
    return record["ollama_version"] == "0.13.5" or name.startswith("u2601")


def _document(path: str, fragment: str = "") -> dict[str, Any]:
    doc = contracts.schema(path)
    if fragment:
        uri = doc["$id"] + "#" + fragment
        return {"$ref": uri}
    return doc


def _violations(shim: Any, path: str, instance: Any, fragment: str = "") -> list[tuple[str, str, str]]:
    validator = Draft7Validator(_document(path, fragment), registry=shim.registry())
    found = validator.iter_errors(instance)
    return [("/" + "/".join(map(str, e.absolute_path)), str(e.validator), e.message) for e in found]


def _records(record: dict[str, Any]) -> list[Any]:
    if "response_raw" in record:
        raw = record["response_raw"]
        if record["response_kind"] == "ndjson":
            return [json.loads(line) for line in raw.splitlines() if line.strip()]
        return [json.loads(raw)]
    body = record["response"]
    return list(body) if record["response_kind"] == "ndjson" else [body]


def _documents(endpoint: str, variant: str) -> dict[str, str]:
    """kind -> schema path for `endpoint` under `variant` (documents it does not name stay current)."""
    op = contracts.operation(endpoint)
    # routes without local errors (GET /api/ps) still answer the cloud's 401 in the native envelope
    error = op["errors"]["schema"] if op["errors"] else "native/error.json"
    docs = {"response": op["response"]["schema"], "error": error}
    docs["chunk"] = op["stream"]["chunk"] if op["stream"] else ""
    if variant != CURRENT:
        chosen = [v for v in op["variants"] if v["name"] == variant]
        assert chosen, f"{endpoint} has no variant {variant!r}"
        docs.update({k: chosen[0][k] for k in ("response", "chunk") if k in chosen[0]})
    return docs


def _kind(record: dict[str, Any], body: Any) -> str:
    if isinstance(body, dict) and "error" in body and set(body) <= {"error", "signin_url"}:
        return "error"
    return "chunk" if record["response_kind"] == "ndjson" else "response"


def _order_problems(body: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Keys of `body` that come out of the order of `schema`'s properties (recursing into message/models)."""
    props = list(schema.get("properties", {}))
    if not isinstance(body, dict) or not props:
        return []
    known = [k for k in body if k in props]
    problems = [] if known == sorted(known, key=props.index) else [f"{where}: {known} not in order {props}"]
    if isinstance(body.get("message"), dict):
        problems += _order_problems(body["message"], _definition("message"), where + ".message")
    for i, entry in enumerate(body.get("models") or []):
        problems += _order_problems(
            entry, schema.get("definitions", {}).get("model", {}), f"{where}.models[{i}]"
        )
    return problems


def _part(doc: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The sub-schema at a JSON pointer such as /definitions/model ("" = the document)."""
    for token in filter(None, pointer.split("/")):
        doc = doc[token]
    return doc


def _definition(name: str) -> dict[str, Any]:
    return contracts.schema("common/defs.json")["definitions"][name]


@pytest.fixture
def recordings() -> Path:
    """The recorded exchanges (../shared/recorded): a checkout without them skips (CI fails)."""
    if not RECORDED.is_dir():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"recordings not available: {RECORDED}")
    return RECORDED


def test_every_recording_is_classified(recordings: Path) -> None:
    names = _recordings()
    assert len(names) >= 50
    unexplained = [n for n in names if n not in EXPECT and not _is_recent(n, _load(RECORDED / n))]
    assert unexplained == [], "older or cloud recordings need an EXPECT entry"
    assert set(EXPECT) <= set(names), "EXPECT names a recording that does not exist"


@pytest.mark.parametrize("name", _recordings())
def test_recording_matches_its_contract(name: str, schema_shim: Any) -> None:
    record = _load(RECORDED / name)
    expect = EXPECT.get(name, Expect(CURRENT, "recent local build"))
    if _is_recent(name, record):
        assert expect.variant == CURRENT, "recent builds must pass the current schemas"
    docs = _documents(record["endpoint"], expect.variant)
    problems: list[str] = []
    for i, body in enumerate(_records(record)):
        kind = _kind(record, body)
        if record["status"] and record["status"] >= 400:
            assert kind == "error", f"line {i}: an HTTP {record['status']} body must be the error envelope"
        found = _violations(schema_shim, docs[kind], body, expect.fragment)
        problems += _unexpected(found, expect, f"line {i} ({docs[kind]})")
        problems += _order_problems(body, _part(contracts.schema(docs[kind]), expect.fragment), f"line {i}")
    assert problems == []


def _unexpected(found: list[tuple[str, str, str]], expect: Expect, where: str) -> list[str]:
    """Violations the table does not explain; also fails when an explained violation is missing."""
    if expect.fails_on:
        assert found, f"{where}: expected to fail the current schema ({expect.reason})"
        return [f"{where} {p}: {m}" for p, _, m in found if not p.endswith(expect.fails_on)]
    trimmed = [f for f in found if f[1] == "required" and any(repr(k) in f[2] for k in expect.trimmed)]
    if expect.trimmed:
        assert len(trimmed) == len(expect.trimmed), f"{where}: trimmed keys {expect.trimmed} are back"
    return [f"{where} {p}: {m}" for p, v, m in found if (p, v, m) not in trimmed]


def test_tags_cloud_quirk_is_the_digest_only(schema_shim: Any, recordings: Path) -> None:
    body = _records(_load(RECORDED / "cloud2509-api-tags.json"))[0]
    for entry in body["models"]:
        entry["digest"] = entry["digest"] * 5 + entry["digest"][:4]  # 64 hex: only the length was wrong
    assert _violations(schema_shim, "native/tags.response.json", body) == []


def test_old_tool_calls_fail_the_current_schema(schema_shim: Any, recordings: Path) -> None:
    """The variant is needed: the current contract rejects a call without function.index."""
    body = _records(_load(RECORDED / "u2506-api-chat-multiple-tool-calls.json"))[0]
    keywords = {v for _, v, _ in _violations(schema_shim, "native/chat.response.json", body)}
    assert keywords == {"required"}


@pytest.mark.parametrize(
    "name", [n for n in _recordings() if not EXPECT.get(n, Expect(CURRENT, "")).fragment]
)
def test_library_agrees_with_the_shim(name: str, schema_shim: Any) -> None:
    """contracts.validate, given the same variant name, reaches the same verdict on every record."""
    record = _load(RECORDED / name)
    expect = EXPECT.get(name, Expect(CURRENT, "recent local build"))
    variant = None if expect.variant == CURRENT else expect.variant
    docs = _documents(record["endpoint"], expect.variant)
    op = contracts.operation(record["endpoint"])
    for body in _records(record):
        kind = _kind(record, body)
        if kind == "error" and op["errors"] is None:
            continue  # no error document for this route in the index (cloud-only 401)
        shim = _violations(schema_shim, docs[kind], body)
        library = contracts.validate(record["endpoint"], kind, body, variant=variant)
        assert bool(library) == bool(shim), (library, shim)


@pytest.mark.parametrize(
    "name", [n for n in _recordings() if not n.startswith("cloud") and _load(RECORDED / n)["status"] is not None]
)
def test_local_recording_status_is_listed_in_the_index(name: str) -> None:
    """A status a local Ollama answered is one the index entry lists (ollama.com proxies add their own;
    recordings whose source gave no status are left out)."""
    record = _load(RECORDED / name)
    op = contracts.operation(record["endpoint"])
    listed = set(op["response"]["status"]) | set((op["errors"] or {}).get("status", []))
    assert record["status"] in listed, f"{record['endpoint']} answered {record['status']} ({record['ollama_version']})"


# recordings whose request body is not what was sent
REQUEST_NOT_RECORDED = {
    "cloud2508-api-chat-tool-call.json": "tools is a placeholder string: the source did not print the definition",
}


@pytest.mark.parametrize("name", [n for n in _recordings() if _load(RECORDED / n)["request"] is not None])
def test_recorded_request_is_well_formed(name: str, schema_shim: Any) -> None:
    """Bodies real clients sent (and Ollama accepted) fit the request schema."""
    record = _load(RECORDED / name)
    path = contracts.operation(record["endpoint"])["request"]
    found = _violations(schema_shim, path, record["request"])
    if name in REQUEST_NOT_RECORDED:
        assert found, REQUEST_NOT_RECORDED[name]
    else:
        assert found == []
