"""Grammar rules of the named-event SSE streams: /v1/responses (§2.6) and /v1/messages (§2.7).

Both stream their output one item (Responses) or content block (Anthropic) at a time:
opened, filled with deltas, closed, before the next one opens. The rules below track the
one open item/block and report any event that does not fit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .stream_parse import Parsed, Record, grammar_violation
from .validation import Violation

RESPONSE_TERMINALS = ("response.completed", "response.failed")
LIFECYCLE = ("response.created", "response.in_progress", *RESPONSE_TERMINALS)
BLOCK_DELTAS = {
    "text": ("text_delta",),
    "thinking": ("thinking_delta", "signature_delta"),
    "tool_use": ("input_json_delta",),
}


def _type(record: Record) -> Any:
    return record.data.get("type")


def sequence_numbers(parsed: Parsed) -> Iterable[Violation]:
    for expected, record in enumerate(parsed.objects):
        got = record.data.get("sequence_number")
        if got != expected:
            yield grammar_violation(
                parsed, "sequence-numbers", record.index, f"sequence_number is {got!r}, expected {expected}"
            )
            return  # one break in the count would flag every later event


def response_lifecycle(parsed: Parsed) -> Iterable[Violation]:
    events = parsed.objects
    if not events:
        return
    types = [_type(r) for r in events]
    for position, wanted in ((0, "response.created"), (1, "response.in_progress")):
        if len(types) <= position or types[position] != wanted:
            where = events[min(position, len(events) - 1)].index
            yield grammar_violation(parsed, "response-lifecycle", where, f"event {position} is not {wanted}")
    if types[-1] not in RESPONSE_TERMINALS:
        yield grammar_violation(
            parsed, "response-lifecycle", None, "the stream does not end with response.completed"
        )
    for record, kind in zip(events, types, strict=True):
        if kind in LIFECYCLE and types.count(kind) > 1:
            yield grammar_violation(
                parsed, "response-lifecycle", record.index, f"{kind} appears {types.count(kind)} times"
            )
            break


def output_items(parsed: Parsed) -> Iterable[Violation]:
    open_item: tuple[Any, Any] | None = None  # (output_index, item id)
    added = 0
    for record in parsed.objects:
        kind, data = _type(record), record.data
        if kind in LIFECYCLE:
            # a search that failed ends the stream with its web_search_call item still in progress
            searching = kind == "response.failed" and str(open_item[1] if open_item else "").startswith("ws_")
            if kind in RESPONSE_TERMINALS and open_item is not None and not searching:
                yield _items(parsed, record, f"{kind} while output item {open_item[0]} is still open")
            continue
        if kind == "response.output_item.added":
            if open_item is not None:
                yield _items(parsed, record, f"an item added while output item {open_item[0]} is still open")
            if data.get("output_index") != added:
                yield _items(parsed, record, f"output_index {data.get('output_index')!r}, expected {added}")
            open_item, added = (data.get("output_index"), _item_id(data)), added + 1
        elif open_item is None or data.get("output_index") != open_item[0]:
            yield _items(
                parsed, record, f"{kind} for output_index {data.get('output_index')!r}, which is not open"
            )
        elif "item_id" in data and data["item_id"] != open_item[1]:
            yield _items(parsed, record, f"item_id {data['item_id']!r}, the open item is {open_item[1]!r}")
        if (
            kind == "response.output_item.done"
            and open_item is not None
            and data.get("output_index") == open_item[0]
        ):
            open_item = None


def _item_id(data: dict[str, Any]) -> Any:
    item = data.get("item")
    return item.get("id") if isinstance(item, dict) else None


def _items(parsed: Parsed, record: Record, message: str) -> Violation:
    return grammar_violation(parsed, "output-items", record.index, message)


_PART_STEPS = {  # event -> (states it may follow, state after it)
    "response.content_part.added": ((None, "done"), "added"),
    "response.output_text.delta": (("added",), "added"),
    "response.output_text.done": (("added",), "text-done"),
    "response.content_part.done": (("text-done",), "done"),
}


def content_parts(parsed: Parsed) -> Iterable[Violation]:
    state: str | None = None
    for record in parsed.objects:
        kind = _type(record)
        if kind == "response.output_item.added":
            state = None
        elif kind in _PART_STEPS:
            allowed, after = _PART_STEPS[kind]
            if state not in allowed:
                yield grammar_violation(
                    parsed, "content-parts", record.index, f"{kind} after {_state_name(state)}"
                )
            state = after
        elif kind == "response.output_item.done" and state in ("added", "text-done"):
            yield grammar_violation(
                parsed, "content-parts", record.index, f"the item is done while its content part is {state}"
            )


def _state_name(state: str | None) -> str:
    return {
        None: "no content_part.added",
        "added": "content_part.added",
        "text-done": "output_text.done",
        "done": "content_part.done",
    }[state]


def message_lifecycle(parsed: Parsed) -> Iterable[Violation]:
    events = [r for r in parsed.objects if _type(r) != "ping"]
    if not events:
        return
    types = [_type(r) for r in events]
    if types[0] != "message_start" or types.count("message_start") != 1:
        yield grammar_violation(
            parsed, "message-lifecycle", events[0].index, "message_start is not the first event, exactly once"
        )
    if types[-1] == "error":
        return  # Anthropic's in-band error ends the stream
    if types[-1] != "message_stop":
        yield grammar_violation(
            parsed, "message-lifecycle", None, "the stream does not end with message_stop"
        )
    if types.count("message_delta") != 1 or len(types) < 2 or types[-2] != "message_delta":
        yield grammar_violation(
            parsed, "message-lifecycle", None, "message_delta is not sent once, right before message_stop"
        )


def content_blocks(parsed: Parsed) -> Iterable[Violation]:
    open_block: tuple[Any, Any] | None = None  # (index, block type)
    started, json_deltas = 0, 0
    for record in parsed.objects:
        kind, data = _type(record), record.data
        if kind == "content_block_start":
            if open_block is not None:
                yield _blocks(
                    parsed, record, f"block {data.get('index')!r} starts while block {open_block[0]} is open"
                )
            if data.get("index") != started:
                yield _blocks(parsed, record, f"block index {data.get('index')!r}, expected {started}")
            block = data.get("content_block")
            open_block, started, json_deltas = (
                (data.get("index"), block.get("type") if isinstance(block, dict) else None),
                started + 1,
                0,
            )
        elif kind in ("content_block_delta", "content_block_stop"):
            if open_block is None or data.get("index") != open_block[0]:
                yield _blocks(parsed, record, f"{kind} for block {data.get('index')!r}, which is not open")
                continue
            if kind == "content_block_delta":
                delta = data.get("delta") if isinstance(data.get("delta"), dict) else {}
                json_deltas += delta.get("type") == "input_json_delta"
                if delta.get("type") not in BLOCK_DELTAS.get(open_block[1], ()):
                    yield _blocks(
                        parsed, record, f"a {delta.get('type')!r} delta in a {open_block[1]!r} block"
                    )
            else:
                if open_block[1] == "tool_use" and json_deltas != 1:
                    yield _blocks(
                        parsed,
                        record,
                        f"a tool_use block with {json_deltas} input_json_delta events, expected 1",
                    )
                open_block = None
        elif kind in ("message_delta", "message_stop") and open_block is not None:
            yield _blocks(parsed, record, f"{kind} while block {open_block[0]} is open")


def _blocks(parsed: Parsed, record: Record, message: str) -> Violation:
    return grammar_violation(parsed, "content-blocks", record.index, message)


RULES = {
    "sequence-numbers": sequence_numbers,
    "response-lifecycle": response_lifecycle,
    "output-items": output_items,
    "content-parts": content_parts,
    "message-lifecycle": message_lifecycle,
    "content-blocks": content_blocks,
}
