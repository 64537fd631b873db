"""HEAD and POST /api/blobs/{digest} (reference §1.9, §1.10): uploads checked against their sha256.

Ollama keeps a blob in the file `sha256-<hex>` and compares an upload's digest with the path
parameter as sent: `sha256:` and `sha256-` name the same file, hex in upper case names no file
(a case-sensitive file system), and only `sha256:<64 lowercase hex>` equals a computed digest.
"""

from __future__ import annotations

import hashlib
import re

from ..errors import OllamaError
from ..outcome import RequestInfo, Single
from ..state import State

_DIGEST = re.compile(r"sha256[:-][0-9a-fA-F]{64}\Z")


def stored_key(digest: str) -> str | None:
    """The Blobs key of the file `digest` names (hex case kept); None when it is not a sha256 digest."""
    return "sha256:" + digest[len("sha256:"):] if _DIGEST.match(digest) else None


def run_head_blob(state: State, digest: str, info: RequestInfo) -> Single:
    """200 with nothing, or c.AbortWithStatusJSON's error: net/http drops a HEAD's body but still
    sends the JSON content type and the length that body would have had."""
    key = stored_key(digest)
    if key is None:
        raise OllamaError.of("invalid_digest")
    if not state.has_blob(key):  # an upload, or a model's layer: a file either way
        raise OllamaError.of("blob_not_found", digest=digest)
    return Single(None, status=200, content_type=None)


def run_post_blob(state: State, digest: str, data: bytes, info: RequestInfo) -> Single:
    key = stored_key(digest)
    if key is None:
        raise OllamaError.of("invalid_digest")
    if state.has_blob(key):  # the file is there already
        return Single(None, status=200, content_type=None)
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if not state.blobs.has(actual) and not state.blobs.fits(len(data)):  # Ollama's store is a disk, which fills up: NewLayer's write fails
        from ..wire import DELIBERATE  # lazily: a rare answer

        temp = blob_path(f"sha256:{int(actual[7:15], 16)}")  # os.CreateTemp(blobs, "sha256-"): a uint32 suffix
        raise OllamaError(500, f"write {temp}: no space left on device", {DELIBERATE: "blob_budget"})
    state.blobs.put(actual, data)  # NewLayer stores the bytes under their own digest before the comparison
    if actual != digest:  # verbatim, as Go's `layer.Digest != c.Param("digest")`
        raise OllamaError.of("blob_digest_mismatch", expected=digest, actual=actual)
    return Single(None, status=201, content_type=None)


def blob_path(digest: str) -> str:
    """Where Ollama keeps the blob `digest` ("sha256:<hex>") on disk."""
    return "/root/.ollama/models/blobs/" + digest.replace(":", "-")
