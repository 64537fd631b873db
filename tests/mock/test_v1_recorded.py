"""Real /v1 chat streams from ../shared/recorded, replayed through the layer: the native records
each capture implies go through ChatStreamer, and the SSE frames must come out as recorded.

Legacy captures (role on every delta, finish on the last content chunk, `created` the time each
chunk was written: replayed with the recorded seconds between chunks as waits) use the legacy framing
profile; the v0.32.6+ captures use the current one (their `created` ticks within the stream, which
HEAD's writer no longer does, so `created` is compared only there)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ollama_conformance.mock_server.compat import openai_chat
from ollama_conformance.mock_server.compat.openai_chat_request import to_native
from ollama_conformance.mock_server.compat.openai_chat_stream import ChatStreamer
from ollama_conformance.mock_server.outcome import Chunk, Stream
from ollama_conformance.mock_server.profiles import Profile

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
# Skipped only off CI: CI always has ../shared beside the checkout, and must not skip silently.
pytestmark = pytest.mark.skipif(
    not RECORDED.is_dir() and not os.environ.get("CI"), reason="../shared/recorded is not on this machine"
)
CASES = [
    ("u2606-v1-chat-completions-stream-tool-call-usage.json", "legacy"),
    ("u2507-v1-chat-completions-stream-think-tags-usage.json", "legacy"),
    ("cloud2608-v1-chat-completions-stream-usage.json", "current"),
    ("cloud2608-v1-chat-completions-stream-tool-call.json", "current"),
]


def _frames(raw: str) -> list[Any]:
    out = []
    for block in raw.split("\n\n"):
        if block.startswith("data: "):
            payload = block[6:]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def _stamp(unix: int) -> str:
    return datetime.fromtimestamp(unix, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _native_records(frames: list[Any], framing: str) -> list[dict[str, Any]]:
    """The native chat records a capture implies (reverse of the /v1 translation)."""
    usage = next(f["usage"] for f in frames if isinstance(f, dict) and not f["choices"])
    records: list[dict[str, Any]] = []
    for frame in frames:
        if not isinstance(frame, dict) or not frame["choices"]:
            continue
        choice = frame["choices"][0]
        delta = choice["delta"]
        if framing == "current" and choice["finish_reason"]:
            records.append(_record(frame, {}, done=True))
            continue
        record = _record(frame, delta, done=choice["finish_reason"] is not None)
        records.append(record)
    final = records[-1]
    final.update(
        done_reason="stop", prompt_eval_count=usage["prompt_tokens"], eval_count=usage["completion_tokens"]
    )
    return records


def _unix(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _record(frame: dict[str, Any], delta: dict[str, Any], done: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": delta.get("content") or ""}
    if delta.get("reasoning"):
        message["thinking"] = delta["reasoning"]
    calls = [
        {
            "id": c["id"],
            "function": {
                "index": c["index"],
                "name": c["function"]["name"],
                "arguments": json.loads(c["function"]["arguments"]),
            },
        }
        for c in delta.get("tool_calls") or []
    ]
    if calls:
        message["tool_calls"] = calls
    return {"model": frame["model"], "created_at": _stamp(frame["created"]), "message": message, "done": done}


@pytest.mark.parametrize(("name", "framing"), CASES)
def test_recorded_stream_is_reproduced(name: str, framing: str) -> None:
    recorded = json.loads((RECORDED / name).read_text())
    frames = _frames(recorded["response_raw"])
    prof = dataclasses.replace(Profile(), v1_stream_framing=framing)
    records = _native_records(frames, framing)
    # the legacy writer stamped each chunk with the time it was written: the recorded seconds
    # between records are the waits a paced stream would have
    stamps = [_unix(r["created_at"]) for r in records]
    waits = [0.0] + [b - a for a, b in itertools.pairwise(stamps)] if framing == "legacy" else [0.0] * len(records)
    native = Stream(items=[Chunk(body=r, delay=w) for r, w in zip(records, waits, strict=True)])
    produced = ChatStreamer(frames[0]["id"], prof, include_usage=True).translate(native)
    ours = [
        item.body if isinstance(item, Chunk) else item.data.decode()[6:].strip() for item in produced.items
    ]
    if framing == "current":
        for frame in [*ours, *frames]:
            if isinstance(frame, dict):
                frame.pop("created")
    assert ours == frames


NON_STREAM = [
    "0135-v1-chat-completions-nonstream.json",
    "cloud2608-v1-chat-completions-nonstream.json",
    "cloud2608-v1-chat-completions-tool-call.json",
    "u2404-v1-chat-completions-nonstream.json",
    "u2506-v1-chat-completions-think-tags-in-content.json",
    "u2606-v1-chat-completions-after-tool-result.json",
    "u2606-v1-chat-completions-image-input.json",
    "u2606-v1-chat-completions-json-object.json",
    "u2606-v1-chat-completions-nonstream-reasoning.json",
    "u2606-v1-chat-completions-parallel-tool-calls.json",
]


def _native_final(response: dict[str, Any]) -> dict[str, Any]:
    choice = response["choices"][0]
    record = _record(response, choice["message"], done=True)
    reason = choice["finish_reason"]
    record.update(done_reason="stop" if reason == "tool_calls" else reason or "")
    usage = response["usage"]
    record.update(prompt_eval_count=usage["prompt_tokens"], eval_count=usage["completion_tokens"])
    return record


def _go_compact(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@pytest.mark.parametrize("name", NON_STREAM)
def test_recorded_completion_is_reproduced(name: str) -> None:
    recorded = json.loads((RECORDED / name).read_text())
    raw = recorded.get("response_raw")
    response = json.loads(raw) if raw else recorded["response"]
    ours = openai_chat.completion_body(
        response["id"], _native_final(response), Profile(), set(), response["model"]
    )
    assert ours == response
    if raw:  # byte-exact where the capture is
        assert _go_compact(ours) == raw.strip()
    if recorded.get("request"):  # and the recorded request converts without error
        native = to_native(recorded["request"], Profile())
        assert native["messages"] and native["model"] == recorded["request"]["model"]
