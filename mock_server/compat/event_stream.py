"""The loop shared by the native -> SSE event translators of /v1/messages and /v1/responses.

Both walk the native chat records the same way: faults pass through (a cut ends the stream), an
error before any output becomes the API's error, a later one ends the stream silently (§4.2), and
each record goes to the subclass's `_process`, which says when the stream is complete.
"""

from __future__ import annotations

from typing import Any

from ..outcome import Cut, Outcome, Raw, Stream, StreamItem
from .common import NativeError, native_items
from .sse import EVENT_HEADERS, sse


class EventStreamer:
    """Base of the event translators; a subclass sets `items` and `delay` and writes `_process`."""

    items: list[StreamItem]
    delay: float  # the delay of the native record being translated, given to its first event

    def translate(self, result: Outcome) -> Stream:
        ended_by_error = False
        for item in native_items(result):
            if isinstance(item, (Raw, Cut)):
                self.items.append(item)
                if isinstance(item, Cut):
                    break
                continue
            if "error" in item.body:
                if not self.items:
                    raise NativeError(500, str(item.body["error"]))
                ended_by_error = True
                break  # Ollama ends the stream silently, without its closing events
            self.delay = item.delay
            if self._process(item.body):
                break
        return sse(self.items, {**EVENT_HEADERS, **self._headers()}, ended_by_error)

    def _process(self, record: dict[str, Any]) -> bool:
        """Translate one native record; True once it was the last one."""
        raise NotImplementedError

    def _headers(self) -> dict[str, str]:
        return {}
