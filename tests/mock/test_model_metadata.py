"""/api/show, /api/ps as Ollama writes them: Go's %v floats in parameters, the memory a loaded
model holds, and the fields older releases lacked."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.handlers.models import go_value
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient


@pytest.mark.parametrize(("value", "text"), [(1048576, "1.048576e+06"), (1000000, "1e+06"), (131072, "131072"),
                                             (0.7, "0.7"), (1e-05, "1e-05"), (0.0001, "0.0001"), (2.0, "2"),
                                             (12345678.9, "1.23456789e+07"), ("x", '"x"'), (True, "true")])
def test_parameter_values_print_as_go_prints_a_float64(value: Any, text: str) -> None:
    assert go_value(value) == text  # the options map holds every number as a float64: %v / %#v


def test_show_writes_a_large_parameter_in_exponent_form(asgi_client: Any) -> None:
    body = {"model": "big", "from": "llama3.2", "parameters": {"num_ctx": 1048576}, "stream": False}
    assert asgi_client.post("/api/create", json=body).status_code == 200
    shown = asgi_client.post("/api/show", json={"model": "big"}).json()
    assert "PARAMETER num_ctx 1.048576e+06" in shown["modelfile"]
    assert f"{'num_ctx':<30} 1.048576e+06" in shown["parameters"]


def _ps(client: Any) -> dict[str, Any]:
    return {m["name"]: m for m in client.get("/api/ps").json()["models"]}


def test_a_loaded_model_holds_its_weights_and_kv_cache(asgi_client: Any) -> None:
    asgi_client.post("/api/generate", json={"model": "llama3.2"})
    tags = {m["name"]: m for m in asgi_client.get("/api/tags").json()["models"]}
    loaded = _ps(asgi_client)["llama3.2:latest"]
    info = asgi_client.post("/api/show", json={"model": "llama3.2"}).json()["model_info"]
    head_size = info["llama.embedding_length"] // info["llama.attention.head_count"]
    kv = 2 * info["llama.block_count"] * info["llama.attention.head_count_kv"] * head_size * loaded["context_length"] * 2
    assert loaded["size"] == loaded["size_vram"] == tags["llama3.2:latest"]["size"] + kv
    asgi_client.post("/api/generate", json={"model": "llama3.2", "options": {"num_ctx": 8192}})
    assert _ps(asgi_client)["llama3.2:latest"]["size"] == tags["llama3.2:latest"]["size"] + 2 * kv  # more context


def test_ps_of_releases_before_0_10_has_no_context_length() -> None:
    client = TestClient(create_app(Settings(validate_emitted=True, profile="ollama-0.5.11")), base_url="http://127.0.0.1:11434")
    client.post("/api/generate", json={"model": "llama3.2"})
    assert "context_length" not in _ps(client)["llama3.2:latest"]


def test_create_keeps_renderer_parser_and_requires_for_show(asgi_client: Any) -> None:
    body = {"model": "rp", "from": "qwen3:8b", "renderer": "qwen3-coder", "parser": "qwen3-coder",
            "requires": "0.14.0", "stream": False}
    assert asgi_client.post("/api/create", json=body).json() == {"status": "success"}
    shown = asgi_client.post("/api/show", json={"model": "rp"}).json()
    keys = list(shown)
    assert keys.index("renderer") == keys.index("template") + 1 and keys.index("parser") == keys.index("renderer") + 1
    assert keys[-1] == "requires" and shown["requires"] == "0.14.0"
    lines = shown["modelfile"].splitlines()
    assert lines[lines.index("RENDERER qwen3-coder") + 1] == "PARSER qwen3-coder"


def test_show_leaves_the_tokenizer_arrays_null_and_short_arrays_whole(asgi_client: Any) -> None:
    info = asgi_client.post("/api/show", json={"model": "llama3.2"}).json()["model_info"]
    assert info["tokenizer.ggml.tokens"] is None  # recorded shows (u2502, u2505): null, not []
    assert info["llama.attention.head_count_kv"] == 8


def test_an_integer_past_float64_in_parameters_is_gos_decode_error(asgi_client: Any) -> None:
    huge = int("9" * 400)
    answer = asgi_client.post("/api/create", json={"model": "x2", "from": "llama3.2", "parameters": {"seed": huge},
                                                   "stream": False})
    assert (answer.status_code, answer.json()) == (
        400, {"error": f"json: cannot unmarshal number {huge} into Go struct field CreateRequest.parameters of type float64"})
    assert asgi_client.post("/api/show", json={"model": "llama3.2"}).status_code == 200
