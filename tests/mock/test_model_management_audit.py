"""Model-management audit fixes: create's files, adapters, info, license and quantize as the v0.32-era
create worker handles them; blob uploads that mismatch; push of invalid names; copy onto itself;
created digests; trimmed names (reference §1.8-1.16, §2.3, §4.3)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

PLAIN_JSON = "application/json"
CHARSET_JSON = "application/json; charset=utf-8"
GGUF = b"GGUF" + bytes(60)
MISSING = "sha256:" + "0" * 64


def _lines(response: Any) -> list[dict[str, Any]]:
    assert (response.status_code, response.headers["content-type"]) == (200, "application/x-ndjson")
    return [json.loads(line) for line in response.content.splitlines()]


def _upload(client: Any, data: bytes = GGUF) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    client.post(f"/api/blobs/{digest}", content=data)
    return digest


def _error(response: Any) -> tuple[int, str, dict[str, Any]]:
    return response.status_code, response.headers["content-type"], response.json()


def _tags(client: Any) -> list[dict[str, Any]]:
    return client.get("/api/tags").json()["models"]


def _entry(client: Any, name: str) -> dict[str, Any]:
    return next(m for m in _tags(client) if m["name"] == name)


# --- 1. a bad file is an error line after "parsing GGUF" (ggufLayers says it before opening the blob) ---


@pytest.mark.parametrize("data,message,status", [
    (b"not a model", "supplied file was not in GGUF format", 400),
    (None, f"open /root/.ollama/models/blobs/sha256-{'0' * 64}: no such file or directory", 500),
])
def test_a_bad_gguf_file_is_an_error_line_after_parsing_gguf(asgi_client, data, message, status):
    digest = MISSING if data is None else _upload(asgi_client, data)
    body = {"model": "x", "files": {"m.gguf": digest}}
    assert _lines(asgi_client.post("/api/create", json=body)) == [{"status": "parsing GGUF"}, {"error": message}]
    quiet = asgi_client.post("/api/create", json={**body, "stream": False})
    assert _error(quiet) == (status, PLAIN_JSON, {"error": message})


# --- 2. a file named neither .gguf nor .safetensors is typed by its first bytes ---


def test_a_file_without_a_gguf_suffix_and_not_gguf_is_of_unknown_type(asgi_client):
    digest = _upload(asgi_client, b"not a model")
    response = asgi_client.post("/api/create", json={"model": "x", "files": {"weights": digest}})
    assert _error(response) == (400, PLAIN_JSON, {"error": "unknown type"})
    assert _error(asgi_client.post("/api/create", json={"model": "x", "files": {}})) == (
        400, PLAIN_JSON, {"error": "unknown type"})  # a map, though empty: not "neither 'from' or 'files'"


def test_a_file_without_a_suffix_whose_blob_is_gguf_is_imported(asgi_client):
    records = _lines(asgi_client.post("/api/create", json={"model": "x", "files": {"weights": _upload(asgi_client)}}))
    assert records[0] == {"status": "parsing GGUF"} and records[-1] == {"status": "success"}


# --- 3. paths are checked with io/fs.ValidPath before the stream ---


@pytest.mark.parametrize("path", ["./m.gguf", "a//m.gguf", "d/", "", "/m.gguf", "a/../m.gguf"])
def test_create_refuses_a_path_fs_validpath_refuses(asgi_client, path):
    response = asgi_client.post("/api/create", json={"model": "x", "files": {path: _upload(asgi_client)}})
    assert _error(response) == (400, CHARSET_JSON, {"error": "file path must be relative"})


# --- 4. adapter digests and draft files are checked before the stream ---


@pytest.mark.parametrize("body,message", [
    ({"adapters": {"a.gguf": ""}}, "invalid digest format"),
    ({"adapters": {"a.gguf": None}}, "invalid digest format"),
    ({"draft_files": {"./d.gguf": MISSING}}, "file path must be relative"),
    ({"draft_files": {"d.gguf": ""}}, "invalid digest format"),
])
def test_adapter_digests_and_draft_files_are_checked_before_the_stream(asgi_client, body, message):
    response = asgi_client.post("/api/create", json={"model": "x", "from": "llama3.2", **body})
    assert _error(response) == (400, CHARSET_JSON, {"error": message})


# --- 5. two adapters: refused after the model file's "parsing GGUF" ---


def test_two_adapters_after_a_gguf_file_are_an_error_line(asgi_client):
    digest = _upload(asgi_client)
    body = {"model": "x", "files": {"m.gguf": digest}, "adapters": {"a.gguf": digest, "b.gguf": digest}}
    assert _lines(asgi_client.post("/api/create", json=body)) == [
        {"status": "parsing GGUF"}, {"error": "only one adapter is currently supported"}]
    assert _error(asgi_client.post("/api/create", json={**body, "stream": False})) == (
        400, PLAIN_JSON, {"error": "only one adapter is currently supported"})


# --- 6. info is applied by the worker, after `from` and `files` ---


@pytest.mark.parametrize("body,error", [
    ({"model": "bad name", "info": {"model_family": 1}}, (400, CHARSET_JSON, {"error": "invalid model name"})),
    ({"model": "x", "info": {"model_family": 1}},
     (400, PLAIN_JSON, {"error": "neither 'from' or 'files' was specified"})),
])
def test_info_is_checked_after_the_name_and_the_source(asgi_client, body, error):
    assert _error(asgi_client.post("/api/create", json=body)) == error


def test_bad_info_after_a_gguf_file_is_an_error_line(asgi_client):
    body = {"model": "x", "files": {"m.gguf": _upload(asgi_client)}, "info": {"context_length": "big"}}
    assert _lines(asgi_client.post("/api/create", json=body)) == [
        {"status": "parsing GGUF"}, {"error": 'info field "context_length" must be a number'}]


# --- 7. a license that is no string: json.Unmarshal's error, a 500 ---


@pytest.mark.parametrize("license_,message", [
    (5, "json: cannot unmarshal number into Go value of type []string"),
    (["a", 5], "json: cannot unmarshal number into Go value of type string"),
    ({"a": "b"}, "json: cannot unmarshal object into Go value of type []string"),
    ([True], "json: cannot unmarshal bool into Go value of type string"),
])
def test_a_license_that_is_no_string_is_a_500(asgi_client, license_, message):
    response = asgi_client.post("/api/create", json={"model": "lic", "from": "llama3.2", "license": license_})
    assert _error(response) == (500, PLAIN_JSON, {"error": message})
    assert asgi_client.post("/api/show", json={"model": "lic"}).status_code == 404


# --- 8. quantize: ggml.ParseFileType's types, upper-cased; the base's own type is a no-op ---


@pytest.mark.parametrize("quantize,status,level", [
    ("q4_K", "quantizing F16 model to Q4_K", "Q4_K_M"),
    ("q4_k_s", "quantizing F16 model to Q4_K_S", "Q4_K_S"),
    ("bf16", "quantizing F16 model to BF16", "BF16"),
])
def test_quantize_to_a_parsefiletype_type(asgi_client, quantize, status, level):
    body = {"model": "q", "from": "nomic-embed-text", "quantize": quantize}
    statuses = [r["status"] for r in _lines(asgi_client.post("/api/create", json=body))]
    assert statuses[statuses.index(status) + 3] == "verifying conversion"
    assert asgi_client.post("/api/show", json={"model": "q"}).json()["details"]["quantization_level"] == level


def test_quantize_to_the_bases_own_type_is_a_no_op(asgi_client):
    records = _lines(asgi_client.post("/api/create", json={"model": "q", "from": "nomic-embed-text", "quantize": "f16"}))
    assert not [r for r in records if r["status"].startswith(("quantizing", "verifying"))]
    assert _entry(asgi_client, "q:latest")["digest"] != _entry(asgi_client, "nomic-embed-text:latest")["digest"]
    assert _entry(asgi_client, "q:latest")["details"]["quantization_level"] == "F16"


def test_quantize_to_a_type_parsefiletype_does_not_know_is_refused(asgi_client):
    response = asgi_client.post("/api/create", json={"model": "q", "from": "nomic-embed-text", "quantize": "q5_K_M"})
    message = "unsupported quantization type Q5_K_M - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0"
    assert _error(response) == (500, PLAIN_JSON, {"error": message})


# --- 10. a mismatching upload is stored under its own digest before the comparison ---


def test_a_mismatching_upload_is_kept_under_its_actual_digest(asgi_client):
    actual = "sha256:" + hashlib.sha256(b"hello").hexdigest()
    assert asgi_client.post(f"/api/blobs/sha256:{'a' * 64}", content=b"hello").status_code == 400
    assert asgi_client.head(f"/api/blobs/{actual}").status_code == 200
    assert asgi_client.post(f"/api/blobs/{actual}", content=b"hello").status_code == 200


# --- 12. push of an invalid name: ParseNamedManifest's "unqualified name" ---


@pytest.mark.parametrize("model,shown", [
    ("bad name", "registry.ollama.ai/library/bad name:latest"),
    (" ", "registry.ollama.ai/library/ :latest"),
    ("a:cloud:local", "registry.ollama.ai/library/a:cloud:local"),
])
def test_push_of_an_invalid_name_is_unqualified(asgi_client, model, shown):
    assert _lines(asgi_client.post("/api/push", json={"model": model})) == [
        {"status": "retrieving manifest"}, {"status": "couldn't retrieve manifest"},
        {"error": f"unqualified name: {shown}"}]


# --- 14. a copy onto itself writes nothing ---


def test_copy_onto_itself_changes_nothing(asgi_client):
    before = _tags(asgi_client)
    assert asgi_client.post("/api/copy", json={"source": "llama3.2", "destination": "Llama3.2:latest"}).status_code == 200
    assert _tags(asgi_client) == before


# --- 15, 16. a created model's digest follows its content; its parent is the `from` model ---


def test_the_same_create_under_two_names_gives_the_same_digest_and_size(asgi_client):
    for name in ("twin-a", "twin-b"):
        _lines(asgi_client.post("/api/create", json={"model": name, "from": "llama3.2", "system": "s"}))
    a, b = _entry(asgi_client, "twin-a:latest"), _entry(asgi_client, "twin-b:latest")
    assert (a["digest"], a["size"]) == (b["digest"], b["size"])


@pytest.mark.parametrize("target", ["llama3.2", "llama3.2:latest"])
def test_the_parent_is_the_from_model_whatever_the_targets_spelling(asgi_client, target):
    _lines(asgi_client.post("/api/create", json={"model": target, "from": "llama3.2", "system": "s"}))
    details = asgi_client.post("/api/show", json={"model": "llama3.2"}).json()["details"]
    assert details["parent_model"] == "llama3.2:latest"


# --- 17. names are trimmed (modelref.ParseRef) ---


def test_delete_of_a_blank_name_asks_for_a_model(asgi_client):
    response = asgi_client.request("DELETE", "/api/delete", json={"model": " "})
    assert _error(response) == (400, CHARSET_JSON, {"error": "model is required"})


@pytest.mark.parametrize("method,path", [("DELETE", "/api/delete"), ("POST", "/api/pull")])
def test_the_source_conflict_quotes_the_trimmed_name(asgi_client, method, path):
    response = asgi_client.request(method, path, json={"model": " a:cloud:local "})
    assert response.status_code == 400
    assert response.json() == {"error": 'use either :local or :cloud, not both: "a:cloud:local"'}


def test_a_model_only_created_is_not_in_the_registry_until_pushed(asgi_client: Any) -> None:
    # before: every create or copy went into the fake registry, so a deleted model came back on pull
    def pull(name: str) -> Any:
        return asgi_client.post("/api/pull", json={"model": name, "stream": False})

    asgi_client.post("/api/create", json={"model": "only-local", "from": "llama3.2", "stream": False})
    asgi_client.request("DELETE", "/api/delete", json={"model": "only-local"})
    gone = pull("only-local")
    assert (gone.status_code, gone.json()) == (500, {"error": "pull model manifest: file does not exist"})
    asgi_client.post("/api/create", json={"model": "me/shared", "from": "llama3.2", "stream": False})
    assert asgi_client.post("/api/push", json={"model": "me/shared", "stream": False}).json() == {"status": "success"}
    asgi_client.request("DELETE", "/api/delete", json={"model": "me/shared"})
    assert pull("me/shared").json() == {"status": "success"}  # pushed: the registry has it


def test_a_safetensors_digest_error_comes_before_converting_model(asgi_client: Any) -> None:
    # convertFromSafetensors checks each file's blob path before it says "converting model"
    answer = asgi_client.post("/api/create", json={"model": "st", "files": {"model.safetensors": "sha256:xyz"}})
    assert (answer.status_code, answer.json()) == (500, {"error": "invalid digest format"})
