"""Errors that can be provoked safely (reference §0.4, §4.3-§4.5): status, envelope and message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from ollama_conformance.suites.conformance.support import TOOLS, need
from ollama_conformance.suites.harness.expect import (
    body_json,
    expect,
    expect_content_type,
    expect_equal,
    expect_status,
    expect_valid,
)
from ollama_conformance.suites.harness.marks import check
from ollama_conformance.suites.harness.target import NO_TOOLS

from ollama_conformance import contracts

UNKNOWN = "conformance-tmp-no-such-model"  # reserved prefix: never a user's model
JSON_TYPES = ("application/json", "application/json; charset=utf-8")
NATIVE_POSTS = ["/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/show", "/api/copy",
                "/api/pull", "/api/push", "/api/create"]
V1_POSTS = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]


@dataclass(frozen=True)
class Err:
    name: str
    endpoint: str
    status: int
    message: str | None = None  # exact text; None: only the prefix below is checked
    prefix: str = ""
    body: Any = None
    raw: bytes | None = None
    cap: str | None = None  # the body is built with this model: "{model}" replaced
    concrete: str | None = None  # the path, when the endpoint has a parameter
    lacks: str | None = None  # the model must lack this capability (else the error cannot happen)

    @property
    def path(self) -> str:
        return self.concrete or self.endpoint.split(" ", 1)[1]


def _ep(path: str) -> str:
    return ("DELETE " if path == "/api/delete" else "POST ") + path


def _body_for(endpoint: str, model: str) -> dict[str, Any]:
    """The smallest otherwise-valid body for `endpoint` naming `model`."""
    msgs = [{"role": "user", "content": "hi"}]
    bodies: dict[str, dict[str, Any]] = {
        "POST /api/copy": {"source": model, "destination": (model or "conformance-tmp-x") + "-copy"},
        "POST /api/chat": {"model": model, "messages": msgs},
        "POST /v1/chat/completions": {"model": model, "messages": msgs},
        "POST /api/generate": {"model": model, "prompt": "hi"},
        "POST /v1/completions": {"model": model, "prompt": "hi"},
        "POST /api/embed": {"model": model, "input": "hi"},
        "POST /v1/embeddings": {"model": model, "input": "hi"},
        "POST /api/embeddings": {"model": model, "prompt": "hi"},
    }
    return bodies.get(endpoint, {"model": model})


def _table_cases(kind: str, model: str) -> list[Err]:
    """The reference §4.5 table (errors.json) as cases; streamed answers are left to lifecycle checks."""
    out = []
    for endpoint, key in (contracts.errors_catalog().get(kind) or {}).items():
        if endpoint.startswith("$") or str(key).startswith("streamed:"):
            continue
        normalised = model + ":latest" if model and key in ("show_not_found", "v1_model_not_found_normalised") else model
        text = contracts.message(key, model=normalised, source=model, name=model)
        path = endpoint.split(" ", 1)[1].replace("{model}", model)
        body = None if endpoint.startswith("GET") else _body_for(endpoint, model)
        out.append(Err(f"{kind.replace('_', '-')}{path.replace('/', '-')}", endpoint, contracts.message_status(key),
                       text, body=body, concrete=path))
    return out


BODY_CASES = [
    *[Err(f"empty-body{p.replace('/', '-')}", _ep(p), 400, contracts.message("missing_body"), raw=b"") for p in NATIVE_POSTS],
    *[Err(f"bad-json{p.replace('/', '-')}", _ep(p), 400, "invalid character 'h' looking for beginning of value",
          raw=b"hello") for p in NATIVE_POSTS],
    *[Err(f"truncated-json{p.replace('/', '-')}", _ep(p), 400, contracts.message("json_eof"), raw=b"{")
      for p in ["/api/generate", "/api/chat", "/api/show", "/api/embed"]],
    *[Err(f"wrong-type{p.replace('/', '-')}", _ep(p), 400, prefix="json: cannot unmarshal", body={"model": 123})
      for p in ["/api/generate", "/api/chat", "/api/show", "/api/embed", "/api/embeddings"]],
    *[Err(f"v1-empty-body{p.replace('/', '-')}", _ep(p), 400, contracts.message("v1_empty_body"), raw=b"")
      for p in V1_POSTS],
    *[Err(f"v1-bad-json{p.replace('/', '-')}", _ep(p), 400, "invalid character 'h' looking for beginning of value",
          raw=b"hello") for p in V1_POSTS],
]
MODEL_CASES = [
    Err("v1-messages-empty", "POST /v1/chat/completions", 400, contracts.message("v1_messages_too_short"),
        body={"model": "{model}", "messages": []}, cap="chat"),
    Err("v1-embeddings-encoding", "POST /v1/embeddings", 400,
        contracts.message("v1_encoding_format", value="hex"),
        body={"model": "{model}", "input": "hi", "encoding_format": "hex"}, cap="embedding"),
    Err("think-bad-string", "POST /api/chat", 400, contracts.message("think_bad_string", value="extreme"),
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}], "think": "extreme"}, cap="thinking"),
    Err("keep-alive-bad", "POST /api/generate", 400, contracts.message("keep_alive_bad_duration", value="abc"),
        body={"model": "{model}", "prompt": "hi", "keep_alive": "abc"}, cap="chat"),
    Err("top-logprobs-range", "POST /api/chat", 400, contracts.message("top_logprobs_range"),
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "top_logprobs": 21},
        cap="chat"),
    Err("raw-with-template", "POST /api/generate", 400, contracts.message("raw_with_template"),
        body={"model": "{model}", "prompt": "hi", "raw": True, "template": "{{ .Prompt }}"}, cap="chat"),
    Err("tools-unsupported", "POST /api/chat", 400, "{no_tools}",
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}], "tools": TOOLS}, cap=NO_TOOLS),
    Err("v1-tools-unsupported", "POST /v1/chat/completions", 400, "{no_tools}",
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}], "tools": TOOLS}, cap=NO_TOOLS),
    Err("think-unsupported", "POST /api/chat", 400, "{no_thinking}",
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}], "think": True}, cap="chat",
        lacks="thinking"),
    Err("chat-on-embedding-model", "POST /api/chat", 400, "{no_chat}",
        body={"model": "{model}", "messages": [{"role": "user", "content": "hi"}]}, cap="embedding"),
    Err("generate-on-embedding-model", "POST /api/generate", 400, "{no_generate}",
        body={"model": "{model}", "prompt": "hi"}, cap="embedding"),
    Err("suffix-unsupported", "POST /api/generate", 400, "{no_insert}",
        body={"model": "{model}", "prompt": "hi", "suffix": "x"}, cap="chat", lacks="insert"),
]
CASES = [*BODY_CASES, *_table_cases("empty_model", ""), *_table_cases("unknown_model", UNKNOWN), *MODEL_CASES]


def full_name(name: str) -> str:
    """registry.ollama.ai/library/<name>:<tag>, the form capability errors use."""
    base = name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"
    parts = base.split("/")
    if len(parts) == 1:
        return "registry.ollama.ai/library/" + base
    if len(parts) == 2:
        return "registry.ollama.ai/" + base
    return base


def _fill(value: Any, model: str) -> Any:
    if isinstance(value, str):
        return value.replace("{model}", model)
    if isinstance(value, dict):
        return {k: _fill(v, model) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, model) for v in value]
    return value


def _expected_message(case: Err, model: str) -> str | None:
    named = {
        "{no_tools}": lambda: contracts.message("no_tools", full_name=full_name(model)),
        "{no_thinking}": lambda: contracts.message("no_thinking", model=model),
        "{no_chat}": lambda: contracts.message("no_chat", model=model),
        "{no_generate}": lambda: contracts.message("no_generate", model=model),
        "{no_insert}": lambda: contracts.message("no_insert", full_name=full_name(model)),
    }
    return named[case.message]() if case.message in named else case.message


def error_text(endpoint: str, body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    err = body.get("error")
    return str(err.get("message", "")) if isinstance(err, dict) else str(err or "")


@check(id="error.case", endpoint="(per case)", category="error")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_error_case(api, target, case: Err) -> None:
    """Status, Content-Type, error envelope and exact message of a provoked error."""
    model = need(target, case.cap) if case.cap else UNKNOWN
    if case.lacks and target.has(model, case.lacks):
        pytest.skip(f"{model} has capability {case.lacks!r}: give a --model-{case.cap} without it")
    path = case.path.replace("{model}", model)
    ex = api.request(case.endpoint.split(" ")[0], path, _fill(case.body, model), raw=case.raw)
    expect_status(ex, case.status)
    expect_content_type(ex, *JSON_TYPES)
    body = body_json(ex)
    expect_valid(case.endpoint, "error", body)
    text = error_text(case.endpoint, body)
    wanted = _expected_message(case, model)
    if wanted is not None:
        expect_equal(text, wanted, "error message", path="$.error")
    else:
        expect(text.startswith(case.prefix), f"error message {text!r} does not start with {case.prefix!r}",
               path="$.error", excerpt=body)


ROUTER = [("GET /conformance-no-such-route", 404, "404 page not found"), ("GET /api/show", 405, "405 method not allowed"),
          ("POST /api/tags", 405, "405 method not allowed")]


@check(id="error.router", endpoint="GET /", category="error")
@pytest.mark.parametrize("route,status,text", ROUTER, ids=[r[0] for r in ROUTER])
def test_router_errors(api, route: str, status: int, text: str) -> None:
    """Unknown path and wrong method get gin's plain-text 404/405."""
    method, path = route.split(" ", 1)
    ex = api.request(method, path)
    expect_status(ex, status)
    expect_content_type(ex, "text/plain", "text/plain; charset=utf-8")
    expect_equal(ex.text, text, "router body")


