"""Property-based checks: generated valid (and invalid) requests, every response against its contract.

Bounded and seeded (--seed); hypothesis shrinks a failing request and the check shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from ollama_conformance.suites.conformance.support import need, sse_of
from ollama_conformance.suites.harness.expect import (
    body_json,
    expect,
    expect_status,
    expect_valid,
    expect_valid_stream,
)
from ollama_conformance.suites.harness.marks import check

EXAMPLES = 12
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?!", min_size=1, max_size=40)
options = st.fixed_dictionaries({}, optional={
    "temperature": st.floats(0, 2, allow_nan=False), "top_k": st.integers(1, 100), "top_p": st.floats(0, 1),
    "num_predict": st.integers(1, 16), "seed": st.integers(0, 2**31 - 1), "stop": st.lists(words, max_size=2),
    "repeat_penalty": st.floats(0.5, 2)})
turns = st.lists(st.tuples(st.sampled_from(["user", "assistant"]), words), max_size=2)


def _messages(draw_turns: list[tuple[str, str]], last: str, system: str | None) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system}] if system else []
    msgs += [{"role": r, "content": c} for r, c in draw_turns]
    return msgs + [{"role": "user", "content": last}]


def run_property(target, strategy: st.SearchStrategy[Any], test: Callable[[Any], None]) -> None:
    """Run `test` over `strategy`, bounded and seeded; the falsifying example reaches the report."""
    cfg = settings(max_examples=EXAMPLES, derandomize=target.config.seed == 0, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck), print_blob=False)
    wrapped = cfg(given(strategy)(test))
    if target.config.seed:
        wrapped = seed(target.config.seed)(wrapped)
    wrapped()


def _ok(api, endpoint: str, path: str, body: dict[str, Any]) -> None:
    ex = api.post(path, body)
    expect_status(ex, 200)
    if body.get("stream"):
        expect_valid_stream(endpoint, ex.content, request=body)
    else:
        expect_valid(endpoint, "response", body_json(ex))


@check(id="property.native.chat", endpoint="POST /api/chat", category="contract")
def test_chat_property(api, target) -> None:
    """Generated /api/chat requests get contract-valid answers."""
    model = need(target, "chat")
    strategy = st.builds(lambda t, last, system, opts, stream, fmt: {
        "model": model, "messages": _messages(t, last, system), "options": opts, "stream": stream,
        **({"format": fmt} if fmt else {})},
        turns, words, st.none() | words, options, st.booleans(), st.sampled_from([None, "json"]))
    run_property(target, strategy, lambda body: _ok(api, "POST /api/chat", "/api/chat", body))


@check(id="property.native.generate", endpoint="POST /api/generate", category="contract")
def test_generate_property(api, target) -> None:
    """Generated /api/generate requests get contract-valid answers."""
    model = need(target, "chat")
    strategy = st.builds(lambda prompt, system, opts, stream: {
        "model": model, "prompt": prompt, "options": opts, "stream": stream, **({"system": system} if system else {})},
        words, st.none() | words, options, st.booleans())
    run_property(target, strategy, lambda body: _ok(api, "POST /api/generate", "/api/generate", body))


@check(id="property.native.embed", endpoint="POST /api/embed", category="contract")
def test_embed_property(api, target) -> None:
    """Generated /api/embed requests get one valid vector per input."""
    model = need(target, "embedding")
    strategy = st.builds(lambda inp, trunc: {"model": model, "input": inp, "truncate": trunc},
                         words | st.lists(words, min_size=1, max_size=3), st.booleans())

    def test(body: dict[str, Any]) -> None:
        ex = api.post("/api/embed", body)
        expect_status(ex, 200)
        out = body_json(ex)
        expect_valid("POST /api/embed", "response", out)
        count = 1 if isinstance(body["input"], str) else len(body["input"])
        expect(len(out.get("embeddings") or []) == count, f"{count} inputs gave {len(out.get('embeddings') or [])} vectors",
               path="$.embeddings", excerpt=body)

    run_property(target, strategy, test)


@check(id="property.native.show", endpoint="POST /api/show", category="contract")
def test_show_property(api, target) -> None:
    """Generated /api/show requests get contract-valid answers."""
    names = sorted({n for n in target.models.values() if n})
    if not names:
        pytest.skip("no model on the target")
    strategy = st.builds(lambda m, verbose: {"model": m, "verbose": verbose}, st.sampled_from(names), st.booleans())
    run_property(target, strategy, lambda body: _ok(api, "POST /api/show", "/api/show", body))


@check(id="property.v1.chat", endpoint="POST /v1/chat/completions", category="openai-compat")
def test_v1_chat_property(api, target) -> None:
    """Generated /v1/chat/completions requests get contract-valid answers and streams."""
    model = need(target, "chat")
    strategy = st.builds(lambda t, last, temp, top_p, max_tokens, stop, stream: {
        "model": model, "messages": _messages(t, last, None), "temperature": temp, "top_p": top_p,
        "max_tokens": max_tokens, "stream": stream, **({"stop": stop} if stop else {})},
        turns, words, st.floats(0, 2, allow_nan=False), st.floats(0, 1), st.integers(1, 16),
        st.none() | words | st.lists(words, max_size=2), st.booleans())

    def test(body: dict[str, Any]) -> None:
        if body["stream"]:
            ex = api.post("/v1/chat/completions", body)
            sse_of(ex)
            expect_valid_stream("POST /v1/chat/completions", ex.content, request=body)
        else:
            _ok(api, "POST /v1/chat/completions", "/v1/chat/completions", body)

    run_property(target, strategy, test)


WRONG = [("model", 42), ("messages", "hello"), ("options", "fast"), ("stream", "yes"), ("messages", [{"role": 1}])]


@check(id="property.native.chat.invalid", endpoint="POST /api/chat", category="error")
def test_chat_invalid_property(api, target) -> None:
    """A mistyped field is a 400 in the native error envelope, never a 5xx or a 200."""
    model = need(target, "chat")
    strategy = st.builds(lambda wrong, last: {"model": model, "messages": [{"role": "user", "content": last}],
                                              "stream": False, wrong[0]: wrong[1]}, st.sampled_from(WRONG), words)

    def test(body: dict[str, Any]) -> None:
        ex = api.post("/api/chat", body)
        expect_status(ex, 400)
        expect_valid("POST /api/chat", "error", body_json(ex))

    run_property(target, strategy, test)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The request schema with its common/defs.json refs inlined (hypothesis-jsonschema reads one document)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "#/definitions/" in ref:
            return _inline(defs[ref.rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k not in ("$id", "$schema")}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def contract_requests(endpoint: str, model: str, keep: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Requests generated from the endpoint's request contract (fields in `keep`), model fixed."""
    from hypothesis_jsonschema import from_schema

    from ollama_conformance import contracts

    doc = contracts.schema(contracts.operation(endpoint)["request"])
    defs = contracts.schema("common/defs.json").get("definitions", {})
    props = {k: _inline(v, defs) for k, v in doc["properties"].items() if k in keep}
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    # the schema is an object schema, so every generated value is a dict
    return from_schema(schema).map(lambda body: {**body, "model": model})  # type: ignore[dict-item]


