"""Scenarios: scripted answers, rule by rule, first match wins.

A rule matches on endpoint, model, the last user message (substring, case-insensitive, or
regex), whether tools are offered, whether tool results are present, the turn index and
headers; it responds with a Reply (content, thinking, tool calls, chunking, delays), an error
in Ollama's envelope, or a fault. `sequence` gives the 1st matching call one answer, the 2nd the
next, ... (the last repeats, or the rule stops matching with `after_sequence: fall_through`).

    scenario = Scenario.load("scenario.yaml")            # ScenarioError: "file:line: ..."
    scenario = Scenario.from_rules([{"match": {"message": "weather"},
                                     "respond": {"tool_calls": [{"name": "get_weather",
                                                                 "arguments": {"city": "Paris"}}]}}])
    scenario.add(match={...}, respond={...})
    state.responders.insert(0, scenario.responder)

Strict mode: a request no rule matches gets an error naming the nearest rule and the field
that did not match.
"""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path
from typing import Any

from . import request_mark
from .errors import OllamaError
from .reply import Reply, ReplyContext, ToolCallPlan
from .scenario_file import ScenarioError, line_of, read
from .scenario_match import RequestView
from .scenario_overlap import overlap_warnings, overlaps_with_earlier
from .scenario_rules import Rule, build_rule, check_keys

__all__ = ["Scenario", "ScenarioError", "ScenarioWarning", "Rule"]
TOP_KEYS = ("rules", "strict")


class ScenarioWarning(UserWarning):
    """Two rules of a scenario can match the same request."""


class Scenario:
    """An ordered list of rules with per-rule sequence counters; `responder` plugs into State."""

    def __init__(
        self, rules: list[Rule] | None = None, *, strict: bool = False, source: str = "<python>"
    ) -> None:
        self.rules: list[Rule] = list(rules or [])
        self.strict = strict
        self.source = source
        self._lock = threading.Lock()
        self._words: re.Pattern[str] | None = None
        self._wordless: list[Rule] = []
        # what the index was built for: the rule count and the last rule itself (a reference, not
        # its id: a freed rule's address can come back for the next one added after a clear)
        self._index_key: tuple[int, Rule | None] = (-1, None)

    # -- building ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, *, strict: bool | None = None, warn: bool = True) -> Scenario:
        """Rules from a YAML or JSON file: a list of rules, or {"rules": [...], "strict": bool}."""
        data, lines = read(path)
        name = str(path)

        def loc(where: tuple[Any, ...], key: bool = False) -> str:
            return f"{name}:{line_of(lines, where, key=key)}"

        rules_data, file_strict, prefix = _top(data, loc)
        rules = [build_rule(item, (*prefix, i), loc) for i, item in enumerate(rules_data)]
        scenario = cls(rules, strict=file_strict if strict is None else strict, source=name)
        if warn:
            scenario.warn_overlaps()
        return scenario

    @classmethod
    def from_rules(cls, rules: list[dict[str, Any]], *, strict: bool = False, warn: bool = True) -> Scenario:
        """Rules from Python dicts (the same keys as in a file)."""
        built = [build_rule(item, ("rules", i), _python_loc) for i, item in enumerate(rules)]
        scenario = cls(built, strict=strict)
        if warn:
            scenario.warn_overlaps()
        return scenario

    def add(self, rule: dict[str, Any] | None = None, /, **keys: Any) -> Rule:
        """Append one rule: `add({"match": ..., "respond": ...})` or `add(match=..., respond=...)`."""
        data = dict(rule or {}, **keys)
        built = build_rule(data, ("rules", len(self.rules)), _python_loc)
        with self._lock:
            earlier = list(self.rules)
        for message in overlaps_with_earlier(earlier, built):  # before the rule is in: -W error leaves nothing half done
            warnings.warn(message, ScenarioWarning, stacklevel=2)
        with self._lock:
            self.rules.append(built)
        return built

    def extend(self, other: Scenario) -> None:
        with self._lock:
            self.rules.extend(other.rules)

    def clear(self, keep: int = 0) -> None:
        """Drop every rule after the first `keep` (the file's rules stay; test rules go)."""
        with self._lock:
            del self.rules[keep:]
            for rule in self.rules:
                rule.calls = 0

    def overlaps(self) -> list[str]:
        """One message per pair of rules that can match the same request."""
        return overlap_warnings(self.rules)

    def warn_overlaps(self) -> list[str]:
        found = self.overlaps()
        for message in found:
            warnings.warn(message, ScenarioWarning, stacklevel=3)
        return found

    # -- answering -----------------------------------------------------------------------
    def responder(self, ctx: ReplyContext) -> Reply | None:
        """The Responder for State.responders: a Reply, None (no rule), or an OllamaError."""
        picked = self._pick(ctx)
        if picked is None:
            if self.strict:
                raise self._unmatched(ctx)
            return None
        rule, spec = picked
        mark = request_mark.ensure(ctx.endpoint)
        mark.rule = rule.name
        if spec.fault is not None:
            mark.fault, mark.fault_source = spec.fault, "rule"  # journalled, whatever its kind
            if spec.fault.kind == "status":
                from .faults import status_message

                headers = _retry_headers(spec.fault.retry_after)
                if spec.fault.should_retry is not None:
                    headers["x-should-retry"] = spec.fault.should_retry
                raise _waiting(OllamaError(spec.fault.code, status_message(spec.fault, _info(ctx), ctx.body), headers), spec)
        if spec.error is not None:
            status, message, retry_after = spec.error
            raise _waiting(OllamaError(status, message, _retry_headers(retry_after) if retry_after is not None else None), spec)
        return Reply(
            content=spec.content,
            thinking=spec.thinking,
            tool_calls=[ToolCallPlan(c.name, dict(c.arguments), c.id) for c in spec.tool_calls],
            done_reason=spec.done_reason,
            chunk_sizes=list(spec.chunk_sizes) if spec.chunk_sizes else None,
            delays=list(spec.delays) if isinstance(spec.delays, tuple) else spec.delays,
            rule=rule.name,
        )

    def _pick(self, ctx: ReplyContext) -> tuple[Rule, Any] | None:
        if not self.rules:
            return None
        lowered = (ctx.prompt or "").lower()
        with self._lock:
            words, wordless = self._index()
            # One search tells whether any rule's substring occurs at all; when none does, the
            # rules with a `message` are skipped without being looked at (the common case).
            candidates = self.rules if words is not None and words.search(lowered) else wordless
            if not candidates:
                return None
            view = RequestView(ctx, lowered)
            for rule in candidates:
                if not rule.matcher.accepts(view) or rule.exhausted():
                    continue
                spec = rule.responses[min(rule.calls, len(rule.responses) - 1)]
                rule.calls += 1
                return rule, spec
        return None

    def _index(self) -> tuple[re.Pattern[str] | None, list[Rule]]:
        """A regex finding any rule's `message` substring, and the rules without one, in order
        (rebuilt when the rules change)."""
        count, last = len(self.rules), self.rules[-1] if self.rules else None
        if self._index_key[0] != count or self._index_key[1] is not last:
            key = (count, last)
            words = sorted({r.matcher.message for r in self.rules if r.matcher.message is not None})
            self._words = re.compile("|".join(map(re.escape, words))) if words else None
            self._wordless = [r for r in self.rules if r.matcher.message is None]
            self._index_key = key
        return self._words, self._wordless

    def _unmatched(self, ctx: ReplyContext) -> OllamaError:
        where = f"{ctx.endpoint} (model {ctx.model!r}, message {_clip(ctx.prompt)!r})"
        if not self.rules:
            return OllamaError(
                404, f"ollama-mock: no scenario rule matched {where}: the scenario has no rules"
            )
        best = min(self.rules, key=lambda r: (len(r.mismatches(ctx)), self.rules.index(r)))
        misses = best.mismatches(ctx) or [("sequence", "exhausted", f"{best.calls} calls")]
        field, expected, actual = misses[0]
        status = 404 if field in ("model", "endpoint") else 400
        return OllamaError(
            status,
            f"ollama-mock: no scenario rule matched {where}; nearest rule {best.name!r} ({best.source}): "
            f"{field} expected {expected}, got {actual}",
        )


