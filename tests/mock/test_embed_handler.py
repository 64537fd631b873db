"""POST /api/embed and the legacy POST /api/embeddings through the in-process mock."""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any

import pytest

EMBED, LEGACY = "/api/embed", "/api/embeddings"
NOMIC = "nomic-embed-text"


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def test_single_string_gives_one_normalised_vector(asgi_client: Any) -> None:
    body = asgi_client.post(EMBED, json={"model": NOMIC, "input": "Hello world"}).json()
    assert list(body) == ["model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"]
    assert body["model"] == NOMIC and len(body["embeddings"]) == 1 and len(body["embeddings"][0]) == 768
    assert abs(norm(body["embeddings"][0]) - 1.0) < 1e-6
    assert body["prompt_eval_count"] == 4 and body["total_duration"] > body["load_duration"] > 0


def test_batch_in_order_same_text_same_vector(asgi_client: Any) -> None:
    inputs = ["llamas are camelids", "stock prices fell", "llamas are camelids"]
    vectors = asgi_client.post(EMBED, json={"model": NOMIC, "input": inputs}).json()["embeddings"]
    assert len(vectors) == 3 and vectors[0] == vectors[2] != vectors[1]
    alone = asgi_client.post(EMBED, json={"model": "nomic-embed-text:latest", "input": inputs[1]}).json()
    assert alone["embeddings"][0] == vectors[1]


def test_shared_words_are_closer(asgi_client: Any) -> None:
    a, b, c = asgi_client.post(
        EMBED,
        json={"model": NOMIC, "input": ["the llama eats grass", "a llama eats hay", "interest rates rise"]},
    ).json()["embeddings"]
    dot = lambda x, y: sum(p * q for p, q in zip(x, y, strict=True))  # noqa: E731
    assert dot(a, b) > dot(a, c)


def test_dimensions_cut_and_renormalise(asgi_client: Any) -> None:
    small = asgi_client.post(EMBED, json={"model": NOMIC, "input": "x", "dimensions": 64}).json()[
        "embeddings"
    ][0]
    assert len(small) == 64 and abs(norm(small) - 1.0) < 1e-6
    big = asgi_client.post(EMBED, json={"model": NOMIC, "input": "x", "dimensions": 5000}).json()[
        "embeddings"
    ][0]
    assert len(big) == 768


