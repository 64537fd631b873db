"""Gap checks must be able to fail: each runs against the mock, then against the mock with the gap
put back by a client that rewrites what goes out or comes back (the behaviour of the Ollama
release the row names), and must report it there.

A rewrite stands in where the mock has no profile for a row (12, 13) or for a shape no Ollama
release sends but another server may (null content in tool deltas, stop on a cut call).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.testing import serve_in_thread
from ollama_conformance.suites.harness.client import Client, Exchange
from ollama_conformance.suites.harness.plugin import SuitePlugin
from ollama_conformance.suites.harness.results import CheckResult
from ollama_conformance.suites.harness.runner import _pytest_main, build_parser, pytest_args
from ollama_conformance.suites.harness.target import TargetConfig, resolve

pytestmark = pytest.mark.slow
V1 = "/v1/chat/completions"
Before = Callable[[str, Any], Any]
After = Callable[[str, Exchange], None]


class RewritingClient(Client):
    """The suite's client with the gap put back: `before` edits each request body, `after` each answer."""

    def __init__(self, base_url: str, before: Before | None, after: After | None, headers: dict[str, str]) -> None:
        super().__init__(base_url, 30.0, headers)
        self.before, self.after = before, after

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> Exchange:
        if self.before is not None and body is not None:
            body = self.before(path, copy.deepcopy(body))
        ex = super().request(method, path, body, **kw)
        if self.after is not None:
            self.after(path, ex)
        return ex


@contextmanager
def mock(profile: str = "ollama-0.32") -> Iterator[str]:
    with serve_in_thread(Settings(port=0, profile=profile)) as base_url:
        yield str(base_url)


def run_checks(base_url: str, keyword: str, *, before: Before | None = None, after: After | None = None,
               headers: dict[str, str] | None = None, marks: str | None = None) -> dict[str, CheckResult]:
    """The results, by check id, of the checks `-k keyword` (and `-m marks`) select, run as
    `ollama-conformance run` runs them."""
    config = TargetConfig(base_url=base_url)
    plugin = SuitePlugin(resolve(config, base_url, embedded=True))
    plugin.client.close()
    plugin.client = RewritingClient(base_url, before, after, headers or {})
    _pytest_main(pytest_args(build_parser().parse_args(["-k", keyword, *(["-m", marks] if marks else [])])), plugin)
    results = {r.spec.id: r for r in plugin.results}
    assert results, f"no check selected by {keyword!r}"
    return results


def outcomes(results: dict[str, CheckResult]) -> dict[str, str]:
    return {check: r.outcome for check, r in results.items()}


def rewrite_sse(ex: Exchange, edit: Callable[[int, dict[str, Any]], None]) -> None:
    """Apply `edit(n, chunk)` to every JSON chunk of a /v1 stream, in place."""
    events = []
    for n, event in enumerate(ex.content.decode().split("\n\n")):
        if event.startswith("data: {"):
            chunk = json.loads(event[len("data: "):])
            edit(n, chunk)
            event = "data: " + json.dumps(chunk)
        events.append(event)
    ex.content = "\n\n".join(events).encode()


def tool_deltas(chunk: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for ch in chunk.get("choices") or [] for d in [ch.get("delta") or {}] if d.get("tool_calls")]


# -- row 13: history tool_calls dropped when content is a string (<= v0.11.3) ----------------------

def _drop_calls_of_string_content(path: str, body: Any) -> Any:
    """v0.11.3's conversion: an assistant message with string content loses its tool_calls."""
    if path == V1:
        for msg in body["messages"]:
            if isinstance(msg.get("content"), str):
                msg.pop("tool_calls", None)
    return body


def test_history_empty_content_check_reports_dropped_calls() -> None:
    with mock() as url:
        assert outcomes(run_checks(url, "test_history_empty_string_content")) == {
            "v1.chat.history.empty-content-with-calls": "passed"}
        found = run_checks(url, "test_history_empty_string_content", before=_drop_calls_of_string_content)
    result = found["v1.chat.history.empty-content-with-calls"]
    assert result.outcome == "failed", result.message
    assert "lost its tool_calls" in result.message and "'Ushuaia' 0 time(s), not 1" in result.message


# -- row 12: incoming tool_call_id / name ignored (before v0.11.4 / v0.12.10) ----------------------

def _ignore_tool_call_id(path: str, body: Any) -> Any:
    """Before v0.11.4: a tool message's tool_call_id gives the template neither a name nor an id."""
    if path == V1:
        for msg in body["messages"]:
            if msg.get("role") == "tool":
                msg.pop("tool_call_id", None)
    return body


