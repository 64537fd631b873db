"""Copy, delete, pull, push, create and blobs: state changes, statuses and exact messages (§1.8-1.16, §4.3)."""

from __future__ import annotations

import hashlib
import json

import pytest


def _lines(response) -> list[dict]:
    assert response.headers["content-type"] == "application/x-ndjson"
    assert not response.content.endswith(b"\n\n") and b"\n\n" not in response.content
    return [json.loads(line) for line in response.content.splitlines()]


def _names(client) -> list[str]:
    return [m["name"] for m in client.get("/api/tags").json()["models"]]


def test_copy_makes_a_new_model_with_an_empty_200(asgi_client):
    response = asgi_client.post("/api/copy", json={"source": "gemma3:1b", "destination": "Mine/Copy"})
    assert response.status_code == 200 and response.content == b""
    assert "content-type" not in response.headers
    assert "Mine/Copy:latest" in _names(asgi_client)
    assert asgi_client.post("/api/show", json={"model": "mine/copy"}).status_code == 200


@pytest.mark.parametrize("body,status,message", [
    ({"source": "", "destination": "x"}, 400, 'source "" is invalid'),
    ({"source": "bad name", "destination": "x"}, 400, 'source "bad name" is invalid'),
    ({"source": "nope", "destination": ""}, 400, 'destination "" is invalid'),
    ({"source": "nope", "destination": "x"}, 404, 'model "nope" not found'),
])
def test_copy_errors_in_check_order(asgi_client, body, status, message):
    response = asgi_client.post("/api/copy", json=body)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_delete_removes_the_model_but_leaves_it_loaded(asgi_client):
    # DeleteHandler removes the manifest and its layers; the scheduler is not told, so the runner
    # stays in /api/ps until it expires (the CLI's `ollama rm` unloads first, the API does not)
    state = asgi_client.app.state.mock
    state.models.load(state.models.get("gemma3:1b"), -1)
    response = asgi_client.request("DELETE", "/api/delete", json={"model": "gemma3:1b"})
    assert response.status_code == 200 and response.content == b""
    assert "gemma3:1b" not in _names(asgi_client)
    assert [m["name"] for m in asgi_client.get("/api/ps").json()["models"]] == ["gemma3:1b"]
    chat = asgi_client.post("/api/chat", json={"model": "gemma3:1b", "messages": []})
    assert chat.status_code == 404  # gone for new requests


@pytest.mark.parametrize("body,status,message", [
    ({}, 400, "model is required"),
    ({"model": "bad name"}, 400, 'name "bad name" is invalid'),
    ({"model": "x:local:cloud"}, 400, 'use either :local or :cloud, not both: "x:local:cloud"'),
    ({"model": "nope"}, 404, "model 'nope' not found"),
])
def test_delete_errors_in_check_order(asgi_client, body, status, message):
    response = asgi_client.request("DELETE", "/api/delete", json=body)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_pull_streams_progress_and_installs_the_model(asgi_client):
    records = _lines(asgi_client.post("/api/pull", json={"model": "tinyllama"}))
    assert records[0] == {"status": "pulling manifest"}
    layer = records[1]
    assert layer["status"] == "pulling " + layer["digest"][7:19] and layer["digest"].startswith("sha256:")
    assert "completed" not in layer  # 0 bytes: omitempty drops it
    assert [r["status"] for r in records[-3:]] == ["verifying sha256 digest", "writing manifest", "success"]
    assert all(r.get("completed", 0) <= r.get("total", 0) for r in records)
    assert "tinyllama:latest" in _names(asgi_client)
    again = _lines(asgi_client.post("/api/pull", json={"model": "tinyllama"}))
    assert all(r["completed"] == r["total"] for r in again if "digest" in r)  # already on disk


def test_pull_stream_false_is_the_last_object(asgi_client):
    response = asgi_client.post("/api/pull", json={"model": "all-minilm", "stream": False})
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == {"status": "success"}


def test_pull_unknown_streams_the_manifest_error_or_500_without_stream(asgi_client):
    records = _lines(asgi_client.post("/api/pull", json={"model": "nope"}))
    assert records == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]
    response = asgi_client.post("/api/pull", json={"model": "nope", "stream": False})
    assert (response.status_code, response.headers["content-type"]) == (500, "application/json")
    assert response.json() == {"error": "pull model manifest: file does not exist"}


@pytest.mark.parametrize("body", [{}, {"model": ""}, {"model": "bad name"}])
def test_pull_empty_or_bad_name_is_invalid_model_name(asgi_client, body):
    response = asgi_client.post("/api/pull", json=body)
    assert (response.status_code, response.json()) == (400, {"error": "invalid model name"})


def test_push_streams_layers_and_success(asgi_client):
    records = _lines(asgi_client.post("/api/push", json={"model": "gemma3:1b"}))
    assert records[0] == {"status": "retrieving manifest"}
    assert all(r["status"] == "pushing " + r["digest"][7:19] and r["completed"] == r["total"] for r in records[1:-2])
    assert records[-2:] == [{"status": "pushing manifest"}, {"status": "success"}]


def test_push_unknown_model_streams_the_error_and_empty_is_model_required(asgi_client):
    records = _lines(asgi_client.post("/api/push", json={"model": "nope"}))
    assert records[:2] == [{"status": "retrieving manifest"}, {"status": "couldn't retrieve manifest"}]
    assert records[2]["error"].startswith("open ") and records[2]["error"].endswith(": no such file or directory")
    response = asgi_client.post("/api/push", json={})
    assert (response.status_code, response.json()) == (400, {"error": "model is required"})