@pytest.mark.parametrize("extra", [{}, {"input": ""}, {"input": []}, {"input": None}])
def test_no_input_is_an_empty_list_without_metrics(asgi_client: Any, extra: dict[str, Any]) -> None:
    r = asgi_client.post(EMBED, json={"model": NOMIC, **extra})
    assert (r.status_code, r.json()) == (200, {"model": NOMIC, "embeddings": []})


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "", "input": 5}, 404, "model '' not found"),
        ({"model": "a b", "input": 5}, 400, "invalid model name"),
        ({"model": "nope", "input": 5}, 400, "invalid input type"),
        ({"model": "nope", "input": ["a", 1]}, 400, "invalid input type"),
        ({"model": "nope", "input": {"a": 1}}, 400, "invalid input type"),
        ({"model": "nope", "input": "x"}, 404, 'model "nope" not found, try pulling it first'),
        (
            {"model": NOMIC, "input": "x", "options": {"num_ctx": True}},
            500,
            'option "num_ctx" must be of type integer',
        ),
        (
            {"model": NOMIC, "input": "word " * 3000, "truncate": False},
            400,
            "the input length exceeds the context length",
        ),
    ],
)
def test_errors_in_check_order(asgi_client: Any, body: dict[str, Any], status: int, message: str) -> None:
    r = asgi_client.post(EMBED, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


def test_truncation_by_default(asgi_client: Any) -> None:
    body = asgi_client.post(EMBED, json={"model": NOMIC, "input": "word " * 3000}).json()
    assert body["prompt_eval_count"] == 2048 and len(body["embeddings"][0]) == 768


def test_any_model_embeds_with_its_own_length(asgi_client: Any) -> None:
    body = asgi_client.post(EMBED, json={"model": "llama3.2", "input": "x"}).json()
    assert len(body["embeddings"][0]) == 3072


def test_legacy_embeddings(asgi_client: Any) -> None:
    body = asgi_client.post(LEGACY, json={"model": NOMIC, "prompt": "Hello world"}).json()
    assert list(body) == ["embedding"] and len(body["embedding"]) == 768 and norm(body["embedding"]) > 2
    normalised = asgi_client.post(EMBED, json={"model": NOMIC, "input": "Hello world"}).json()["embeddings"][
        0
    ]
    scale = norm(body["embedding"])
    assert all(abs(x / scale - y) < 1e-5 for x, y in zip(body["embedding"], normalised, strict=True))
    assert asgi_client.post(LEGACY, json={"model": NOMIC, "prompt": ""}).json() == {"embedding": []}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "", "prompt": "x"}, 400, "model is required"),
        ({"model": "a b", "prompt": "x"}, 400, "invalid model name"),
        ({"model": "nope", "prompt": "x"}, 404, 'model "nope" not found, try pulling it first'),
    ],
)
def test_legacy_errors(asgi_client: Any, body: dict[str, Any], status: int, message: str) -> None:
    r = asgi_client.post(LEGACY, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


def test_no_component_is_written_in_exponent_form(asgi_client: Any) -> None:
    # Go's encoding/json writes a float in exponent form only below 1e-6; Python's repr below 1e-4
    texts = [f"text number {i} about tides" for i in range(40)]
    raw = asgi_client.post(EMBED, json={"model": NOMIC, "input": texts}).text
    legacy = asgi_client.post("/api/embeddings", json={"model": NOMIC, "prompt": texts[0]}).text
    assert "e-" not in raw and "e-" not in legacy
    vectors = json.loads(raw)["embeddings"]
    assert min(abs(x) for v in vectors for x in v) >= 1e-4  # floored, not dropped: ~2 per vector would be smaller
    assert all(abs(math.fsum(x * x for x in v) - 1.0) < 1e-6 for v in vectors)


def _shortest_float32_text(value: float) -> str:
    """Go's strconv 'g'-digits of a float32, found by brute force (fewest digits that read back)."""
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return text
    raise AssertionError(value)


@pytest.mark.parametrize("route", [EMBED, "/v1/embeddings"])
def test_components_are_written_as_go_writes_float32(asgi_client: Any, route: str) -> None:
    # Go encodes []float32 with the shortest digits that read back as the float32
    # (recorded: u2508-api-embed.json); 8 significant digits gave e.g. 0.089676098 for 0.0896761
    raw = asgi_client.post(route, json={"model": NOMIC, "input": ["Hello world", "stock prices fell"]}).text
    numbers = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", raw[raw.index("[[" if route == EMBED else '"embedding"'):])
    vectors = [n for n in numbers if "e" not in n]
    assert len(vectors) >= 2 * 768
    assert [n for n in vectors if n != _shortest_float32_text(float(n))] == []


def test_kept_word_vectors_are_bounded_by_size_and_eviction_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # before: 8,192 vectors of Python floats (~200 MB at 768 dimensions, ~1.3 GB at 4096)
    from ollama_conformance.mock_server.generation import embedding

    first = embedding.embed("m:latest", "alpha beta gamma", 64)
    monkeypatch.setattr(embedding, "MAX_KEPT_COMPONENTS", 64 * 10)
    for n in range(50):
        embedding.embed("m:latest", f"word{n} other{n}", 64)
        assert embedding._kept_components <= 64 * 10
    assert embedding.embed("m:latest", "alpha beta gamma", 64) == first  # drawn again, the same


def test_a_whole_component_is_written_as_go_writes_it(asgi_client: Any) -> None:
    # dimensions 1 normalises each vector to +-1: Go writes 1 and -1, not 1.0
    raw = asgi_client.post(EMBED, json={"model": NOMIC, "input": ["hello", "world", "x"], "dimensions": 1}).text
    vectors = raw[raw.index('"embeddings":') + 13:raw.index("]]") + 2]
    assert set(json.loads(vectors)[0]) <= {1, -1} and "1.0" not in vectors