def _name_without_id(path: str, body: Any) -> Any:
    """v0.11.4 to v0.12.9 on /v1: the name is looked up from tool_call_id, the id is not passed on."""
    if path == V1:
        for msg in body["messages"]:
            if msg.get("role") == "tool" and msg.pop("tool_call_id", None):
                msg["name"] = "get_weather"
    return body


@pytest.mark.parametrize("before,lost", [(_ignore_tool_call_id, "'get_weather' 4 time(s), not 6"),
                                         (_name_without_id, "'call_q7r2k9wd' 1 time(s), not 2")])
def test_history_tool_call_id_check_reports_lost_name_or_id(before: Before, lost: str) -> None:
    with mock() as url:
        assert outcomes(run_checks(url, "test_history_round_trip")) == {"v1.chat.history.tool-call-id": "passed"}
        result = run_checks(url, "test_history_round_trip", before=before)["v1.chat.history.tool-call-id"]
    assert result.outcome == "failed", result.message
    assert lost in result.message, result.message


def test_history_checks_skip_when_the_server_cannot_render() -> None:
    """A server without _debug_render_only (before v0.12.0 on /v1) answers normally: not decidable."""
    def no_debug(path: str, body: Any) -> Any:
        body.pop("_debug_render_only", None)
        return body

    with mock() as url:
        found = run_checks(url, "test_history_round_trip or test_history_empty_string_content", before=no_debug)
    assert outcomes(found) == {"v1.chat.history.tool-call-id": "skipped",
                               "v1.chat.history.empty-content-with-calls": "skipped"}
    assert all("_debug_render_only" in r.message for r in found.values())


# -- row 8: parallel calls sharing index 0 -------------------------------------------------------------

def _collapse_indexes(path: str, ex: Exchange) -> None:
    """Every streamed tool call at index 0 (qwen3 and glm parsers before v0.17.4)."""
    if path == V1 and ex.content.startswith(b"data: "):
        rewrite_sse(ex, lambda _, chunk: [c.update(index=0) for d in tool_deltas(chunk) for c in d["tool_calls"]])


def test_every_v1_row_8_check_reports_shared_indexes() -> None:
    """No /v1 check of row 8 may pass against a server that puts every call at index 0 (the single-call
    distinct-indexes check did: it is gone, v1.chat.stream.parallel-calls covers the row)."""
    with mock() as url:
        clean = run_checks(url, "tools_v1", marks="gap8")
        found = run_checks(url, "tools_v1", marks="gap8", after=_collapse_indexes)
    row8 = {check for check, r in found.items() if r.spec.endpoint.endswith(V1)}
    assert "v1.chat.stream.parallel-calls" in row8
    assert {c: clean[c].outcome for c in row8} == {c: "passed" for c in row8}
    assert {c: found[c].outcome for c in row8} == {c: "failed" for c in row8}
    assert "expected distinct 0..1" in found["v1.chat.stream.parallel-calls"].message


def test_parallel_calls_check_groups_deltas_by_id() -> None:
    """A call whose id shows up under two indexes (fragments mis-indexed) is reported too."""
    def split(path: str, ex: Exchange) -> None:
        if path == V1 and ex.content.startswith(b"data: "):
            def edit(_: int, chunk: dict[str, Any]) -> None:
                for delta in tool_deltas(chunk):
                    calls = delta["tool_calls"]
                    calls.append({"index": 1 - calls[0]["index"], "id": calls[0]["id"],
                                  "function": {"arguments": ""}})
            rewrite_sse(ex, edit)

    with mock() as url:
        result = run_checks(url, "test_stream_parallel_calls", after=split)["v1.chat.stream.parallel-calls"]
    assert result.outcome == "failed" and "several indexes" in result.message, result.message


# -- row 27: content in tool-call deltas -----------------------------------------------------------

def _tool_delta_content(value: Any) -> After:
    def after(path: str, ex: Exchange) -> None:
        if path == V1 and ex.content.startswith(b"data: "):
            def edit(_: int, chunk: dict[str, Any]) -> None:
                for delta in tool_deltas(chunk):
                    delta.pop("content", None)
                    if value != "absent":
                        delta["content"] = value
            rewrite_sse(ex, edit)
    return after


@pytest.mark.parametrize("value,outcome", [(None, "passed"), ("absent", "passed"), ("", "gap")])
def test_tool_delta_content_null_is_what_openai_sends(value: Any, outcome: str) -> None:
    with mock() as url:
        found = run_checks(url, "test_stream_tool_delta_has_no_empty_content", after=_tool_delta_content(value))
    assert outcomes(found) == {"v1.chat.stream.tool-delta-content": outcome}


