"""Model-management fixes from the conformance audit: show tensors, names kept in their installed
case, tags details lengths, blob digests compared verbatim, quantize errors (reference §0.5, §1.8-1.12)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient

BASE_URL = "http://127.0.0.1:11434"  # the Host guard refuses TestClient's default "testserver"
TENSOR_KEYS = ["name", "type", "shape"]


def _names(client) -> list[str]:
    return [m["name"] for m in client.get("/api/tags").json()["models"]]


def _tags_entry(client, name: str) -> dict[str, Any]:
    return next(m for m in client.get("/api/tags").json()["models"] if m["name"] == name)


def _lines(response) -> list[dict[str, Any]]:
    assert (response.status_code, response.headers["content-type"]) == (200, "application/x-ndjson")
    return [json.loads(line) for line in response.content.splitlines()]


# --- #1 /api/show lists a GGUF model's tensors whether or not verbose is set (§1.12) ---


def test_show_lists_gguf_tensors_without_verbose(asgi_client):
    body = asgi_client.post("/api/show", json={"model": "llama3.2"}).json()
    assert list(body) == ["license", "modelfile", "parameters", "template", "details", "model_info",
                          "tensors", "capabilities", "modified_at"]
    assert body["tensors"] and all(list(t) == TENSOR_KEYS for t in body["tensors"])
    verbose = asgi_client.post("/api/show", json={"model": "llama3.2", "verbose": True}).json()
    assert verbose["tensors"] == body["tensors"]


def test_show_has_no_tensors_in_profiles_from_before_they_existed(client_for):
    client = client_for("ollama-0.5.11")
    for body in ({"model": "gemma3:1b"}, {"model": "gemma3:1b", "verbose": True}):
        assert "tensors" not in client.post("/api/show", json=body).json()


def test_show_lists_safetensors_tensors_only_when_verbose(models_file):
    path = models_file("st:v1", "safetensors", "BF16")
    with TestClient(create_app(Settings(models_file=path, validate_emitted=True)), base_url=BASE_URL) as client:
        assert "tensors" not in client.post("/api/show", json={"model": "st:v1"}).json()
        assert client.post("/api/show", json={"model": "st:v1", "verbose": True}).json()["tensors"]


# --- #2 a name that differs only in case keeps the installed spelling (§0.5) ---


def test_pull_in_other_case_keeps_the_installed_name(asgi_client):
    _lines(asgi_client.post("/api/pull", json={"model": "LLAMA3.2"}))
    names = _names(asgi_client)
    assert "llama3.2:latest" in names and "LLAMA3.2:latest" not in names


def test_pull_again_in_other_case_keeps_the_first_pulled_name(asgi_client):
    _lines(asgi_client.post("/api/pull", json={"model": "tinyllama"}))
    _lines(asgi_client.post("/api/pull", json={"model": "TinyLlama:LATEST"}))
    names = _names(asgi_client)
    assert "tinyllama:latest" in names and "TinyLlama:LATEST" not in names


def test_copy_onto_a_name_in_other_case_replaces_the_model_under_its_installed_name(asgi_client):
    response = asgi_client.post("/api/copy", json={"source": "qwen3:8b", "destination": "LLAMA3.2"})
    assert (response.status_code, response.content) == (200, b"")
    names = _names(asgi_client)
    assert "llama3.2:latest" in names and "LLAMA3.2:latest" not in names
    assert _tags_entry(asgi_client, "llama3.2:latest")["digest"] == _tags_entry(asgi_client, "qwen3:8b")["digest"]


def test_create_in_other_case_keeps_the_installed_name(asgi_client):
    records = _lines(asgi_client.post("/api/create", json={"model": "Gemma3:1B", "from": "gemma3:1b", "system": "Hi."}))
    assert records[-1] == {"status": "success"}
    names = _names(asgi_client)
    assert "gemma3:1b" in names and "Gemma3:1B" not in names
    assert asgi_client.post("/api/show", json={"model": "gemma3:1b"}).json()["system"] == "Hi."


# --- #8 /api/tags details carry context_length and embedding_length since v0.30.0 (§1.11, §5) ---


def test_tags_details_carry_context_and_embedding_length(asgi_client):
    details = _tags_entry(asgi_client, "llama3.2:latest")["details"]
    assert list(details) == ["parent_model", "format", "family", "families", "parameter_size",
                             "quantization_level", "context_length", "embedding_length"]
    assert (details["context_length"], details["embedding_length"]) == (131072, 3072)


def test_tags_lengths_follow_a_created_models_info(asgi_client):
    info = {"context_length": 8192, "embedding_length": 1024}
    _lines(asgi_client.post("/api/create", json={"model": "sized", "from": "llama3.2", "info": info}))
    details = _tags_entry(asgi_client, "sized:latest")["details"]
    assert (details["context_length"], details["embedding_length"]) == (8192, 1024)


@pytest.mark.parametrize("profile,has_lengths", [("ollama-0.32.5", True), ("ollama-0.12.9", False), ("ollama-0.4.5", False)])
def test_tags_lengths_only_in_profiles_from_v0_30_0(client_for, profile, has_lengths):
    details = _tags_entry(client_for(profile), "llama3.2:latest")["details"]
    assert ("context_length" in details, "embedding_length" in details) == (has_lengths, has_lengths)


@pytest.mark.parametrize("profile,in_tags", [("ollama-0.32", True), ("ollama-0.12.9", False), ("ollama-0.5.11", False)])
def test_tags_capabilities_only_in_profiles_from_v0_30_0(client_for, profile, in_tags):
    # /api/tags since v0.30.0 (#16215), reference §5; /api/show keeps them in every profile
    client = client_for(profile)
    assert ("capabilities" in _tags_entry(client, "llama3.2:latest")) is in_tags
    assert "capabilities" in client.post("/api/show", json={"model": "llama3.2"}).json()


def test_ps_details_stay_without_lengths(asgi_client):
    state = asgi_client.app.state.mock
    state.models.load(state.models.get("llama3.2"), "5m")
    [model] = asgi_client.get("/api/ps").json()["models"]
    assert list(model["details"]) == ["parent_model", "format", "family", "families", "parameter_size",
                                      "quantization_level"]


# --- #7 blob digests: any sha256[:-]<hex> names a file, only sha256:<lowercase hex> matches (§1.9, §1.10) ---

DATA = b"hello blobs"
HEX = hashlib.sha256(DATA).hexdigest()


def _mismatch(expected: str) -> dict[str, str]:
    return {"error": f'digest mismatch, expected "{expected}", got "sha256:{HEX}"'}


@pytest.mark.parametrize("digest", [f"sha256-{HEX}", f"sha256:{HEX.upper()}", f"sha256-{HEX.upper()}"])
def test_post_blob_other_digest_forms_are_a_mismatch(asgi_client, digest):
    response = asgi_client.post(f"/api/blobs/{digest}", content=DATA)
    assert (response.status_code, response.json()) == (400, _mismatch(digest))


def test_stored_blob_by_dash_form_exists_but_upper_case_hex_names_no_file(asgi_client):
    assert asgi_client.post(f"/api/blobs/sha256:{HEX}", content=DATA).status_code == 201
    assert asgi_client.head(f"/api/blobs/sha256-{HEX}").status_code == 200
    assert asgi_client.post(f"/api/blobs/sha256-{HEX}", content=DATA).status_code == 200
    head = asgi_client.head(f"/api/blobs/sha256:{HEX.upper()}")
    assert (head.status_code, head.content) == (404, b"")
    upper = f"sha256:{HEX.upper()}"
    response = asgi_client.post(f"/api/blobs/{upper}", content=DATA)
    assert (response.status_code, response.json()) == (400, _mismatch(upper))


# --- #4 quantize errors are worker errors without a status: 500, application/json (§1.8, §0.3) ---


@pytest.mark.parametrize("body,message", [
    ({"model": "q", "from": "gemma3:1b", "quantize": "q4_K_M"}, "quantization is only supported for F16, BF16 and F32 models"),
    ({"model": "q", "from": "nomic-embed-text", "quantize": "q9_9"},
     "unsupported quantization type Q9_9 - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0"),
    ({"model": "q", "from": "gemma3:1b", "quantize": "q4_K_M", "stream": False},
     "quantization is only supported for F16, BF16 and F32 models"),
])
def test_create_quantize_errors_are_500_plain_json(asgi_client, body, message):
    response = asgi_client.post("/api/create", json=body)
    assert (response.status_code, response.headers["content-type"]) == (500, "application/json")
    assert response.json() == {"error": message}


def test_create_quantize_error_after_a_pull_is_the_last_stream_line(asgi_client):
    body = {"model": "q", "from": "tinyllama", "quantize": "q4_K_M"}
    records = _lines(asgi_client.post("/api/create", json=body))
    assert records[0] == {"status": "pulling manifest"}
    assert records[-3:-1] == [{"status": "writing manifest"}, {"status": "success"}]  # the pull's own end
    assert records[-1] == {"error": "quantization is only supported for F16, BF16 and F32 models"}


# --- third audit: model references, details, progress lines ---------------------------------------


@pytest.mark.parametrize("name", ["llama3.2:local", " llama3.2 ", "LLAMA3.2:Local"])
def test_show_reads_a_model_reference_as_inference_does(asgi_client, name):
    response = asgi_client.post("/api/show", json={"model": name})
    assert response.status_code == 200
    assert response.json()["details"]["family"] == "llama"


def test_show_refuses_both_source_suffixes(asgi_client):
    response = asgi_client.post("/api/show", json={"model": "llama3.2:cloud:local"})
    assert (response.status_code, response.json()) == (400, {"error": 'use either :local or :cloud, not both: "llama3.2:cloud:local"'})


def test_pull_delete_and_create_from_drop_the_local_suffix(asgi_client):
    pulled = asgi_client.post("/api/pull", json={"model": "tinyllama:local", "stream": False})
    assert pulled.json() == {"status": "success"}
    assert "tinyllama:latest" in _names(asgi_client)
    created = asgi_client.post("/api/create", json={"model": "mine", "from": "tinyllama:local", "stream": False})
    assert created.json() == {"status": "success"}
    deleted = asgi_client.request("DELETE", "/api/delete", json={"model": "tinyllama:local"})
    assert deleted.status_code == 200
    assert "tinyllama:latest" not in _names(asgi_client)


def test_show_parameters_are_the_models_own(asgi_client):
    body = asgi_client.post("/api/show", json={"model": "llama3.2", "options": {"temperature": 0.2}}).json()
    assert "PARAMETER temperature 0.2" in body["modelfile"]
    assert "temperature" not in body["parameters"]


def test_tags_and_ps_have_no_parent_model_show_does(asgi_client):
    asgi_client.post("/api/create", json={"model": "child", "from": "llama3.2", "stream": False})
    asgi_client.post("/api/chat", json={"model": "child", "messages": []})
    listed = {m["name"]: m for m in asgi_client.get("/api/tags").json()["models"]}
    running = {m["name"]: m for m in asgi_client.get("/api/ps").json()["models"]}
    assert listed["child:latest"]["details"]["parent_model"] == ""
    assert running["child:latest"]["details"]["parent_model"] == ""
    assert asgi_client.post("/api/show", json={"model": "child"}).json()["details"]["parent_model"] != ""


def test_pull_and_push_list_the_config_blob_last_and_tags_size_counts_it(asgi_client):
    pulled = _lines(asgi_client.post("/api/pull", json={"model": "gemma3:1b"}))
    layers = [r for r in pulled if r["status"].startswith("pulling ") and "digest" in r]
    size = {m["name"]: m["size"] for m in asgi_client.get("/api/tags").json()["models"]}["gemma3:1b"]
    assert sum(r["total"] for r in layers) == size
    assert 400 <= layers[-1]["total"] < 700  # the config blob: a few hundred bytes
    pushed = _lines(asgi_client.post("/api/push", json={"model": "gemma3:1b"}))
    assert [r["digest"] for r in pushed if "digest" in r] == [r["digest"] for r in layers]


def test_create_shows_the_pull_of_a_missing_from_model_with_its_success(asgi_client):
    records = _lines(asgi_client.post("/api/create", json={"model": "mini2", "from": "all-minilm"}))
    statuses = [r["status"] for r in records]
    pull_end = statuses.index("success")
    assert statuses[pull_end - 1] == "writing manifest" and statuses[-1] == "success" and pull_end < len(statuses) - 1
    assert any(s.startswith("using existing layer") for s in statuses[pull_end:])


@pytest.mark.parametrize("stream", [True, False])
def test_pull_over_plain_http_is_refused_before_any_line(asgi_client, stream):
    response = asgi_client.post("/api/pull", json={"model": "http://example.com/foo/bar", "stream": stream})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "insecure protocol http"}


def test_pull_over_http_with_insecure_goes_to_the_registry(asgi_client):
    body = {"model": "http://example.com/foo/bar", "insecure": True, "stream": False}
    response = asgi_client.post("/api/pull", json=body)
    assert (response.status_code, response.json()) == (500, {"error": "pull model manifest: file does not exist"})


def test_push_over_plain_http_fails_after_retrieving_the_manifest(asgi_client):
    records = _lines(asgi_client.post("/api/push", json={"model": "http://localhost:5000/foo/bar"}))
    assert records == [{"status": "retrieving manifest"}, {"error": "insecure protocol http"}]


@pytest.mark.parametrize(("digest", "status", "body"), [
    ("sha256:abc", 400, b'{"error":"invalid digest format"}'),
    ("sha256:" + "0" * 64, 404, b'{"error":"blob \\"sha256:' + b"0" * 64 + b'\\" not found"}'),
])
def test_head_blob_errors_have_the_json_type_and_length_but_no_body(asgi_client, digest, status, body):
    response = asgi_client.head(f"/api/blobs/{digest}")
    assert response.status_code == status and response.content == b""
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["content-length"] == str(len(body))


# --- a catalogue's model_info floats are written as Go writes them (the recorded show has 0.00001) ---


def test_show_writes_catalogue_floats_as_go_does(tmp_path):
    info = {"general.architecture": "llama", "llama.attention.layer_norm_rms_epsilon": 0.00001,
            "llama.rope.freq_base": 500000.0, "llama.rope.scale": 1e-07, "llama.note": "eps 1e-05, base 2.0"}
    item = {"name": "floaty:v1", "size": 10, "modified_at": "2026-01-01T00:00:00Z", "model_info": info,
            "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                        "parameter_size": "1B", "quantization_level": "Q4_0"}}
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [item]}))
    with TestClient(create_app(Settings(models_file=str(path), validate_emitted=True)), base_url=BASE_URL) as client:
        answer = client.post("/api/show", json={"model": "floaty:v1"})
    assert answer.status_code == 200
    raw = answer.text
    assert '"llama.attention.layer_norm_rms_epsilon":0.00001,' in raw
    assert '"llama.rope.freq_base":500000,' in raw and '"llama.rope.scale":1e-7' in raw
    assert '"llama.note":"eps 1e-05, base 2.0"' in raw  # text is left as it is
    assert answer.json()["model_info"]["llama.attention.layer_norm_rms_epsilon"] == 0.00001


def test_show_gives_copilot_chat_the_name_it_asked_for_as_basename(asgi_client):
    asgi_client.post("/api/copy", json={"source": "llama3.2", "destination": "copilot-test"})
    plain = asgi_client.post("/api/show", json={"model": "copilot-test"}).json()["model_info"]
    copilot = asgi_client.post("/api/show", json={"model": "copilot-test"},
                               headers={"User-Agent": "GitHubCopilotChat/0.35.0"}).json()["model_info"]
    assert plain.get("general.basename") != "copilot-test" and copilot["general.basename"] == "copilot-test"
    assert list(copilot) == sorted(copilot)  # a Go map: keys sorted
