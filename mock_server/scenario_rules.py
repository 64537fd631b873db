"""One scenario rule, built from a dict: what it matches and what it answers.

`build_rule` (file or Python) reports the first problem as one line "<where>: unknown key
'respnse' (valid keys: ...)". Matching is precomputed (lower-cased strings, endpoint sets,
compiled regexes: scenario_match) because it runs on every generation request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .decode import without_lone_surrogates
from .go_duration import MAX_DURATION_S  # the longest wait: Go's longest time.Duration (~292 years)
from .header_text import header_value_problem
from .reply import ReplyContext
from .scenario_file import ScenarioError
from .scenario_match import Matcher, RequestView, normalise_model

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


# -- building ---------------------------------------------------------------------------------
def build_rule(data: Any, where: tuple[Any, ...], loc: Loc) -> Rule:
    """A Rule from its dict; ScenarioError "<file:line>: <problem>" on the first problem."""
    _mapping(data, where, loc, "a rule", RULE_KEYS)
    bad = _non_string_key(data, where)
    if bad is not None:  # YAML reads `1: x` as a number, which no JSON body or header name can be
        raise ScenarioError(f"{loc(bad, key=True)}: key {bad[-1]!r} is not a string (quote it in YAML: '{bad[-1]}')")
    # "\\ud800" in a JSON scenario parses to half a surrogate pair, which no answer can be encoded
    # with: read as U+FFFD, as Go reads one (and as the mock reads request bodies)
    data = without_lone_surrogates(data)
    index = where[-1] if where and isinstance(where[-1], int) else 0
    name = data.get("name", f"rule-{index + 1}")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{loc((*where, 'name'))}: 'name' must be a non-empty string, got {name!r}")
    problem = header_value_problem(name)  # it goes out in X-Ollama-Mock-Rule
    if problem is not None:
        raise ScenarioError(f"{loc((*where, 'name'))}: 'name' {name!r} {problem}: it must fit an HTTP header")
    if ("respond" in data) == ("sequence" in data):
        raise ScenarioError(f"{loc(where)}: rule {name!r} needs exactly one of 'respond' or 'sequence'")
    if "sequence" in data:
        seq = data["sequence"]
        if not isinstance(seq, list) or not seq:
            raise ScenarioError(
                f"{loc((*where, 'sequence'))}: 'sequence' must be a non-empty list of responses"
            )
        responses = [_response(item, (*where, "sequence", i), loc) for i, item in enumerate(seq)]
    else:
        responses = [_response(data["respond"], (*where, "respond"), loc)]
    after = data.get("after_sequence", "repeat_last")
    if after not in AFTER_SEQUENCE:
        raise ScenarioError(
            f"{loc((*where, 'after_sequence'))}: after_sequence has value {after!r} (valid: {', '.join(AFTER_SEQUENCE)})"
        )
    matcher = _matcher(data.get("match", {}), (*where, "match"), loc)
    return Rule(name, matcher, responses, after, source=loc(where))


def _non_string_key(value: Any, where: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The path to the first mapping key in `value` that is not a string, or None."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(value, dict) and not isinstance(key, str):
            return (*where, key)
        found = _non_string_key(item, (*where, key))
        if found is not None:
            return found
    return None


def _mapping(data: Any, where: tuple[Any, ...], loc: Loc, what: str, keys: tuple[str, ...]) -> None:
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{loc(where)}: {what} must be a mapping (valid keys: {', '.join(keys)}), got {data!r}"
        )
    check_keys(data, where, loc, keys)


def check_keys(data: dict[str, Any], where: tuple[Any, ...], loc: Loc, keys: tuple[str, ...]) -> None:
    """One line naming the first unknown key of `data` and the valid ones."""
    for key in data:
        if key not in keys:
            raise ScenarioError(
                f"{loc((*where, key), key=True)}: unknown key {key!r} (valid keys: {', '.join(keys)})"
            )


def _matcher(data: Any, where: tuple[Any, ...], loc: Loc) -> Matcher:
    _mapping(data, where, loc, "'match'", MATCH_KEYS)
    at = lambda key: loc((*where, key))  # noqa: E731 - tiny local helper
    m = Matcher()
    if "endpoint" in data:
        m.endpoints = frozenset(
            e
            for item in _strings(data["endpoint"], at("endpoint"), "endpoint")
            for e in _endpoint(item, at("endpoint"))
        )
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
            raise ScenarioError(
                f"{at('message_regex')}: bad regular expression {data['message_regex']!r}: {exc}"
            ) from None
    for key in ("tools", "tool_results"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ScenarioError(f"{at(key)}: {key!r} must be true or false, got {data[key]!r}")
            setattr(m, key, data[key])
    if "turn" in data:
        turns = data["turn"] if isinstance(data["turn"], list) else [data["turn"]]
        if not turns or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in turns):
            raise ScenarioError(
                f"{at('turn')}: 'turn' must be a turn index (0, 1, ...) or a list of them, got {data['turn']!r}"
            )
        m.turns = frozenset(turns)
    if "header" in data:
        headers = data["header"]
        if not isinstance(headers, dict):
            raise ScenarioError(f"{at('header')}: 'header' must map header names to values, got {headers!r}")
        for name, value in headers.items():
            # a header value is text: YAML's true or 007 would become True and 7, which never match
            if not isinstance(value, str):
                hint = f" (quote it in YAML: {name}: '{str(value).lower()}')" if isinstance(value, (bool, int)) else ""
                raise ScenarioError(f"{at('header')}: header {name!r} has value {value!r}, not a string{hint}")
        # request headers are read as Latin-1 (HTTP's bytes): a UTF-8 value is compared as those bytes
        m.headers = tuple(sorted((str(k).lower(), v.encode("utf-8").decode("latin-1")) for k, v in headers.items()))
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
        raise ScenarioError(
            f"{at('done_reason')}: done_reason has value {reason!r} (valid: {', '.join(DONE_REASONS)})"
        )
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
        raise ScenarioError(
            f"{loc((*where, 'arguments'))}: 'arguments' must be a mapping (an object), got {args!r}"
        )
    if call_id is not None and not isinstance(call_id, str):
        raise ScenarioError(f"{loc((*where, 'id'))}: 'id' must be a string")
    return ToolCallSpec(name, args, call_id)


def _chunk_sizes(value: Any, where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in items):
        raise ScenarioError(
            f"{where}: 'chunk_sizes' must be a positive integer or a list of them, got {value!r}"
        )
    return tuple(items)


def _delays(value: Any, where: str) -> float | tuple[float, ...]:
    def ok(x: Any) -> bool:  # .nan and .inf are YAML floats too: neither is a wait; nor is one Go cannot hold
        return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x <= MAX_DURATION_S

    if ok(value):
        return float(value)
    if isinstance(value, list) and value and all(ok(x) for x in value):
        return tuple(float(x) for x in value)
    raise ScenarioError(f"{where}: 'delays' must be seconds (a finite number >= 0) or a list of them, got {value!r}")


def _error(data: Any, where: tuple[Any, ...], loc: Loc) -> tuple[int, str, int | None]:
    _mapping(data, where, loc, "'error'", ERROR_KEYS)
    from ollama_conformance import contracts

    if "key" in data:
        values = data.get("values") or {}  # `values:` left empty in YAML is null: none
        if not isinstance(values, dict):
            raise ScenarioError(f"{loc((*where, 'values'))}: 'values' must map names to values, got {values!r}")
        try:
            message = contracts.message(str(data["key"]), **values)
            status = int(data.get("status", contracts.message_status(str(data["key"]))))
        except KeyError as exc:
            keys = sorted(contracts.errors_catalog()["messages"])
            if str(data["key"]) not in keys:
                raise ScenarioError(f"{loc((*where, 'key'))}: unknown error key {str(data['key'])!r} "
                                    f"(valid keys: {', '.join(keys)})") from None
            raise ScenarioError(f"{loc((*where, 'values'))}: error key {str(data['key'])!r} needs a value "
                                f"for {exc} in 'values'") from None
    else:
        status, message = data.get("status", 500), data.get("message")
        if not isinstance(message, str):
            raise ScenarioError(
                f"{loc(where)}: 'error' needs a 'message' (string) or a 'key' of contracts/errors.json"
            )
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ScenarioError(f"{loc((*where, 'status'))}: error status must be 400-599, got {status!r}")
    retry = data.get("retry_after")
    if retry is not None and (not isinstance(retry, int) or retry < 0):
        raise ScenarioError(
            f"{loc((*where, 'retry_after'))}: 'retry_after' must be whole seconds, got {retry!r}"
        )
    return status, message, retry


def _fault(value: Any, where: str) -> Any:
    from .faults import FaultError, from_value

    try:
        return from_value(value)
    except FaultError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
