"""The request journal: every request the mock answered, for tests to assert on.

The core calls `journal.record(entry)` once per request with a dict (method, path, headers,
body, status, ...); the CI extensions add the scenario rule that answered and the injected
fault. Recording only stores the dict (cheap: it runs on every request); entries are parsed
when a test asks for them.

    journal.requests(path="/api/chat")[1].messages[-1]["tool_call_id"] == "call_1"
    journal.assert_called(path="/api/chat", times=2)
    journal.assert_called(path="/api/chat", body={"messages": [{"role": "tool"}]})
    journal.assert_nothing_ignored()   # no field the client sent is one Ollama ignores
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_ENTRIES = 10_000  # bound the memory of a long-running mock; the oldest entries go first
# and the bodies' bytes too (a body may be up to 64 MiB): the newest bodies up to this size are
# kept whole; an older one beyond it is replaced by a note of its size (its entry stays)
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class Entry:
    """One journalled request."""

    index: int
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # parsed JSON, or the text when it is not JSON, None when empty
    status: int | None = None
    endpoint: str | None = None
    rule: str | None = None
    fault: str | None = None
    query: str = ""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The request's chat messages ([] when it has none)."""
        msgs = self.body.get("messages") if isinstance(self.body, dict) else None
        return list(msgs) if isinstance(msgs, list) else []

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    def tool_results(self) -> list[dict[str, Any]]:
        """Tool-result messages (role "tool") of the request, in order."""
        return [m for m in self.messages if isinstance(m, dict) and m.get("role") == "tool"]

    @property
    def ignored(self) -> list[str]:
        """What Ollama would silently ignore in this request: fields no Ollama struct has
        (`max_tokens` on /api/chat), options it dropped, /v1 fields it accepts and never uses.
        Go decoding raises no error for any of them, so a client's mistake goes unnoticed."""
        if self.endpoint is None or not isinstance(self.body, dict):
            return []
        from ollama_conformance import contracts

        return [warning.message for warning in contracts.ignored_fields(self.endpoint, self.body)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "endpoint": self.endpoint,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "rule": self.rule,
            "fault": self.fault,
            "ignored": self.ignored,
        }


