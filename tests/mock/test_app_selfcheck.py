"""The self-check: with validate_emitted, what the contracts reject lands in state.violations."""

from __future__ import annotations

from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.outcome import Chunk, Single, Stream
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient


def _client(outcome, validate: bool = True) -> tuple[TestClient, object]:
    app = create_app(Settings(validate_emitted=validate))
    app.state.mock.interceptors.append(lambda info, body: outcome)
    return TestClient(app, base_url="http://127.0.0.1:11434"), app.state.mock


def test_a_body_the_contract_rejects_is_recorded_with_endpoint_and_excerpt():
    client, state = _client(Single({"version": 5}))
    client.get("/api/version")
    found, state.violations[:] = list(state.violations), []
    assert len(found) == 1 and found[0]["endpoint"] == "GET /api/version"
    assert found[0]["messages"] and '"version":5' in found[0]["excerpt"]


def test_a_bad_stream_is_recorded():
    client, state = _client(Stream([Chunk({"status": "pulling manifest"}), Chunk({"nonsense": True})]))
    client.post("/api/pull", json={"model": "x"})
    found, state.violations[:] = list(state.violations), []
    assert found and found[0]["endpoint"] == "POST /api/pull"


def test_deliberate_outcomes_are_not_checked():
    client, state = _client(Single({"version": 5}, headers={"X-Ollama-Mock-Deliberate": "fault: test"}))
    response = client.get("/api/version")
    assert response.headers["x-ollama-mock-deliberate"] == "fault: test"
    assert state.violations == []


def test_nothing_is_checked_when_the_self_check_is_off():
    client, state = _client(Single({"version": 5}), validate=False)
    client.get("/api/version")
    assert state.violations == []


def test_good_answers_record_nothing(asgi_client):
    for path in ("/", "/api/version", "/api/tags", "/api/ps", "/api/status"):
        asgi_client.get(path)
    asgi_client.post("/api/show", json={"model": "llava:7b", "verbose": True})
    asgi_client.post("/api/show", json={"model": "nope"})
    assert asgi_client.app.state.mock.violations == []
