"""Native chat records -> /v1/messages SSE events (reference §2.7).

message_start, then a thinking block, a text block and one block per tool call (each
content_block_start / delta / stop), then message_delta and message_stop. A mid-stream error ends
the stream silently.
"""

from __future__ import annotations

from typing import Any

from ..outcome import Chunk, StreamItem
from .anthropic_messages import message_usage, stop_reason, web_search_failure
from .common import go_json, web_search_call
from .event_stream import EventStreamer


class AnthropicStreamer(EventStreamer):
    def __init__(self, message_id: str, model: str, estimated_tokens: int, web_search: bool = False) -> None:
        self.message_id, self.model, self.estimated = message_id, model, estimated_tokens
        self.web_search = web_search  # WebSearchAnthropicWriter: a web_search call ends the stream its way
        self.search: dict[str, Any] | None = None  # the web_search call being "run"
        self.items: list[StreamItem] = []
        self.index = 0
        self.delay = 0.0
        self.started = self.thinking_started = self.thinking_done = self.text_started = False
        self.sent_calls: list[str] = []

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        self.items.append(Chunk(body={"type": kind, **data}, event=kind, delay=self.delay))
        self.delay = 0.0

    def _stop_block(self) -> None:
        self._event("content_block_stop", {"index": self.index})
        self.index += 1

    def _process(self, record: dict[str, Any]) -> bool:
        message = record.get("message") or {}
        if self.web_search and self.search is None:
            self.search = web_search_call(message)  # that record is not passed through
        if self.search is not None:
            if record.get("done"):
                self._search_failed(record)
                return True
            return False  # the search runs while the first generation finishes unseen
        self._start(record)
        if message.get("thinking") and not self.thinking_done:
            self._thinking(message["thinking"])
        if message.get("content"):
            self._text(message["content"])
        for call in message.get("tool_calls") or []:
            self._tool_use(call)
        if record.get("done"):
            self._done(record)
            return True
        return False

    def _start(self, record: dict[str, Any]) -> None:
        """message_start, once: the record's prompt count, else the request's estimate."""
        if self.started:
            return
        self.started = True
        tokens = message_usage(record)["input_tokens"] or self.estimated
        start = {"id": self.message_id, "type": "message", "role": "assistant", "model": self.model, "content": [],
                 "usage": {"input_tokens": tokens, "output_tokens": 0}}
        self._event("message_start", {"message": start})

    def _search_failed(self, record: dict[str, Any]) -> None:
        """writeTerminalResponse of the failed search: message_start if none went out, the open
        block closed, the two result blocks whole, then end_turn with the generation's usage."""
        self._start(record)
        if self.text_started or (self.thinking_started and not self.thinking_done):
            self._stop_block()
        for block in web_search_failure(self.message_id, self.search or {}):
            self._event("content_block_start", {"index": self.index, "content_block": block})
            self._stop_block()
        self._event("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": message_usage(record)})
        self._event("message_stop", {})

    def _thinking(self, thinking: str) -> None:
        if not self.thinking_started:
            self.thinking_started = True
            self._event(
                "content_block_start",
                {"index": self.index, "content_block": {"type": "thinking", "thinking": ""}},
            )
        self._event(
            "content_block_delta",
            {"index": self.index, "delta": {"type": "thinking_delta", "thinking": thinking}},
        )

    def _close_thinking(self) -> None:
        if self.thinking_started and not self.thinking_done:
            self.thinking_done = True
            self._stop_block()

    def _text(self, text: str) -> None:
        self._close_thinking()
        if not self.text_started:
            self.text_started = True
            self._event(
                "content_block_start", {"index": self.index, "content_block": {"type": "text", "text": ""}}
            )
        self._event(
            "content_block_delta", {"index": self.index, "delta": {"type": "text_delta", "text": text}}
        )

    def _tool_use(self, call: dict[str, Any]) -> None:
        call_id = str(call.get("id") or "")
        if call_id in self.sent_calls:
            return
        self._close_thinking()
        if self.text_started:
            self.text_started = False
            self._stop_block()
        function = call.get("function") or {}
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": call_id,
            "name": function.get("name") or "",
            "input": {},
        }
        self._event("content_block_start", {"index": self.index, "content_block": block})
        delta = {"type": "input_json_delta", "partial_json": go_json(function.get("arguments") or {})}
        self._event("content_block_delta", {"index": self.index, "delta": delta})
        self._stop_block()
        self.sent_calls.append(call_id)

    def _done(self, record: dict[str, Any]) -> None:
        if self.text_started or (self.thinking_started and not self.thinking_done):
            self._event("content_block_stop", {"index": self.index})
        reason = stop_reason(record.get("done_reason") or "", bool(self.sent_calls))
        delta = {"stop_reason": reason} if reason else {}
        self._event("message_delta", {"delta": delta, "usage": message_usage(record)})
        self._event("message_stop", {})