class Journal:
    """Thread-safe, bounded list of requests; `record` is what the core calls."""

    keeps_bytes = True  # a body may come as the bytes sent and how to decode them (journal_hook.record)

    def __init__(self, maxlen: int = MAX_ENTRIES, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self._raw: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._count = itertools.count()
        self._max_body_bytes = max_body_bytes
        self._body_bytes = 0  # at least the bytes kept (evicted entries are not subtracted: _trim recounts)

    def record(self, entry: dict[str, Any]) -> None:
        """Store one request (called on the server's event loop, so: no parsing, no lock:
        deque.append and next(count) are atomic)."""
        if "index" not in entry:
            entry["index"] = next(self._count)
        body = entry.get("body")
        if body.__class__ is bytes:
            self._body_bytes += len(body)
            if self._body_bytes > self._max_body_bytes:
                self._trim(len(body))
        self._raw.append(entry)

    def _trim(self, incoming: int) -> None:
        """Replace the oldest bodies by a note of their size until the kept ones fit the budget
        (rare: once per budget's worth of bodies; the count is exact again afterwards)."""
        with _PUBLISH:  # a reader's thread publishes decoded bodies under the same lock
            entries = list(self._raw)
            total = incoming + sum(_kept_bytes(e) for e in entries)
            for entry in entries:
                if total <= self._max_body_bytes:
                    break
                size = _kept_bytes(entry)
                if size:
                    total -= size
                    entry.pop("body_bytes", None)
                    entry["body"], entry["decoded_as"] = (f"<{size} bytes: dropped from the journal, which keeps "
                                                          f"the newest {self._max_body_bytes} bytes of bodies>"), None
            self._body_bytes = total

    def clear(self) -> None:
        with self._lock:
            self._raw.clear()
            self._count = itertools.count()
            self._body_bytes = 0

    def __len__(self) -> int:
        return len(self._raw)

    def entries(self) -> list[Entry]:
        raw = list(self._raw)  # one C-level copy under the GIL: safe against concurrent appends
        return [entry_of(r) for r in raw]

    def requests(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        endpoint: str | None = None,
        rule: str | None = None,
        model: str | None = None,
    ) -> list[Entry]:
        """Entries in arrival order, filtered by every criterion given. `endpoint`: "METHOD /path",
        a path (any method), or a scenario alias ("chat", "generate"); `model` matches any spelling
        of the name ("Llama3.2" finds "llama3.2:latest"). A bad endpoint: ValueError naming the valid."""
        endpoints = None if endpoint is None else _endpoints(endpoint)
        if model is not None:  # imported here: the journal is built at start-up, the matcher is not
            from .scenario_match import normalise_model
        wanted_model = None if model is None else normalise_model(model)
        out = []
        for e in self.entries():
            if path is not None and e.path != path:
                continue
            if method is not None and e.method != method.upper():
                continue
            if endpoints is not None and e.endpoint not in endpoints:
                continue
            if rule is not None and e.rule != rule:
                continue
            if wanted_model is not None and not (isinstance(e.model, str) and normalise_model(e.model) == wanted_model):
                continue
            out.append(e)
        return out

    def last(self, path: str | None = None) -> Entry:
        found = self.requests(path)
        if not found:
            raise AssertionError(f"no request{' to ' + path if path else ''} was made; " + self._summary())
        return found[-1]

    def assert_called(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        times: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> list[Entry]:
        """Assert requests matching `path`/`method` (and containing `body`/`headers`) were made.

        `body` is a partial document: dicts match when every given key matches, lists when every
        given item matches some item. Returns the matching entries.
        """
        candidates = self.requests(path, method=method)
        hits = [e for e in candidates if _wanted(e, body, headers)]
        ok = len(hits) == times if times is not None else bool(hits)
        if not ok:
            want = f"{times} time(s)" if times is not None else "at least once"
            raise AssertionError(
                f"expected {method or 'any method'} {path or 'any path'} {want}"
                + (f" with body containing {_short(body)}" if body is not None else "")
                + (f" with headers {headers}" if headers else "")
                + f", found {len(hits)}; "
                + self._summary(candidates if candidates else None, body)
            )
        return hits

    def assert_not_called(self, path: str, *, method: str | None = None) -> None:
        found = self.requests(path, method=method)
        if found:
            raise AssertionError(
                f"expected no request to {path}, found {len(found)}; " + self._summary(found)
            )

    def assert_nothing_ignored(self, path: str | None = None) -> None:
        """Assert that Ollama would have acted on every field the client sent (see Entry.ignored)."""
        found = [f"  #{e.index} {e.method} {e.path}: {'; '.join(e.ignored)}" for e in self.requests(path) if e.ignored]
        if found:
            raise AssertionError("Ollama would silently ignore part of these requests:\n" + "\n".join(found))

    def _summary(self, entries: list[Entry] | None = None, body: Any = None) -> str:
        entries = self.entries() if entries is None else entries
        if not entries:
            return "the journal is empty"
        lines = ["requests made:"]
        for e in entries[-10:]:
            line = f"  #{e.index} {e.method} {e.path} -> {e.status} body={_short(e.body)}"
            if body is not None:
                diff = difference(e.body, body)
                if diff:
                    line += f"\n      first difference: {diff}"
            lines.append(line)
        return "\n".join(lines)


def _endpoints(endpoint: str) -> frozenset[str]:
    from ollama_conformance import contracts

    from .scenario_rules import ALIASES

    known = contracts.operations()
    if endpoint in ALIASES:
        return frozenset(ALIASES[endpoint])
    if endpoint in known:
        return frozenset((endpoint,))
    by_path = frozenset(e for e in known if e.split(" ", 1)[1] == endpoint)
    if not by_path:
        raise ValueError(f"endpoint has value {endpoint!r} (valid: {', '.join(ALIASES)}, a path such as "
                         f"/api/chat, or one of: {', '.join(known)})")
    return by_path


def contains(actual: Any, expected: Any) -> bool:
    """True when `expected` is a partial document of `actual` (see Journal.assert_called)."""
    return difference(actual, expected) is None


def difference(actual: Any, expected: Any, where: str = "$") -> str | None:
    """The first place where `actual` does not contain `expected`, or None."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {_short(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key}: missing (expected {_short(value)})"
            sub = difference(actual[key], value, f"{where}.{key}")
            if sub:
                return sub
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{where}: expected an array, got {_short(actual)}"
        for i, item in enumerate(expected):
            if not any(difference(a, item) is None for a in actual):
                return f"{where}: no item contains expected[{i}] = {_short(item)}"
        return None
    if actual != expected:
        return f"{where}: expected {_short(expected)}, got {_short(actual)}"
    return None


def _wanted(e: Entry, body: Any, headers: dict[str, str] | None) -> bool:
    if body is not None and not contains(e.body, body):
        return False
    for name, value in (headers or {}).items():
        if e.headers.get(name.lower()) != value:
            return False
    return True


_PUBLISH = threading.Lock()  # _trim against a reader publishing a decoded body (both rare)


def _kept_bytes(entry: dict[str, Any]) -> int:
    """The bytes a kept body counts for: its own, or those it was decoded from (a body read once
    is kept decoded, and still counts against the budget)."""
    body = entry.get("body")
    return len(body) if body.__class__ is bytes else int(entry.get("body_bytes", 0))


def entry_of(raw: dict[str, Any]) -> Entry:
    """The Entry of a journalled dict (what `record` stored)."""
    headers = {str(k).lower(): str(v) for k, v in dict(raw.get("headers") or {}).items()}
    return Entry(
        index=int(raw.get("index", 0)),
        method=str(raw.get("method", "")).upper(),
        path=str(raw.get("path", "")),
        headers=headers,
        body=_stored_body(raw),
        status=raw.get("status"),
        endpoint=raw.get("endpoint"),
        rule=raw.get("rule"),
        fault=raw.get("fault"),
        query=str(raw.get("query", "") or ""),
    )


def _stored_body(raw: dict[str, Any]) -> Any:
    """The body of a journalled dict; bytes stored with `decoded_as` are decoded as the route
    decoded them (Go's decoding: folded keys, lower-case roles...), once: the dict keeps the result."""
    body, decoded_as = raw.get("body"), raw.get("decoded_as")
    if decoded_as is not None and isinstance(body, bytes):
        sent = body
        from .decode import decode_body
        from .errors import OllamaError

        try:
            body = decode_body(decoded_as[0], decoded_as[1], body, decoded_as[2])
        except OllamaError:  # not with this profile's decoder after all: the JSON as sent
            return _body(body)
        with _PUBLISH:  # kept only if _trim did not drop the bytes meanwhile (a read runs in a thread)
            if raw.get("body") is sent:
                raw["body_bytes"] = len(sent)  # first: the budget keeps counting it (_kept_bytes)
                raw["body"], raw["decoded_as"] = body, None
        return body
    return _body(body)


def _body(body: Any) -> Any:
    if isinstance(body, (bytes, bytearray)):
        if not body:
            return None
        from .decode import MOCK_MAX_DEPTH, too_deep
        from .errors import OllamaError

        text = bytes(body).decode("utf-8", errors="replace")
        try:
            # nested deeper than the mock reads: refused, whether or not this Python's parser gives
            # out first (3.11's near 1000 levels; 3.12's C recursion limit reads far deeper)
            too_deep(text, MOCK_MAX_DEPTH)
            value = json.loads(text)
            json.dumps(value, allow_nan=False)  # 1e400 reads as infinity, which the journal's JSON cannot hold
        except (ValueError, RecursionError, OllamaError):  # not JSON, or JSON the mock refused: the text as sent
            return text
        return value
    if isinstance(body, dict) and any(isinstance(v, (bytes, bytearray)) for v in body.values()):
        # multipart forms (/v1/audio/transcriptions): keep the journal JSON-serialisable
        return {k: f"<{len(v)} bytes>" if isinstance(v, (bytes, bytearray)) else v for k, v in body.items()}
    return body


def _short(value: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
