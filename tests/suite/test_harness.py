"""Unit tests of the suite harness: results, evidence, curl reproduction, stream parsing, report shape."""

from __future__ import annotations

import json
import shlex

import pytest
from ollama_conformance.suites.harness.client import Exchange, curl_command
from ollama_conformance.suites.harness.expect import CheckFailed, expect_content_type, expect_status
from ollama_conformance.suites.harness.results import (
    CheckResult,
    CheckSpec,
    Evidence,
    build_report,
    non_passing_gaps,
    outcome_for,
    summarise,
)
from ollama_conformance.suites.harness.streams import parse_ndjson, parse_sse


def spec(severity: str = "failure", gap: int | None = None) -> CheckSpec:
    return CheckSpec(id="x.y", endpoint="POST /api/chat", category="contract", severity=severity, gap=gap)


def test_spec_rejects_unknown_category_and_severity() -> None:
    with pytest.raises(ValueError, match="category 'nope' not one of contract"):
        CheckSpec(id="a", endpoint="GET /", category="nope")
    with pytest.raises(ValueError, match="severity 'fatal'"):
        CheckSpec(id="a", endpoint="GET /", category="contract", severity="fatal")


@pytest.mark.parametrize("severity,outcome", [("failure", "failed"), ("gap", "gap"), ("info", "info")])
def test_outcome_of_a_non_passing_check_is_its_severity(severity: str, outcome: str) -> None:
    assert outcome_for(spec(severity), passed=False) == outcome
    assert outcome_for(spec(severity), passed=True) == "passed"


def test_summary_counts_each_outcome() -> None:
    results = [CheckResult(spec(), o) for o in ("passed", "passed", "failed", "gap", "info", "skipped")]
    assert summarise(results, 1.23456) == {"total": 6, "passed": 2, "failed": 1, "gaps": 1, "info": 1,
                                           "skipped": 1, "duration_s": 1.235}


def test_report_has_the_architecture_shape() -> None:
    ev = Evidence(request={"method": "POST"}, response_excerpt="{}", json_path="$.a", reproduce="curl x")
    results = [CheckResult(spec("gap", 15), "gap", "content is ''", 0.01, ev), CheckResult(spec(), "passed")]
    target = {"base_url": "http://127.0.0.1:1", "server_version": "0.32.15", "embedded_mock": True,
              "profile": "ollama-0.32", "models": {"chat": "llama3.2:latest"}}
    report = build_report(target, results, 0.5)
    assert set(report) == {"schema_version", "tool", "generated_at", "target", "summary", "results"}
    assert report["schema_version"] == 1 and report["tool"]["name"] == "ollama-conformance"
    assert report["generated_at"].endswith("Z")
    first, second = report["results"]
    assert set(first) == {"id", "title", "endpoint", "category", "severity", "gap", "outcome", "message",
                          "duration_s", "evidence"}
    assert first["evidence"] == {"request": {"method": "POST"}, "response_excerpt": "{}", "json_path": "$.a",
                                 "reproduce": "curl x"}
    assert second["evidence"] is None
    assert non_passing_gaps(report) == {15}
    json.dumps(report)  # serialisable


def test_curl_reproduces_method_headers_and_body() -> None:
    ex = Exchange(method="POST", base_url="http://127.0.0.1:11434", path="/api/chat",
                  body={"model": "m", "messages": [{"role": "user", "content": "it's"}]},
                  headers={"X-Ollama-Mock-Fault": "drop;after=1"})
    cmd = curl_command(ex)
    argv = shlex.split(cmd)
    assert "\n" not in cmd
    assert argv[:4] == ["curl", "-sS", "-X", "POST"]
    assert argv[argv.index("-d") + 1] == '{"model":"m","messages":[{"role":"user","content":"it\'s"}]}'
    assert "X-Ollama-Mock-Fault: drop;after=1" in argv
    assert argv[-1] == "http://127.0.0.1:11434/api/chat"


