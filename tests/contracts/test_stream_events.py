"""Stream grammars of /v1/completions (§2.5), /v1/responses (§2.6) and /v1/messages (§2.7)."""

from __future__ import annotations

import json
from typing import Any

from ollama_conformance.contracts import streams

from ollama_conformance import contracts


def sse(*payloads: Any, done: bool = True) -> str:
    frames = [f"data: {json.dumps(p, separators=(',', ':'))}\n\n" for p in payloads]
    return "".join(frames) + ("data: [DONE]\n\n" if done else "")


def events(*payloads: dict[str, Any]) -> str:
    return "".join(f"event: {p['type']}\ndata: {json.dumps(p, separators=(',', ':'))}\n\n" for p in payloads)


def keywords(violations: list[contracts.Violation]) -> set[str | None]:
    return {v.keyword for v in violations}


# --- openai-completions ----------------------------------------------------------------


def completion(text: str, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"text": text, "index": 0, "finish_reason": finish}
    return {
        "id": "cmpl-12",
        "object": "text_completion",
        "created": 1787340131,
        "choices": [choice],
        "model": "m",
        "system_fingerprint": "fp_ollama",
        **extra,
    }


ZERO = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def completion_usage() -> dict[str, Any]:
    return {**completion(""), "choices": [], "usage": USAGE}


def test_a_completions_stream_is_valid_with_and_without_usage() -> None:
    plain = sse(completion("Hi"), completion("", "stop"))
    assert streams.check_grammar("openai-completions", plain, request={"stream": True}) == []
    with_usage = sse(completion("Hi", usage=ZERO), completion("", "length", usage=ZERO), completion_usage())
    assert (
        streams.check_grammar(
            "openai-completions", with_usage, request={"stream_options": {"include_usage": True}}
        )
        == []
    )


def test_completions_without_finish_reason_or_done_are_reported() -> None:
    assert keywords(streams.check_grammar("openai-completions", sse(completion("Hi"), completion("")))) == {
        "finish-on-last"
    }
    assert keywords(
        streams.check_grammar("openai-completions", sse(completion("Hi"), completion("", "stop"), done=False))
    ) == {"done-terminator"}


def test_completions_usage_rules() -> None:
    wanted = {"stream_options": {"include_usage": True}}
    no_zero = sse(completion("Hi"), completion("", "stop", usage=ZERO), completion_usage())
    assert keywords(streams.check_grammar("openai-completions", no_zero, request=wanted)) == {
        "completions-usage"
    }
    unwanted = sse(completion("Hi"), completion("", "stop"), completion_usage())
    assert keywords(streams.check_grammar("openai-completions", unwanted, request={})) == {
        "completions-usage"
    }
    missing = sse(completion("Hi", usage=ZERO), completion("", "stop", usage=ZERO))
    assert keywords(streams.check_grammar("openai-completions", missing, request=wanted)) == {
        "completions-usage"
    }


# --- openai-responses -----------------------------------------------------------------


def response_events(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    resp = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}
    items = [
        {"type": "response.created", "response": resp},
        {"type": "response.in_progress", "response": resp},
        *middle,
    ]
    items.append({"type": "response.completed", "response": {**resp, "status": "completed"}})
    return [{**item, "sequence_number": n} for n, item in enumerate(items)]


MESSAGE = [
    {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {"id": "msg_1", "type": "message", "content": []},
    },
    {
        "type": "response.content_part.added",
        "output_index": 0,
        "item_id": "msg_1",
        "content_index": 0,
        "part": {"type": "output_text", "text": ""},
    },
    {
        "type": "response.output_text.delta",
        "output_index": 0,
        "item_id": "msg_1",
        "content_index": 0,
        "delta": "Hel",
    },
    {
        "type": "response.output_text.delta",
        "output_index": 0,
        "item_id": "msg_1",
        "content_index": 0,
        "delta": "lo",
    },
    {
        "type": "response.output_text.done",
        "output_index": 0,
        "item_id": "msg_1",
        "content_index": 0,
        "text": "Hello",
    },
    {
        "type": "response.content_part.done",
        "output_index": 0,
        "item_id": "msg_1",
        "content_index": 0,
        "part": {},
    },
    {"type": "response.output_item.done", "output_index": 0, "item": {"id": "msg_1", "type": "message"}},
]
REASONING = [
    {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {"id": "rs_1", "type": "reasoning", "summary": []},
    },
    {
        "type": "response.reasoning_summary_text.delta",
        "output_index": 0,
        "item_id": "rs_1",
        "summary_index": 0,
        "delta": "hm",
    },
    {
        "type": "response.reasoning_summary_text.done",
        "output_index": 0,
        "item_id": "rs_1",
        "summary_index": 0,
        "text": "hm",
    },
    {"type": "response.output_item.done", "output_index": 0, "item": {"id": "rs_1", "type": "reasoning"}},
]


