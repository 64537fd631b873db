"""Helpers shared by the /v1 and Anthropic layers: native calls, timestamps, profile flags.

The layers behave like Ollama's middlewares: they build a native body, call the native handler
and translate what it answers. These helpers keep that plumbing in one place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import errors
from ..generation.tools import call_id
from ..outcome import Chunk, Outcome, RequestInfo, Single, Stream, StreamItem
from ..profiles import Profile
from . import ids

JSON = "application/json"
DELIBERATE = "X-Ollama-Mock-Deliberate"

_NATIVE = {
    "chat": ("handlers.chat", "run_chat"),
    "generate": ("handlers.generate", "run_generate"),
    "embed": ("handlers.embed", "run_embed"),
}


def profile(state: Any) -> Profile:
    """The state's version profile (current Ollama when the state has none)."""
    value = getattr(state, "profile", None)
    return value if isinstance(value, Profile) else Profile()


class NativeError(errors.OllamaError):
    """An error the native handler answered (status and message pass through unchanged).

    Kept apart from the layer's own validation errors because Ollama before v0.18.0 gave only
    these the type `api_error` (its writer re-encoded them as a 500-type error, gap 31).
    """

    from_handler = True

    @classmethod
    def wrap(cls, error: errors.OllamaError) -> NativeError:
        wrapped = cls(error.status, error.message, error.headers)
        wrapped.flushed = error.flushed  # the layers' writers pass on what the native stream flushed
        wrapped.delay = error.delay
        return wrapped


def call_native(kind: str, state: Any, body: dict[str, Any], info: RequestInfo, *extra: Any) -> Outcome:
    """Run the native handler `kind` (chat, generate, embed), with `extra` arguments after the
    usual three; its errors pass through unchanged."""
    handler = _HANDLERS.get(kind) or _import_native(kind)
    try:
        result: Outcome = handler(state, body, info, *extra)
    except errors.OllamaError as error:
        raise NativeError.wrap(error) from None
    return result


