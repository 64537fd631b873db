"""Go's base64.StdEncoding (padded, newlines skipped): where it reports corrupt input.

Ollama's image fields are Go []byte, decoded from base64 while the body is decoded: a bad image
is "illegal base64 data at input byte N" with Go's N.
"""

from __future__ import annotations

import binascii

_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error_offset(src: bytes) -> int | None:
    """Where Go's padded standard base64 decoder reports corrupt input, or None if valid."""
    return None if _plainly_valid(src) else _walk_offset(src)


def _walk_offset(src: bytes) -> int | None:
    """base64_error_offset the slow way: Go's decoder, group by group."""
    si = 0
    while si < len(src):
        si, offset = _quantum(src, si)
        if offset is not None:
            return offset
    return None


def _quantum(src: bytes, si: int) -> tuple[int, int | None]:
    """Decode one 4-character group from `si`; (next index, error offset or None)."""
    j = 0
    while j < 4:
        if si == len(src):
            return si, (None if j == 0 else si - j)
        ch = src[si]
        si += 1
        if ch in _B64:
            j += 1
            continue
        if ch in b"\r\n":
            continue
        if ch != ord("=") or j < 2:
            return si, si - 1
        if j == 2:  # "==" expected: the second "=" must follow (newlines skipped)
            si = _skip_newlines(src, si)
            if si == len(src):
                return si, len(src)
            if src[si] != ord("="):
                return si, si - 1
            si += 1
        si = _skip_newlines(src, si)
        return si, (si if si < len(src) else None)
    return si, None


def _skip_newlines(src: bytes, si: int) -> int:
    while si < len(src) and src[si] in b"\r\n":
        si += 1
    return si


def _plainly_valid(src: bytes) -> bool:
    """Valid for Go, proved by the C decoder (an image of megabytes is checked in milliseconds):
    whole groups of four, at most two "=" and only at the end; anything else takes the exact walk."""
    data = src.replace(b"\r", b"").replace(b"\n", b"") if b"\r" in src or b"\n" in src else src
    body = data.rstrip(b"=")
    if len(data) % 4 or len(data) - len(body) > 2 or b"=" in body:
        return False
    try:
        binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        return False
    return True
