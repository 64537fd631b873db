"""Stream framing beyond the grammar: native NDJSON records, /v1 SSE chunks, usage, [DONE]."""

from __future__ import annotations

import pytest
from ollama_conformance.suites.conformance.support import (
    PLAIN_PROMPT,
    SMALL,
    choice_chunks,
    ndjson_of,
    need,
    sse_of,
    v1_chat,
)
from ollama_conformance.suites.harness.expect import expect, expect_content_type
from ollama_conformance.suites.harness.marks import check

from ollama_conformance import contracts

V1 = "POST /v1/chat/completions"
METRICS = contracts.metric_keys()


def _native(api, model: str, endpoint: str):
    if endpoint == "POST /api/chat":
        body = {"model": model, "messages": [{"role": "user", "content": PLAIN_PROMPT}], "options": SMALL}
        return api.post("/api/chat", body)
    return api.post("/api/generate", {"model": model, "prompt": PLAIN_PROMPT, "options": SMALL})


@check(id="native.stream.final-record", endpoint="POST /api/chat", category="stream")
@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /api/generate"])
def test_native_final_record(api, target, endpoint: str) -> None:
    """Exactly one done:true record, last, with done_reason; metrics only there."""
    ex = _native(api, need(target, "chat"), endpoint)
    expect_content_type(ex, "application/x-ndjson")
    records = ndjson_of(ex).records
    done = [i for i, r in enumerate(records) if r.get("done") is True]
    expect(done == [len(records) - 1], f"done:true records at {done} of {len(records)}", path="$[*].done",
           excerpt=records[-1:] or None)
    last = records[-1]
    expect(last.get("done_reason") in ("stop", "length"), f"done_reason {last.get('done_reason')!r}",
           path="$[-1].done_reason", excerpt=last)
    for i, rec in enumerate(records[:-1]):
        extra = [k for k in METRICS if k in rec]
        expect(not extra, f"metrics {extra} on a non-final record", path=f"$[{i}]", excerpt=rec)


@check(id="native.stream.created-at-utc", endpoint="POST /api/chat", category="stream")
@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /api/generate"])
def test_native_created_at(api, target, endpoint: str) -> None:
    """Every streamed record's created_at is UTC with Z."""
    records = ndjson_of(_native(api, need(target, "chat"), endpoint)).records
    for i, rec in enumerate(records):
        stamp = str(rec.get("created_at", ""))
        expect(stamp.endswith("Z"), f"created_at {stamp!r} is not UTC with Z", path=f"$[{i}].created_at", excerpt=rec)


@check(id="native.stream.load-is-single-json", endpoint="POST /api/chat", category="stream", gap=37)
@pytest.mark.parametrize("endpoint", ["POST /api/chat", "POST /api/generate"])
def test_native_load_single_object(api, target, endpoint: str) -> None:
    """An empty request loads the model: one application/json object, done_reason 'load', even streaming."""
    model = need(target, "chat")
    body = {"model": model, "messages": []} if endpoint.endswith("chat") else {"model": model}
    ex = api.post(endpoint.split(" ")[1], body)
    expect(ex.status == 200, f"status {ex.status}", excerpt=ex.text)
    expect_content_type(ex, "application/json", "application/json; charset=utf-8")
    record = ex.json()
    expect(record.get("done") is True and record.get("done_reason") == "load",
           f"expected done:true, done_reason 'load', got {record.get('done_reason')!r}", path="$.done_reason", excerpt=record)


@check(id="v1.chat.stream.done-marker", endpoint=V1, category="stream")
def test_v1_done_marker(api, target) -> None:
    """A /v1 stream ends with data: [DONE] and is framed as data: lines."""
    ex = v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16)
    expect_content_type(ex, "text/event-stream")
    parsed = sse_of(ex)
    expect(parsed.done_marker and parsed.after_done == 0, "the stream does not end with data: [DONE]",
           path="$[-1]", excerpt=ex.text[-200:])
    expect(not parsed.framing_errors, f"SSE framing: {parsed.framing_errors[:1]}", excerpt=ex.text[:300])


@check(id="v1.chat.stream.finish-reason-null-until-last", endpoint=V1, category="stream", gap=26)
def test_v1_finish_reason_null(api, target) -> None:
    """finish_reason is null on every chunk but the last."""
    chunks = choice_chunks(sse_of(v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16)))
    for n, chunk in enumerate(chunks[:-1]):
        reason = chunk["choices"][0].get("finish_reason", "absent")
        expect(reason is None, f"finish_reason {reason!r} before the last chunk", path=f"$[{n}].choices[0].finish_reason",
               excerpt=chunk)
    expect(chunks[-1]["choices"][0].get("finish_reason") in ("stop", "length"), "last chunk has no finish_reason",
           path="$[-1].choices[0].finish_reason", excerpt=chunks[-1] if chunks else None)