CONTRACT_CASES = [
    ("POST /api/show", "chat", ("verbose", "system", "template")),
    ("POST /api/embed", "embedding", ("input", "truncate", "dimensions")),
    ("POST /api/embeddings", "embedding", ("prompt",)),
]


@check(id="property.contract-requests", endpoint="POST /api/show", category="contract")
@pytest.mark.parametrize("endpoint,cap,keep", CONTRACT_CASES, ids=[c[0] for c in CONTRACT_CASES])
def test_contract_generated_requests(api, target, endpoint: str, cap: str, keep: tuple[str, ...]) -> None:
    """Any request the contract allows gets a listed status and a body valid for that status."""
    from ollama_conformance import contracts

    op = contracts.operation(endpoint)
    strategy = contract_requests(endpoint, need(target, cap), keep)
    allowed = set(op["response"]["status"]) | set(op["errors"]["status"])

    def test(body: dict[str, Any]) -> None:
        ex = api.post(endpoint.split(" ", 1)[1], body)
        expect(ex.status in allowed, f"status {ex.status} is not one the contract lists ({sorted(allowed)})",
               excerpt=ex.text)
        kind = "response" if ex.status in op["response"]["status"] else "error"
        expect_valid(endpoint, kind, body_json(ex))

    run_property(target, strategy, test)
