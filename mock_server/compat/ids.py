"""Deterministic ids for the /v1 and Anthropic layers.

Ollama draws these at random (`chatcmpl-<0..998>`, `resp_<0..999998>`, `msg_<24 hex>`); the mock
derives them from a digest of the request so that the same request gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
# JSONEncoder.encode builds a new C encoder on every call; this one is built once, with the same
# options (no circular check: request bodies come from JSON, so they hold no cycles).
_MAKE = getattr(json.encoder, "c_make_encoder", None)
_C_CANONICAL = (
    _MAKE(None, str, json.encoder.encode_basestring_ascii, None, ":", ",", True, False, True) if _MAKE else None
)


def canonical(body: Any) -> str:
    """The body as compact JSON with sorted keys: what the ids are derived from."""
    return "".join(_C_CANONICAL(body, 0)) if _C_CANONICAL is not None else _CANONICAL.encode(body)


def digest(body: Any, salt: str = "") -> bytes:
    """A stable digest of a request body (key order does not matter)."""
    return _sha256(salt + "\x00" + canonical(body))


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def number(body: Any, below: int, salt: str = "") -> int:
    """A number in [0, below) derived from the request."""
    return int.from_bytes(digest(body, salt)[:8], "big") % below


def hex_id(body: Any, length: int, salt: str = "") -> str:
    """`length` lowercase hex characters derived from the request."""
    return digest(body, salt).hex()[:length]


def chat_id(digest: bytes) -> str:
    """`chatcmpl-<0..998>` from the digest the native reply is drawn from (responder.seed_of of
    the translated body, a sha256): no second pass over the request, no second hash."""
    return "chatcmpl-" + str(int.from_bytes(digest[-8:], "big") % 999)


def completion_id(body: Any) -> str:
    return f"cmpl-{number(body, 999, 'completion')}"


def response_id(body: Any) -> str:
    return f"resp_{number(body, 999999, 'responses')}"


def responses_message_id(body: Any) -> str:
    return f"msg_{number(body, 999999, 'responses-message')}"


def anthropic_message_id(body: Any) -> str:
    return "msg_" + hex_id(body, 24, "anthropic")