def _waiting(error: OllamaError, spec: Any) -> OllamaError:
    """`error`, answered after the rule's first delay (an error is one answer, not a stream)."""
    first = spec.delays[0] if isinstance(spec.delays, tuple) and spec.delays else spec.delays
    error.delay = float(first or 0.0)
    return error


def _top(data: Any, loc: Any) -> tuple[list[Any], bool, tuple[Any, ...]]:
    if isinstance(data, list):
        return data, False, ()
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        where = loc(())
        where = where[:-2] if where.endswith(":0") else where  # an empty file has no line to name
        raise ScenarioError(f"{where}: a scenario is a list of rules or a mapping with 'rules' (got {got})")
    check_keys(data, (), loc, TOP_KEYS)
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise ScenarioError(f"{loc(('rules',))}: 'rules' must be a list of rules")
    strict = data.get("strict", False)
    if not isinstance(strict, bool):
        raise ScenarioError(f"{loc(('strict',))}: 'strict' must be true or false, got {strict!r}")
    return rules, strict, ("rules",)


def _python_loc(where: tuple[Any, ...], key: bool = False) -> str:
    index = where[1] if len(where) > 1 else 0
    return f"rule[{index}]"


def _retry_headers(retry_after: int | None) -> dict[str, str]:
    return {"Retry-After": str(retry_after)} if retry_after is not None else {}


def _info(ctx: ReplyContext) -> Any:
    from .outcome import RequestInfo

    api = "native" if not ctx.endpoint.startswith("POST /v1/") else "openai"
    if ctx.endpoint == "POST /v1/messages":
        api = "anthropic"
    return RequestInfo(endpoint=ctx.endpoint, api=api, headers=ctx.headers)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
