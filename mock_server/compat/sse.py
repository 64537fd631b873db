"""SSE building blocks: the `[DONE]` terminator, the event-stream headers and the Stream outcome
of a /v1 answer."""

from __future__ import annotations

from ..outcome import Raw, Stream, StreamItem

EVENT_STREAM = "text/event-stream"
DONE = Raw(b"data: [DONE]\n\n")
# What Ollama's Responses and Anthropic middlewares set beside the content type of a stream
# (§2.6); the chat and completions writers set the content type only.
EVENT_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive"}


def sse(items: list[StreamItem], headers: dict[str, str] | None = None, ended_by_error: bool = False) -> Stream:
    """A text/event-stream outcome; wire frames each Chunk as `event:`/`data:` lines."""
    return Stream(items=items, framing="sse", content_type=EVENT_STREAM, headers=dict(headers or {}),
                  ended_by_error=ended_by_error)
