"""/v1/models, /v1/models/{model} and /v1/audio/transcriptions layers, in process (§3.4, §1.30)."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat import openai_audio, openai_models
from ollama_conformance.mock_server.outcome import RequestInfo, Single
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.state import State

from ollama_conformance import contracts


@pytest.fixture
def state() -> State:
    return State(Settings(clock="2026-08-21T17:02:11Z"))


def info(model: str = "") -> RequestInfo:
    return RequestInfo(endpoint="GET /v1/models/{model}", api="openai", path_params={"model": model})


def test_list_is_the_store_newest_first(state: State) -> None:
    outcome = openai_models.run_list(state, info())
    assert isinstance(outcome, Single) and outcome.content_type == "application/json"
    entries = state.models.list()
    assert outcome.body == {
        "object": "list",
        "data": [
            {
                "id": e.name,
                "object": "model",
                "created": int(e.modified_at.timestamp()),
                "owned_by": "library",
            }
            for e in entries
        ],
    }
    assert [m["id"] for m in outcome.body["data"]][:2] == ["qwen3:8b", "llama3.2:latest"]
    assert contracts.validate("GET /v1/models", "response", outcome.body) == []


def test_list_without_models_has_null_data() -> None:
    class Empty:
        class models:  # noqa: N801 - a stand-in for the store
            @staticmethod
            def list() -> list[Any]:
                return []

    assert openai_models.run_list(Empty(), info()).body == {"object": "list", "data": None}


def test_retrieve_echoes_the_path_parameter(state: State) -> None:
    body = openai_models.run_retrieve(state, info("llama3.2")).body
    entry = state.models.get("llama3.2")
    assert body == {
        "id": "llama3.2",
        "object": "model",
        "created": int(entry.modified_at.timestamp()),
        "owned_by": "library",
    }
    assert openai_models.run_retrieve(state, info("LLAMA3.2:latest")).body["id"] == "LLAMA3.2:latest"
    assert contracts.validate("GET /v1/models/{model}", "response", body) == []


@pytest.mark.parametrize(
    ("model", "status", "message"),
    [
        ("nope", 404, "model 'nope:latest' not found"),
        ("nope:7b", 404, "model 'nope:7b' not found"),
        ("bad name!", 400, "invalid model name"),
        ("llama3.2:local:cloud", 400, 'use either :local or :cloud, not both: "llama3.2:local:cloud"'),
    ],
)
def test_retrieve_errors(state: State, model: str, status: int, message: str) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        openai_models.run_retrieve(state, info(model))
    assert (caught.value.status, caught.value.message) == (status, message)


def test_retrieve_reads_the_name_as_show_does(state: State) -> None:
    # the middleware asks the show handler, which drops a `:local` source suffix
    body = openai_models.run_retrieve(state, info("llama3.2:local")).body
    assert body["id"] == "llama3.2:local" and body["owned_by"] == "library"
    assert body["created"] == int(state.models.get("llama3.2").modified_at.timestamp())


AUDIO = RequestInfo(endpoint="POST /v1/audio/transcriptions", api="openai")


def test_transcription_is_deterministic_per_file(state: State) -> None:
    first = openai_audio.run(state, {"model": "llama3.2", "file": b"RIFF....WAVEfmt one"}, AUDIO)
    again = openai_audio.run(state, {"model": "llama3.2", "file": b"RIFF....WAVEfmt one"}, AUDIO)
    other = openai_audio.run(state, {"model": "llama3.2", "file": b"RIFF....WAVEfmt two"}, AUDIO)
    assert first.body == again.body != other.body
    assert set(first.body) == {"text"} and first.body["text"].endswith(".")
    assert contracts.validate("POST /v1/audio/transcriptions", "response", first.body) == []


def test_transcription_formats(state: State) -> None:
    form: dict[str, object] = {"model": "llama3.2", "file": b"abc"}
    text = openai_audio.run(state, {**form, "response_format": "text"}, AUDIO)
    assert text.content_type.startswith("text/plain") and text.body == openai_audio.transcript(b"abc")
    assert openai_audio.run(state, {**form, "response_format": "verbose_json"}, AUDIO).body == {
        "text": text.body
    }


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"file": b"x"}, 400, "model is required"),
        ({"model": "llama3.2"}, 400, "file is required: http: no such file"),
        ({"model": "llama3.2", "file": b""}, 400, "audio file is empty"),
        ({"model": "nope", "file": b"x"}, 404, "model 'nope' not found"),
        ({"model": "llama3.2", "file": "not a file part"}, 400, "file is required: http: no such file"),
        # the chat handler runs the transcription: its model checks come next
        ({"model": "Bad!Name", "file": b"x"}, 400, "invalid model name"),
        ({"model": "nomic-embed-text", "file": b"x"}, 400, '"nomic-embed-text" does not support chat'),
    ],
)
def test_transcription_errors(state: State, form: dict[str, object], status: int, message: str) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        openai_audio.run(state, form, AUDIO)
    assert (caught.value.status, caught.value.message) == (status, message)


@pytest.mark.parametrize(("content_type", "detail"), [
    ("application/x-www-form-urlencoded", "request Content-Type isn't multipart/form-data"),
    ("application/json", "request Content-Type isn't multipart/form-data"),
    ("multipart/form-data", "no multipart boundary param in Content-Type"),
])
def test_a_body_that_is_not_multipart_is_refused_first(asgi_client, content_type: str, detail: str) -> None:
    response = asgi_client.post("/v1/audio/transcriptions", content=b"model=llama3.2", headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"failed to parse multipart form: {detail}"


def test_a_broken_multipart_body_is_a_400_and_no_stderr_noise(asgi_client, capsys) -> None:
    response = asgi_client.post("/v1/audio/transcriptions", content=b"garbage body",
                                headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("failed to parse multipart form: ")
    assert "boundary character" not in capsys.readouterr().err  # python-multipart's own warning


@pytest.mark.parametrize("body", [
    b"",
    b"garbage body",
    b'--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\ngemma3:1b\r\n',  # no closing --xyz--
])
def test_a_body_without_its_closing_boundary_fails_as_gos_reader_does(asgi_client, body: bytes) -> None:
    response = asgi_client.post("/v1/audio/transcriptions", content=body,
                                headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "failed to parse multipart form: multipart: NextPart: EOF"


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--xyz\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


@pytest.mark.parametrize(("parts", "status", "message"), [
    ([("model", b"nope", None), ("model", b"gemma3:1b", None), ("file", b"RIFF", "a.wav")], 404, "model 'nope' not found"),
    ([("model", b"gemma3:1b", None), ("file", b"", "a.wav"), ("file", b"RIFF", "b.wav")], 400, "audio file is empty"),
])
def test_a_repeated_field_counts_with_its_first_value(asgi_client, parts, status: int, message: str) -> None:
    body = b"".join(_part(*p) for p in parts) + b"--xyz--\r\n"
    response = asgi_client.post("/v1/audio/transcriptions", content=body,
                                headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == status and response.json()["error"]["message"] == message
