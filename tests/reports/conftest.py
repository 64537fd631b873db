"""Report fixtures: realistic report.json documents built in code (passing, failing, gaps, info,
skipped, tool-calling pairs, evidence full of HTML-special characters)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BASE = "http://127.0.0.1:11434"
NASTY = '<script>alert("x")</script> & </textarea> \' " `` ``` \x1b[31m'


def result(id: str, endpoint: str = "POST /api/chat", category: str = "contract", severity: str = "failure",
           outcome: str = "passed", message: str = "", gap: int | None = None,
           evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": id, "title": id, "endpoint": endpoint, "category": category, "severity": severity, "gap": gap,
            "outcome": outcome, "message": message, "duration_s": 0.012, "evidence": evidence}


def evidence(path: str = "$.message.role", excerpt: str = '{"role": "robot"}', body: Any = None,
             endpoint: str = "/api/chat") -> dict[str, Any]:
    body = body if body is not None else {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}
    return {"request": {"method": "POST", "url": BASE + endpoint, "body": body}, "response_excerpt": excerpt,
            "json_path": path,
            "reproduce": f"curl -sS -X POST -d '{json.dumps(body, separators=(',', ':'))}' {BASE}{endpoint}"}


def document(results: list[dict[str, Any]], profile: str | None = "ollama-0.32", version: str = "0.32.15",
             base_url: str = BASE) -> dict[str, Any]:
    counts = {k: sum(r["outcome"] == k for r in results) for k in ("passed", "failed", "gap", "info", "skipped")}
    return {
        "schema_version": 1,
        "tool": {"name": "ollama-conformance", "version": "0.1.0"},
        "generated_at": "2026-11-22T00:00:00Z",
        "target": {"base_url": base_url, "server_version": version, "embedded_mock": profile is not None,
                   "profile": profile, "models": {"chat": "gemma3:1b", "tools": "llama3.2:latest", "vision": None}},
        "summary": {"total": len(results), "passed": counts["passed"], "failed": counts["failed"],
                    "gaps": counts["gap"], "info": counts["info"], "skipped": counts["skipped"], "duration_s": 1.5},
        "results": results,
    }


def full_results() -> list[dict[str, Any]]:
    v1 = "POST /v1/chat/completions"
    return [
        result("contract.chat.response"),
        result("contract.chat.role", outcome="failed", message="role is 'robot'; expected assistant <per §2>",
               evidence=evidence(excerpt=NASTY)),
        result("stream.chat.done-last", category="stream"),
        result("error.chat.missing-model", category="error", outcome="failed", message="status 200, expected 400",
               evidence=evidence(path="$", excerpt='{"error": "model is required"}')),
        result("native.chat.tool-calls.index", category="tool-calling", gap=23),
        result("v1.chat.tool-calls.index", endpoint=v1, category="tool-calling", gap=7, outcome="failed",
               message="tool_calls[0].index missing", evidence=evidence(path="$.choices[0].delta.tool_calls[0].index",
                                                                          endpoint="/v1/chat/completions")),
        result("native.chat.tool-calls.arguments-object", category="tool-calling", gap=22),
        result("v1.chat.tool-calls.arguments-json-string", endpoint=v1, category="tool-calling", gap=22),
        result("native.chat.tool-calls.done-reason", category="tool-calling", outcome="failed",
               message="done_reason missing", evidence=evidence(path="$.done_reason")),
        result("v1.chat.tool-calls.finish-reason", endpoint=v1, category="tool-calling", outcome="failed",
               message="finish_reason stop", evidence=evidence(path="$.choices[0].finish_reason")),
        result("v1.chat.stream.done-marker-tools", endpoint=v1, category="tool-calling"),
        result("v1.chat.tool-calls.content-null", endpoint=v1, category="openai-compat", severity="gap", gap=15,
               outcome="gap", message="content is '' with tool calls; OpenAI sends null",
               evidence=evidence(path="$.choices[0].message.content", excerpt='""', endpoint="/v1/chat/completions")),
        result("v1.chat.stream.tool-calls.fragmented", endpoint=v1, category="openai-compat", severity="info", gap=9,
               outcome="info", message="each call arrives whole", evidence=evidence(path="$[*]")),
        result("lifecycle.pull.unknown", endpoint="POST /api/pull", category="lifecycle", outcome="skipped",
               message="pull checks need --allow-destructive"),
    ]


@pytest.fixture
def full_report() -> dict[str, Any]:
    """A run with every outcome, tool-calling pairs and evidence that must be escaped."""
    return document(full_results())


@pytest.fixture
def make_report() -> Callable[..., dict[str, Any]]:
    return document


@pytest.fixture
def make_result() -> Callable[..., dict[str, Any]]:
    return result


@pytest.fixture
def make_evidence() -> Callable[..., dict[str, Any]]:
    return evidence


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, doc: Any) -> Path:
        path = tmp_path / name
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        return path

    return write


@pytest.fixture
def copy_doc() -> Callable[[dict[str, Any]], dict[str, Any]]:
    return copy.deepcopy
