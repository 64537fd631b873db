"""Stream grammars (streams.json / streams.py): framing, native NDJSON and OpenAI chat rules.

Grammar-only checks use streams.check_grammar, so each rule is tested on its own; the
whole path (record schemas + grammar) is tested through contracts.validate_stream.
The /v1/completions, /v1/responses and /v1/messages grammars are in test_stream_events.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from ollama_conformance.contracts import streams

from ollama_conformance import contracts

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
T = "2026-08-21T17:02:11.5Z"


def ndjson(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)


def sse(*payloads: Any, done: bool = True) -> str:
    frames = [f"data: {json.dumps(p, separators=(',', ':'))}\n\n" for p in payloads]
    return "".join(frames) + ("data: [DONE]\n\n" if done else "")


def keywords(violations: list[contracts.Violation]) -> set[str | None]:
    return {v.keyword for v in violations}


def chat(content: str = "", done: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "created_at": T,
        "message": {"role": "assistant", "content": content},
        "done": done,
        **extra,
    }


FINAL = chat(done=True, done_reason="stop", total_duration=10, eval_count=2)


# --- native-generation ------------------------------------------------------------


def test_a_native_chat_stream_ending_with_one_done_record_is_valid() -> None:
    assert streams.check_grammar("native-generation", ndjson(chat("Hel"), chat("lo"), FINAL)) == []


def test_a_stream_without_its_done_record_is_reported() -> None:
    found = streams.check_grammar("native-generation", ndjson(chat("Hel"), chat("lo")))
    assert keywords(found) == {"terminal"}
    assert found[0].instance_path == "$[1]"


def test_an_error_line_mid_stream_is_an_accepted_terminal() -> None:
    assert (
        streams.check_grammar(
            "native-generation",
            ndjson(chat("can"), {"error": "an error was encountered while running the model"}),
        )
        == []
    )


def test_an_error_line_as_the_first_record_is_reported() -> None:
    # an error before any output is an HTTP error (status + JSON body), never a stream line
    found = streams.check_grammar("native-generation", ndjson({"error": "model 'x' not found"}))
    assert keywords(found) == {"error-not-first"}
    assert keywords(streams.check_grammar("native-progress", ndjson({"error": "boom"}))) == {
        "error-not-first"
    }


def test_records_after_an_error_line_are_reported() -> None:
    found = streams.check_grammar("native-generation", ndjson(chat("a"), {"error": "boom"}, chat("b"), FINAL))
    assert keywords(found) == {"nothing-after-terminal"}
    assert [v.instance_path for v in found] == ["$[2]", "$[3]"]


def test_data_after_done_is_reported() -> None:
    found = streams.check_grammar("native-generation", ndjson(chat("a"), FINAL, chat("b")))
    assert "nothing-after-terminal" in keywords(found)


def test_two_done_records_are_reported() -> None:
    found = streams.check_grammar("native-generation", ndjson(chat("a"), FINAL, FINAL))
    assert {"single-done", "nothing-after-terminal"} <= keywords(found)


def test_a_blank_line_in_ndjson_is_reported() -> None:
    raw = ndjson(chat("a")) + "\n" + ndjson(FINAL)
    found = streams.check_grammar("native-generation", raw)
    assert keywords(found) == {"ndjson-no-blank-lines"}
    assert found[0].instance_path == "$[1]"


def test_a_line_that_is_not_one_json_object_is_reported() -> None:
    for bad in ("not json", "[1,2]", '{"a":1}{"b":2}', "NaN"):
        found = streams.check_grammar("native-generation", ndjson(chat("a")) + bad + "\n" + ndjson(FINAL))
        assert keywords(found) == {"ndjson-json-object"}, bad


def test_a_last_line_without_newline_is_a_cut_stream() -> None:
    raw = ndjson(chat("a")) + json.dumps(FINAL)
    assert keywords(streams.check_grammar("native-generation", raw)) == {"ndjson-line-end"}


def test_metrics_before_the_final_record_are_reported() -> None:
    found = streams.check_grammar("native-generation", ndjson(chat("a", eval_count=3), FINAL))
    assert keywords(found) == {"final-only-fields"}


def test_an_empty_body_and_bad_utf8_are_reported() -> None:
    assert keywords(streams.check_grammar("native-generation", "")) == {"not-empty"}
    raw = ndjson(chat("a")).encode() + b'{"x":"\xff"}\n' + ndjson(FINAL).encode()
    assert "utf8" in keywords(streams.check_grammar("native-generation", raw))


# --- native-progress ------------------------------------------------------------------


def test_a_progress_stream_ending_with_success_is_valid() -> None:
    raw = ndjson(
        {"status": "pulling manifest"},
        {"status": "pulling 6a07", "digest": "sha256:6a07", "total": 9, "completed": 9},
        {"status": "success"},
    )
    assert streams.check_grammar("native-progress", raw) == []


def test_a_progress_stream_without_success_is_reported() -> None:
    found = streams.check_grammar(
        "native-progress", ndjson({"status": "pulling manifest"}, {"status": "writing manifest"})
    )
    assert keywords(found) == {"terminal"}


def test_a_progress_stream_may_end_with_an_error_line() -> None:
    raw = ndjson({"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"})
    assert streams.check_grammar("native-progress", raw) == []


def test_a_record_after_success_is_reported() -> None:
    found = streams.check_grammar(
        "native-progress", ndjson({"status": "success"}, {"status": "writing manifest"})
    )
    assert "nothing-after-terminal" in keywords(found)


# --- openai-chat ---------------------------------------------------------------------


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    base = {
        "id": "chatcmpl-417",
        "object": "chat.completion.chunk",
        "created": 1787340131,
        "model": "llama3.2",
        "system_fingerprint": "fp_ollama",
    }
    return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def usage_chunk() -> dict[str, Any]:
    c = chunk({})
    c["choices"] = []
    c["usage"] = {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}
    return c


HELLO = [chunk({"role": "assistant", "content": "Hello"}), chunk({"content": " there"}), chunk({}, "stop")]
USAGE_REQUEST = {
    "model": "llama3.2",
    "messages": [],
    "stream": True,
    "stream_options": {"include_usage": True},
}


def test_the_reference_chat_stream_with_usage_is_valid() -> None:
    assert streams.check_grammar("openai-chat", sse(*HELLO, usage_chunk()), request=USAGE_REQUEST) == []
    assert streams.check_grammar("openai-chat", sse(*HELLO), request={"stream": True}) == []


def test_a_missing_done_marker_is_reported() -> None:
    found = streams.check_grammar("openai-chat", sse(*HELLO, done=False))
    assert keywords(found) == {"done-terminator"}


def test_a_done_marker_that_is_not_last_is_reported() -> None:
    raw = sse(*HELLO[:2]) + sse(HELLO[2])
    assert keywords(streams.check_grammar("openai-chat", raw)) == {"done-terminator"}


def test_role_on_a_later_delta_is_reported() -> None:
    found = streams.check_grammar(
        "openai-chat", sse(HELLO[0], chunk({"role": "assistant", "content": "x"}), HELLO[2])
    )
    assert keywords(found) == {"role-first-only"}
    assert found[0].instance_path == "$[1]"


def test_a_first_delta_without_role_is_reported() -> None:
    found = streams.check_grammar("openai-chat", sse(chunk({"content": "Hi"}), HELLO[2]))
    assert keywords(found) == {"role-first-only"}


def test_a_finish_chunk_with_content_is_reported() -> None:
    found = streams.check_grammar("openai-chat", sse(HELLO[0], chunk({"content": "!"}, "stop")))
    assert keywords(found) == {"finish-chunk"}


def test_a_stream_without_finish_chunk_is_reported() -> None:
    assert keywords(streams.check_grammar("openai-chat", sse(*HELLO[:2]))) == {"finish-chunk"}
    assert keywords(streams.check_grammar("openai-chat", sse())) == {"finish-chunk"}  # [DONE] alone
    assert keywords(streams.check_grammar("openai-chat-legacy", sse())) == {"finish-on-last"}


def test_finish_reason_before_the_last_chunk_is_reported() -> None:
    found = streams.check_grammar(
        "openai-chat", sse(chunk({"role": "assistant", "content": "a"}, "stop"), HELLO[2])
    )
    assert keywords(found) == {"finish-reason-null-elsewhere"}


def test_a_usage_chunk_without_include_usage_is_reported() -> None:
    found = streams.check_grammar("openai-chat", sse(*HELLO, usage_chunk()), request={"stream": True})
    assert keywords(found) == {"usage-chunk"}


def test_a_misplaced_usage_chunk_is_reported() -> None:
    found = streams.check_grammar(
        "openai-chat", sse(*HELLO[:2], usage_chunk(), HELLO[2]), request=USAGE_REQUEST
    )
    assert keywords(found) == {"usage-chunk"}


def test_a_missing_usage_chunk_with_include_usage_is_reported() -> None:
    found = streams.check_grammar("openai-chat", sse(*HELLO), request=USAGE_REQUEST)
    assert keywords(found) == {"usage-chunk"}


def test_without_a_request_one_well_placed_usage_chunk_is_accepted() -> None:
    assert streams.check_grammar("openai-chat", sse(*HELLO, usage_chunk())) == []
    assert keywords(streams.check_grammar("openai-chat", sse(*HELLO, usage_chunk(), usage_chunk()))) == {
        "usage-chunk"
    }


def test_usage_on_a_chunk_with_choices_is_reported() -> None:
    found = streams.check_grammar(
        "openai-chat", sse(HELLO[0], chunk({"content": "x"}, usage={"prompt_tokens": 1}), HELLO[2])
    )
    assert keywords(found) == {"usage-only-on-usage-chunk"}


def test_chunks_must_share_id_and_created() -> None:
    found = streams.check_grammar(
        "openai-chat", sse(HELLO[0], {**HELLO[1], "id": "chatcmpl-9", "created": 1}, HELLO[2])
    )
    assert keywords(found) == {"shared-id", "shared-created"}


def test_streamed_tool_calls_need_index_and_id() -> None:
    call = {"index": 0, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    good = sse(
        chunk({"role": "assistant", "content": "", "tool_calls": [{**call, "id": "call_1"}]}),
        chunk({}, "tool_calls"),
    )
    assert streams.check_grammar("openai-chat", good) == []
    bad = sse(chunk({"role": "assistant", "content": "", "tool_calls": [call]}), chunk({}, "tool_calls"))
    assert keywords(streams.check_grammar("openai-chat", bad)) == {"tool-call-delta-ids"}


def test_stop_after_a_tool_call_is_reported() -> None:
    call = {"id": "call_1", "index": 0, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    raw = sse(chunk({"role": "assistant", "content": "", "tool_calls": [call]}), chunk({}, "stop"))
    assert keywords(streams.check_grammar("openai-chat", raw)) == {"finish-reason-tool-calls"}


def test_a_mid_stream_error_is_reported_as_a_missing_terminator() -> None:
    error_chunk = {**chunk({"content": ""}), "model": ""}
    found = streams.check_grammar("openai-chat", sse(HELLO[0], error_chunk, done=False))
    assert {"done-terminator", "finish-chunk"} <= keywords(found)


def test_sse_framing_faults_are_reported() -> None:
    good = sse(*HELLO)
    assert keywords(streams.check_grammar("openai-chat", "event: x\n" + good)) == {"sse-fields"}
    assert keywords(streams.check_grammar("openai-chat", good[:-1])) == {"sse-frame"}
    assert keywords(streams.check_grammar("openai-chat", "\n" + good)) == {"sse-frame"}
    assert keywords(streams.check_grammar("openai-chat", "data: {oops\n\n" + good)) == {"sse-json-object"}


# --- openai-chat-legacy --------------------------------------------------------------


def test_the_legacy_grammar_wants_role_on_every_chunk_and_finish_on_the_last() -> None:
    legacy = [
        chunk({"role": "assistant", "content": "Hi"}),
        chunk({"role": "assistant", "content": ""}, "stop"),
    ]
    assert streams.check_grammar("openai-chat-legacy", sse(*legacy)) == []
    assert keywords(streams.check_grammar("openai-chat-legacy", sse(*HELLO))) == {"role-every-chunk"}
    early = [
        chunk({"role": "assistant", "content": "Hi"}, "stop"),
        chunk({"role": "assistant", "content": ""}),
    ]
    assert keywords(streams.check_grammar("openai-chat-legacy", sse(*early))) == {"finish-on-last"}


# --- declarations and the whole path ----------------------------------------------------


def test_every_declared_rule_is_implemented_and_every_rule_is_declared() -> None:
    declared = {rule for g in streams.grammars()["grammars"].values() for rule in g["rules"]}
    assert declared - set(streams.RULES) == set()
    assert set(streams.RULES) - declared == set()
    framings = streams.grammars()["framings"]
    assert all(g["framing"] in framings for g in streams.grammars()["grammars"].values())


def test_every_grammar_named_by_the_index_exists() -> None:
    names = set(streams.grammars()["grammars"])
    for endpoint, entry in contracts.index()["operations"].items():
        used = [entry["stream"]["grammar"]] if entry.get("stream") else []
        used += [v["grammar"] for v in entry.get("variants", []) if v.get("grammar")]
        assert set(used) <= names, endpoint


def test_record_schema_violations_are_prefixed_with_the_record() -> None:
    raw = ndjson(chat("a"), {**chat("b"), "message": {"role": 5, "content": "b"}}, {"error": 7})
    found = contracts.validate_stream("POST /api/chat", raw)
    paths = {v.instance_path for v in found}
    assert "$[1].message.role" in paths and "$[2].error" in paths
    assert any(v.schema_path.startswith("native/chat.chunk.json#/") for v in found)
    assert any(v.schema_path.startswith("native/error.json#/") for v in found)


def test_validate_stream_applies_the_index_grammar() -> None:
    assert contracts.validate_stream("POST /api/chat", ndjson(chat("Hi"), FINAL)) == []
    assert keywords(contracts.validate_stream("POST /api/chat", ndjson(chat("Hi")))) == {"terminal"}


def test_a_variant_switches_grammar_and_chunk_schema() -> None:
    entry = contracts.operation("POST /v1/chat/completions")
    legacy = next(v for v in entry["variants"] if v.get("grammar") == "openai-chat-legacy")
    grammar, chunk_schema, _ = streams.stream_spec("POST /v1/chat/completions", legacy["name"])
    assert (grammar, chunk_schema) == ("openai-chat-legacy", legacy.get("chunk") or entry["stream"]["chunk"])


def test_a_non_streaming_endpoint_is_a_contract_error() -> None:
    with pytest.raises(contracts.ContractError, match="does not stream"):
        contracts.validate_stream("GET /api/tags", "")


@pytest.mark.parametrize(
    "name",
    [
        "u2508-api-chat-stream.json",
        "u2508-api-generate-stream.json",
        "u2508-api-pull-stream.json",
        "u2601-api-chat-stream-truncate.json",
    ],
)
def test_recorded_native_streams_are_valid(name: str) -> None:
    if not RECORDED.is_dir():
        (pytest.fail if os.environ.get("CI") else pytest.skip)("../shared/recorded is not available")
    exchange = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    assert (
        contracts.validate_stream(exchange["endpoint"], exchange["response_raw"], request=exchange["request"])
        == []
    )


def test_a_recorded_pre_0_32_6_chat_stream_fits_the_legacy_grammar_only() -> None:
    if not RECORDED.is_dir():
        (pytest.fail if os.environ.get("CI") else pytest.skip)("../shared/recorded is not available")
    exchange = json.loads(
        (RECORDED / "u2606-v1-chat-completions-stream-tool-call-usage.json").read_text(encoding="utf-8")
    )
    raw, request = exchange["response_raw"], exchange["request"]
    assert streams.check_grammar("openai-chat-legacy", raw, request=request) == []
    assert {"role-first-only", "finish-chunk", "shared-created"} <= keywords(
        streams.check_grammar("openai-chat", raw, request=request)
    )


BROKEN_BODIES: dict[str, list[str | bytes]] = {
    "native-generation": ["", "x\n", "{}\n\n{}", '{"done":true}\n{"done":true}\n', b"\xff\n"],
    "native-progress": ["[1]\n", '{"status":"a"}\n', '{"status":"success"}\n{"status":"a"}\n'],
    "openai-chat": [
        "",
        "data: x\n\n",
        "event: a\ndata: {}\n\n",
        "data: {}\n\ndata: [DONE]\n\ndata: {}",
        "\n\n",
    ],
    "openai-chat-legacy": ["data: {}\n\n", 'data: {"choices":[{"delta":{}}]}\n\n'],
    "openai-completions": ['data: {"choices":[]}\n\n', "data: [DONE]\n\ndata: [DONE]\n\n"],
    "openai-responses": ["data: [DONE]\n\n", 'event: x\ndata: {"type":"y"}\n\n', "event: a\n\n"],
    "anthropic-messages": ['event: message_stop\ndata: {"type":"message_stop"}\n\n', "data: {}\n\n"],
}


@pytest.mark.parametrize("grammar", sorted(BROKEN_BODIES))
def test_every_reported_keyword_is_declared_for_its_grammar(grammar: str) -> None:
    declared = set(streams.grammar(grammar)["rules"])
    declared |= set(streams.grammars()["framings"][streams.grammar(grammar)["framing"]]["rules"])
    reported: set[str | None] = set()
    for raw in BROKEN_BODIES[grammar]:
        found = streams.check_grammar(grammar, raw)
        assert found, raw
        reported |= keywords(found)
    assert reported <= declared


def test_each_grammar_states_framing_terminal_conditions_and_one_line_rules() -> None:
    for name, grammar in streams.grammars()["grammars"].items():
        assert {"framing", "terminator", "terminal", "rules", "reference"} <= set(grammar), name
        assert set(grammar["terminal"]) == {"success", "error"}, name
        assert all(text and "\n" not in text for text in grammar["rules"].values()), name
