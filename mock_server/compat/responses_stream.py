"""Native chat records -> /v1/responses SSE events (reference §2.6).

Event order: response.created, response.in_progress, then per output item its added / delta /
done events, then response.completed. Payloads are Go maps (keys sorted), each with `type` and
a `sequence_number` from 0. A mid-stream error ends the stream silently (§4.2).
"""

from __future__ import annotations

from typing import Any

from ..outcome import Chunk, StreamItem
from ..profiles import Profile
from . import ids
from .common import marked, openai_tool_calls, search_query, sort_deep, usage_counts, web_search_call
from .event_stream import EventStreamer
from .openai_responses import (
    function_item,
    message_item,
    reasoning_item,
    response_object,
    usage,
    web_search_failure,
)


class ResponsesStreamer(EventStreamer):
    def __init__(self, body: dict[str, Any], prof: Profile, now: int, marks: set[str], web_search: bool = False) -> None:
        self.body, self.prof, self.now, self.marks = body, prof, now, marks
        self.web_search = web_search  # WebSearchResponsesWriter: a web_search call is run by Ollama
        self.search: dict[str, Any] | None = None  # the call, held back with every record after it
        self.item_id = ids.responses_message_id(body)
        self.reasoning_id = f"rs_{ids.number(body, 999999, 'responses-reasoning')}"
        self.items: list[StreamItem] = []
        self.sequence = 0
        self.output_index = 0
        self.delay = 0.0
        self.text = ""
        self.thinking = ""
        self.content_started = self.reasoning_started = self.reasoning_done = self.calls_sent = False
        self.call_items: list[dict[str, Any]] = []

    def _headers(self) -> dict[str, str]:
        return marked({}, self.marks)

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        data["type"] = kind
        data["sequence_number"] = self.sequence
        self.sequence += 1
        # the schema is a json.RawMessage in Go's map: written as sent, its keys unsorted
        self.items.append(Chunk(body=sort_deep(data, _schema(data)), event=kind, delay=self.delay))
        self.delay = 0.0

    def _response(self, status: str, output: list[Any] | None, usage_value: Any) -> dict[str, Any]:
        response = response_object(self.body, self.prof, status, [], usage_value, self.now, None)
        response["output"] = output  # buildFinalOutput's nil slice when nothing was made: null
        if response["reasoning"] is not None:  # a Go map: the key not sent is there, as null
            response["reasoning"] = {"effort": None, "summary": None, **response["reasoning"]}
        return response

    def _process(self, record: dict[str, Any]) -> bool:
        message = record.get("message") or {}
        if self.web_search and self.search is None:
            self.search = web_search_call(message)
            if self.search is not None:
                self._calls_beside_search(message)
        if self.search is not None:
            if record.get("done"):
                self._search_failed(record)
                return True
            return False
        self._open()
        if message.get("thinking"):
            self._thinking(message["thinking"])
        if message.get("tool_calls"):
            self._tool_calls(message["tool_calls"])
            self.calls_sent = True
        elif not self.calls_sent and message.get("content"):
            self._text(message["content"])
        if record.get("done"):
            self._completion(record)
            return True
        return False

    def _open(self) -> None:
        """response.created and response.in_progress, before anything else (once)."""
        if self.sequence == 0:
            self._event("response.created", {"response": self._response("in_progress", [], None)})
            self._event("response.in_progress", {"response": self._response("in_progress", [], None)})

    def _thinking(self, thinking: str) -> None:
        if not self.reasoning_started:
            self.reasoning_started = True
            item = {"id": self.reasoning_id, "type": "reasoning", "summary": []}
            self._event("response.output_item.added", {"output_index": self.output_index, "item": item})
        self.thinking += thinking
        delta = {
            "item_id": self.reasoning_id,
            "output_index": self.output_index,
            "summary_index": 0,
            "delta": thinking,
        }
        self._event("response.reasoning_summary_text.delta", delta)

    def _finish_reasoning(self) -> None:
        if not self.reasoning_started or self.reasoning_done:
            return
        self.reasoning_done = True
        done = {
            "item_id": self.reasoning_id,
            "output_index": self.output_index,
            "summary_index": 0,
            "text": self.thinking,
        }
        self._event("response.reasoning_summary_text.done", done)
        item = reasoning_item(self.reasoning_id, self.thinking)
        self._event("response.output_item.done", {"output_index": self.output_index, "item": item})
        self.output_index += 1

    def _tool_calls(self, native_calls: list[dict[str, Any]]) -> None:
        self._finish_reasoning()
        base = ids.number(self.body, 999999, f"responses-fc-{len(self.call_items)}")
        calls = openai_tool_calls(native_calls)
        for offset, call in enumerate(calls):
            item_id, index = f"fc_{base}_{offset}", self.output_index + offset
            arguments = call["function"]["arguments"]
            self.call_items.append(function_item(item_id, call, "completed"))
            self._event(
                "response.output_item.added",
                {"output_index": index, "item": function_item(item_id, call, "in_progress", "")},
            )
            if arguments:
                self._event(
                    "response.function_call_arguments.delta",
                    {"item_id": item_id, "output_index": index, "delta": arguments},
                )
            self._event(
                "response.function_call_arguments.done",
                {"item_id": item_id, "output_index": index, "arguments": arguments},
            )
            self._event(
                "response.output_item.done",
                {"output_index": index, "item": function_item(item_id, call, "completed")},
            )
        self.output_index += len(calls)  # the next item (a search's) comes after them

    def _text(self, content: str) -> None:
        self._finish_reasoning()
        if not self.content_started:
            self.content_started = True
            item = {
                "id": self.item_id,
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            }
            self._event("response.output_item.added", {"output_index": self.output_index, "item": item})
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            added = {
                "item_id": self.item_id,
                "output_index": self.output_index,
                "content_index": 0,
                "part": part,
            }
            self._event("response.content_part.added", added)
        self.text += content
        delta = {
            "item_id": self.item_id,
            "output_index": self.output_index,
            "content_index": 0,
            "delta": content,
            "logprobs": [],
        }
        self._event("response.output_text.delta", delta)

    def _calls_beside_search(self, message: dict[str, Any]) -> None:
        """The client's calls in the record that calls web_search go out at once (the message so
        far done first), as the writer's FinishMessageItem and EmitFunctionCallItems do."""
        others = [c for c in message.get("tool_calls") or [] if (c.get("function") or {}).get("name") != "web_search"]
        if not others:
            return
        self._open()
        if self.content_started and not self.calls_sent:
            self._message_done()
            self.output_index += 1
            self.content_started = False
        self._tool_calls(others)

    def _search_failed(self, record: dict[str, Any]) -> None:
        """runLoop when the search cannot run: the lifecycle events if none went out, the open
        message closed; then (with a query) the web_search_call item added and searching; then
        response.failed, the last event (the item stays in_progress)."""
        call = self.search or {}
        self._open()
        if self.content_started and not self.calls_sent:
            self._message_done()  # FinishMessageItem: the search's item takes the next index
            self.output_index += 1
        query = search_query(call)
        if query.strip():
            self._finish_reasoning()
            item_id = f"ws_{ids.response_id(self.body).removeprefix('resp_')}_1"
            item = {"action": {"query": query, "type": "search"}, "id": item_id, "status": "in_progress",
                    "type": "web_search_call"}
            self._event("response.output_item.added", {"output_index": self.output_index, "item": item})
            for step in ("in_progress", "searching"):
                self._event(f"response.web_search_call.{step}", {"item_id": item_id, "output_index": self.output_index})
        prompt, output = usage_counts(record)
        failed: dict[str, Any] = {"error": {"code": "api_error", "message": web_search_failure(call, self.now)},
                  "id": ids.response_id(self.body), "model": self.body.get("model") or "", "object": "response",
                  "output": [], "status": "failed",
                  "usage": {"input_tokens": prompt, "output_tokens": output, "total_tokens": prompt + output}}
        self._event("response.failed", {"response": failed})

    def _message_done(self) -> None:
        """The message streamed so far is done: its text, its part, the item."""
        where = {"item_id": self.item_id, "output_index": self.output_index, "content_index": 0}
        self._event("response.output_text.done", {**where, "text": self.text, "logprobs": []})
        part = {"type": "output_text", "text": self.text, "annotations": [], "logprobs": []}
        self._event("response.content_part.done", {**where, "part": part})
        item = message_item(self.item_id, self.text, "completed")
        self._event("response.output_item.done", {"output_index": self.output_index, "item": item})

    def _completion(self, record: dict[str, Any]) -> None:
        self._finish_reasoning()
        if not self.calls_sent and self.content_started:
            self._message_done()
        response = self._response("completed", self._final_output() or None, usage(record))
        response["completed_at"] = self.now
        self._event("response.completed", {"response": response})

    def _final_output(self) -> list[dict[str, Any]]:
        output: list[dict[str, Any]] = []
        if self.reasoning_started:
            output.append(reasoning_item(self.reasoning_id, self.thinking))
        if self.call_items:
            output.extend(self.call_items)
        elif self.content_started:
            output.append(message_item(self.item_id, self.text, "completed"))
        return output


def _schema(data: dict[str, Any]) -> Any:
    """The echoed text.format.schema of an event's response object, if it has one."""
    response = data.get("response")
    text = response.get("text") if isinstance(response, dict) else None
    fmt = text.get("format") if isinstance(text, dict) else None
    return fmt.get("schema") if isinstance(fmt, dict) else None
