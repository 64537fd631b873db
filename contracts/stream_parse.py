"""Split a raw stream body (NDJSON or SSE, as received) into records, checking its framing.

The framings are declared in streams.json ("ndjson", "sse-data", "sse-event"). Parsing
never stops at a fault: each framing fault becomes a Violation (keyword = framing rule
name) and parsing goes on, so one bad line does not hide the rest of the stream.
Record indexes are physical positions: the line (NDJSON) or frame (SSE) number, from 0,
shown as the instance path "$[i]".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .validation import Violation, one_line

TERMINATOR = "[DONE]"


@dataclass(frozen=True)
class Record:
    """One NDJSON line or SSE frame that parsed."""

    index: int  # line or frame number, from 0
    data: Any  # the parsed JSON object; None for the [DONE] terminator
    event: str | None = None  # the SSE event name, when the frame has one

    @property
    def terminator(self) -> bool:
        return self.data is None


@dataclass
class Parsed:
    """A stream split into records, with what its grammar checks need."""

    grammar: str
    framing: str
    records: list[Record] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    request: dict[str, Any] | None = None
    chunk_schema: str | None = None  # None: skip the record-schema rule
    error_schema: str | None = None

    @property
    def objects(self) -> list[Record]:
        """The records that are JSON objects (the [DONE] terminator left out)."""
        return [r for r in self.records if not r.terminator]


def grammar_violation(parsed: Parsed, rule: str, index: int | None, message: str) -> Violation:
    """A Violation of a grammar rule at record `index` (None: the stream as a whole)."""
    where = "$" if index is None else f"$[{index}]"
    return Violation(where, f"streams.json#/grammars/{parsed.grammar}/rules/{rule}", one_line(message), rule)


def _framing_violation(parsed: Parsed, rule: str, index: int | None, message: str) -> None:
    where = "$" if index is None else f"$[{index}]"
    schema_path = f"streams.json#/framings/{parsed.framing}/rules/{rule}"
    parsed.violations.append(Violation(where, schema_path, one_line(message), rule))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def decode(parsed: Parsed, raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _framing_violation(parsed, "utf8", None, f"the body is not valid UTF-8 at byte {exc.start}")
        return raw.decode("utf-8", errors="replace")


def parse(parsed: Parsed, raw: bytes | str) -> Parsed:
    """Fill `parsed.records` (and framing violations) from the raw body."""
    text = decode(parsed, raw)
    if parsed.framing == "ndjson":
        _parse_ndjson(parsed, text)
    else:
        _parse_sse(parsed, text)
    return parsed


def _parse_ndjson(parsed: Parsed, text: str) -> None:
    if not text:
        return
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    else:
        _framing_violation(
            parsed, "ndjson-line-end", len(lines) - 1, f"line {len(lines)} does not end with \\n"
        )
    for number, line in enumerate(lines):
        if not line.strip():
            _framing_violation(parsed, "ndjson-no-blank-lines", number, f"line {number + 1} is blank")
            continue
        data = _object_or_none(parsed, "ndjson-json-object", number, line, f"line {number + 1}")
        if data is not None:
            parsed.records.append(Record(number, data))


def _object_or_none(parsed: Parsed, rule: str, index: int, text: str, where: str) -> dict[str, Any] | None:
    try:
        data = _loads(text)
    except ValueError as exc:
        _framing_violation(parsed, rule, index, f"{where} is not JSON: {exc}")
        return None
    except RecursionError:  # [[[[... deeper than json reads: a violation to report, not a crash
        _framing_violation(parsed, rule, index, f"{where} is nested too deeply to read")
        return None
    if not isinstance(data, dict):
        _framing_violation(parsed, rule, index, f"{where} is a JSON {type(data).__name__}, not an object")
        return None
    return data


def _frames(parsed: Parsed, text: str) -> list[list[str]]:
    """SSE frames as lists of field lines; stray empty lines and an open last frame are faults."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    frames: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            frames.append(current)
            current = []
        else:
            _framing_violation(
                parsed, "sse-frame", len(frames), f"an empty line with no frame before frame {len(frames)}"
            )
    if current:
        _framing_violation(
            parsed, "sse-frame", len(frames), f"frame {len(frames)} is not followed by an empty line"
        )
        frames.append(current)
    return frames


def _parse_sse(parsed: Parsed, text: str) -> None:
    if not text:
        return
    for number, lines in enumerate(_frames(parsed, text)):
        event, payload = _fields(parsed, number, lines)
        if payload is None:
            continue
        if payload == TERMINATOR and event is None:
            parsed.records.append(Record(number, None))
            continue
        data = _object_or_none(parsed, "sse-json-object", number, payload, f"frame {number} data")
        if data is None:
            continue
        if parsed.framing == "sse-event" and event is not None and data.get("type") != event:
            _framing_violation(
                parsed,
                "sse-event-matches-type",
                number,
                f"frame {number}: event {event!r} but payload type {data.get('type')!r}",
            )
        parsed.records.append(Record(number, data, event))


def _fields(parsed: Parsed, number: int, lines: list[str]) -> tuple[str | None, str | None]:
    """(event name, data payload) of one frame; field-layout faults are recorded."""
    events = [line[len("event: ") :] for line in lines if line.startswith("event: ")]
    datas = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    others = [line for line in lines if not line.startswith(("event: ", "data: "))]
    expected = ["event", "data"] if parsed.framing == "sse-event" else ["data"]
    layout = [line.split(":", 1)[0] for line in lines]
    if others or layout != expected:
        shown = " | ".join(lines)
        want = (
            "'event: <type>' then 'data: <json>'"
            if parsed.framing == "sse-event"
            else "one 'data: <json>' line"
        )
        _framing_violation(parsed, "sse-fields", number, f"frame {number} is {shown!r}; expected {want}")
    if not datas:
        return (events[0] if events else None), None
    return (events[0] if events else None), "\n".join(datas)
