"""HEAD and POST /api/blobs/{digest} (reference §1.9, §1.10): uploads checked against their sha256."""

from __future__ import annotations

import hashlib
import re

from ..errors import OllamaError
from ..outcome import RequestInfo, Single
from ..state import State

_DIGEST = re.compile(r"sha256[:-]([0-9a-fA-F]{64})\Z")


def _key(digest: str) -> str | None:
    match = _DIGEST.match(digest)
    return "sha256:" + match.group(1).lower() if match else None


def run_head_blob(state: State, digest: str, info: RequestInfo) -> Single:
    key = _key(digest)
    if key is None:
        return Single(None, status=400, content_type=None)  # HEAD: never a body
    return Single(None, status=200 if state.blobs.has(key) else 404, content_type=None)


def run_post_blob(state: State, digest: str, data: bytes, info: RequestInfo) -> Single:
    key = _key(digest)
    if key is None:
        raise OllamaError.of("invalid_digest")
    if state.blobs.has(key):
        return Single(None, status=200, content_type=None)
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if actual != key:
        raise OllamaError.of("blob_digest_mismatch", expected=digest, actual=actual)
    state.blobs.put(key, data)
    return Single(None, status=201, content_type=None)
