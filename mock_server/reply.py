"""What the model "says" for one request, decided before any chunk is rendered.

The default responder (`generation`) derives a Reply from the request; scenario rules
(`scenarios`) may answer first. Handlers render a Reply into native records; the /v1 layers
translate those. Keeping the decision apart from the rendering lets one scenario drive every API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCallPlan:
    name: str
    arguments: dict[str, Any]
    id: str | None = None  # None: the handler assigns "call_" + 8 lowercase alphanumerics


@dataclass
class Reply:
    content: str = ""
    thinking: str = ""
    tool_calls: list[ToolCallPlan] = field(default_factory=list)
    done_reason: str = "stop"
    # How the text is cut into stream chunks: None = the default (word by word), else a list of
    # chunk sizes in characters, the last one repeated.
    chunk_sizes: list[int] | None = None
    # Seconds to wait before each chunk: one number for all, or a list (last one repeated).
    delays: float | list[float] = 0.0
    # Set by a scenario rule: an error answer instead of a reply (status, message).
    error: tuple[int, str] | None = None
    # Name of the scenario rule that produced this reply (journal), None for the default.
    rule: str | None = None


@dataclass
class ReplyContext:
    """Everything a responder may look at. `body` is the native request body."""

    endpoint: str  # "POST /api/chat", "POST /v1/chat/completions", ... (the route the client called)
    model: str
    body: dict[str, Any]
    messages: list[dict[str, Any]]  # native messages ([] for generate: see prompt)
    prompt: str  # the last user message (chat) or the prompt (generate)
    tools: list[dict[str, Any]]
    has_tool_results: bool
    turn_index: int  # number of user messages so far, minus one
    headers: dict[str, str]
    capabilities: list[str]
    seed: bytes = b""  # the request digest when the handler computed it already (else derived from body)


Responder = Callable[[ReplyContext], Reply | None]
