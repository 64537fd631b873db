"""Errors in the middle of a stream (reference §4.2), provoked with the mock's fault header.

A live Ollama ignores the header; these checks skip when the server does not inject the fault.
"""

from __future__ import annotations

import pytest
from ollama_conformance.suites.conformance.support import SMALL, need
from ollama_conformance.suites.harness.expect import expect, expect_content_type
from ollama_conformance.suites.harness.marks import check
from ollama_conformance.suites.harness.streams import parse_ndjson, parse_sse

FAULT = {"X-Ollama-Mock-Fault": "midstream_error;after=2;message=conformance fault"}
PROMPT = "Write four sentences about mountains."


def _require_faults(ex) -> None:
    if "x-ollama-mock-profile" not in ex.response_headers:
        pytest.skip("the server does not inject faults (X-Ollama-Mock-Fault); provoke a runner failure by hand")


@check(id="native.chat.stream.midstream-error", endpoint="POST /api/chat", category="error", gap=29)
@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /api/generate"])
def test_native_midstream_error(api, target, endpoint: str) -> None:
    """An error after output began is a final {"error"} line under HTTP 200, no done:true."""
    model = need(target, "chat")
    body = ({"model": model, "messages": [{"role": "user", "content": PROMPT}], "options": SMALL}
            if endpoint.endswith("chat") else {"model": model, "prompt": PROMPT, "options": SMALL})
    ex = api.post(endpoint.split(" ")[1], body, headers=FAULT)
    _require_faults(ex)
    expect(ex.status == 200, f"status {ex.status}: an error after output began keeps HTTP 200", excerpt=ex.text)
    expect_content_type(ex, "application/x-ndjson")
    records = parse_ndjson(ex.content).records
    last = records[-1] if records else {}
    expect(isinstance(last, dict) and set(last) == {"error"}, "the last line is not {\"error\": ...}",
           path="$[-1]", excerpt=last)
    expect(not any(r.get("done") is True for r in records), "a done:true record came with the error",
           path="$[*].done", excerpt=records)


@check(id="v1.chat.stream.midstream-error-signalled", endpoint="POST /v1/chat/completions",
       category="openai-compat", severity="gap", gap=30)
def test_v1_midstream_error(api, target) -> None:
    """OpenAI clients need an error event, or at least a finish reason and [DONE]; Ollama just stops."""
    model = need(target, "chat")
    body = {"model": model, "messages": [{"role": "user", "content": PROMPT}], "stream": True, "max_tokens": 64}
    ex = api.post("/v1/chat/completions", body, headers=FAULT)
    _require_faults(ex)
    parsed = parse_sse(ex.content)
    error_event = any(isinstance(r, dict) and "error" in r for r in parsed.records)
    finished = any(ch.get("finish_reason") for r in parsed.records for ch in (r.get("choices") or []))
    expect(error_event or (finished and parsed.done_marker),
           "the stream stopped with no error event, no finish_reason and no [DONE]: the error is lost",
           path="$[-1]", excerpt=parsed.records[-2:] or ex.text[-200:])
