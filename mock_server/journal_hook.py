"""The request journal's entry for every request, as the core hands it to `state.journal`.

Routes' adapters journal what they answered; what the Host/CORS guard (403, preflight 204) or
gin's router (404, 405, trailing-slash redirects) answers before any route runs is journalled
too, with no endpoint and no body: a mistyped URL is what a test most needs to see. The mock's
own /_mock/ routes stay out.
"""

from __future__ import annotations

from typing import Any


def record(state: Any, scope: dict[str, Any], headers: dict[str, str], status: int,
           endpoint: str | None = None, body: Any = None, sent: bytes | None = None,
           decoded_as: tuple[str, str, frozenset[str]] | None = None) -> None:
    """Journal the request with the status it was answered (no-op without a journal).

    `headers`: request_headers' dict, shared by requests that sent the same bytes (a journal of
    the user's own gets a copy). `sent`, `decoded_as` (decode.decode_body's endpoint, api and
    unknown fields): the bytes `body` was decoded from, and how. A journal that
    `keeps_bytes` stores those instead of the body and decodes them the same way when it is read:
    a request leaves one dict behind, not the tree of its body (less to allocate and collect)."""
    journal = state.journal
    path = scope.get("path", "")
    if journal is None or path.startswith("/_mock/"):
        return
    query = scope.get("query_string")
    if getattr(journal, "keeps_bytes", False):
        if sent is not None:
            body = sent
    else:
        headers, decoded_as = dict(headers), None
    journal.record({"method": scope.get("method", ""), "path": path, "query": query.decode("latin-1") if query else "",
                    "endpoint": endpoint, "headers": headers, "body": body, "status": status,
                    "decoded_as": decoded_as})
