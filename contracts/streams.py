"""Validate a whole captured stream: framing, every record's schema, and the stream grammar.

    contracts.validate_stream("POST /api/chat", raw_body) -> list[Violation]
    contracts.validate_stream("POST /v1/chat/completions", raw, request=body)   # include_usage rules
    contracts.validate_stream(endpoint, raw, variant="stream-framing-before-0.32.6")  # a version variant
    streams.check_grammar("openai-chat", raw, request=None) -> list[Violation]   # grammar only

`raw` is the body exactly as received (bytes or str): NDJSON lines or SSE frames. The
grammars are declared in contracts/streams.json; each rule named there is a function
registered in RULES (this module and stream_rules_*.py). A rule's violations use the rule
name as `keyword`, the record as instance path ("$[3]" = line/frame 3, from 0) and
"streams.json#/grammars/<grammar>/rules/<rule>" as schema path. Schema violations of a
record are prefixed: instance "$[3].message.role", schema "<file>#/properties/...".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

from . import loader, stream_rules_events, stream_rules_native, stream_rules_openai
from .stream_parse import Parsed, Record, grammar_violation, parse
from .validation import ContractError, Violation, validate_document, variant_entry

Rule = Callable[[Parsed], Iterable[Violation]]


@lru_cache(maxsize=1)
def grammars() -> dict[str, Any]:
    """contracts/streams.json, parsed."""
    text = resources.files(loader.__package__).joinpath("streams.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def grammar(name: str) -> dict[str, Any]:
    known = grammars()["grammars"]
    if name not in known:
        raise ContractError(f"unknown grammar {name!r}; known grammars: {', '.join(known)}")
    return dict(known[name])


def _record_schema(parsed: Parsed) -> Iterable[Violation]:
    if parsed.chunk_schema is None:
        return
    for record in parsed.objects:
        error_line = parsed.framing == "ndjson" and "error" in record.data
        path = parsed.error_schema if error_line and parsed.error_schema else parsed.chunk_schema
        for v in validate_document(path, record.data):  # valid records take the fast path
            yield Violation(
                f"$[{record.index}]" + v.instance_path[1:], f"{path}#/{v.schema_path}", v.message, v.keyword
            )


def _not_empty(parsed: Parsed) -> Iterable[Violation]:
    if not parsed.records:
        yield grammar_violation(parsed, "not-empty", None, "the stream has no records")


def _done_terminator(parsed: Parsed) -> Iterable[Violation]:
    done = [r for r in parsed.records if r.terminator]
    if not parsed.records:
        return
    if not parsed.records[-1].terminator:
        yield grammar_violation(parsed, "done-terminator", None, "the stream does not end with data: [DONE]")
    for extra in done[:-1] if parsed.records[-1].terminator else done:
        yield grammar_violation(
            parsed,
            "done-terminator",
            extra.index,
            f"data: [DONE] at frame {extra.index} is not the last frame",
        )


def _no_done_terminator(parsed: Parsed) -> Iterable[Violation]:
    for record in parsed.records:
        if record.terminator:
            yield grammar_violation(
                parsed, "no-done-terminator", record.index, "this stream has no data: [DONE] frame"
            )


def _shared(key: str, rule: str) -> Rule:
    def check(parsed: Parsed) -> Iterable[Violation]:
        objects = parsed.objects
        if not objects:
            return
        first = objects[0].data.get(key)
        for record in objects[1:]:
            if record.data.get(key) != first:
                yield grammar_violation(
                    parsed,
                    rule,
                    record.index,
                    f"{key} is {record.data.get(key)!r}, the first chunk's is {first!r}",
                )

    return check


RULES: dict[str, Rule] = {
    "record-schema": _record_schema,
    "not-empty": _not_empty,
    "done-terminator": _done_terminator,
    "no-done-terminator": _no_done_terminator,
    "shared-id": _shared("id", "shared-id"),
    "shared-created": _shared("created", "shared-created"),
    **stream_rules_native.RULES,
    **stream_rules_openai.RULES,
    **stream_rules_events.RULES,
}


def _apply(parsed: Parsed) -> list[Violation]:
    out = list(parsed.violations)
    for name in grammar(parsed.grammar)["rules"]:
        if name not in RULES:
            raise ContractError(
                f"grammar {parsed.grammar!r} names rule {name!r}, which streams.py does not implement"
            )
        out.extend(RULES[name](parsed))
    return out


def check_grammar(name: str, raw: bytes | str, *, request: dict[str, Any] | None = None) -> list[Violation]:
    """Framing and grammar rules of grammar `name` only (no record schema)."""
    parsed = Parsed(name, grammar(name)["framing"], request=request)
    return _apply(parse(parsed, raw))


def stream_spec(endpoint: str, variant: str | None = None) -> tuple[str, str, str | None]:
    """(grammar, chunk schema, error schema) of `endpoint`, or of one of its variants."""
    entry = loader.operation(endpoint)
    stream = entry.get("stream")
    if not stream:
        raise ContractError(
            f"{endpoint} does not stream; streaming endpoints: {', '.join(streaming_endpoints())}"
        )
    name, chunk = stream["grammar"], stream["chunk"]
    error = (entry.get("errors") or {}).get("schema")
    if variant:
        chosen = variant_entry(entry, variant)
        name = chosen.get("grammar") or name
        chunk = _schema_of(chosen.get("chunk")) or chunk
        error = _schema_of(chosen.get("error")) or error
    return name, chunk, error


def _schema_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("chunk") or value.get("schema")
    return value if isinstance(value, str) else None


def streaming_endpoints() -> list[str]:
    return [name for name, entry in loader.index()["operations"].items() if entry.get("stream")]


def validate_stream(
    endpoint: str, raw: bytes | str, *, request: dict[str, Any] | None = None, variant: str | None = None
) -> list[Violation]:
    """Every violation of a raw stream body of `endpoint`: framing, record schemas, grammar."""
    name, chunk, error = stream_spec(endpoint, variant)
    parsed = Parsed(name, grammar(name)["framing"], request=request, chunk_schema=chunk, error_schema=error)
    return _apply(parse(parsed, raw))


__all__ = ["RULES", "Record", "check_grammar", "grammar", "grammars", "stream_spec", "validate_stream"]