def test_create_from_an_existing_model_with_system_and_parameters(asgi_client):
    body = {"model": "brief", "from": "llama3.2", "system": "Be brief.", "parameters": {"temperature": 0.1}}
    records = _lines(asgi_client.post("/api/create", json=body))
    statuses = [r["status"] for r in records]
    assert statuses[0].startswith("using existing layer sha256:")
    assert sum(s.startswith("creating new layer sha256:") for s in statuses) == 2
    assert statuses[-2:] == ["writing manifest", "success"]
    shown = asgi_client.post("/api/show", json={"model": "brief"}).json()
    assert shown["system"] == "Be brief." and "temperature                    0.1" in shown["parameters"]
    assert shown["details"]["parent_model"] == "llama3.2:latest"


def test_create_with_quantize_shows_quantizing_lines():
    from ollama_conformance.mock_server.app import create_app
    from ollama_conformance.mock_server.settings import Settings
    from starlette.testclient import TestClient

    client = TestClient(create_app(Settings(validate_emitted=True)), base_url="http://127.0.0.1:11434")
    records = _lines(client.post("/api/create", json={"model": "small", "from": "nomic-embed-text", "quantize": "q4_K_M"}))
    assert records[0]["status"] == "quantizing F16 model to Q4_K_M"
    assert "verifying conversion" in [r["status"] for r in records]
    assert client.post("/api/show", json={"model": "small"}).json()["details"]["quantization_level"] == "Q4_K_M"


def test_create_from_a_registry_model_pulls_it_first(asgi_client):
    statuses = [r["status"] for r in _lines(asgi_client.post("/api/create", json={"model": "t2", "from": "tinyllama"}))]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"


def test_create_from_a_missing_model_streams_the_pull_error(asgi_client):
    records = _lines(asgi_client.post("/api/create", json={"model": "t3", "from": "nope"}))
    assert records == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]


@pytest.mark.parametrize("body,message,content_type", [
    ({"model": "", "from": "llama3.2"}, "invalid model name", "application/json; charset=utf-8"),
    ({"model": "m", "files": {"/abs.gguf": "sha256:" + "0" * 64}}, "file path must be relative", "application/json; charset=utf-8"),
    ({"model": "m", "files": {"a.gguf": ""}}, "invalid digest format", "application/json; charset=utf-8"),
    ({"model": "m", "from": "llama3.2", "draft_quantize": "q8_0"}, "--draft-quantize requires a DRAFT model", "application/json; charset=utf-8"),
    ({"model": "m"}, "neither 'from' or 'files' was specified", "application/json"),
])
def test_create_errors(asgi_client, body, message, content_type):
    response = asgi_client.post("/api/create", json=body)
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert response.headers["content-type"] == content_type


def test_blob_upload_verifies_sha256_and_create_uses_it(asgi_client):
    data = b"GGUF" + bytes(60)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 404
    created = asgi_client.post(f"/api/blobs/{digest}", content=data)
    assert (created.status_code, created.content) == (201, b"")
    assert asgi_client.post(f"/api/blobs/{digest}", content=data).status_code == 200
    head = asgi_client.head(f"/api/blobs/{digest}")
    assert (head.status_code, head.content) == (200, b"")
    records = _lines(asgi_client.post("/api/create", json={"model": "fromfile", "files": {"m.gguf": digest}}))
    assert records[0] == {"status": "parsing GGUF"} and records[-1] == {"status": "success"}
    assert "fromfile:latest" in _names(asgi_client)


def test_blob_mismatch_and_bad_digest(asgi_client):
    wrong = "sha256:" + "a" * 64
    response = asgi_client.post(f"/api/blobs/{wrong}", content=b"hello")
    actual = "sha256:" + hashlib.sha256(b"hello").hexdigest()
    assert response.status_code == 400
    assert response.json() == {"error": f'digest mismatch, expected "{wrong}", got "{actual}"'}
    assert asgi_client.post("/api/blobs/md5:abc", content=b"x").json() == {"error": "invalid digest format"}
    head = asgi_client.head("/api/blobs/nonsense")
    assert (head.status_code, head.content) == (400, b"")


def test_create_from_a_non_gguf_blob_is_refused(asgi_client):
    data = b"not a model"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    asgi_client.post(f"/api/blobs/{digest}", content=data)
    records = _lines(asgi_client.post("/api/create", json={"model": "x", "files": {"m.gguf": digest}}))
    assert records == [{"status": "parsing GGUF"}, {"error": "supplied file was not in GGUF format"}]


@pytest.mark.parametrize("info,message", [
    ({"model_family": 3}, 'info field "model_family" must be a string'),
    ({"context_length": "big"}, 'info field "context_length" must be a number'),
    ({"embedding_length": -1}, 'info field "embedding_length" must be a non-negative integer'),
])
def test_create_info_field_errors(asgi_client, info, message):
    response = asgi_client.post("/api/create", json={"model": "m", "from": "llama3.2", "info": info})
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_create_info_overrides_what_show_reports(asgi_client):
    info = {"capabilities": ["completion", "vision"], "model_family": "custom", "context_length": 8192}
    _lines(asgi_client.post("/api/create", json={"model": "custom", "from": "llama3.2", "info": info}))
    shown = asgi_client.post("/api/show", json={"model": "custom"}).json()
    assert shown["capabilities"] == ["completion", "vision"] and shown["details"]["family"] == "custom"
    assert shown["model_info"]["llama.context_length"] == 8192


def test_create_from_safetensors_converts(asgi_client):
    data = b"{}" + bytes(30)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    asgi_client.post(f"/api/blobs/{digest}", content=data)
    records = _lines(asgi_client.post("/api/create", json={"model": "st", "files": {"model.safetensors": digest}}))
    assert records[0] == {"status": "converting model"} and records[-1] == {"status": "success"}
