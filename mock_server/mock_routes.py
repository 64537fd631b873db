"""The /_mock/ routes of the CI features (the prefix is reserved: Ollama has no such path).

GET    /_mock/requests[?path=/api/chat&method=POST]   the journal, oldest first
POST   /_mock/reset                                   journal, test rules, counters, fault sequence, models
GET    /_mock/scenario                                the rules, in match order
POST   /_mock/scenario                                add a rule, or {"rules": [...]}
DELETE /_mock/scenario                                drop the rules added at run time
"""

from __future__ import annotations

import asyncio
import json
import sys
import warnings
from typing import Any
from urllib.parse import parse_qs

from . import request_body
from .errors import OllamaError
from .scenario_file import ScenarioError
from .wire import drop_connection, dumps, plain

JSON = "application/json; charset=utf-8"


_FILTERS = ("path", "method", "endpoint", "rule", "model")  # GET /_mock/requests?<filter>=...: Journal.requests'


def routes(ext: Any) -> list[tuple[str, dict[str, Any]]]:
    """(path, {method: ASGI app}) pairs for State.extra_routes."""
    async def bounded_body(scope: dict[str, Any], receive: Any, send: Any) -> bytes | None:
        """The body, within the API routes' size limit (kept rules stay bounded); None once the
        answer was sent instead: their 413, or a dropped connection when the server stops."""
        length = next((v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"), b"")
        state = ext.state
        try:
            return await request_body.read_body(receive, state.settings.max_body_bytes,
                                                length.decode("latin-1"), state.waits)
        except OllamaError as exc:
            await plain(send, exc.status, JSON, dumps({"error": f"ollama-mock: {exc.message}"}))
        except request_body.ServerStopping:
            await drop_connection(send)
        return None

    async def requests(scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        unknown = sorted(set(query) - set(_FILTERS))
        if unknown:  # a mistyped filter would otherwise give the whole journal
            await plain(send, 400, JSON, dumps({"error": f"ollama-mock: unknown filter {unknown[0]!r} "
                                                         f"(valid filters: {', '.join(_FILTERS)})"}))
            return
        def listed() -> bytes:
            found = ext.journal.requests(query.get("path"), **{k: query.get(k) for k in _FILTERS[1:]})
            return dumps({"requests": [e.to_dict() for e in found]})

        try:  # in a thread: a full journal takes a quarter second to read, which the others need not wait
            body = await asyncio.to_thread(listed)
        except ValueError as exc:  # a filter value that can match nothing, e.g. endpoint=chats
            await plain(send, 400, JSON, dumps({"error": f"ollama-mock: {exc}"}))
            return
        await plain(send, 200, JSON, body)

    async def reset(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if await bounded_body(scope, receive, send) is None:
            return
        ext.reset()
        await plain(send, 200, JSON, dumps({"reset": True}))

    async def scenario_get(scope: dict[str, Any], receive: Any, send: Any) -> None:
        rules = [{"name": r.name, "source": r.source, "calls": r.calls} for r in ext.scenario.rules]
        await plain(send, 200, JSON, dumps({"strict": ext.scenario.strict, "rules": rules}))

    async def scenario_post(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raw = await bounded_body(scope, receive, send)
        if raw is None:
            return
        try:
            data = json.loads(raw or b"null")  # build_rule reads "\ud800" as U+FFFD
            # one rule, {"rules": [...]} or a list of rules, as a scenario file may hold them
            if isinstance(data, dict) and "rules" in data and set(data) != {"rules"}:
                extra = sorted(set(data) - {"rules"})[0]
                raise ScenarioError(f"unknown key {extra!r} beside 'rules' (valid keys: rules; strict mode is "
                                    "set by --strict or the scenario file)")
            items = data.get("rules") if isinstance(data, dict) and "rules" in data else data if isinstance(data, list) else [data]
            if not isinstance(items, list):
                raise ScenarioError("'rules' must be a list of rules")
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise ScenarioError(f"rule[{index}]: a rule is an object with 'match' and 'respond', "
                                        f"not {json.dumps(item)}")
            from .scenarios import Scenario  # on first use, as extensions does: not on the start path

            Scenario.from_rules(items, warn=False)  # all or nothing: every rule is checked before one is added
            with warnings.catch_warnings(record=True) as caught:  # overlaps: in the answer, one line each in the log
                warnings.simplefilter("always")
                added = [ext.scenario.add(item).name for item in items]
        except (ValueError, ScenarioError) as exc:
            await plain(send, 400, JSON, dumps({"error": f"ollama-mock: {exc}"}))
            return
        except RecursionError:
            await plain(send, 400, JSON, dumps({"error": "ollama-mock: the rules are nested too deeply to read"}))
            return
        notes = [str(w.message) for w in caught]
        for note in notes:
            print(f"ollama-mock: scenario: {note}", file=sys.stderr, flush=True)
        await plain(send, 200, JSON, dumps({"added": added, **({"warnings": notes} if notes else {})}))

    async def scenario_delete(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if await bounded_body(scope, receive, send) is None:
            return
        ext.scenario.clear(keep=ext.file_rules)
        await plain(send, 200, JSON, dumps({"rules": len(ext.scenario.rules)}))

    return [
        ("/_mock/requests", {"GET": requests}),
        ("/_mock/reset", {"POST": reset}),
        ("/_mock/scenario", {"GET": scenario_get, "POST": scenario_post, "DELETE": scenario_delete}),
    ]


async def read_body(receive: Any) -> bytes:
    """The whole request body, of any size (the proxy's: it passes on what the client sent)."""
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)
