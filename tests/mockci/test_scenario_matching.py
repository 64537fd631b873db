"""Rule matching: the fast path agrees with the diagnostic one, and the README examples load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.reply import ReplyContext
from ollama_conformance.mock_server.scenario_match import RequestView
from ollama_conformance.mock_server.scenario_overlap import relation
from ollama_conformance.mock_server.scenario_rules import build_rule
from ollama_conformance.mock_server.scenarios import Scenario

ENDPOINTS = ["POST /api/chat", "POST /api/generate", "POST /v1/chat/completions", "POST /v1/messages"]
MODELS = ["llama3.2", "llama3.2:latest", "qwen3:8b", "Qwen3:8B", "gemma3:1b"]
PROMPTS = ["what is the weather", "Weather in PARIS", "hello", "calc 12", ""]

match_dicts = st.fixed_dictionaries(
    {},
    optional={
        "endpoint": st.sampled_from(["chat", "generate", "/api/chat", "/v1/messages"]),
        "model": st.sampled_from(["llama3.2", "qwen3:8b", ["gemma3:1b", "llama3.2"]]),
        "message": st.sampled_from(["weather", "paris", "hello"]),
        "message_regex": st.sampled_from([r"^calc \d+", "(?i)paris"]),
        "tools": st.booleans(),
        "tool_results": st.booleans(),
        "turn": st.sampled_from([0, 1, [0, 2]]),
        "header": st.sampled_from([{"x-test": "1"}, {"X-Test": "2"}]),
    },
)


@st.composite
def contexts(draw: Any) -> ReplyContext:
    prompt = draw(st.sampled_from(PROMPTS))
    tool_turn = draw(st.booleans())
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    if tool_turn:
        messages += [{"role": "assistant", "content": ""}, {"role": "tool", "content": "24C"}]
    return ReplyContext(
        endpoint=draw(st.sampled_from(ENDPOINTS)),
        model=draw(st.sampled_from(MODELS)),
        body={},
        messages=messages,
        prompt=prompt,
        tools=draw(st.sampled_from([[], [{"type": "function"}]])),
        has_tool_results=tool_turn,
        turn_index=draw(st.integers(0, 2)),
        headers=draw(st.sampled_from([{}, {"x-test": "1"}, {"x-test": "2"}])),
        capabilities=[],
    )


def _loc(where: tuple[Any, ...], key: bool = False) -> str:
    return "test"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(match=match_dicts, ctx=contexts())
def test_fast_path_agrees_with_the_diagnostics(match: dict[str, Any], ctx: ReplyContext) -> None:
    rule = build_rule({"match": match, "respond": {"content": "x"}}, ("rules", 0), _loc)
    assert rule.matcher.accepts(RequestView(ctx)) is (not rule.mismatches(ctx))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(a=match_dicts, b=match_dicts, ctxs=st.lists(contexts(), min_size=1, max_size=20))
def test_relation_is_never_contradicted_by_a_request(
    a: dict[str, Any], b: dict[str, Any], ctxs: list[ReplyContext]
) -> None:
    ra = build_rule({"match": a, "respond": {"content": "x"}}, ("rules", 0), _loc)
    rb = build_rule({"match": b, "respond": {"content": "y"}}, ("rules", 1), _loc)
    rel = relation(ra.matcher, rb.matcher)
    for ctx in ctxs:
        hit_a, hit_b = ra.matches(ctx), rb.matches(ctx)
        if rel == "shadows":
            assert hit_a or not hit_b  # whatever b matches, a matches
        if rel == "fallback":
            assert hit_b or not hit_a


README_TOOL_LOOP = """\
strict: false
rules:
  - name: call-weather
    match:
      endpoint: chat
      message: weather
      tools: true
      tool_results: false
    respond:
      tool_calls:
        - name: get_weather
          arguments: {city: Paris}
          id: call_paris01
  - name: answer-weather
    match: {endpoint: chat, tool_results: true}
    respond:
      content: "It is 24 degrees and sunny in Paris."
      chunk_sizes: [4]
      delays: [0.5, 0.05]
"""
README_SEQUENCE = """\
- name: flaky-then-fine
  match: {model: llama3.2}
  sequence:
    - error: {status: 503, message: "server busy, please try again.  maximum pending requests exceeded"}
    - content: "Recovered."
"""


def test_readme_examples_load(tmp_path: Path) -> None:
    for i, text in enumerate((README_TOOL_LOOP, README_SEQUENCE)):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(text)
        assert Scenario.load(path).overlaps() == []


def _chat_context(prompt: str) -> ReplyContext:
    return ReplyContext(endpoint="POST /api/chat", model="llama3.2", body={}, messages=[{"role": "user", "content": prompt}],
                        prompt=prompt, tools=[], has_tool_results=False, turn_index=0, headers={}, capabilities=[])


def test_a_rule_added_after_a_clear_is_always_seen():
    # the rule index was keyed by the last rule's id(): a freed rule's address came back for the
    # next rule added after a clear, and that rule was skipped (a stale index)
    scenario = Scenario()
    for round_ in range(300):  # bounded; the address came back within tens of rounds before
        scenario.clear()
        scenario.add({"name": f"r{round_}", "match": {"message": f"word{round_}x"}, "respond": {"content": "ok"}})
        picked = scenario._pick(_chat_context(f"say word{round_}x"))
        name = picked[0].name if picked is not None else None
        del picked  # no reference of the test's keeps the rule alive: as between two tests
        assert name == f"r{round_}", round_
