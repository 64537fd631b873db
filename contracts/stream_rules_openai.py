"""Grammar rules of the OpenAI-compatible data-only SSE streams (reference §2.4, §2.5).

Grammars "openai-chat" (HEAD >= v0.32.6), "openai-chat-legacy" (<= v0.32.5) and
"openai-completions". A "choice chunk" has a non-empty `choices`; a "usage chunk" has
`choices: []` and carries the usage. Rules that depend on the request read
`request.stream_options.include_usage`; with no request given, they check only what holds
either way (placement, at most one usage chunk).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .stream_parse import Parsed, Record, grammar_violation
from .validation import Violation

ZERO_USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def include_usage(parsed: Parsed) -> bool | None:
    """The request's stream_options.include_usage; None when no request was given."""
    if parsed.request is None:
        return None
    options = parsed.request.get("stream_options")
    return bool(options.get("include_usage")) if isinstance(options, dict) else False


def _choice(record: Record) -> dict[str, Any]:
    choices = record.data.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else {}
    return first if isinstance(first, dict) else {}


def choice_chunks(parsed: Parsed) -> list[Record]:
    return [r for r in parsed.objects if isinstance(r.data.get("choices"), list) and r.data["choices"]]


def usage_chunks(parsed: Parsed) -> list[Record]:
    return [r for r in parsed.objects if r.data.get("choices") == []]


def _delta(record: Record) -> dict[str, Any]:
    delta = _choice(record).get("delta")
    return delta if isinstance(delta, dict) else {}


def role_first_only(parsed: Parsed) -> Iterable[Violation]:
    chunks = choice_chunks(parsed)
    if chunks and _delta(chunks[0]).get("role") != "assistant":
        yield grammar_violation(
            parsed, "role-first-only", chunks[0].index, 'the first delta has no role "assistant"'
        )
    for record in chunks[1:]:
        if "role" in _delta(record):
            yield grammar_violation(
                parsed, "role-first-only", record.index, "delta.role on a chunk after the first"
            )


def role_every_chunk(parsed: Parsed) -> Iterable[Violation]:
    for record in choice_chunks(parsed):
        delta = _delta(record)
        if delta.get("role") != "assistant" or "content" not in delta:
            yield grammar_violation(
                parsed, "role-every-chunk", record.index, 'the delta lacks role "assistant" or content'
            )


def finish_chunk(parsed: Parsed) -> Iterable[Violation]:
    chunks = choice_chunks(parsed)
    if not chunks:
        if parsed.records:  # Ollama always sends a role chunk and a finish chunk
            yield grammar_violation(parsed, "finish-chunk", None, "the stream has no chunk with choices")
        return
    last = chunks[-1]
    if _choice(last).get("finish_reason") is None:
        yield grammar_violation(
            parsed,
            "finish-chunk",
            last.index,
            "no finish chunk: the last chunk with choices has finish_reason null",
        )
    elif _delta(last) != {}:
        yield grammar_violation(
            parsed, "finish-chunk", last.index, f"the finish chunk's delta is {_delta(last)}, not {{}}"
        )


def finish_reason_null_elsewhere(
    parsed: Parsed, rule: str = "finish-reason-null-elsewhere"
) -> Iterable[Violation]:
    for record in choice_chunks(parsed)[:-1]:
        reason = _choice(record).get("finish_reason")
        if reason is not None:
            yield grammar_violation(
                parsed, rule, record.index, f"finish_reason {reason!r} before the last chunk with choices"
            )


def finish_on_last(parsed: Parsed) -> Iterable[Violation]:
    chunks = choice_chunks(parsed)
    if not chunks and parsed.records:
        yield grammar_violation(parsed, "finish-on-last", None, "the stream has no chunk with choices")
    if chunks and _choice(chunks[-1]).get("finish_reason") is None:
        yield grammar_violation(
            parsed, "finish-on-last", chunks[-1].index, "the last chunk with choices has finish_reason null"
        )
    yield from finish_reason_null_elsewhere(parsed, "finish-on-last")


