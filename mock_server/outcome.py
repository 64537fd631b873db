"""What a handler answers, before it becomes HTTP: one body, or a stream of records.

Handlers return these instead of Starlette responses so that the /v1 layers can translate a
native answer (as Ollama's middlewares do), faults can alter it, and `wire` alone decides how
bytes reach the socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NATIVE_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Chunk:
    """One stream record: a native NDJSON object, or the JSON data of one SSE event."""

    body: dict[str, Any]
    delay: float = 0.0  # seconds to wait before sending; 0 = goes out with its neighbours
    event: str | None = None  # SSE `event:` name (/v1/responses, /v1/messages); None for NDJSON


@dataclass(frozen=True)
class Raw:
    """Bytes sent exactly as given (SSE `data: [DONE]`, or an injected malformed line)."""

    data: bytes
    delay: float = 0.0


@dataclass(frozen=True)
class Cut:
    """The connection is dropped here (fault injection)."""

    delay: float = 0.0


StreamItem = Chunk | Raw | Cut


@dataclass(frozen=True)
class Single:
    """One complete body. `body` None means an empty body; a str is sent as text."""

    body: Any
    status: int = 200
    content_type: str | None = NATIVE_JSON
    headers: dict[str, str] = field(default_factory=dict)
    # seconds before anything is sent, status and headers too (a latency or stall fault); a class
    # default, so the fast constructors below need not set it
    delay: float = 0.0
    # Go had sent the headers before this body was written (an error that is a streaming
    # request's first item): net/http frames it chunked, whatever its size
    flushed: bool = False
    # the body holds floats the mock did not make (a user's catalogue): written as Go writes a
    # float64 (0.00001 where Python writes 1e-05); off for the mock's own bodies, which hold none
    # that differ, so that they need no second pass over their text
    go_floats: bool = False


@dataclass(frozen=True)
class Stream:
    """A streamed answer (HTTP 200). `framing` is "ndjson" or "sse"."""

    items: list[StreamItem]
    framing: str = "ndjson"
    content_type: str = "application/x-ndjson"
    headers: dict[str, str] = field(default_factory=dict)
    # A faster encoder of exactly these items (`template.items is items`, `template.encode()`
    # -> the same bytes wire would write); a stream rebuilt by a transformer drops it.
    template: Any = field(default=None, compare=False, repr=False)
    # a /v1 or Anthropic stream that Ollama's in-band error ended (§4.2): it has no closing
    # events, which the stream grammars report by design, so the self-check reads its chunks alone
    ended_by_error: bool = False


Outcome = Single | Stream


@dataclass(frozen=True)
class RequestInfo:
    """The HTTP side of a request, for handlers that need more than the body."""

    endpoint: str  # the route the client called, as in contracts/index.json ("POST /v1/chat/completions")
    api: str  # "native", "openai" or "anthropic": which error envelope applies
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    path_params: dict[str, str] = field(default_factory=dict)


def undelayed(bodies: list[dict[str, Any]]) -> list[StreamItem]:
    """`Chunk(body)` for each body, built without the frozen dataclass's per-field __setattr__
    (a stream has a record per token; this is the same Chunk, three times cheaper)."""
    new = object.__new__
    items: list[StreamItem] = []
    for body in bodies:
        chunk = new(Chunk)
        fields = chunk.__dict__
        fields["body"], fields["delay"], fields["event"] = body, 0.0, None
        items.append(chunk)
    return items


def single(body: Any, headers: dict[str, str], status: int = 200, content_type: str | None = NATIVE_JSON) -> Single:
    """`Single(body, status, content_type, headers)` without the frozen dataclass's per-field
    __setattr__ (one per request on the generation paths)."""
    made = object.__new__(Single)
    made.__dict__.update(body=body, status=status, content_type=content_type, headers=headers)
    return made


def stream_of(items: list[StreamItem], headers: dict[str, str], template: Any = None) -> Stream:
    """`Stream(items, headers=headers, template=template)` (NDJSON), built like `single`."""
    made = object.__new__(Stream)
    made.__dict__.update(items=items, framing="ndjson", content_type="application/x-ndjson", headers=headers,
                         template=template)
    return made


def request_info(endpoint: str, api: str, headers: dict[str, str], path_params: dict[str, str]) -> RequestInfo:
    """`RequestInfo(endpoint, api, headers, path_params)`, built like `single` (one per request)."""
    made = object.__new__(RequestInfo)
    made.__dict__.update(endpoint=endpoint, api=api, headers=headers, path_params=path_params)
    return made


def with_headers(outcome: Outcome, headers: dict[str, str]) -> Outcome:
    """`dataclasses.replace(outcome, headers=headers)`, built like `single` (faults and scenario
    rules label most answers; a Stream keeps its items list, so its template stays valid)."""
    made = object.__new__(type(outcome))
    made.__dict__.update(outcome.__dict__, headers=headers)
    return made
