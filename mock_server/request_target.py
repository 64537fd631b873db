"""Request targets as Go's net/http reads them (url.ParseRequestURI): a path (origin form) as it
is; an absolute URL (absolute form, as sent to a proxy) for its path and host; `OPTIONS *`
answered by the server itself; any other target (`@host:port/x`) refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit


def is_absolute_form(raw: str) -> bool:
    return raw[:8].lower().startswith(("http://", "https://"))


def absolute_form(raw: str) -> tuple[str, str] | None:
    """(escaped path, host) of an absolute-form target (`http://host:port/api/tags`; None for any
    other), both read from the target as sent: its decoded form could move a `%2F` or `%3F` of the
    host into the path."""
    if not is_absolute_form(raw):
        return None
    url = urlsplit(raw)
    path = url.path or "/"
    return (path, url.netloc) if path.startswith("/") else None


def as_origin_form(scope: dict[str, Any], raw_path: str) -> None:
    """Give `scope` the path `raw_path` (escaped, as sent), decoded as uvicorn decodes it."""
    scope["raw_path"] = raw_path.encode("latin-1")
    scope["path"] = unquote(raw_path)


async def options_star(send: Any) -> None:
    """net/http's answer to `OPTIONS *` (its globalOptionsHandler, before any handler or middleware):
    200, Content-Length 0."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
