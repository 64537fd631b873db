"""Wire details Ollama's Go encoder fixes (reference §0.2): trailing newlines, HTML escaping, timestamps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from ollama_conformance.suites.conformance.support import PLAIN_PROMPT, SMALL, need
from ollama_conformance.suites.harness.expect import body_json, expect, expect_status
from ollama_conformance.suites.harness.marks import check

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
NATIVE = [
    ("GET /api/version", None, None),
    ("GET /api/tags", None, None),
    ("GET /api/ps", None, None),
    ("POST /api/show", "chat", lambda m: {"model": m}),
    ("POST /api/chat", "chat", lambda m: {"model": m, "messages": [{"role": "user", "content": PLAIN_PROMPT}],
                                          "stream": False, "options": SMALL}),
    ("POST /api/generate", "chat", lambda m: {"model": m, "prompt": PLAIN_PROMPT, "stream": False, "options": SMALL}),
    ("POST /api/embed", "embedding", lambda m: {"model": m, "input": "hello"}),
]
V1 = [
    ("POST /v1/chat/completions", "chat", lambda m: {"model": m, "messages": [{"role": "user", "content": PLAIN_PROMPT}],
                                                     "max_tokens": 8}),
    ("POST /v1/completions", "chat", lambda m: {"model": m, "prompt": "Hello", "max_tokens": 8}),
    ("POST /v1/embeddings", "embedding", lambda m: {"model": m, "input": "hello"}),
    ("GET /v1/models", None, None),
]


def _send(api, target, endpoint: str, cap: str | None, body: Any):
    model = need(target, cap) if cap else ""
    method, path = endpoint.split(" ", 1)
    ex = api.request(method, path, body(model) if body else None)
    expect_status(ex, 200)
    return ex


@check(id="wire.native.no-trailing-newline", endpoint="GET /api/tags", category="contract")
@pytest.mark.parametrize("endpoint,cap,body", NATIVE, ids=[n[0] for n in NATIVE])
def test_native_no_trailing_newline(api, target, endpoint: str, cap: str | None, body: Any) -> None:
    """Native non-stream JSON bodies have no trailing newline."""
    ex = _send(api, target, endpoint, cap, body)
    expect(not ex.content.endswith(b"\n"), "a native non-stream JSON body ends with a newline (Go's c.JSON adds none)",
           excerpt=ex.text[-80:])


@check(id="wire.v1.trailing-newline", endpoint="POST /v1/chat/completions", category="contract")
@pytest.mark.parametrize("endpoint,cap,body", V1, ids=[n[0] for n in V1])
def test_v1_trailing_newline(api, target, endpoint: str, cap: str | None, body: Any) -> None:
    """/v1 JSON bodies end with a newline."""
    ex = _send(api, target, endpoint, cap, body)
    expect(ex.content.endswith(b"\n"), "a /v1 body does not end with a newline (the compat writers add one)",
           excerpt=ex.text[-80:])


@check(id="wire.native.html-escaped", endpoint="POST /api/show", category="contract")
@pytest.mark.parametrize("cap", ["chat", "tools", "thinking"])
def test_show_escapes_html(api, target, cap: str) -> None:
    """Go escapes <, > and & inside strings as \\u003c, \\u003e, \\u0026; templates are full of them."""
    ex = api.post("/api/show", {"model": need(target, cap)})
    decoded = body_json(ex)
    if not any(ch in str(decoded.get("template", "")) for ch in "<>&"):
        pytest.skip("the template has no <, > or & to escape")
    raw = ex.text
    expect(not any(ch in raw for ch in "<>&"), "raw body contains < > or & unescaped", path="$.template",
           excerpt=raw[:200])


@check(id="wire.native.created-at", endpoint="POST /api/chat", category="contract")
@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /api/generate"])
def test_created_at_format(api, target, endpoint: str) -> None:
    """created_at is RFC 3339 UTC with Z."""
    spec = {e: (c, b) for e, c, b in NATIVE}[endpoint]
    data = body_json(_send(api, target, endpoint, *spec))
    stamp = str(data.get("created_at"))
    expect(bool(RFC3339_UTC.match(stamp)), f"created_at {stamp!r} is not RFC 3339 UTC with Z", path="$.created_at")
