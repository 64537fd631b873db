"""What an HTTP client can make the mock keep: uploaded blobs are held in memory, so their bytes in
all are bounded, as a disk bounds Ollama's store (its full disk's 500 is what the client gets)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from ollama_conformance.mock_server import state as mock_state


def _upload(base_url: str, data: bytes, digest: str | None = None) -> httpx.Response:
    digest = digest or "sha256:" + hashlib.sha256(data).hexdigest()
    return httpx.post(f"{base_url}/api/blobs/{digest}", content=data)


def test_uploaded_blobs_are_bounded_in_all(make_mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mock_state.Blobs, "MAX_BYTES", 3000, raising=False)
    mock = make_mock()
    assert _upload(mock.base_url, b"a" * 1000).status_code == 201
    # a digest that does not match is stored all the same (Ollama's NewLayer), and counts
    assert _upload(mock.base_url, b"b" * 1000, "sha256:" + "0" * 64).status_code == 400
    full = _upload(mock.base_url, b"c" * 1001)
    assert full.status_code == 500
    assert full.json()["error"].endswith(": no space left on device")
    assert full.headers["x-ollama-mock-deliberate"] == "blob_budget"
    assert httpx.head(f"{mock.base_url}/api/blobs/sha256:{hashlib.sha256(b'c' * 1001).hexdigest()}").status_code == 404
    assert _upload(mock.base_url, b"a" * 1000).status_code == 200  # there already: no new bytes
    assert _upload(mock.base_url, b"d" * 1000).status_code == 201  # what fits still fits
    httpx.post(mock.base_url + "/_mock/reset")
    assert _upload(mock.base_url, b"c" * 1001).status_code == 201  # a reset empties the store


def test_a_deleted_model_gives_its_blob_bytes_back(make_mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mock_state.Blobs, "MAX_BYTES", 1500, raising=False)
    mock = make_mock()
    gguf = b"GGUF" + b"\0" * 996
    digest = "sha256:" + hashlib.sha256(gguf).hexdigest()
    assert _upload(mock.base_url, gguf).status_code == 201
    made = httpx.post(mock.base_url + "/api/create", json={"model": "up", "files": {"m.gguf": digest}, "stream": False})
    assert made.status_code == 200, made.text
    assert _upload(mock.base_url, b"e" * 1000).status_code == 500
    assert httpx.request("DELETE", mock.base_url + "/api/delete", json={"model": "up"}).status_code == 200
    assert _upload(mock.base_url, b"e" * 1000).status_code == 201
