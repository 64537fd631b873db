"""Native chat records -> /v1/chat/completions SSE chunks (reference §2.4).

Current framing (>= v0.32.6): role on the first chunk only, one shared `created`, reasoning split
from content, a separate finish chunk with `delta: {}`, an optional usage chunk, then `[DONE]`.
Legacy framing (profile v1_stream_framing="legacy", <= v0.32.5): role on every delta, finish_reason
on the chunk made from the native done record, `created` taken fresh for each chunk (the time it
is written: the first record's time plus the waits before it, so an unpaced stream shows one
value and a paced one advances with the clock), usage chunk copied from the last chunk.
"""

from __future__ import annotations

from typing import Any

from ..outcome import Chunk, Cut, Outcome, Raw, Stream, StreamItem
from ..profiles import Profile
from .common import (
    NativeError,
    debug_render,
    marked,
    native_items,
    openai_tool_calls,
    reasoning_field,
    unix,
    unix_fraction,
)
from .sse import DONE, sse


class ChatStreamer:
    """Translates one native chat outcome into the SSE Stream of a /v1 chat completion."""

    def __init__(self, request_id: str, prof: Profile, include_usage: bool) -> None:
        self.request_id = request_id
        self.prof = prof
        self.include_usage = include_usage
        self.legacy = prof.v1_stream_framing == "legacy"
        self.marks: set[str] = {"v1_stream_framing"} if self.legacy else set()
        self.items: list[StreamItem] = []
        self.created: int | None = None
        self.started: float | None = None  # legacy: the first record's time, unix seconds with the fraction
        self.waited = 0.0  # legacy: the waits before the chunk in hand, seconds
        self.sent_any = False
        self.tool_sent = False
        self.model = ""  # of the latest native record

    def translate(self, result: Outcome) -> Stream:
        ended_by_error = False
        if debug_render(result):
            self.marks.add("_debug_render_only")
        for item in native_items(result):
            if not self._feed(item):
                ended_by_error = item.__class__ is Chunk and "error" in item.body  # type: ignore[union-attr]
                break
        return sse(self.items, marked({}, self.marks), ended_by_error)

    def _feed(self, item: StreamItem) -> bool:
        """Handle one native item; False once the stream is over."""
        if isinstance(item, (Raw, Cut)):
            self.waited += item.delay
            self.items.append(item)
            return isinstance(item, Raw)
        record = item.body
        if "error" in record:
            self._error(str(record["error"]), item.delay)
            return False
        if self.sent_any and self.created and not self.legacy and self._text_piece(record, item.delay, self.created):
            return True
        if self.legacy:
            created = self._written_at(record, item.delay)
            if self.created is None:
                self.created = created
        elif not self.created:
            created = self.created = unix(record.get("created_at"))
        else:  # current framing: every chunk carries the first record's time, no need to parse
            created = self.created
        sent = self._content_chunks(record, item.delay, created)
        if record.get("done"):
            self._finish(record, created, 0.0 if sent else item.delay)
            return False
        return True

    def _written_at(self, record: dict[str, Any], delay: float) -> int:
        """Legacy `created`: time.Now().Unix() as each chunk was converted, i.e. the stream's start
        plus the waits so far (not the native record's created_at, which runs at token time)."""
        if self.started is None:
            self.started = unix_fraction(record.get("created_at"))
        self.waited += delay
        return int(self.started + self.waited)

    def _text_piece(self, record: dict[str, Any], delay: float, created: int) -> bool:
        """The bulk of a current stream, in one step: a text-only record after the first chunk
        becomes a bare content delta (what `_content_chunks` makes of it). False: not such a record."""
        message = record.get("message") or _NO_MESSAGE
        if record.get("done") or record.get("logprobs") or not message.keys() <= _TEXT_ONLY:
            return False
        self.model = str(record.get("model", ""))
        self.items.append(_item(self._chunk({"content": message.get("content") or ""}, None, created), delay))
        return True

    def _chunk(
        self, delta: dict[str, Any], reason: str | None, created: int, logprobs: Any = None
    ) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": reason}
        if logprobs is not None:
            choice["logprobs"] = logprobs
        return {
            "id": self.request_id,
            "object": "chat.completion.chunk",
            "created": created if self.legacy else (self.created or created),
            "model": self.model,
            "system_fingerprint": "fp_ollama",
            "choices": [choice],
        }

    def _emit(self, chunk: dict[str, Any], delay: float) -> None:
        self.items.append(_item(chunk, delay))
        self.sent_any = True

    def _content_chunks(self, record: dict[str, Any], delay: float, created: int) -> bool:
        """Emit the chunks of one native record; False when it produced none."""
        self.model = str(record.get("model", ""))
        deltas = self._deltas(record.get("message") or {})
        done = bool(record.get("done"))
        if done and not self.legacy and not _has_output(record):
            # an empty metrics-only trailer sends nothing, unless nothing was sent at all
            deltas = [] if self.sent_any else [{"content": ""}]
        elif done and self.legacy and not deltas:
            deltas = [{"content": ""}]
        logprobs = {"content": record["logprobs"]} if record.get("logprobs") else None
        last = len(deltas) - 1
        for position, delta in enumerate(deltas):
            reason = self._legacy_reason(record) if (self.legacy and done and position == last) else None
            chunk = self._chunk(self._with_role(delta), reason, created, logprobs if position == 0 else None)
            self._emit(chunk, delay if position == 0 else 0.0)
        return bool(deltas)

    def _with_role(self, delta: dict[str, Any]) -> dict[str, Any]:
        if self.legacy or not self.sent_any:
            out: dict[str, Any] = {"role": "assistant"}
            if self.legacy and "content" not in delta:
                out["content"] = ""
            out.update(delta)
            return out
        return delta

    def _deltas(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        thinking = message.get("thinking") or ""
        content = message.get("content") or ""
        raw_calls = message.get("tool_calls")
        calls = (
            openai_tool_calls(raw_calls, with_index=self.prof.v1_stream_tool_index, request_id=self.request_id)
            if raw_calls
            else []
        )
        if calls:
            self.tool_sent = True
            if not self.prof.v1_stream_tool_index:
                self.marks.add("v1_stream_tool_index")
        field = reasoning_field(self.prof, self.marks) if thinking else ""
        main: dict[str, Any] = {"content": content}
        if calls and self.prof.v1_content_null_with_tool_calls:
            main["content"] = None
            self.marks.add("v1_content_null_with_tool_calls")
        if calls:
            main["tool_calls"] = calls
        if thinking and (content or calls):
            return [{field: thinking}, main]
        if thinking:
            return [{"content": content, field: thinking}]
        return [main]

    def _finish(self, record: dict[str, Any], created: int, delay: float) -> None:
        if not self.legacy:
            reason = self._current_reason(record.get("done_reason") or "stop")
            self._emit(self._chunk({}, reason, created), delay)
        if self.include_usage:
            self._usage(record, created)
        self.items.append(DONE)

    def _current_reason(self, reason: str) -> str:
        if self.tool_sent and reason == "stop":
            if self.prof.v1_stream_tool_finish_reason == "tool_calls":
                return "tool_calls"
            self.marks.add("v1_stream_tool_finish_reason")
        if self.tool_sent and reason == "length" and not self.prof.v1_length_beats_tool_calls:
            self.marks.add("v1_length_beats_tool_calls")
            return "tool_calls"
        return reason

    def _legacy_reason(self, record: dict[str, Any]) -> str | None:
        reason = record.get("done_reason") or ""
        if not reason:
            return None
        # before v0.32.6 a sent tool call forced tool_calls, even over length (gap 6)
        if self.tool_sent and self.prof.v1_stream_tool_finish_reason == "tool_calls":
            return "tool_calls"
        if self.tool_sent:
            self.marks.add("v1_stream_tool_finish_reason")
        return str(reason)

    def _usage(self, record: dict[str, Any], created: int) -> None:
        if not self.prof.v1_usage_chunk:
            self.marks.add("v1_usage_chunk")
            return
        prompt, completion = int(record.get("prompt_eval_count") or 0), int(record.get("eval_count") or 0)
        chunk = self._chunk({}, None, created)
        if self.legacy:
            chunk = dict(self.items_last_chunk() or chunk)
        chunk["choices"] = []
        chunk["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        self._emit(chunk, 0.0)

    def items_last_chunk(self) -> dict[str, Any] | None:
        for item in reversed(self.items):
            if isinstance(item, Chunk):
                return item.body
        return None

    def _error(self, message: str, delay: float) -> None:
        if not self.sent_any:
            # nothing sent yet: a plain HTTP error, as Ollama answers before the first chunk
            raise NativeError(500, message)
        if self.prof.v1_midstream_error == "error_event":
            self.marks.add("v1_midstream_error")
            body = {"error": {"message": message, "type": "api_error", "param": None, "code": None}}
            self.items.append(Chunk(body=body, delay=delay))
            return
        # the error line made one more chunk from an empty message: legacy framing put the role on it too
        chunk = self._chunk({"role": "assistant", "content": ""} if self.legacy else {"content": ""}, None, self.created or 0)
        chunk["model"] = ""
        self.items.append(Chunk(body=chunk, delay=delay))


_NO_MESSAGE: dict[str, Any] = {}
_TEXT_ONLY = frozenset({"role", "content"})  # a message with neither thinking nor tool calls


def _has_output(record: dict[str, Any]) -> bool:
    message = record.get("message") or {}
    return bool(
        message.get("content")
        or message.get("thinking")
        or message.get("tool_calls")
        or record.get("logprobs")
    )


def _item(body: dict[str, Any], delay: float) -> Chunk:
    """`Chunk(body=body, delay=delay)` without the frozen dataclass's per-field __setattr__
    (one per token of the stream)."""
    chunk = _new(Chunk)
    fields = chunk.__dict__
    fields["body"], fields["delay"], fields["event"] = body, delay, None
    return chunk


_new = object.__new__
