"""The official `ollama` Python client against the mock on real uvicorn: state changes end to end."""

from __future__ import annotations

import httpx
import ollama
import pytest


@pytest.fixture
def client(make_mock):
    mock = make_mock()
    return ollama.Client(host=mock.base_url), mock


def test_list_and_show(client):
    api, _ = client
    names = [m.model for m in api.list().models]
    assert names[:2] == ["qwen3:8b", "llama3.2:latest"] and len(names) == 6
    shown = api.show("llama3.2")
    assert shown.details.family == "llama" and "tools" in shown.capabilities
    assert shown.modelinfo["llama.context_length"] == 131072


def test_pull_with_progress_then_the_model_is_listed(client):
    api, _ = client
    updates = list(api.pull("tinyllama", stream=True))
    assert updates[0].status == "pulling manifest" and updates[-1].status == "success"
    assert any(u.total and u.completed == u.total for u in updates)
    assert "tinyllama:latest" in [m.model for m in api.list().models]


def test_pull_unknown_raises_response_error(client):
    api, _ = client
    with pytest.raises(ollama.ResponseError) as caught:
        list(api.pull("does-not-exist", stream=True))
    assert caught.value.error == "pull model manifest: file does not exist"
    with pytest.raises(ollama.ResponseError) as caught:
        api.pull("does-not-exist")
    assert caught.value.status_code == 500


def test_copy_delete_and_status_codes(client):
    api, _ = client
    assert api.copy("gemma3:1b", "gemma-copy").status == "success"
    assert "gemma-copy:latest" in [m.model for m in api.list().models]
    assert api.delete("gemma-copy").status == "success"
    with pytest.raises(ollama.ResponseError) as caught:
        api.delete("gemma-copy")
    assert (caught.value.status_code, caught.value.error) == (404, "model 'gemma-copy' not found")
    with pytest.raises(ollama.ResponseError) as caught:
        api.show("nope")
    assert (caught.value.status_code, caught.value.error) == (404, "model 'nope:latest' not found")


def test_create_and_ps(client):
    api, mock = client
    assert api.create("terse", from_="qwen3:8b", system="Answer in one word.").status == "success"
    assert "Answer in one word." in api.show("terse").modelfile
    mock.state.models.load(mock.state.models.get("terse"), "5m")
    assert [m.model for m in api.ps().models] == ["terse:latest"]


def test_blob_upload_through_the_client(client, tmp_path):
    api, _ = client
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF" + bytes(100))
    digest = api.create_blob(path)
    assert httpx.head(client[1].base_url + f"/api/blobs/{digest}").status_code == 200
    assert api.create("from-blob", files={"model.gguf": digest}).status == "success"


def test_version_reports_the_profile(client):
    _, mock = client
    assert httpx.get(mock.base_url + "/api/version").json() == {"version": "0.32.15"}
