"""Inference requests name their model the way Ollama's model references read it (§0.5):
a `:local` source suffix and surrounding spaces are dropped for the lookup, the response echoes
the name as sent, and two source suffixes are a 400."""

from __future__ import annotations

import pytest

CALLS = [
    ("/api/generate", {"prompt": "hi", "stream": False}, "response"),
    ("/api/chat", {"messages": [{"role": "user", "content": "hi"}], "stream": False}, "message"),
    ("/api/embed", {"input": "hi"}, "embeddings"),
]


@pytest.mark.parametrize(("path", "body", "field"), CALLS)
@pytest.mark.parametrize("model", ["llama3.2:local", "llama3.2:LOCAL", "llama3.2:latest:local", " llama3.2"])
def test_a_local_suffix_or_spaces_still_find_the_model(asgi_client, path, body, field, model):
    response = asgi_client.post(path, json={"model": model, **body})
    assert response.status_code == 200, response.text
    assert response.json()["model"] == model and field in response.json()


def test_the_model_a_local_request_loads_is_the_installed_one(asgi_client):
    asgi_client.post("/api/generate", json={"model": "llama3.2:local", "prompt": ""})
    assert [m["name"] for m in asgi_client.get("/api/ps").json()["models"]] == ["llama3.2:latest"]


@pytest.mark.parametrize(("path", "body"), [(p, b) for p, b, _ in CALLS])
def test_two_source_suffixes_are_a_400(asgi_client, path, body):
    response = asgi_client.post(path, json={"model": "llama3.2:cloud:local", **body})
    assert (response.status_code, response.json()) == (
        400, {"error": 'use either :local or :cloud, not both: "llama3.2:cloud:local"'})


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/api/generate", 404, "model '  ' not found"),
    ("/api/chat", 400, "model is required"),
])
def test_a_model_of_spaces_is_an_empty_model(asgi_client, path, status, message):
    response = asgi_client.post(path, json={"model": "  ", "prompt": "hi", "messages": []})
    assert (response.status_code, response.json()) == (status, {"error": message})


@pytest.mark.parametrize("keep_alive", [1e12, 1e300, 10**40])
def test_keep_alive_past_go_durations_keeps_the_model_forever(asgi_client, keep_alive):
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "", "keep_alive": keep_alive})
    assert response.status_code == 200, response.text
    [loaded] = asgi_client.get("/api/ps").json()["models"]
    assert loaded["expires_at"].startswith("2318-") or loaded["expires_at"].startswith("2319-")


@pytest.mark.parametrize("keep_alive", [1e-10, "0.1ns"])
def test_keep_alive_below_a_nanosecond_unloads(asgi_client, keep_alive):
    asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": ""})
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "", "keep_alive": keep_alive})
    assert response.json()["done_reason"] == "unload"
    assert asgi_client.get("/api/ps").json() == {"models": []}
