"""Reading a request's body from ASGI as Go's net/http does: the size limit of http.MaxBytesReader
(413 with its message), a server stop while the body is still coming, and multipart forms
(ParseMultipartForm's refusals, in Go's words)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .errors import OllamaError

TOO_LARGE = "http: request body too large"  # Go's http.MaxBytesReader message


class ServerStopping(Exception):
    """The server stops while a request's body is still coming (Go's srvr.Close() drops the connection)."""


async def read_body(receive: Any, limit: int, length: str | None, waits: Any = None) -> bytes:
    """The whole request body; 413 (Go's MaxBytesReader message) beyond `limit` bytes, told by
    the Content-Length header (`length`) before reading, or found while reading. `waits` (wire.Waits):
    ServerStopping when the server stops before the body is all there."""
    if length is not None and length.isdigit() and int(length) > limit:
        raise OllamaError(413, TOO_LARGE)
    parts: list[bytes] = []
    size = 0
    message = await receive()  # the usual body: here already, in one piece
    while True:
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise OllamaError(413, TOO_LARGE)
        parts.append(chunk)
        if not message.get("more_body", False):
            break
        message = await _next_part(receive, waits)  # a body in parts: a wait the server's stop ends
    return b"".join(parts)


async def _next_part(receive: Any, waits: Any) -> Any:
    """The next receive() message, unless the server stops first (ServerStopping)."""
    if waits is None:
        return await receive()
    part = asyncio.ensure_future(receive())
    if await waits.until_stop(part) and not part.done():
        part.cancel()
        raise ServerStopping()
    return part.result()


# python-multipart warns about a broken body on stderr before raising; the 400 says it already
logging.getLogger("python_multipart").setLevel(logging.ERROR)


async def parse_form(scope: dict[str, Any], raw: bytes) -> dict[str, Any]:
    """Multipart fields; files as bytes. 400 with Go's wording when the body is not multipart
    (ParseMultipartForm refuses any other content type, urlencoded included) or unparsable."""
    from email.message import Message

    from starlette.datastructures import UploadFile
    from starlette.requests import Request

    content_type = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"content-type"), "")
    parsed = Message()
    parsed["content-type"] = content_type  # mime.ParseMediaType's reading: type and parameters
    if not content_type or parsed.get_content_type() != "multipart/form-data":
        raise OllamaError.of("audio_bad_multipart", err="request Content-Type isn't multipart/form-data")
    boundary = parsed.get_param("boundary")
    if not boundary or not isinstance(boundary, str):
        raise OllamaError.of("audio_bad_multipart", err="no multipart boundary param in Content-Type")
    if not _ends_with_final_boundary(raw, boundary.encode("latin-1")):
        # Go's multipart reader reads parts until the closing `--boundary--` line; a body that ends
        # before it (empty, cut short, not multipart at all) fails there, whatever came before
        raise OllamaError.of("audio_bad_multipart", err="multipart: NextPart: EOF")

    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception as exc:  # python-multipart's errors differ from Go's; the prefix is what matters
        raise OllamaError.of("audio_bad_multipart", err=str(exc) or "no multipart boundary param in Content-Type") from None
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key not in fields:  # Go's FormValue and FormFile read a field's first value
            fields[key] = await value.read() if isinstance(value, UploadFile) else value
    return fields


def _ends_with_final_boundary(raw: bytes, boundary: bytes) -> bool:
    """Whether `raw` has the closing delimiter line `--boundary--` (at its start or after a line break)."""
    closing = b"--" + boundary + b"--"
    return raw.startswith(closing) or b"\n" + closing in raw
