"""Parse captured NDJSON and SSE bodies into records, keeping what a check needs to judge framing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Parsed:
    records: list[Any] = field(default_factory=list)  # decoded JSON objects, in order
    bad: list[str] = field(default_factory=list)  # lines/events that were not JSON
    done_marker: bool = False  # SSE: saw `data: [DONE]`
    after_done: int = 0  # SSE: events after [DONE]
    framing_errors: list[str] = field(default_factory=list)


def parse_ndjson(raw: bytes | str) -> Parsed:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    out = Parsed()
    if text and not text.endswith("\n"):
        out.framing_errors.append("last NDJSON line does not end with a newline")
    for line in text.split("\n"):
        if not line:
            continue
        try:
            out.records.append(json.loads(line))
        except ValueError:
            out.bad.append(line[:200])
    return out


def parse_sse(raw: bytes | str) -> Parsed:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    out = Parsed()
    events = text.split("\n\n")
    if events and events[-1].strip():
        out.framing_errors.append("stream ends inside an event (no blank line after the last event)")
    for event in events:
        if not event.strip():
            continue
        for line in event.split("\n"):
            if not line.startswith("data: "):
                out.framing_errors.append(f"unexpected SSE line {line[:80]!r}")
                continue
            payload = line[len("data: "):]
            if payload == "[DONE]":
                out.done_marker = True
                continue
            if out.done_marker:
                out.after_done += 1
            try:
                out.records.append(json.loads(payload))
            except ValueError:
                out.bad.append(payload[:200])
    return out