def call_native_streaming(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    """`call_native("chat", ...)` for the Responses and Anthropic layers: their middleware set the
    event-stream headers before the handler ran, and writeError replaces only the content type,
    so a handler error on a streaming request still carries Cache-Control and Connection."""
    try:
        return call_native("chat", state, body, info)
    except NativeError as error:
        if body.get("stream"):
            from .sse import EVENT_HEADERS

            error.headers = {**EVENT_HEADERS, **error.headers}
        raise


_HANDLERS: dict[str, Callable[..., Outcome]] = {}


def _import_native(kind: str) -> Callable[..., Outcome]:
    import importlib

    module_name, function_name = _NATIVE[kind]
    module = importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.{module_name}")
    _HANDLERS[kind] = handler = getattr(module, function_name)
    return handler  # type: ignore[no-any-return]


def as_late_as(native: Outcome, answer: Single) -> Single:
    """`answer`, sent when the native answer it translates would have been (a rule's `delays`)."""
    delay = getattr(native, "delay", 0.0)
    if delay:
        answer.__dict__["delay"] = delay
    return answer


def native_items(result: Outcome) -> list[StreamItem]:
    """The native answer as stream items: a single body becomes one record."""
    if isinstance(result, Stream):
        return list(result.items)
    if result.status >= 400:
        raise NativeError(result.status, _error_text(result.body))
    return [Chunk(body=dict(result.body or {}))]


def native_single(result: Outcome) -> dict[str, Any]:
    """The native answer as one final record (a stream is folded like Ollama's non-stream path).

    Read-only: a single answer's own body is returned, not a copy (no caller changes it).
    """
    if isinstance(result, Single):
        if result.status >= 400:
            raise NativeError(result.status, _error_text(result.body))
        return result.body or {}
    return fold_chat([item.body for item in result.items if isinstance(item, Chunk)])


def fold_chat(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Concatenate streamed native records into one final record (content, thinking, calls)."""
    if not records:
        return {}
    for record in records:
        if "error" in record:
            raise NativeError(500, str(record["error"]))
    final = dict(records[-1])
    if "message" in final:
        message = dict(final["message"])
        message["content"] = "".join(r.get("message", {}).get("content", "") for r in records)
        thinking = "".join(r.get("message", {}).get("thinking", "") for r in records)
        calls = [c for r in records for c in r.get("message", {}).get("tool_calls", [])]
        _set_or_drop(message, "thinking", thinking)
        _set_or_drop(message, "tool_calls", calls)
        final["message"] = message
    elif "response" in final:
        final["response"] = "".join(r.get("response", "") for r in records)
    return final


def _set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _error_text(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return str(body)


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def unix(stamp: Any, fallback: int = 0) -> int:
    """Unix seconds of an RFC 3339 time (Go writes up to 9 fractional digits and a Z)."""
    if stamp.__class__ is str and stamp[-1:] == "Z":
        # the mock's own stamps: a UTC second already parsed, then "Z" or ".<digits>Z"
        second = _UTC_SECONDS.get(stamp[:19])
        if second is not None and (len(stamp) == 20 or stamp[19] == "." and stamp[20:-1].isdecimal()):
            return second
    if not isinstance(stamp, str):
        return fallback
    match = _STAMP.match(stamp)
    if not match:
        return fallback
    zone = match.group(3) or "Z"
    second = _unix_second(match.group(1), zone)
    if zone == "Z":
        if len(_UTC_SECONDS) >= 4096:
            _UTC_SECONDS.clear()
        _UTC_SECONDS[match.group(1)] = second
    return second


def unix_fraction(stamp: Any) -> float:
    """`unix`, with the stamp's fraction of a second."""
    match = _STAMP.match(stamp) if isinstance(stamp, str) else None
    return unix(stamp) + (float("0" + match.group(2)) if match and match.group(2) else 0.0)


# "YYYY-MM-DDTHH:MM:SS" (UTC) -> unix seconds, filled by `unix` once a stamp of that second parsed:
# a stream's records and a second's requests share it (the regex and lookup cost more than the rest)
_UTC_SECONDS: dict[str, int] = {}


@functools.lru_cache(maxsize=256)  # the fraction is dropped: requests in one second share the parse
def _unix_second(second: str, zone: str) -> int:
    parsed = datetime.fromisoformat(second + ("+00:00" if zone == "Z" else zone))
    return int(parsed.timestamp())


def now_unix(state: Any) -> int:
    """The mock clock's time in unix seconds (the real time when the state has no clock)."""
    clock = getattr(state, "clock", None)
    moment = clock.now() if clock is not None else datetime.now(UTC)
    return int(moment.timestamp())


def web_search_call(message: dict[str, Any]) -> dict[str, Any] | None:
    """The model's first web_search call (findWebSearchToolCall), if it made one: the server web
    search of /v1/messages and /v1/responses runs it."""
    for call in message.get("tool_calls") or []:
        if (call.get("function") or {}).get("name") == "web_search":
            return call
    return None


def search_query(call: dict[str, Any]) -> str:
    """A web_search call's query ("" when it has no string one)."""
    query = (call.get("function") or {}).get("arguments", {}).get("query")
    return query if isinstance(query, str) else ""


def sort_deep(value: Any, raw: Any = None) -> Any:
    """Go marshals maps with sorted keys, at every level; `raw` (a json.RawMessage inside the
    map, such as text.format.schema) is written as it is."""
    if value is raw and raw is not None:
        return value
    if isinstance(value, dict):
        return {key: sort_deep(value[key], raw) for key in sorted(value)}
    if isinstance(value, list):
        return [sort_deep(item, raw) for item in value]
    return value


def usage_counts(record: dict[str, Any]) -> tuple[int, int]:
    """(prompt tokens, completion tokens) of a native final record."""
    return int(record.get("prompt_eval_count", 0) or 0), int(record.get("eval_count", 0) or 0)


def debug_render(result: Outcome) -> bool:
    """Whether the native answer is Ollama's done:false `_debug_render_only` one (render.debug_record
    marks it): its /v1 stream ends with no finish chunk and no [DONE], which the grammar has no
    variant for, so the translation is marked as the native answer is."""
    return "_debug_render_only" in result.headers.get(DELIBERATE, "")


def marked(headers: dict[str, str], flags: set[str]) -> dict[str, str]:
    """Outcome headers, with the deliberate-deviation marker when a profile flag changed the output."""
    out = dict(headers) if headers else {}
    if flags:
        out[DELIBERATE] = ",".join(sorted(flags))
    return out


def openai_errors(run: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """Give native-handler errors the type `api_error` under v1_error_types="api_error" (gap 31).

    Ollama before v0.18.0 did this (the layer's own validation errors kept their type); the core's
    envelope maps types by status, so the layer answers the error body itself and marks it.
    """

    @functools.wraps(run)
    def wrapper(state: Any, *args: Any) -> Outcome:
        try:
            return run(state, *args)
        except NativeError as error:
            if profile(state).v1_error_types != "api_error":
                raise
            body = {"error": {"message": error.message, "type": "api_error", "param": None, "code": None}}
            changed = {"v1_error_types"} if error.status in (400, 404) else set()
            headers = marked(dict(error.headers), changed)
            return Single(body=body, status=error.status, content_type=JSON, headers=headers, delay=error.delay,
                          flushed=error.flushed)

    return wrapper


def go_json(value: Any) -> str:
    """Compact JSON as Go's json.Marshal writes it (used for tool-call argument strings)."""
    import json

    from ..wire import go_floats

    text = go_floats(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")



def openai_tool_calls(
    native_calls: list[dict[str, Any]], with_index: bool = True, request_id: str = ""
) -> list[dict[str, Any]]:
    """Native tool calls -> OpenAI ones: arguments as a JSON string, index from function.index.
    A native call without an id (Ollama before v0.12.10) gets the one the chat layer made then,
    from `request_id`."""
    calls = []
    for position, call in enumerate(native_calls):
        function = call.get("function") or {}
        given = call.get("id") or ""
        # before v0.12.10 the /v1 layer drew the id itself: here fixed by the request and the call
        made = call_id(ids.digest(function, request_id), position) if request_id and not given else ""
        out: dict[str, Any] = {"id": given or made}
        if with_index:
            out["index"] = int(function.get("index") or 0)
        out["type"] = "function"
        out["function"] = {
            "name": function.get("name") or "",
            "arguments": go_json(function.get("arguments") or {}),
        }
        calls.append(out)
    return calls


def reasoning_field(prof: Profile, marks: set[str]) -> str:
    """`reasoning` (Ollama) or, under a profile, `reasoning_content` (gap 28)."""
    if prof.v1_reasoning_field != "reasoning":
        marks.add("v1_reasoning_field")
    return prof.v1_reasoning_field


class go_decode:  # noqa: N801 - used as a context manager, named like the Go step it mimics
    """Turn a request of an unexpected shape into Go's 400 decode error instead of a 500.

    The layers read nested fields assuming the documented shapes; where Go's decoder would have
    refused the body (a number where an object belongs), Python raises AttributeError/TypeError.
    """

    def __init__(self, go_struct: str) -> None:
        self.go_struct = go_struct

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is not None and issubclass(kind, SHAPE_ERRORS) and not issubclass(kind, errors.OllamaError):
            raise shape_error(error, self.go_struct) from None
        return None


# What reading a body of an unexpected shape raises; a hot path catches these itself
# (`except SHAPE_ERRORS as error: raise shape_error(...)`) instead of paying for `with go_decode`.
SHAPE_ERRORS = (AttributeError, TypeError, ValueError)


def shape_error(error: Exception, go_struct: str) -> Exception:
    """What go_decode raises for `error`: Go's 400 decode error (an OllamaError stays as it is)."""
    if isinstance(error, errors.OllamaError):
        return error
    return errors.OllamaError(400, f"json: cannot unmarshal value into Go value of type {go_struct}")


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else {} (optional request objects)."""
    return value if isinstance(value, dict) else {}