@check(id="v1.error.type-by-status", endpoint="POST /v1/chat/completions", category="error", gap=31)
@pytest.mark.parametrize("status", [400, 404])
def test_v1_error_type(api, target, status: int) -> None:
    """Since v0.18.0 the type follows the status: 400 invalid_request_error, 404 not_found_error."""
    body = {"model": "", "messages": [{"role": "user", "content": "hi"}]} if status == 400 else \
        {"model": UNKNOWN, "messages": [{"role": "user", "content": "hi"}]}
    ex = api.post("/v1/chat/completions", body)
    expect_status(ex, status)
    err = (body_json(ex) or {}).get("error") or {}
    wanted = {400: "invalid_request_error", 404: "not_found_error"}[status]
    expect_equal(err.get("type"), wanted, "error.type", path="$.error.type")


@check(id="v1.error.model-not-found-code", endpoint="POST /v1/chat/completions", category="openai-compat",
       severity="gap", gap=31)
def test_v1_model_not_found_like_openai(api) -> None:
    """Unknown model answered like OpenAI: invalid_request_error with code model_not_found."""
    ex = api.post("/v1/chat/completions", {"model": UNKNOWN, "messages": [{"role": "user", "content": "hi"}]})
    expect_status(ex, 404)
    err = (body_json(ex) or {}).get("error") or {}
    expect(err.get("type") == "invalid_request_error" and err.get("code") == "model_not_found",
           f"OpenAI answers type invalid_request_error, code model_not_found; got {err.get('type')!r}, {err.get('code')!r}",
           path="$.error", excerpt=err)