@check(id="v1.chat.stream.role-first-only", endpoint=V1, category="stream", gap=27)
def test_v1_role_first_only(api, target) -> None:
    """delta.role appears on the first chunk only."""
    chunks = choice_chunks(sse_of(v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16)))
    with_role = [n for n, c in enumerate(chunks) if "role" in (c["choices"][0].get("delta") or {})]
    expect(with_role == [0], f"delta.role on chunks {with_role}, expected only the first",
           path="$[*].choices[0].delta.role", excerpt=chunks[with_role[-1]] if with_role else None)


@check(id="v1.chat.stream.finish-chunk-empty-delta", endpoint=V1, category="stream", gap=27)
def test_v1_finish_chunk(api, target) -> None:
    """The finish chunk has an empty delta and the reason."""
    chunks = choice_chunks(sse_of(v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16)))
    last = chunks[-1]["choices"][0] if chunks else {}
    expect(last.get("delta") == {} and last.get("finish_reason") is not None,
           "the finish chunk should carry delta {} and the reason", path="$[-1].choices[0]", excerpt=last)


# `created` is whole seconds: a server that stamps each chunk with its own time (before v0.32.6)
# shows one value on a stream that crosses no second boundary. Only a stream observed to last this
# long (a second for the boundary, a second of slack for delivery jitter) tells the two apart.
CREATED_DECIDES_S = 2.0
LONG_PROMPT = "Write a long story about a river, at least 300 words."


@check(id="v1.chat.stream.created-constant", endpoint=V1, category="stream", gap=27)
def test_v1_created_constant(api, target) -> None:
    """created and id are the same on every chunk (decided only on a stream that lasts over 2 s)."""
    ex = v1_chat(api, need(target, "chat"), LONG_PROMPT, stream=True, max_tokens=200)
    records = [c for c in sse_of(ex).records if isinstance(c, dict)]
    ids = {c.get("id") for c in records}
    expect(len(ids) == 1, f"id differs across chunks: {sorted(map(str, ids))}", path="$[*].id")
    created = sorted({str(c.get("created")) for c in records})
    expect(len(created) == 1, f"created differs across chunks: {created}", path="$[*].created",
           excerpt=[c.get("created") for c in records])
    span = ex.body_span_s
    if span < CREATED_DECIDES_S:
        pytest.skip(f"all {len(records)} chunks share created {created[0] if created else None}, but they arrived "
                    f"within {span:.2f}s: created is whole seconds, so a server that stamps each chunk (before "
                    f"v0.32.6) looks the same on a stream shorter than {CREATED_DECIDES_S:g}s; not decided")


@check(id="v1.chat.stream.usage-chunk", endpoint=V1, category="stream", gap=25)
def test_v1_usage_chunk(api, target) -> None:
    """include_usage: exactly one usage chunk, choices [], last before [DONE]."""
    parsed = sse_of(v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16,
                            stream_options={"include_usage": True}))
    with_usage = [n for n, c in enumerate(parsed.records) if c.get("usage") is not None]
    expect(len(with_usage) == 1, f"{len(with_usage)} chunks carry usage, expected exactly one",
           path="$[*].usage", excerpt=parsed.records[-1:] or None)
    n = with_usage[0]
    chunk = parsed.records[n]
    expect(n == len(parsed.records) - 1, "the usage chunk is not the last before [DONE]", path=f"$[{n}]", excerpt=chunk)
    expect(chunk.get("choices") == [], "the usage chunk's choices is not []", path=f"$[{n}].choices", excerpt=chunk)
    expect((chunk["usage"].get("prompt_tokens") or 0) > 0, "usage.prompt_tokens is 0", path=f"$[{n}].usage", excerpt=chunk)


@check(id="v1.chat.stream.no-usage-by-default", endpoint=V1, category="stream", gap=25)
def test_v1_no_usage_without_option(api, target) -> None:
    """No usage anywhere without stream_options.include_usage."""
    parsed = sse_of(v1_chat(api, need(target, "chat"), PLAIN_PROMPT, stream=True, max_tokens=16))
    with_usage = [n for n, c in enumerate(parsed.records) if c.get("usage") is not None]
    expect(not with_usage, "usage sent without stream_options.include_usage", path="$[*].usage",
           excerpt=parsed.records[with_usage[0]] if with_usage else None)


@check(id="v1.completions.stream.done-marker", endpoint="POST /v1/completions", category="stream")
def test_v1_completions_done(api, target) -> None:
    """A /v1/completions stream ends with a finish reason and [DONE]."""
    ex = api.post("/v1/completions", {"model": need(target, "chat"), "prompt": "Hello", "max_tokens": 8, "stream": True})
    parsed = sse_of(ex)
    expect(parsed.done_marker and parsed.after_done == 0, "no data: [DONE] at the end", excerpt=ex.text[-200:])
    reasons = [c["choices"][0].get("finish_reason") for c in choice_chunks(parsed)]
    expect(reasons[-1:] in (["stop"], ["length"]), f"finish reasons {reasons}", path="$[-1].choices[0].finish_reason")
