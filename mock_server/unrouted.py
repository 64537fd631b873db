"""Requests answered before any route runs go into the request journal too: the Host/CORS guard's
403 and preflight 204, gin's 404, 405 and trailing-slash redirects. A mistyped URL is what a test
most needs to see. The mock's own /_mock/ routes stay out, as they do when routed."""

from __future__ import annotations

from typing import Any


def record(state: Any, scope: dict[str, Any], headers: dict[str, str], status: int) -> None:
    """Journal the request (no body: nothing reads it) with the status it was answered."""
    journal = state.journal
    path = scope.get("path", "")
    if journal is None or path.startswith("/_mock/"):
        return
    query = scope.get("query_string")
    journal.record({"method": scope.get("method", ""), "path": path, "query": query.decode("latin-1") if query else "",
                    "endpoint": None, "headers": headers, "body": None, "status": status})