# -- row 27: created constant ------------------------------------------------------------------------

CREATED = "test_v1_created_constant"


def test_created_check_is_undecided_on_a_short_stream() -> None:
    """One created on a stream that lasted a fraction of a second proves nothing (a pre-0.32.6 server
    stamping each chunk shows one value too unless a second boundary falls inside the stream)."""
    with mock() as url:
        result = run_checks(url, CREATED)["v1.chat.stream.created-constant"]
    assert result.outcome == "skipped"
    assert "created is whole seconds" in result.message and "not decided" in result.message


def test_created_check_passes_on_a_long_stream_with_one_created() -> None:
    """The mock pauses 2.5 s mid-stream (its stall fault): one created over that is decided."""
    with mock() as url:
        found = run_checks(url, CREATED, headers={"X-Ollama-Mock-Fault": "stall;after=2;seconds=2.5"})
    assert outcomes(found) == {"v1.chat.stream.created-constant": "passed"}


def test_created_check_fails_when_chunks_carry_their_own_second() -> None:
    def per_chunk(path: str, ex: Exchange) -> None:
        if path == V1 and ex.content.startswith(b"data: "):
            rewrite_sse(ex, lambda n, chunk: chunk.update(created=chunk["created"] + (n > 3)))

    with mock() as url:
        result = run_checks(url, CREATED, after=per_chunk)["v1.chat.stream.created-constant"]
    assert result.outcome == "failed" and "created differs across chunks" in result.message


# -- row 5: finish_reason after streamed tool calls --------------------------------------------------

def test_finish_reason_check_applies_only_to_streamed_calls() -> None:
    """ollama-0.4.5 streams the call as text (row 1): row 5 does not apply. ollama-0.5.11 streams the
    call and finishes with stop: row 5."""
    keyword = "test_stream_finish_reason or test_stream_calls_present"
    with mock("ollama-0.4.5") as url:
        old = run_checks(url, keyword)
    with mock("ollama-0.5.11") as url:
        newer = run_checks(url, keyword)
    assert outcomes(old) == {"v1.chat.stream.tool-calls.present": "failed",
                             "v1.chat.stream.finish-reason-tool-calls": "skipped"}
    assert outcomes(newer) == {"v1.chat.stream.tool-calls.present": "passed",
                               "v1.chat.stream.finish-reason-tool-calls": "failed"}


# -- row 6: a cut call says length -----------------------------------------------------------------

def _finish(reason: str, calls: bool = True) -> After:
    def after(path: str, ex: Exchange) -> None:
        if path == V1 and ex.content.startswith(b"{"):
            body = json.loads(ex.content)
            body["choices"][0]["finish_reason"] = reason
            if not calls:
                body["choices"][0]["message"].pop("tool_calls", None)
            ex.content = json.dumps(body).encode()
    return after


@pytest.mark.parametrize("after,outcome", [(None, "passed"), (_finish("stop"), "failed"),
                                           (_finish("stop", calls=False), "failed"), (_finish("tool_calls"), "failed")])
def test_length_wins_check_wants_length_on_a_cut_reply(after: After | None, outcome: str) -> None:
    with mock() as url:
        found = run_checks(url, "test_length_beats_tool_calls", after=after)
    assert outcomes(found) == {"v1.chat.tool-calls.length-wins": outcome}, found["v1.chat.tool-calls.length-wins"].message


# -- row 14: history shapes OpenAI accepts -------------------------------------------------------------

def test_history_shapes_report_row_14_and_accepting_them_passes() -> None:
    keyword = "test_history_shapes_openai_accepts or test_history_content_null_with_calls or test_history_object_arguments"
    shapes = ("content-null-no-calls", "arguments-not-json", "arguments-empty")

    def accepted(path: str, body: Any) -> Any:  # what OpenAI does: the shapes go through
        if path == V1:
            for msg in body["messages"]:
                if msg.get("role") == "assistant":
                    msg["content"] = msg.get("content") or "ok"
                    for call in msg.get("tool_calls") or []:
                        if isinstance(call["function"]["arguments"], str):
                            call["function"]["arguments"] = "{}"
        return body

    with mock() as url:
        ollama = outcomes(run_checks(url, keyword))
        lenient = outcomes(run_checks(url, "test_history_shapes_openai_accepts", before=accepted))
    assert ollama == {"v1.chat.history.content-null-with-calls": "passed",
                      "v1.chat.history.arguments-object": "passed",
                      **{f"v1.chat.history.openai-accepted-shape[{s}]": "gap" for s in shapes}}
    assert lenient == {f"v1.chat.history.openai-accepted-shape[{s}]": "passed" for s in shapes}
