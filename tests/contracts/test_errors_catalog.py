"""The cross-endpoint inconsistencies of reference §4.5 (plus the /v1 rows of §3.2-§3.4, §4.4),
each its own test vector against contracts/errors.json.

errors.json maps endpoint -> message key in its `empty_model` and `unknown_model` tables;
"streamed:<key>" means an in-band NDJSON error line after progress lines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ollama_conformance import contracts

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "ollama-api.md"

# (endpoint, status, message) for an empty model name; status None = streamed.
EMPTY_MODEL = [
    ("POST /api/generate", 404, "model '' not found"),
    ("POST /api/chat", 400, "model is required"),
    ("POST /api/embed", 404, "model '' not found"),
    ("POST /api/embeddings", 400, "model is required"),
    ("POST /api/show", 400, "model is required"),
    ("POST /api/pull", 400, "invalid model name"),
    ("POST /api/push", 400, "model is required"),
    ("DELETE /api/delete", 400, "model is required"),
    ("POST /api/create", 400, "invalid model name"),
    ("POST /api/copy", 400, 'source "" is invalid'),
    ("POST /v1/chat/completions", 400, "model is required"),
    ("POST /v1/completions", 404, "model '' not found"),
    ("POST /v1/embeddings", 404, "model '' not found"),
]

# (endpoint, status, message) for the model "x", which is not installed.
UNKNOWN_MODEL = [
    ("POST /api/generate", 404, "model 'x' not found"),
    ("POST /api/chat", 404, "model 'x' not found"),
    ("POST /api/embed", 404, 'model "x" not found, try pulling it first'),
    ("POST /api/embeddings", 404, 'model "x" not found, try pulling it first'),
    ("POST /api/show", 404, "model 'x:latest' not found"),
    ("POST /api/pull", None, "pull model manifest: file does not exist"),
    ("DELETE /api/delete", 404, "model 'x' not found"),
    ("POST /api/copy", 404, 'model "x" not found'),
    ("POST /v1/chat/completions", 404, "model 'x' not found"),
    ("POST /v1/completions", 404, "model 'x' not found"),
    ("POST /v1/embeddings", 404, 'model "x" not found, try pulling it first'),
    ("GET /v1/models/{model}", 404, "model 'x:latest' not found"),
]

# Placeholder values: the name as the endpoint shows it (show and /v1/models normalise it).
VALUES = {"model": "x", "source": "x", "name": "x"}
NORMALISED = {"POST /api/show", "GET /v1/models/{model}"}


def _text(key: str, endpoint: str, model: str) -> str:
    shown = f"{model}:latest" if endpoint in NORMALISED and model else model
    return contracts.message(key, **{**VALUES, "model": shown, "source": model, "name": model})


def _entry(table: str, endpoint: str) -> str:
    entries = contracts.errors_catalog()[table]
    assert endpoint in entries, f"errors.json {table} has no entry for {endpoint}"
    return str(entries[endpoint])


@pytest.mark.parametrize(("endpoint", "status", "text"), EMPTY_MODEL, ids=[e[0] for e in EMPTY_MODEL])
def test_empty_model(endpoint: str, status: int, text: str) -> None:
    key = _entry("empty_model", endpoint)
    assert _text(key, endpoint, "") == text
    assert contracts.message_status(key) == status


@pytest.mark.parametrize(("endpoint", "status", "text"), UNKNOWN_MODEL, ids=[e[0] for e in UNKNOWN_MODEL])
def test_unknown_model(endpoint: str, status: int | None, text: str) -> None:
    key = _entry("unknown_model", endpoint)
    streamed = key.startswith("streamed:")
    assert streamed == (status is None), f"{endpoint}: {key}"
    key = key.removeprefix("streamed:")
    assert _text(key, endpoint, "x") == text
    if status is not None:
        assert contracts.message_status(key) == status


# §4.5 says push and create report an unknown model in-band ("(streamed)", "(streamed pull error)").
@pytest.mark.parametrize("endpoint", ["POST /api/push", "POST /api/create"])
def test_unknown_model_is_streamed_for_push_and_create(endpoint: str) -> None:
    assert _entry("unknown_model", endpoint).startswith("streamed:")


def test_the_vectors_match_the_reference_table() -> None:
    if not REFERENCE.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI is set but the reference is missing: {REFERENCE}")
        pytest.skip(f"reference not available: {REFERENCE}")
    section = REFERENCE.read_text(encoding="utf-8").split("### 4.5", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    header = rows[0]
    for label, vectors in (("Empty model", EMPTY_MODEL), ("Unknown model", UNKNOWN_MODEL)):
        row = next(r for r in rows if r[0] == label)
        for column, cell in zip(header[1:], row[1:], strict=True):
            vector = next((v for v in vectors if v[0].endswith(f"/api/{column}")), None)
            _check_cell(label, column, cell, vector)


def _check_cell(label: str, column: str, cell: str, vector: tuple[str, int | None, str] | None) -> None:
    if cell == "same as embed":
        vector_embed = next(v for v in UNKNOWN_MODEL if v[0] == "POST /api/embed")
        assert vector is not None and vector[1:] == vector_embed[1:], column
        return
    match = re.match(r"\**(\d+)\**\s+`(.*)`", cell) or re.match(r"(streamed)\s+`(.*)`", cell)
    if match is None:  # "(streamed)" without a message: the xfail test above covers it
        assert vector is None and cell.startswith("("), (label, column, cell)
        return
    status = None if match.group(1) == "streamed" else int(match.group(1))
    assert vector is not None and (vector[1], vector[2]) == (status, match.group(2)), (label, column)
