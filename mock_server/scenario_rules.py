"""One scenario rule: what it matches, what it answers, and how two rules overlap.

Built from a dict (file or Python) by `build_rule`, which reports the first problem as one
line "<where>: unknown key 'respnse' (valid keys: ...)". Matching is precomputed (lower-cased
strings, endpoint sets, compiled regexes) because it runs on every generation request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .reply import ReplyContext
from .scenario_file import ScenarioError

Loc = Callable[..., str]
RULE_KEYS = ("name", "match", "respond", "sequence", "after_sequence")
MATCH_KEYS = ("endpoint", "model", "message", "message_regex", "tools", "tool_results", "turn", "header")
RESPOND_KEYS = ("content", "thinking", "tool_calls", "done_reason", "chunk_sizes", "delays", "error", "fault")
TOOL_CALL_KEYS = ("name", "arguments", "id")
ERROR_KEYS = ("status", "message", "key", "values", "retry_after")
AFTER_SEQUENCE = ("repeat_last", "fall_through")
DONE_REASONS = ("stop", "length")
ENDPOINTS = (
    "POST /api/chat",
    "POST /api/generate",
    "POST /v1/chat/completions",
    "POST /v1/completions",
    "POST /v1/responses",
    "POST /v1/messages",
)
ALIASES = {
    "chat": ("POST /api/chat", "POST /v1/chat/completions", "POST /v1/responses", "POST /v1/messages"),
    "generate": ("POST /api/generate", "POST /v1/completions"),
}


@dataclass(frozen=True)
class ToolCallSpec:
    name: str
    arguments: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class ResponseSpec:
    content: str = ""
    thinking: str = ""
    tool_calls: tuple[ToolCallSpec, ...] = ()
    done_reason: str = "stop"
    chunk_sizes: tuple[int, ...] | None = None
    delays: float | tuple[float, ...] = 0.0
    error: tuple[int, str, int | None] | None = None  # status, message, retry_after
    fault: Any = None  # faults.Fault


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

    def __init__(self, ctx: ReplyContext) -> None:
        self.endpoint = ctx.endpoint
        self.model = normalise_model(ctx.model) if isinstance(ctx.model, str) else ""
        self.prompt = ctx.prompt or ""
        self.lowered = self.prompt.lower()
        self.tools = bool(ctx.tools)
        self.tool_results = tool_results_pending(ctx)
        self.turn = ctx.turn_index
        self.headers = ctx.headers


@dataclass
class Rule:
    name: str
    matcher: Matcher
    responses: list[ResponseSpec]
    after_sequence: str = "repeat_last"
    source: str = "<python>"
    calls: int = 0

    def matches(self, ctx: ReplyContext) -> bool:
        return self.matcher.accepts(RequestView(ctx))

    def mismatches(self, ctx: ReplyContext) -> list[tuple[str, str, str]]:
        return self.matcher.mismatches(ctx)

    def exhausted(self) -> bool:
        return self.after_sequence == "fall_through" and self.calls >= len(self.responses)


# -- matching --------------------------------------------------------------------------------
def normalise_model(name: str) -> str:
    name = name.strip().lower()
    for prefix in ("registry.ollama.ai/library/", "registry.ollama.ai/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
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


# -- building ---------------------------------------------------------------------------------
def build_rule(data: Any, where: tuple[Any, ...], loc: Loc) -> Rule:
    """A Rule from its dict; ScenarioError "<file:line>: <problem>" on the first problem."""
    _mapping(data, where, loc, "a rule", RULE_KEYS)
    index = where[-1] if where and isinstance(where[-1], int) else 0
    name = data.get("name", f"rule-{index + 1}")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{loc((*where, 'name'))}: 'name' must be a non-empty string, got {name!r}")
    if ("respond" in data) == ("sequence" in data):
        raise ScenarioError(f"{loc(where)}: rule {name!r} needs exactly one of 'respond' or 'sequence'")
    if "sequence" in data:
        seq = data["sequence"]
        if not isinstance(seq, list) or not seq:
            raise ScenarioError(f"{loc((*where, 'sequence'))}: 'sequence' must be a non-empty list of responses")
        responses = [_response(item, (*where, "sequence", i), loc) for i, item in enumerate(seq)]
    else:
        responses = [_response(data["respond"], (*where, "respond"), loc)]
    after = data.get("after_sequence", "repeat_last")
    if after not in AFTER_SEQUENCE:
        raise ScenarioError(f"{loc((*where, 'after_sequence'))}: after_sequence has value {after!r} (valid: {', '.join(AFTER_SEQUENCE)})")
    matcher = _matcher(data.get("match", {}), (*where, "match"), loc)
    return Rule(name, matcher, responses, after, source=loc(where))


def _mapping(data: Any, where: tuple[Any, ...], loc: Loc, what: str, keys: tuple[str, ...]) -> None:
    if not isinstance(data, dict):
        raise ScenarioError(f"{loc(where)}: {what} must be a mapping (valid keys: {', '.join(keys)}), got {data!r}")
    for key in data:
        if key not in keys:
            raise ScenarioError(f"{loc((*where, key), key=True)}: unknown key {key!r} (valid keys: {', '.join(keys)})")


def _matcher(data: Any, where: tuple[Any, ...], loc: Loc) -> Matcher:
    _mapping(data, where, loc, "'match'", MATCH_KEYS)
    at = lambda key: loc((*where, key))  # noqa: E731 - tiny local helper
    m = Matcher()
    if "endpoint" in data:
        m.endpoints = frozenset(e for item in _strings(data["endpoint"], at("endpoint"), "endpoint") for e in _endpoint(item, at("endpoint")))
    if "model" in data:
        m.models = frozenset(normalise_model(x) for x in _strings(data["model"], at("model"), "model"))
    if "message" in data:
        if not isinstance(data["message"], str):
            raise ScenarioError(f"{at('message')}: 'message' must be a string, got {data['message']!r}")
        m.message = data["message"].lower()
    if "message_regex" in data:
        try:
            m.regex = re.compile(str(data["message_regex"]))
        except re.error as exc:
            raise ScenarioError(f"{at('message_regex')}: bad regular expression {data['message_regex']!r}: {exc}") from None
    for key in ("tools", "tool_results"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ScenarioError(f"{at(key)}: {key!r} must be true or false, got {data[key]!r}")
            setattr(m, key, data[key])
    if "turn" in data:
        turns = data["turn"] if isinstance(data["turn"], list) else [data["turn"]]
        if not turns or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in turns):
            raise ScenarioError(f"{at('turn')}: 'turn' must be a turn index (0, 1, ...) or a list of them, got {data['turn']!r}")
        m.turns = frozenset(turns)
    if "header" in data:
        headers = data["header"]
        if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) for v in headers.values()):
            raise ScenarioError(f"{at('header')}: 'header' must map header names to values, got {headers!r}")
        m.headers = tuple(sorted((str(k).lower(), str(v)) for k, v in headers.items()))
    return m


def _strings(value: Any, where: str, key: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x for x in items):
        raise ScenarioError(f"{where}: {key!r} must be a string or a list of strings, got {value!r}")
    return items


def _endpoint(text: str, where: str) -> tuple[str, ...]:
    if text in ALIASES:
        return ALIASES[text]
    full = text if " " in text else f"POST {text}"
    if full not in ENDPOINTS:
        valid = ", ".join([*ALIASES, *ENDPOINTS])
        raise ScenarioError(f"{where}: endpoint has value {text!r} (valid: {valid})")
    return (full,)


def _response(data: Any, where: tuple[Any, ...], loc: Loc) -> ResponseSpec:
    _mapping(data, where, loc, "a response", RESPOND_KEYS)
    at = lambda key: loc((*where, key))  # noqa: E731
    for key in ("content", "thinking"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{at(key)}: {key!r} must be a string, got {data[key]!r}")
    reason = data.get("done_reason", "stop")
    if reason not in DONE_REASONS:
        raise ScenarioError(f"{at('done_reason')}: done_reason has value {reason!r} (valid: {', '.join(DONE_REASONS)})")
    calls = data.get("tool_calls", [])
    if not isinstance(calls, list):
        raise ScenarioError(f"{at('tool_calls')}: 'tool_calls' must be a list of {{name, arguments}}")
    return ResponseSpec(
        content=data.get("content", ""),
        thinking=data.get("thinking", ""),
        tool_calls=tuple(_tool_call(c, (*where, "tool_calls", i), loc) for i, c in enumerate(calls)),
        done_reason=reason,
        chunk_sizes=_chunk_sizes(data.get("chunk_sizes"), at("chunk_sizes")),
        delays=_delays(data.get("delays", 0.0), at("delays")),
        error=_error(data["error"], (*where, "error"), loc) if "error" in data else None,
        fault=_fault(data["fault"], at("fault")) if "fault" in data else None,
    )


def _tool_call(data: Any, where: tuple[Any, ...], loc: Loc) -> ToolCallSpec:
    _mapping(data, where, loc, "a tool call", TOOL_CALL_KEYS)
    name, args, call_id = data.get("name"), data.get("arguments", {}), data.get("id")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{loc(where)}: a tool call needs a 'name' (string)")
    if not isinstance(args, dict):
        raise ScenarioError(f"{loc((*where, 'arguments'))}: 'arguments' must be a mapping (an object), got {args!r}")
    if call_id is not None and not isinstance(call_id, str):
        raise ScenarioError(f"{loc((*where, 'id'))}: 'id' must be a string")
    return ToolCallSpec(name, args, call_id)


def _chunk_sizes(value: Any, where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in items):
        raise ScenarioError(f"{where}: 'chunk_sizes' must be a positive integer or a list of them, got {value!r}")
    return tuple(items)


def _delays(value: Any, where: str) -> float | tuple[float, ...]:
    def ok(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0

    if ok(value):
        return float(value)
    if isinstance(value, list) and value and all(ok(x) for x in value):
        return tuple(float(x) for x in value)
    raise ScenarioError(f"{where}: 'delays' must be seconds (a number >= 0) or a list of them, got {value!r}")


def _error(data: Any, where: tuple[Any, ...], loc: Loc) -> tuple[int, str, int | None]:
    _mapping(data, where, loc, "'error'", ERROR_KEYS)
    from ollama_conformance import contracts

    if "key" in data:
        try:
            message = contracts.message(str(data["key"]), **dict(data.get("values", {})))
            status = int(data.get("status", contracts.message_status(str(data["key"]))))
        except KeyError as exc:
            raise ScenarioError(f"{loc((*where, 'key'))}: unknown error key or missing value {exc} (see contracts/errors.json)") from None
    else:
        status, message = data.get("status", 500), data.get("message")
        if not isinstance(message, str):
            raise ScenarioError(f"{loc(where)}: 'error' needs a 'message' (string) or a 'key' of contracts/errors.json")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ScenarioError(f"{loc((*where, 'status'))}: error status must be 400-599, got {status!r}")
    retry = data.get("retry_after")
    if retry is not None and (not isinstance(retry, int) or retry < 0):
        raise ScenarioError(f"{loc((*where, 'retry_after'))}: 'retry_after' must be whole seconds, got {retry!r}")
    return status, message, retry


def _fault(value: Any, where: str) -> Any:
    from .faults import FaultError, from_value

    try:
        return from_value(value)
    except FaultError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


# -- overlaps ---------------------------------------------------------------------------------
def overlap_warnings(rules: list[Rule]) -> list[str]:
    """Messages for rule pairs that can match the same request (see `relation`)."""
    out: list[str] = []
    for i, b in enumerate(rules):
        out += overlaps_with_earlier(rules[:i], b)
    return out


def overlaps_with_earlier(earlier: list[Rule], b: Rule) -> list[str]:
    """Messages for the rules before `b` that can match a request `b` matches."""
    out = []
    for a in earlier:
        if a.after_sequence == "fall_through":
            continue  # an earlier rule that runs out on purpose hands over to later ones
        rel = relation(a.matcher, b.matcher)
        if rel == "shadows":
            out.append(f"{b.source}: rule {b.name!r} can never match: rule {a.name!r} ({a.source}) "
                       f"matches every request it matches and comes first")
        elif rel == "partial":
            out.append(f"{a.source}: rules {a.name!r} and {b.name!r} ({b.source}) can both match the "
                       f"same request; {a.name!r} wins (first match)")
    return out


def relation(a: Matcher, b: Matcher) -> str:
    """How the requests of earlier rule `a` relate to later rule `b`'s.

    "disjoint", "shadows" (every request b matches, a matches first), "fallback" (b is more
    general: the intended catch-all), or "partial". Two different substrings are treated as
    disjoint (a message containing both is not what scenario authors mean), as are two
    different regexes; a regex and a substring overlap when the regex finds the substring.
    """
    rels = [
        _sets(a.endpoints, b.endpoints),
        _sets(a.models, b.models),
        _text(a, b),
        _bools(a.tools, b.tools),
        _bools(a.tool_results, b.tool_results),
        _sets(a.turns, b.turns),
        _headers(a.headers, b.headers),
    ]
    if "disjoint" in rels:
        return "disjoint"
    if all(r in ("equal", "wider") for r in rels):
        return "shadows"
    if all(r in ("equal", "narrower") for r in rels):
        return "fallback"
    return "partial"


def _sets(a: frozenset[Any] | None, b: frozenset[Any] | None) -> str:
    if a is None and b is None:
        return "equal"
    if a is None:
        return "wider"
    if b is None:
        return "narrower"
    if a == b:
        return "equal"
    if not a & b:
        return "disjoint"
    return "wider" if a > b else "narrower" if a < b else "partial"


def _bools(a: bool | None, b: bool | None) -> str:
    return _sets(None if a is None else frozenset([a]), None if b is None else frozenset([b]))


def _headers(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> str:
    # Header constraints are conjunctive: more pairs = fewer requests; one name, two values = disjoint.
    da, db = dict(a), dict(b)
    if any(name in db and db[name] != value for name, value in da.items()):
        return "disjoint"
    sa, sb = set(a), set(b)
    if sa == sb:
        return "equal"
    return "wider" if sa < sb else "narrower" if sb < sa else "partial"


def _text(a: Matcher, b: Matcher) -> str:
    ka, kb = (a.message, a.regex.pattern if a.regex else None), (b.message, b.regex.pattern if b.regex else None)
    if ka == kb:
        return "equal"
    if ka == (None, None):
        return "wider"
    if kb == (None, None):
        return "narrower"
    if a.regex is None and b.regex is None:
        assert a.message is not None and b.message is not None
        if a.message in b.message:
            return "wider"
        return "narrower" if b.message in a.message else "disjoint"
    for rx, text in ((a.regex, b.message), (b.regex, a.message)):
        if rx is not None and text is not None and rx.search(text):
            return "partial"
    return "disjoint"
