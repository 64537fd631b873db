"""The uploaded files of /api/create (`files`, `adapters`, `draft_files`; reference §1.8), as Ollama's
create worker reads them.

check_paths  the 400s before the stream: a path io/fs.ValidPath refuses, an empty digest
file_kind    detectModelTypeFromFiles: by suffix, else by the blob's first bytes; "" -> "unknown type"
read_gguf    ggufLayers per file in path order: a "parsing GGUF" line first, so a missing, malformed
             or non-GGUF blob is an error after that line
"""

from __future__ import annotations

from typing import Any

from ..errors import OllamaError
from ..state import State
from .blobs import blob_path, stored_key
from .create_rules import valid_path


def str_map(value: Any) -> dict[str, str]:
    """A JSON object as Go's map[string]string: null values are ""."""
    return {str(k): "" if v is None else str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def check_paths(files: Any) -> None:
    """The handler's loop over `files` (and `draft_files`): each path, then its digest."""
    for path, digest in str_map(files).items():
        if not valid_path(path):
            raise OllamaError.of("create_path_not_relative")
        if not digest:
            raise OllamaError.of("invalid_digest")


def file_kind(state: State, files: dict[str, str]) -> str:
    """"safetensors" or "gguf"; a file named neither is typed by its blob, and a blob that cannot
    be read ends the search. No type is a 400 "unknown type"."""
    for name, digest in files.items():
        if name.endswith(".safetensors"):
            return "safetensors"
        if name.endswith(".gguf"):
            return "gguf"
        key = stored_key(digest)
        data = state.blobs.get(key) if key else None
        if not data:  # no path, no file, or nothing to read: Go returns "" at once
            break
        if data[:4] == b"GGUF":
            return "gguf"
    raise OllamaError(400, "unknown type")


def read_blob(state: State, digest: str) -> bytes:
    """An uploaded blob as BlobsPath and os.Open find it; their errors are 500s of the worker."""
    key = stored_key(digest)
    if key is None:
        raise OllamaError(500, "invalid digest format")
    data = state.blobs.get(key)
    if data is None:
        raise OllamaError(500, f"open {blob_path(digest)}: no such file or directory")
    return data


def read_gguf(state: State, files: dict[str, str], records: list[dict[str, Any]]) -> list[tuple[str, str, bytes]]:
    """(path, digest, bytes) of each GGUF file in path order, a "parsing GGUF" line in `records`
    before each is opened."""
    found = []
    for path in sorted(files):
        records.append({"status": "parsing GGUF"})
        data = read_blob(state, files[path])
        if not data.startswith(b"GGUF"):
            raise OllamaError.of("create_not_gguf")
        found.append((path, files[path], data))
    return found
