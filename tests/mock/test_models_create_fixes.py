"""/api/create and the show modelfile, as Ollama's create.go and parser.Command.String() build them:
template errors, adapters, added licenses, the layer order of the progress lines, uploaded blob digests
(reference §1.8, §2.3; recordings u2502/u2505-api-show.json for the modelfile)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

PLAIN_JSON = "application/json"
GGUF = b"GGUF" + bytes(60)
GGUF_DIGEST = "sha256:" + hashlib.sha256(GGUF).hexdigest()
MISSING = "sha256:" + "0" * 64


def _lines(response) -> list[dict[str, Any]]:
    assert (response.status_code, response.headers["content-type"]) == (200, "application/x-ndjson")
    return [json.loads(line) for line in response.content.splitlines()]


def _layer_statuses(records: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in records if r["status"].endswith(tuple("0123456789abcdef")) and " layer " in r["status"]]


def _show(client, model: str) -> dict[str, Any]:
    return client.post("/api/show", json={"model": model}).json()


def _upload(client, data: bytes = GGUF) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    client.post(f"/api/blobs/{digest}", content=data)
    return digest


# --- #5 create from an existing model ---


@pytest.mark.parametrize("template,message", [
    ("{{ bad", 'template error: template: :1: function "bad" not defined'),
    ("{{ .Prompt", "template error: template: :1: unclosed action"),
    ("{{ .System }}{{ .Prompt\n", "template error: template: :2: unclosed action started at :1"),
    ("{{ if .Prompt }}{{ .Prompt }}", "template error: template: :1: unexpected EOF"),
    ("{{ .Prompt }}\n{{ end }}", "template error: template: :2: unexpected {{end}}"),
])
def test_create_refuses_a_template_go_cannot_parse(asgi_client, template, message):
    response = asgi_client.post("/api/create", json={"model": "t", "from": "llama3.2", "template": template})
    assert (response.status_code, response.headers["content-type"]) == (400, PLAIN_JSON)
    assert response.json() == {"error": message}
    assert "t:latest" not in [m["name"] for m in asgi_client.get("/api/tags").json()["models"]]


def test_create_accepts_templates_that_use_ollamas_functions(asgi_client):
    template = '{{- range .Messages }}{{ if eq .Role "user" }}{{ .Content | json }}{{ end }}{{ end }}{{ currentDate }}'
    records = _lines(asgi_client.post("/api/create", json={"model": "ok", "from": "llama3.2", "template": template}))
    assert records[-1] == {"status": "success"}


def test_create_lists_a_new_template_after_the_inherited_layers_and_params_last(asgi_client):
    base = [digest for _, digest, _ in asgi_client.app.state.mock.models.get("llama3.2").layers()]
    records = _lines(asgi_client.post("/api/create", json={"model": "t", "from": "llama3.2", "template": "{{ .Prompt }}!"}))
    model, _template, license_, params = base
    statuses = _layer_statuses(records)
    assert statuses[:2] == [f"using existing layer {model}", f"using existing layer {license_}"]
    assert statuses[2].startswith("creating new layer sha256:") and statuses[2][-64:] not in "".join(base)
    assert statuses[3] == f"using existing layer {params}"  # setParameters re-appends the inherited params
    assert len(statuses) == 4


def test_create_license_is_added_after_the_inherited_one(asgi_client):
    inherited = _show(asgi_client, "llama3.2")["license"]
    records = _lines(asgi_client.post("/api/create", json={"model": "lic", "from": "llama3.2", "license": ["MIT", "BSD"]}))
    statuses = _layer_statuses(records)
    assert len(statuses) == 6 and all(s.startswith("creating new layer") for s in statuses[3:5])
    shown = _show(asgi_client, "lic")
    assert shown["license"] == inherited + "\nMIT\nBSD"
    assert shown["modelfile"].endswith(f'LICENSE "{inherited}"\nLICENSE MIT\nLICENSE BSD\n')


def test_create_with_two_adapters_is_refused_before_any_line(asgi_client):
    adapters = {"a.gguf": GGUF_DIGEST, "b.gguf": GGUF_DIGEST}
    response = asgi_client.post("/api/create", json={"model": "ad", "from": "llama3.2", "adapters": adapters})
    assert (response.status_code, response.headers["content-type"]) == (400, PLAIN_JSON)
    assert response.json() == {"error": "only one adapter is currently supported"}


def test_create_with_an_adapter_that_was_never_uploaded_streams_the_open_error(asgi_client):
    response = asgi_client.post("/api/create", json={"model": "ad", "from": "llama3.2", "adapters": {"a.gguf": MISSING}})
    assert _lines(response) == [
        {"status": "parsing GGUF"},
        {"error": f"open /root/.ollama/models/blobs/sha256-{'0' * 64}: no such file or directory"},
    ]
    assert asgi_client.post("/api/show", json={"model": "ad"}).status_code == 404


def test_create_with_an_uploaded_adapter_adds_its_layer_and_an_adapter_line(asgi_client):
    digest = _upload(asgi_client)
    records = _lines(asgi_client.post("/api/create", json={"model": "ad", "from": "llama3.2", "adapters": {"a.gguf": digest}}))
    assert records[0] == {"status": "parsing GGUF"}
    assert _layer_statuses(records)[3] == f"using existing layer {digest}"  # after the inherited layers, before params
    assert f"\nADAPTER /root/.ollama/models/blobs/sha256-{digest[7:]}\n" in _show(asgi_client, "ad")["modelfile"]


# --- #6 create from files ---


def test_create_from_a_gguf_blob_reuses_the_uploaded_digest(asgi_client):
    digest = _upload(asgi_client)
    records = _lines(asgi_client.post("/api/create", json={"model": "fromfile", "files": {"m.gguf": digest}}))
    assert records == [{"status": "parsing GGUF"}, {"status": f"using existing layer {digest}"},
                       {"status": "writing manifest"}, {"status": "success"}]
    modelfile = _show(asgi_client, "fromfile")["modelfile"]
    assert f"\nFROM /root/.ollama/models/blobs/sha256-{digest[7:]}\n" in modelfile


def test_create_from_files_with_a_malformed_digest(asgi_client):
    body = {"model": "g", "files": {"x.gguf": "nonsense"}}
    # ggufLayers says "parsing GGUF" before BlobsPath refuses the digest
    assert _lines(asgi_client.post("/api/create", json=body)) == [{"status": "parsing GGUF"},
                                                                  {"error": "invalid digest format"}]
    response = asgi_client.post("/api/create", json={**body, "stream": False})
    assert (response.status_code, response.headers["content-type"]) == (500, PLAIN_JSON)
    assert response.json() == {"error": "invalid digest format"}


def test_create_from_a_blob_that_was_never_uploaded_is_a_plain_500(asgi_client):
    response = asgi_client.post("/api/create", json={"model": "g", "files": {"x.gguf": MISSING}, "stream": False})
    assert (response.status_code, response.headers["content-type"]) == (500, PLAIN_JSON)
    assert response.json() == {"error": f"open /root/.ollama/models/blobs/sha256-{'0' * 64}: no such file or directory"}


# --- #12 the show modelfile, as parser.Command.String() writes it ---


def test_modelfile_quotes_like_go(asgi_client):
    modelfile = _show(asgi_client, "llama3.2")["modelfile"]
    entry = asgi_client.app.state.mock.models.get("llama3.2")
    assert '"' not in entry.license and "\n" in entry.license  # a multi-line license without quotes
    assert f'\nLICENSE "{entry.license}"\n' in modelfile
    assert "\nPARAMETER stop <|start_header_id|>\n" in modelfile


def test_modelfile_writes_a_one_line_system_bare_and_a_quoted_one_in_triple_quotes(asgi_client):
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there\nfriend"}]
    _lines(asgi_client.post("/api/create", json={"model": "s", "from": "llama3.2", "system": "You are terse.",
                                                   "messages": messages}))
    modelfile = _show(asgi_client, "s")["modelfile"]
    assert "\nSYSTEM You are terse.\n" in modelfile
    assert modelfile.endswith('\nMESSAGE user Hi\nMESSAGE assistant "Hello there\nfriend"\n')
    quoted = asgi_client.post("/api/show", json={"model": "s", "system": 'Say "hi"\nthen stop'}).json()["modelfile"]
    assert '\nSYSTEM """Say "hi"\nthen stop"""\n' in quoted


def test_modelfile_template_with_a_quote_uses_triple_quotes_and_one_without_newline_is_bare(asgi_client):
    gemma = _show(asgi_client, "gemma3:1b")
    assert f'\nTEMPLATE """{gemma["template"]}"""\n' in gemma["modelfile"]
    _lines(asgi_client.post("/api/create", json={"model": "p", "from": "llama3.2", "template": "{{ .Prompt }}"}))
    assert "\nTEMPLATE {{ .Prompt }}\n" in _show(asgi_client, "p")["modelfile"]


# --- review of the fixes above ---


@pytest.mark.parametrize("template", [
    "{{/* TODO: use {{ .Tools }} later */}}{{ .Prompt }}",  # a comment may hold braces
    "{{- /* {{ if .System }} */ -}}{{ .Prompt }}",
    '{{ "}}" }}{{ .Prompt }}',  # so may a string literal
])
def test_create_accepts_comments_and_literals_that_hold_braces(asgi_client, template):
    response = asgi_client.post("/api/create", json={"model": "t", "from": "llama3.2", "template": template,
                                                     "stream": False})
    assert (response.status_code, response.json()) == (200, {"status": "success"})


def test_a_null_or_partial_message_shows_as_go_s_zero_values(asgi_client):
    messages = [None, {"role": "user", "content": None}]
    assert asgi_client.post("/api/create", json={"model": "m", "from": "llama3.2", "messages": messages,
                                                 "stream": False}).status_code == 200
    shown = asgi_client.post("/api/show", json={"model": "m"})
    assert shown.status_code == 200
    assert [line for line in shown.json()["modelfile"].splitlines() if line.startswith("MESSAGE")] == [
        "MESSAGE  ", "MESSAGE user "]


def test_safetensors_adapters_add_no_layer_and_are_not_held_to_the_gguf_rules(asgi_client):
    digest = _upload(asgi_client, b"not gguf")
    adapters = {"adapter_model.safetensors": digest, "adapter_config.json": digest}
    response = asgi_client.post("/api/create", json={"model": "st", "from": "llama3.2", "adapters": adapters,
                                                     "stream": False})
    assert (response.status_code, response.json()) == (200, {"status": "success"})


def test_an_adapter_error_is_a_400_with_stream_false(asgi_client):
    response = asgi_client.post("/api/create", json={"model": "ad", "from": "llama3.2", "adapters": {"a.gguf": MISSING},
                                                     "stream": False})
    assert (response.status_code, response.headers["content-type"]) == (400, PLAIN_JSON)
    assert response.json()["error"].startswith("open /root/.ollama/models/blobs/")


def test_a_safetensors_import_creates_new_layers(asgi_client):
    digest = _upload(asgi_client, b"{}")
    records = _lines(asgi_client.post("/api/create", json={"model": "s", "files": {"config.json": digest,
                                                                                   "model.safetensors": digest}}))
    statuses = _layer_statuses(records)
    assert statuses and statuses[0].startswith("creating new layer")  # the converted weights
    # a layer whose blob another model has already (the same template) is used as it is, as NewLayer does
    assert all(s.startswith(("creating new layer", "using existing layer")) for s in statuses[1:])
    assert digest not in "\n".join(statuses)  # converted: never the uploaded config.json blob


# --- the blob store: a model's layers are files like uploaded blobs (pull, create, blobs see them) ---


def _pull_lines(client, model: str) -> list[dict[str, Any]]:
    return _lines(client.post("/api/pull", json={"model": model}))


def test_pull_fetches_no_layer_another_model_still_has(asgi_client):
    asgi_client.post("/api/copy", json={"source": "gemma3:1b", "destination": "gemma-alias"})
    asgi_client.request("DELETE", "/api/delete", json={"model": "gemma3:1b"})
    layers = [r for r in _pull_lines(asgi_client, "gemma3:1b") if r["status"].startswith("pulling ") and "digest" in r]
    assert layers and all(r.get("completed") == r["total"] for r in layers)  # one line each: on disk already


def test_pull_over_a_changed_model_removes_the_layers_it_no_longer_has(asgi_client):
    asgi_client.post("/api/create", json={"model": "gemma3:1b", "from": "gemma3:1b", "system": "changed", "stream": False})
    statuses = [r["status"] for r in _pull_lines(asgi_client, "gemma3:1b")]
    assert statuses[-3:] == ["writing manifest", "removing unused layers", "success"]
    again = [r["status"] for r in _pull_lines(asgi_client, "gemma3:1b")]  # the same manifest: nothing to remove
    assert "removing unused layers" not in again


def test_create_uses_an_existing_blob_of_any_model(asgi_client):
    first = _layer_statuses(_lines(asgi_client.post("/api/create", json={"model": "d1", "from": "llama3.2", "system": "x"})))
    second = _layer_statuses(_lines(asgi_client.post("/api/create", json={"model": "d2", "from": "gemma3:1b", "system": "x"})))
    new = [s for s in first if s.startswith("creating new layer")]
    assert new and new[-1].replace("creating new", "using existing") in second  # d1's system layer, on disk now


def test_a_models_layer_is_a_blob_for_head_and_post(asgi_client):
    digest = next(r["digest"] for r in _pull_lines(asgi_client, "llama3.2") if "digest" in r)
    assert asgi_client.head(f"/api/blobs/{digest}").status_code == 200
    assert asgi_client.post(f"/api/blobs/{digest}", content=b"other bytes").status_code == 200  # there already


def test_a_created_models_size_counts_its_new_layers(asgi_client):
    asgi_client.post("/api/create", json={"model": "big", "from": "llama3.2", "system": "S" * 5000, "stream": False})
    sizes = {m["name"]: m["size"] for m in asgi_client.get("/api/tags").json()["models"]}
    pushed = [r for r in _lines(asgi_client.post("/api/push", json={"model": "big"})) if "total" in r]
    assert sizes["big:latest"] == sum(r["total"] for r in pushed)  # every layer and the config, as pushed
    assert sizes["big:latest"] > sizes["llama3.2:latest"]


def test_built_in_templates_read_the_fields_their_capabilities_need():
    # Ollama derives tools from a template reading .Tools, insert from .Suffix (litellm checks
    # the template for "tools" before it sends any)
    from ollama_conformance.mock_server import go_template
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.state import State

    for entry in State(Settings()).models.list():
        used = go_template.variables(entry.template)
        assert ("tools" in entry.capabilities) == ("tools" in used), entry.name
        assert ("insert" in entry.capabilities) == ("suffix" in used), entry.name
        if "thinking" in entry.capabilities:
            assert "<think>" in entry.template, entry.name


@pytest.mark.parametrize("template,capabilities", [
    ("{{ .Prompt }}", ["completion"]),
    ("{{ range .Tools }}{{ . }}{{ end }}{{ .Prompt }}", ["completion", "tools"]),
    ("{{ .Prompt }}{{ if $.Suffix }}<fim>{{ .Suffix }}{{ end }}", ["completion", "insert"]),
])
def test_a_new_template_decides_tools_and_insert(asgi_client, template, capabilities):
    records = _lines(asgi_client.post("/api/create", json={"model": "t", "from": "llama3.2", "template": template}))
    assert records[-1] == {"status": "success"}
    assert _show(asgi_client, "t")["capabilities"] == capabilities


def test_show_template_names_tools_for_a_tools_model(asgi_client):
    shown = _show(asgi_client, "llama3.2")
    assert "tools" in shown["capabilities"] and ".Tools" in shown["template"]
