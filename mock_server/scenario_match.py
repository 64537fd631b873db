"""Matching one scenario rule against a request: a fast path and a diagnostic one.

`Matcher.accepts(RequestView)` runs for every rule on every generation request, so the request
is digested once (`RequestView`: normalised model, lower-cased prompt, pending tool results) and
the checks go in cost order. `Matcher.mismatches(ctx)` says, field by field, why a rule did not
match: strict mode names the nearest rule with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .reply import ReplyContext


@dataclass
class Matcher:
    endpoints: frozenset[str] | None = None
    models: frozenset[str] | None = None
    message: str | None = None  # lower-cased substring
    regex: re.Pattern[str] | None = None
    tools: bool | None = None
    tool_results: bool | None = None
    turns: frozenset[int] | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def accepts(self, v: RequestView) -> bool:
        """The fast path (every generation request runs it for every rule): checks in cost order."""
        if self.endpoints is not None and v.endpoint not in self.endpoints:
            return False
        if self.models is not None and v.model not in self.models:
            return False
        if self.message is not None and self.message not in v.lowered:
            return False
        if self.tools is not None and self.tools is not v.tools:
            return False
        if self.tool_results is not None and self.tool_results is not v.tool_results:
            return False
        if self.turns is not None and v.turn not in self.turns:
            return False
        for name, value in self.headers:
            if v.headers.get(name) != value:
                return False
        return self.regex is None or self.regex.search(v.prompt) is not None

    def mismatches(self, ctx: ReplyContext, first_only: bool = False) -> list[tuple[str, str, str]]:
        """(field, expected, actual) for every constraint `ctx` fails."""
        out: list[tuple[str, str, str]] = []
        for name, check in _CHECKS:
            miss = check(self, ctx)
            if miss is not None:
                out.append((name, *miss))
                if first_only:
                    break
        return out


class RequestView:
    """What rules look at, computed once per request (not once per rule)."""

    __slots__ = ("endpoint", "model", "prompt", "lowered", "tools", "tool_results", "turn", "headers")

    def __init__(self, ctx: ReplyContext, lowered: str | None = None) -> None:
        self.endpoint = ctx.endpoint
        self.model = normalise_model(ctx.model) if isinstance(ctx.model, str) else ""
        self.prompt = ctx.prompt or ""
        self.lowered = self.prompt.lower() if lowered is None else lowered
        self.tools = bool(ctx.tools)
        self.tool_results = tool_results_pending(ctx)
        self.turn = ctx.turn_index
        self.headers = ctx.headers


@lru_cache(maxsize=1024)
def normalise_model(name: str) -> str:
    """ "Llama3.2" -> "llama3.2:latest" (cached: the same few names come on every request)."""
    name = name.strip().lower()
    for prefix in ("registry.ollama.ai/library/", "registry.ollama.ai/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"


def _check_endpoint(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.endpoints is None or ctx.endpoint in m.endpoints:
        return None
    return " or ".join(sorted(m.endpoints)), repr(ctx.endpoint)


def _check_model(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.models is None or normalise_model(ctx.model) in m.models:
        return None
    return " or ".join(sorted(m.models)), repr(ctx.model)


def _check_message(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.message is None or m.message in ctx.prompt.lower():
        return None
    return f"to contain {m.message!r}", repr(ctx.prompt[:80])


def _check_regex(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.regex is None or m.regex.search(ctx.prompt):
        return None
    return f"to match /{m.regex.pattern}/", repr(ctx.prompt[:80])


def _check_tools(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.tools is None or bool(ctx.tools) == m.tools:
        return None
    return str(m.tools).lower(), f"{len(ctx.tools)} tools"


def tool_results_pending(ctx: ReplyContext) -> bool:
    """Tool results after the last user message: the turn where the model reads what it asked for."""
    if not ctx.messages:
        return bool(ctx.has_tool_results)
    for message in reversed(ctx.messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            return True
        if role == "user":
            return False
    return False


def _check_tool_results(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.tool_results is None:
        return None
    got = tool_results_pending(ctx)
    return None if got == m.tool_results else (str(m.tool_results).lower(), str(got).lower())


def _check_turn(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    if m.turns is None or ctx.turn_index in m.turns:
        return None
    return " or ".join(map(str, sorted(m.turns))), str(ctx.turn_index)


def _check_headers(m: Matcher, ctx: ReplyContext) -> tuple[str, str] | None:
    for name, value in m.headers:
        got = ctx.headers.get(name)
        if got != value:
            return f"{name}: {value}", repr(got)
    return None


_CHECKS = (
    ("endpoint", _check_endpoint),
    ("model", _check_model),
    ("message", _check_message),
    ("message_regex", _check_regex),
    ("tools", _check_tools),
    ("tool_results", _check_tool_results),
    ("turn", _check_turn),
    ("header", _check_headers),
)
