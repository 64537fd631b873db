"""What a long-running mock must not accumulate (found by a soak of `ollama-mock serve` under a CI-like
mix of traffic): each test drives many distinct X and checks the structure stays bounded.

- A model's blobs go with it: Ollama's DeleteHandler removes the manifest, then `RemoveLayers` the
  layer and config blobs no other manifest names. The mock kept every uploaded blob in memory after
  the model made from it was deleted, so each create-from-files/delete cycle grew the process.
- A mock that is gone is freed: `extensions` kept each Extensions (and with it the State: the
  journal, models, blobs) in a module-level dict, so every app a test suite created stayed alive.
- A connection the client resets is freed: uvicorn cancels its keep-alive timer only on a clean
  close, and the mock's timer (Ollama closes no idle connection) runs a year, holding the protocol,
  its transport and last request; `go_server.http_protocol` cancels it on every close.
"""

from __future__ import annotations

import gc
import hashlib
import socket
import struct
import time
import weakref

from ollama_conformance.mock_server import extensions
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.testing import running
from starlette.testclient import TestClient
from uvicorn.protocols.http.auto import AutoHTTPProtocol

ASGI_BASE_URL = "http://127.0.0.1:11434"  # as tests/conftest.py: the Host guard refuses "testserver"

GGUF = b"GGUF\x03\x00\x00\x00" + b"\x00" * 16


def _upload(client, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert client.post(f"/api/blobs/{digest}", content=data).status_code == 201
    return digest


def _create_from(client, model: str, digest: str) -> None:
    response = client.post("/api/create", json={"model": model, "files": {"m.gguf": digest}, "stream": False})
    assert response.status_code == 200, response.text


def test_create_delete_cycles_leave_no_blobs_behind(asgi_client):
    blobs = asgi_client.app.state.mock.blobs
    before = len(blobs.digests())
    digests = []
    for i in range(300):
        digest = _upload(asgi_client, GGUF + i.to_bytes(4, "big") * 256)
        _create_from(asgi_client, f"soak-{i}", digest)
        asgi_client.post("/api/generate", json={"model": f"soak-{i}", "prompt": "hi", "stream": False})
        assert asgi_client.request("DELETE", "/api/delete", json={"model": f"soak-{i}"}).status_code == 200
        digests.append(digest)
    assert len(blobs.digests()) == before  # not one 1 KiB blob per cycle
    # as in Ollama: the deleted model's layer file is gone
    assert asgi_client.head(f"/api/blobs/{digests[0]}").status_code == 404
    assert asgi_client.head(f"/api/blobs/{digests[-1]}").status_code == 404


def test_a_blob_another_model_still_names_stays(asgi_client):
    digest = _upload(asgi_client, GGUF + b"shared")
    _create_from(asgi_client, "first", digest)
    assert asgi_client.post("/api/copy", json={"source": "first", "destination": "second"}).status_code == 200
    _create_from(asgi_client, "third", digest)
    asgi_client.request("DELETE", "/api/delete", json={"model": "first"})
    asgi_client.request("DELETE", "/api/delete", json={"model": "third"})
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 200  # "second" names it
    _create_from(asgi_client, "fourth", digest)  # still there to create from
    for name in ("second", "fourth"):
        asgi_client.request("DELETE", "/api/delete", json={"model": name})
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 404


def test_an_uploaded_blob_no_model_names_stays(asgi_client):
    """Ollama removes blobs only with a manifest (or at its next start): an upload waits for its create."""
    digest = _upload(asgi_client, GGUF + b"waiting")
    asgi_client.request("DELETE", "/api/delete", json={"model": "llama3.2"})
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 200


def test_mocks_that_are_gone_are_freed():
    states = []
    for _ in range(30):
        app = create_app(Settings())
        with TestClient(app, base_url=ASGI_BASE_URL) as client:
            assert client.post("/api/chat", json={"model": "llama3.2", "stream": False,
                                                  "messages": [{"role": "user", "content": "hi"}]}).status_code == 200
        assert extensions.for_settings(app.state.mock.settings) is extensions.for_state(app.state.mock)
        states.append(weakref.ref(app.state.mock))
        del app, client
    gc.collect()
    alive = sum(ref() is not None for ref in states)
    assert alive == 0, f"{alive} of 30 stopped mocks are still in memory"


def _protocols() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, AutoHTTPProtocol))  # the mock's subclass too


def test_connections_reset_after_an_answer_are_freed():
    with running(Settings()) as mock:
        port = int(mock.base_url.rsplit(":", 1)[1])
        before = _protocols()
        for _ in range(150):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while b'"version"' not in answer or not answer.endswith(b"}"):
                    answer += sock.recv(4096)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        deadline = time.monotonic() + 5
        while (left := _protocols() - before) > 5 and time.monotonic() < deadline:
            time.sleep(0.05)  # the server sees the resets on its own thread
        assert left <= 5, f"{left} of 150 connections reset by their clients are still in memory"


def test_caches_keyed_by_what_clients_send_stay_capped():
    """Guards (these caps were there already): a distinct header set per request (a request id, a
    token) and a distinct prompt per request are what CI traffic is made of."""
    from ollama_conformance.mock_server import access
    from ollama_conformance.mock_server.generation import responder
    from ollama_conformance.mock_server.handlers.chat import run_chat
    from ollama_conformance.mock_server.outcome import request_info
    from ollama_conformance.mock_server.state import State

    largest = 0
    for i in range(3000):
        access.request_headers({"headers": [(b"host", b"127.0.0.1"), (b"x-request-id", str(i).encode())]})
        largest = max(largest, len(access._DECODED))
    assert largest <= 512
    state, info = State(Settings()), request_info("POST /api/chat", "native", {}, {})
    largest = 0
    for i in range(3000):
        run_chat(state, {"model": "gemma3:1b", "stream": False, "messages": [{"role": "user", "content": f"q {i}"}]}, info)
        largest = max(largest, len(responder._TEXT_REPLIES))
    assert 0 < largest <= 2048
