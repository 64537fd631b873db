"""The request journal's entry for every request, as the core hands it to `state.journal`.

Routes' adapters journal what they answered; what the Host/CORS guard (403, preflight 204) or
gin's router (404, 405, trailing-slash redirects) answers before any route runs is journalled
too, with no endpoint and no body: a mistyped URL is what a test most needs to see. The mock's
own /_mock/ routes stay out.
"""

from __future__ import annotations

from typing import Any


def record(state: Any, scope: dict[str, Any], headers: dict[str, str], status: int,
           endpoint: str | None = None, body: Any = None) -> None:
    """Journal the request with the status it was answered (no-op without a journal)."""
    journal = state.journal
    path = scope.get("path", "")
    if journal is None or path.startswith("/_mock/"):
        return
    query = scope.get("query_string")
    journal.record({"method": scope.get("method", ""), "path": path, "query": query.decode("latin-1") if query else "",
                    "endpoint": endpoint, "headers": headers, "body": body, "status": status})
