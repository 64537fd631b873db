"""The scheduler's model limit, context limits on embeddings, OLLAMA_KEEP_ALIVE's fallback, and
what the reply's digest treats as the same request (in-process mock)."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings, from_env
from starlette.testclient import TestClient

NOMIC = "nomic-embed-text"
LONG = "word " * 5000  # ~5000 tokens: past nomic's 2048 trained context


def _client(**settings: Any) -> TestClient:
    return TestClient(create_app(Settings(validate_emitted=True, **settings)), base_url="http://127.0.0.1:11434")


def _load(client: TestClient, model: str, keep_alive: Any = None) -> None:
    body: dict[str, Any] = {"model": model}
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    assert client.post("/api/generate", json=body).json()["done_reason"] == "load"


def _loaded(client: TestClient) -> list[str]:
    return sorted(m["name"] for m in client.get("/api/ps").json()["models"])


def test_a_fourth_model_unloads_one_to_make_room(asgi_client: Any) -> None:
    for model in ("llama3.2", "gemma3:1b", "qwen3:8b"):
        _load(asgi_client, model)
    assert _loaded(asgi_client) == ["gemma3:1b", "llama3.2:latest", "qwen3:8b"]
    # same keep_alive for all: findRunnerToUnload then takes the first by model path (the weights
    # blob: qwen3's sha256:6d11... sorts before gemma3's c6a9... and llama3.2's 9cad...)
    _load(asgi_client, "llava:7b")
    assert _loaded(asgi_client) == ["gemma3:1b", "llama3.2:latest", "llava:7b"]


def test_the_shortest_keep_alive_is_unloaded_first(asgi_client: Any) -> None:
    _load(asgi_client, "llama3.2", -1)  # forever: the longest of all
    _load(asgi_client, "gemma3:1b", "1h")
    _load(asgi_client, "qwen3:8b", "10m")
    _load(asgi_client, "llava:7b")
    assert _loaded(asgi_client) == ["gemma3:1b", "llama3.2:latest", "llava:7b"]


def test_names_that_share_weights_share_one_runner(asgi_client: Any) -> None:
    assert asgi_client.post("/api/copy", json={"source": "qwen3:8b", "destination": "mycopy"}).status_code == 200
    for model in ("qwen3:8b", "mycopy", "llama3.2", "gemma3:1b"):
        _load(asgi_client, model)
    # one runner for qwen3 and its copy: three runners, nothing unloaded; ps names the first
    assert _loaded(asgi_client) == ["gemma3:1b", "llama3.2:latest", "qwen3:8b"]
    warm = asgi_client.post("/api/generate", json={"model": "mycopy", "prompt": "hi", "stream": False}).json()
    assert warm["load_duration"] < 100_000_000  # milliseconds: the shared runner was loaded


def test_a_loaded_model_used_again_takes_no_room(asgi_client: Any) -> None:
    for model in ("llama3.2", "gemma3:1b", "qwen3:8b", "llama3.2:latest"):
        _load(asgi_client, model)
    assert _loaded(asgi_client) == ["gemma3:1b", "llama3.2:latest", "qwen3:8b"]


def test_max_loaded_models_from_the_environment(capsys: Any) -> None:
    client = _client(max_loaded_models=from_env({"OLLAMA_MAX_LOADED_MODELS": "1"}).max_loaded_models)
    _load(client, "llama3.2")
    _load(client, "gemma3:1b")
    assert _loaded(client) == ["gemma3:1b"]
    assert from_env({"OLLAMA_MAX_LOADED_MODELS": "0"}).max_loaded_models == 0  # automatic: 3
    assert from_env({"OLLAMA_MAX_LOADED_MODELS": "two"}).max_loaded_models == 0
    err = capsys.readouterr().err
    assert "OLLAMA_MAX_LOADED_MODELS has value 'two'" in err and err.count("\n") == 1


@pytest.mark.parametrize(("raw", "seconds"), [("10m", 600), ("10", 10), ("-1", -1), ("3.5", 300), ("bogus", 300)])
def test_ollama_keep_alive_as_envconfig_reads_it(raw: str, seconds: float, capsys: Any) -> None:
    assert from_env({"OLLAMA_KEEP_ALIVE": raw}).keep_alive_default == seconds
    warned = capsys.readouterr().err
    assert (f"OLLAMA_KEEP_ALIVE has value {raw!r}" in warned) == (raw in ("3.5", "bogus"))


def test_embed_caps_num_ctx_at_the_trained_context(asgi_client: Any) -> None:
    options = {"num_ctx": 100000}
    cut = asgi_client.post("/api/embed", json={"model": NOMIC, "input": LONG, "options": options})
    assert cut.status_code == 200 and cut.json()["prompt_eval_count"] == 2048
    refused = asgi_client.post("/api/embed", json={"model": NOMIC, "input": LONG, "truncate": False, "options": options})
    assert (refused.status_code, refused.json()) == (400, {"error": "the input length exceeds the context length"})
    ps = {m["name"]: m for m in asgi_client.get("/api/ps").json()["models"]}
    assert ps["nomic-embed-text:latest"]["context_length"] == 2048


def test_legacy_embeddings_refuse_a_prompt_past_the_context(asgi_client: Any) -> None:
    answer = asgi_client.post("/api/embeddings", json={"model": NOMIC, "prompt": LONG})
    assert (answer.status_code, answer.json()) == (500, {"error": "the input length exceeds the context length"})
    fits = asgi_client.post("/api/embeddings", json={"model": NOMIC, "prompt": "word " * 100})
    assert fits.status_code == 200 and len(fits.json()["embedding"]) == 768


def _text(client: Any, model: str, seed: Any) -> str:
    body = {"model": model, "prompt": "Say something.", "stream": False, "options": {"seed": seed}}
    answer = client.post("/api/generate", json=body)
    assert answer.status_code == 200
    return str(answer.json()["response"])


def test_one_model_one_seed_one_answer(asgi_client: Any) -> None:
    # a float seed is truncated as Go's options.FromMap does; the spellings name the same model
    base = _text(asgi_client, "llama3.2", 5)
    assert _text(asgi_client, "llama3.2", 5.9) == base
    assert _text(asgi_client, "llama3.2:latest", 5) == base
    assert _text(asgi_client, "Llama3.2", 5) == base
    assert _text(asgi_client, "llama3.2", 6) != base
