"""Replaying a cassette (`ollama-mock serve --cassette DIR`): recorded answers, deterministically.

Matching: method + path + canonical JSON body (cassette.request_key). When several recorded
exchanges share a key, the 1st request gets the 1st recording, the 2nd the 2nd, and the last
one repeats. The answer is the recorded bytes; stream records keep their boundaries and, with
`--keep-timing`, the recorded gaps between them. A request with no recording gets a 404 in the
API's envelope naming the nearest recorded request (no silent fallback to generated answers).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .cassette import UNPARSED_BODY_ENDPOINTS, Exchange, read_all, request_key
from .errors import envelope
from .outcome import Outcome, Raw, RequestInfo, Single, Stream, StreamItem

DELIBERATE = "X-Ollama-Mock-Deliberate"


# What CI scripts poll until the server is up (the README's recipe polls /api/version): answered
# by the mock when the cassette did not record them, so that a replaying mock is ever "ready".
_READINESS = frozenset({"GET /", "HEAD /", "GET /api/version", "HEAD /api/version"})

class Replayer:
    """An interceptor answering from a cassette directory."""

    def __init__(self, directory: str | Path, *, keep_timing: bool = False) -> None:
        self.exchanges = read_all(directory)
        self.keep_timing = keep_timing
        self._by_key: dict[str, list[Exchange]] = {}
        for ex in self.exchanges:
            self._by_key.setdefault(ex.key(), []).append(ex)
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._used.clear()

    def answer(self, info: RequestInfo, body: Any) -> Outcome | None:
        """The recorded answer; None (the mock answers) for a readiness probe the cassette lacks."""
        method, template = info.endpoint.split(" ", 1)
        path = _fill(template, info.path_params)
        if info.endpoint in UNPARSED_BODY_ENDPOINTS:
            body = None  # matched on method and path, as recorded
        key = request_key(method, path, body if body != {} or method != "GET" else None)
        found = self._by_key.get(key) or self._by_key.get(request_key(method, path, body))
        if not found:
            return None if info.endpoint in _READINESS else self._missing(info, method, path)
        with self._lock:
            n = self._used.get(key, 0)
            self._used[key] = n + 1
        return self._outcome(found[min(n, len(found) - 1)])

    def _outcome(self, ex: Exchange) -> Outcome:
        headers = dict(ex.headers)
        if ex.violations:
            # Recorded from a server that broke the contracts: replay it faithfully, unchecked.
            headers[DELIBERATE] = "replay-of-recorded-violations"
        if not ex.stream:
            return Single(
                ex.text if ex.text else None, status=ex.status, content_type=ex.content_type, headers=headers
            )
        items: list[StreamItem] = []
        last = 0.0
        for t, data in ex.records:
            delay = max(t - last, 0.0) if self.keep_timing else 0.0
            last = t
            items.append(Raw(data.encode("utf-8"), delay=delay))
        framing = "sse" if (ex.content_type or "").startswith("text/event-stream") else "ndjson"
        return Stream(
            items=items,
            framing=framing,
            content_type=ex.content_type or "application/x-ndjson",
            headers=headers,
        )

    def _missing(self, info: RequestInfo, method: str, path: str) -> Single:
        same = [ex for ex in self.exchanges if ex.method == method and ex.path == path]
        if same:
            hint = f"{len(same)} recorded {method} {path} request(s), none with this body"
        else:
            known = sorted({f"{ex.method} {ex.path}" for ex in self.exchanges})
            more = f", and {len(known) - 8} more" if len(known) > 8 else ""
            hint = f"recorded: {', '.join(known[:8]) + more if known else 'nothing'}"
        message = f"ollama-mock: no cassette entry for {method} {path} ({hint})"
        return Single(
            envelope(info.api, 404, message),
            status=404,
            content_type="application/json; charset=utf-8" if info.api == "native" else "application/json",
            headers={DELIBERATE: "replay-miss"},
        )


def _fill(template: str, params: dict[str, str]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template