def shifted(items: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    return [{**item, "output_index": index} for item in items]


def test_a_responses_stream_with_reasoning_then_text_is_valid() -> None:
    raw = events(*response_events(*REASONING, *shifted(MESSAGE, 1)))
    assert streams.check_grammar("openai-responses", raw) == []


def test_a_responses_stream_without_completed_is_reported() -> None:
    raw = events(*response_events(*MESSAGE)[:-1])
    assert keywords(streams.check_grammar("openai-responses", raw)) == {"response-lifecycle"}


def test_a_gap_in_sequence_numbers_is_reported() -> None:
    items = response_events(*MESSAGE)
    del items[3]
    assert "sequence-numbers" in keywords(streams.check_grammar("openai-responses", events(*items)))


def test_a_done_marker_in_responses_is_reported() -> None:
    raw = events(*response_events(*MESSAGE)) + "data: [DONE]\n\n"
    assert "no-done-terminator" in keywords(streams.check_grammar("openai-responses", raw))


def test_text_delta_before_its_content_part_is_reported() -> None:
    broken = [MESSAGE[0], MESSAGE[2], MESSAGE[1], *MESSAGE[3:]]
    assert keywords(streams.check_grammar("openai-responses", events(*response_events(*broken)))) == {
        "content-parts"
    }


def test_overlapping_output_items_are_reported() -> None:
    overlapping = [*REASONING[:2], *shifted(MESSAGE, 1), *REASONING[2:]]
    assert "output-items" in keywords(
        streams.check_grammar("openai-responses", events(*response_events(*overlapping)))
    )


def test_event_name_and_frame_layout_are_checked() -> None:
    items = response_events(*MESSAGE)
    renamed = events(*items).replace("event: response.output_text.delta", "event: response.text.delta", 1)
    assert keywords(streams.check_grammar("openai-responses", renamed)) == {"sse-event-matches-type"}
    data_only = events(*items).replace("event: response.in_progress\n", "", 1)
    assert keywords(streams.check_grammar("openai-responses", data_only)) == {"sse-fields"}


# --- anthropic-messages ----------------------------------------------------------------

START: dict[str, Any] = {
    "type": "message_start",
    "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": []},
}
END: list[dict[str, Any]] = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
    {"type": "message_stop"},
]


def block(index: int, kind: str, *deltas: dict[str, Any]) -> list[dict[str, Any]]:
    start = {"type": "content_block_start", "index": index, "content_block": {"type": kind}}
    middle = [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
    return [start, *middle, {"type": "content_block_stop", "index": index}]


THINK = block(0, "thinking", {"type": "thinking_delta", "thinking": "hm"})
TEXT = block(1, "text", {"type": "text_delta", "text": "Hi"})
TOOL = block(2, "tool_use", {"type": "input_json_delta", "partial_json": "{}"})


def test_an_anthropic_stream_with_thinking_text_and_tool_use_is_valid() -> None:
    raw = events(START, {"type": "ping"}, *THINK, *TEXT, *TOOL, *END)
    assert streams.check_grammar("anthropic-messages", raw) == []


def test_an_anthropic_stream_without_message_stop_is_reported() -> None:
    raw = events(START, *block(0, "text", {"type": "text_delta", "text": "Hi"}), END[0])
    assert keywords(streams.check_grammar("anthropic-messages", raw)) == {"message-lifecycle"}


def test_a_delta_of_the_wrong_type_is_reported() -> None:
    raw = events(START, *block(0, "text", {"type": "thinking_delta", "thinking": "x"}), *END)
    assert keywords(streams.check_grammar("anthropic-messages", raw)) == {"content-blocks"}


def test_a_tool_use_block_needs_exactly_one_json_delta() -> None:
    two = {"type": "input_json_delta", "partial_json": "{"}
    raw = events(START, *block(0, "tool_use", two, two), *END)
    assert keywords(streams.check_grammar("anthropic-messages", raw)) == {"content-blocks"}


def test_a_block_left_open_is_reported() -> None:
    raw = events(START, *block(0, "text", {"type": "text_delta", "text": "Hi"})[:-1], *END)
    assert keywords(streams.check_grammar("anthropic-messages", raw)) == {"content-blocks"}


def test_block_indexes_count_from_zero() -> None:
    raw = events(START, *block(1, "text", {"type": "text_delta", "text": "Hi"}), *END)
    assert keywords(streams.check_grammar("anthropic-messages", raw)) == {"content-blocks"}
