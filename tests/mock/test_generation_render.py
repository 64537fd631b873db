"""Rendering a Reply: num_predict, stop, pieces per record, metrics, tool-call shape per profile."""

from __future__ import annotations

from datetime import UTC, datetime

from ollama_conformance.mock_server.generation import metrics, render
from ollama_conformance.mock_server.outcome import Single, Stream
from ollama_conformance.mock_server.profiles import Profile
from ollama_conformance.mock_server.reply import Reply, ToolCallPlan

from ollama_conformance import contracts

NOW = datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)


def frame(
    kind: str = "chat", stream: bool = True, profile: Profile | None = None, **kw: object
) -> render.Frame:
    return render.Frame(
        kind=kind,
        model="m",
        seed=b"seed",
        now=NOW,
        stream=stream,
        profile=profile or Profile(),
        load_ns=5_000_000,
        prompt_tokens=12,
        **kw,
    )  # type: ignore[arg-type]


def bodies(outcome: object) -> list[dict]:
    assert isinstance(outcome, Stream)
    return [item.body for item in outcome.items]  # type: ignore[union-attr]


def test_one_record_per_token_and_eval_count_matches() -> None:
    out = bodies(render.render(Reply(content="one two three"), frame(), [], None))
    assert [b["message"]["content"] for b in out[:-1]] == ["one", " two", " three"]
    final = out[-1]
    assert final["done"] is True and final["done_reason"] == "stop" and final["eval_count"] == 3
    assert all(b["done"] is False and "done_reason" not in b for b in out[:-1])


def test_num_predict_cuts_with_length() -> None:
    out = bodies(render.render(Reply(content="a b c d e f"), frame(), [], 4))
    assert "".join(b["message"]["content"] for b in out) == "a b c d"
    assert out[-1]["done_reason"] == "length" and out[-1]["eval_count"] == 4


def test_thinking_spends_the_budget_first() -> None:
    made = render.produce(Reply(content="x y", thinking="t1 t2 t3"), frame(), [], 2)
    assert made.thinking == ["t1", " t2"] and made.content == [] and made.done_reason == "length"


def test_stop_sequence_cuts_before_it() -> None:
    single = render.render(Reply(content="alpha beta STOP gamma"), frame(stream=False), ["STOP"], None)
    assert isinstance(single, Single)
    assert single.body["message"]["content"] == "alpha beta " and single.body["done_reason"] == "stop"


def test_chunk_sizes_override_tokens() -> None:
    out = bodies(render.render(Reply(content="abcdefg", chunk_sizes=[3, 2]), frame(), [], None))
    assert [b["message"]["content"] for b in out[:-1]] == ["abc", "de", "fg"]


def test_delays_apply_per_chunk_last_repeated() -> None:
    outcome = render.render(Reply(content="a b c", delays=[0.5, 0.1]), frame(), [], None)
    assert isinstance(outcome, Stream)
    assert [item.delay for item in outcome.items] == [0.5, 0.1, 0.1, 0.1]  # type: ignore[union-attr]


def test_metrics_add_up_and_are_nonzero() -> None:
    m = metrics.compute(b"s", 1_500_000_000, 20, 30)
    fields = m.fields()
    assert list(fields) == list(contracts.metric_keys()) and all(v > 0 for v in fields.values())
    assert (
        fields["total_duration"]
        >= fields["load_duration"] + fields["prompt_eval_duration"] + fields["eval_duration"]
    )
    assert fields["eval_count"] == 30 and fields["prompt_eval_count"] == 20


def test_generate_records_key_order_and_context() -> None:
    single = render.render(
        Reply(content="hi there", thinking="hmm"), frame("generate", False, context=[1, 2]), [], None
    )
    assert isinstance(single, Single)
    assert list(single.body)[:7] == [
        "model",
        "created_at",
        "response",
        "thinking",
        "done",
        "done_reason",
        "context",
    ]
    assert single.body["context"][:2] == [1, 2] and len(single.body["context"]) == 2 + 3


def test_created_at_is_go_rfc3339_utc() -> None:
    assert render.created_at(NOW) == "2026-01-02T03:04:05.5Z"
    assert render.created_at(NOW.replace(microsecond=0)) == "2026-01-02T03:04:05Z"


def _calls(profile: Profile, stream: bool = True) -> list[dict]:
    reply = Reply(tool_calls=[ToolCallPlan("a", {"x": 1}), ToolCallPlan("b", {}, id="call_given1")])
    out = render.render(reply, frame(stream=stream, profile=profile), [], None)
    if isinstance(out, Single):
        return out.body["message"].get("tool_calls", [])
    return [c for b in bodies(out) for c in b["message"].get("tool_calls", [])]


def test_tool_calls_stream_in_their_own_chunks_with_ids_and_index() -> None:
    calls = _calls(Profile())
    assert [c["function"]["index"] for c in calls] == [0, 1]
    assert (
        calls[0]["id"].startswith("call_") and len(calls[0]["id"]) == 13 and calls[1]["id"] == "call_given1"
    )
    assert list(calls[0]) == ["id", "function"] and list(calls[0]["function"]) == [
        "index",
        "name",
        "arguments",
    ]


def test_profile_without_ids_and_index() -> None:
    calls = _calls(Profile(native_tool_call_ids=False, native_tool_call_index="none"), stream=False)
    assert all("id" not in c and "index" not in c["function"] for c in calls)
    omit = _calls(Profile(native_tool_call_index="omitempty"))
    assert "index" not in omit[0]["function"] and omit[1]["function"]["index"] == 1


def test_profile_streams_calls_as_text() -> None:
    out = bodies(
        render.render(
            Reply(tool_calls=[ToolCallPlan("a", {"x": 1})]),
            frame(profile=Profile(stream_tool_calls="as_text")),
            [],
            None,
        )
    )
    content = "".join(b["message"]["content"] for b in out)
    assert content == '{"name": "a", "arguments": {"x": 1}}'
    assert not any("tool_calls" in b["message"] for b in out) and out[-1]["done_reason"] == "stop"


def test_thinking_dropped_when_not_kept() -> None:
    single = render.render(
        Reply(content="a", thinking="t"), frame(stream=False, keep_thinking=False), [], None
    )
    assert isinstance(single, Single) and "thinking" not in single.body["message"]


def test_logprobs_per_token() -> None:
    out = bodies(render.render(Reply(content="a b"), frame(logprobs=True, top_logprobs=3), [], None))
    first = out[0]["logprobs"][0]
    assert first["token"] == "a" and first["bytes"] == [97] and len(first["top_logprobs"]) == 3
    assert first["top_logprobs"][0]["logprob"] == first["logprob"] < 0


def test_call_cut_by_the_budget_is_kept_with_length() -> None:
    reply = Reply(
        tool_calls=[ToolCallPlan("write_file", {"content": "a long text " * 5}), ToolCallPlan("b", {})]
    )
    made = render.produce(reply, frame(), [], 2)
    assert (
        [c.name for c in made.calls] == ["write_file"]
        and made.done_reason == "length"
        and made.eval_count == 2
    )
    assert (
        render.produce(Reply(content="a b", tool_calls=[ToolCallPlan("x", {})]), frame(), [], 2).calls == []
    )
    fits = render.produce(Reply(tool_calls=[ToolCallPlan("x", {})]), frame(), [], 50)
    assert fits.done_reason == "stop" and fits.eval_count < 50