def test_curl_for_raw_bodies_and_get() -> None:
    raw = Exchange(method="POST", base_url="http://h", path="/api/show", raw_body=b"hello")
    assert shlex.split(curl_command(raw))[-3:] == ["--data-binary", "hello", "http://h/api/show"]
    assert curl_command(Exchange(method="GET", base_url="http://h", path="/api/tags")) == "curl -sS http://h/api/tags"


def test_expectations_raise_check_failed_with_path() -> None:
    ex = Exchange(method="GET", base_url="http://h", path="/", status=500, content=b"boom",
                  response_headers={"content-type": "text/html"})
    with pytest.raises(CheckFailed, match="status 500, expected 200"):
        expect_status(ex, 200)
    with pytest.raises(CheckFailed) as info:
        expect_content_type(ex, "text/plain; charset=utf-8")
    assert info.value.json_path == "headers.content-type"


def test_ndjson_parsing_keeps_bad_lines_and_framing() -> None:
    parsed = parse_ndjson(b'{"a":1}\nnot json\n{"done":true}')
    assert parsed.records == [{"a": 1}, {"done": True}]
    assert parsed.bad == ["not json"]
    assert parsed.framing_errors == ["last NDJSON line does not end with a newline"]


def test_sse_parsing_sees_done_and_events_after_it() -> None:
    raw = 'data: {"x":1}\n\ndata: [DONE]\n\ndata: {"y":2}\n\n'
    parsed = parse_sse(raw)
    assert parsed.records == [{"x": 1}, {"y": 2}]
    assert parsed.done_marker and parsed.after_done == 1
    assert parse_sse('event: x\ndata: {"x":1}\n\n').framing_errors == ["unexpected SSE line 'event: x'"]


def test_missing_capability_skips_with_the_reason() -> None:
    from ollama_conformance.suites.conformance.support import need
    from ollama_conformance.suites.harness.target import Target, TargetConfig

    target = Target("http://h", "0.32.15", False, None, {"chat": "llama3.2:latest", "vision": None}, TargetConfig())
    assert need(target, "chat") == "llama3.2:latest"
    with pytest.raises(pytest.skip.Exception, match="no model with capability 'vision'.*--model-vision"):
        need(target, "vision")


def test_markers_make_categories_severities_and_gaps_selectable() -> None:
    from ollama_conformance.suites.harness.plugin import markers_of

    spec = CheckSpec(id="a", endpoint="POST /v1/chat/completions", category="tool-calling", severity="gap", gap=19)
    assert markers_of(spec) == ["tool_calling", "gap", "gap_row", "gap19"]
    assert markers_of(CheckSpec(id="b", endpoint="GET /", category="contract")) == ["contract", "failure"]


def test_pass_at_k_passes_when_any_attempt_passes() -> None:
    from ollama_conformance.suites.conformance.support import pass_at_k
    from ollama_conformance.suites.harness.expect import fail

    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            fail(f"attempt {len(calls)}")

    pass_at_k(3, flaky)
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(CheckFailed, match="attempt 2"):
        pass_at_k(2, flaky)


def test_server_text_in_a_finding_is_bounded_and_writable(tmp_path) -> None:
    # before: a lone surrogate (a server's "\ud83d" escape) crashed the run and left report.json empty,
    # and a whole 4 MiB body quoted in a message was copied into every report
    from ollama_conformance.suites.harness.expect import MESSAGE_LIMIT, excerpt_of
    from ollama_conformance.suites.harness.runner import write

    failed = CheckFailed("got '\ud83d" + "x" * 10_000 + "'", excerpt={"error": "\ud83dbad"})
    assert len(failed.message) < MESSAGE_LIMIT + 50 and failed.message.startswith("got '\ufffdx")
    failed.message.encode("utf-8")
    excerpt_of(failed.excerpt).encode("utf-8")
    write({"results": [{"message": "left \udcff in"}]}, tmp_path)  # not a whole report: only the JSON is written
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["results"][0]["message"] == "left \udcff in"
