"""zstd request bodies (reference §0.1): the middleware of `/v1/chat/completions`,
`/v1/completions`, `/v1/embeddings`, `/v1/responses` and `/v1/messages` reads a body sent with
`Content-Encoding: zstd` through a zstd decoder (klauspost/compress), at most 20 MiB of it, before
decoding the JSON; Codex CLI sends its requests that way. Native routes decode the compressed
bytes as JSON and fail as Go's decoder does.

The `zstandard` package is imported on the first compressed body only: it stays out of start-up.
"""

from __future__ import annotations

from .errors import OllamaError
from .request_body import TOO_LARGE

ROUTES = frozenset(
    ("POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings", "POST /v1/responses", "POST /v1/messages")
)
MAX_DECOMPRESSED = 20 << 20  # Go's http.MaxBytesReader around the decoder: "request body too large" past it
_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame's first four bytes
_SLICE = 256  # compressed bytes fed at a time: one slice inflates to a few MB at most, so a bomb stops at the limit


def body(endpoint: str, headers: dict[str, str], raw: bytes) -> bytes:
    """The body the route decodes: `raw` itself, or its decompressed bytes."""
    if headers.get("content-encoding") != "zstd" or endpoint not in ROUTES or not raw:
        return raw  # Go compares the header with "zstd" exactly; an empty body stays empty (EOF)
    return _inflate(raw)


def _inflate(raw: bytes) -> bytes:
    """Every frame of `raw`, decompressed; 400 with the decoder's error (as the JSON decoder
    returns it) for bytes that are not zstd, a frame cut short or a body over the limit."""
    import zstandard

    decompressor, size, at = zstandard.ZstdDecompressor(), 0, 0
    parts: list[bytes] = []
    while at < len(raw):
        if raw[at : at + 4] != _MAGIC:
            if _skippable(raw, at):  # a skippable frame: its length follows its magic number
                at += 8 + int.from_bytes(raw[at + 4 : at + 8], "little")
                continue
            if parts:  # bytes after a whole frame: Go's JSON decoder has its value before it reads them
                break
            raise OllamaError(400, "invalid input: magic number mismatch")  # klauspost's ErrMagicMismatch
        frame = decompressor.decompressobj()
        while not frame.eof:
            if at >= len(raw):
                raise OllamaError(400, "unexpected EOF")  # the frame was cut short
            piece = raw[at : at + _SLICE]
            at += len(piece)
            try:
                out = frame.decompress(piece)
            except zstandard.ZstdError as error:  # corrupt data: the library's words, not klauspost's
                raise OllamaError(400, str(error)) from None
            size += len(out)
            if size > MAX_DECOMPRESSED:
                raise OllamaError(400, TOO_LARGE)
            parts.append(out)
        at -= len(frame.unused_data)  # the next frame starts inside the last slice
    return b"".join(parts)


def _skippable(raw: bytes, at: int) -> bool:
    """A skippable frame's magic number: 0x184D2A50 to 0x184D2A5F, little-endian."""
    return len(raw) >= at + 8 and raw[at + 1 : at + 4] == b"\x2a\x4d\x18" and 0x50 <= raw[at] <= 0x5F