def finish_reason_tool_calls(parsed: Parsed) -> Iterable[Violation]:
    called = False
    for record in choice_chunks(parsed):
        reason = _choice(record).get("finish_reason")
        if reason == "stop" and called:
            yield grammar_violation(
                parsed,
                "finish-reason-tool-calls",
                record.index,
                'finish_reason "stop" after a tool-call delta (expected "tool_calls")',
            )
        called = called or bool(_delta(record).get("tool_calls"))


def tool_call_delta_ids(parsed: Parsed) -> Iterable[Violation]:
    for record in choice_chunks(parsed):
        calls = _delta(record).get("tool_calls")
        for n, call in enumerate(calls if isinstance(calls, list) else []):
            call = call if isinstance(call, dict) else {}
            index, ident = call.get("index"), call.get("id")
            if not isinstance(index, int) or isinstance(index, bool) or not isinstance(ident, str):
                yield grammar_violation(
                    parsed,
                    "tool-call-delta-ids",
                    record.index,
                    f"tool_calls[{n}] lacks an integer index or a string id",
                )


def usage_chunk(parsed: Parsed) -> Iterable[Violation]:
    wanted, usage, chunks = include_usage(parsed), usage_chunks(parsed), choice_chunks(parsed)
    if wanted is False:
        for record in usage:
            yield grammar_violation(
                parsed, "usage-chunk", record.index, "a usage chunk without stream_options.include_usage"
            )
        return
    if wanted and not usage and chunks:
        yield grammar_violation(
            parsed, "usage-chunk", None, "stream_options.include_usage was set but no usage chunk came"
        )
    for extra in usage[1:]:
        yield grammar_violation(parsed, "usage-chunk", extra.index, "a second usage chunk")
    objects = parsed.objects
    if usage and chunks and not (objects[-1] is usage[0] and len(objects) > 1 and objects[-2] is chunks[-1]):
        yield grammar_violation(
            parsed,
            "usage-chunk",
            usage[0].index,
            "the usage chunk does not come right after the finish chunk",
        )


def usage_only_on_usage_chunk(parsed: Parsed) -> Iterable[Violation]:
    for record in choice_chunks(parsed):
        if "usage" in record.data:
            yield grammar_violation(
                parsed, "usage-only-on-usage-chunk", record.index, "a chunk with choices carries usage"
            )


def completions_usage(parsed: Parsed) -> Iterable[Violation]:
    wanted, usage, chunks = include_usage(parsed), usage_chunks(parsed), choice_chunks(parsed)
    if wanted is None:
        wanted = bool(usage)
    for record in chunks:
        if wanted and record.data.get("usage") != ZERO_USAGE:
            yield grammar_violation(
                parsed, "completions-usage", record.index, "with include_usage every chunk carries zero usage"
            )
        elif not wanted and "usage" in record.data:
            yield grammar_violation(
                parsed, "completions-usage", record.index, "usage without stream_options.include_usage"
            )
    if not wanted:
        for record in usage:
            yield grammar_violation(
                parsed,
                "completions-usage",
                record.index,
                "a usage chunk without stream_options.include_usage",
            )
        return
    if not usage and chunks:
        yield grammar_violation(
            parsed, "completions-usage", None, "stream_options.include_usage was set but no usage chunk came"
        )
    for record in usage:
        if record is not parsed.objects[-1]:
            yield grammar_violation(
                parsed, "completions-usage", record.index, "the usage chunk is not the last chunk"
            )


RULES = {
    "role-first-only": role_first_only,
    "role-every-chunk": role_every_chunk,
    "finish-chunk": finish_chunk,
    "finish-reason-null-elsewhere": finish_reason_null_elsewhere,
    "finish-on-last": finish_on_last,
    "finish-reason-tool-calls": finish_reason_tool_calls,
    "tool-call-delta-ids": tool_call_delta_ids,
    "usage-chunk": usage_chunk,
    "usage-only-on-usage-chunk": usage_only_on_usage_chunk,
    "completions-usage": completions_usage,
}
