"""Body decoding on the route layer (reference §0.4) and the error envelopes around it."""

from __future__ import annotations

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient

NATIVE_BODY_ROUTES = [("POST", "/api/generate"), ("POST", "/api/chat"), ("POST", "/api/embed"),
                      ("POST", "/api/embeddings"), ("POST", "/api/show"), ("POST", "/api/copy"),
                      ("DELETE", "/api/delete"), ("POST", "/api/pull"), ("POST", "/api/push"), ("POST", "/api/create")]


@pytest.mark.parametrize("method,path", NATIVE_BODY_ROUTES)
def test_native_empty_body_is_missing_request_body(asgi_client, method, path):
    response = asgi_client.request(method, path, content=b"")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == b'{"error":"missing request body"}'


@pytest.mark.parametrize("raw,message", [
    (b"hello", "invalid character 'h' looking for beginning of value"),
    (b"{", "unexpected EOF"),
    (b'{"model" "x"}', "invalid character '\"' after object key"),
    (b'{"model":"x",}', "invalid character '}' looking for beginning of object key string"),
    (b'{"model":"x" "y"}', "invalid character '\"' after object key:value pair"),
    (b'{"stream":tru}', "invalid character '}' in literal true (expecting 'e')"),
    (b'{"a":[1 2]}', "invalid character '2' after array element"),
])
def test_malformed_json_gets_go_decoder_message(asgi_client, raw, message):
    response = asgi_client.post("/api/show", content=raw)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_null_body_decodes_as_an_empty_request(asgi_client):
    response = asgi_client.post("/api/show", content=b"null")
    assert response.json() == {"error": "model is required"}


def test_text_after_the_first_value_is_ignored_as_gin_does(asgi_client):
    assert asgi_client.post("/api/show", content=b'{"model":"gemma3:1b"} trailing').status_code == 200


@pytest.mark.parametrize("path,raw,message", [
    ("/api/show", b'{"model":1}', "json: cannot unmarshal number into Go struct field ShowRequest.model of type string"),
    ("/api/chat", b'{"model":"qwen3:8b","messages":"hi"}',
     "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"),
    ("/api/chat", b'{"model":"qwen3:8b","stream":"yes"}',
     "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"),
    ("/api/pull", b'{"model":["x"]}', "json: cannot unmarshal array into Go struct field PullRequest.model of type string"),
    ("/api/show", b"[1,2]", "json: cannot unmarshal array into Go value of type api.ShowRequest"),
])
def test_wrong_types_get_go_unmarshal_messages(asgi_client, path, raw, message):
    response = asgi_client.post(path, content=raw)
    assert response.status_code == 400
    assert response.json()["error"] == message


@pytest.mark.parametrize("think,message", [
    ('"extreme"', 'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)'),
    ("3", 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
    ("[]", 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
])
def test_think_custom_decoder_messages(asgi_client, think, message):
    raw = f'{{"model":"qwen3:8b","messages":[],"think":{think}}}'.encode()
    assert asgi_client.post("/api/chat", content=raw).json() == {"error": message}


@pytest.mark.parametrize("keep_alive,message", [
    ('"abc"', 'time: invalid duration "abc"'),
    ('"5 minutes"', 'time: unknown unit " minutes" in duration "5 minutes"'),
    ('"300"', 'time: missing unit in duration "300"'),
    ("true", "Unsupported type: 'bool'"),
    ("{}", "Unsupported type: 'map[string]interface {}'"),
    ("[]", "Unsupported type: '[]interface {}'"),
])
def test_keep_alive_custom_decoder_messages(asgi_client, keep_alive, message):
    raw = f'{{"model":"llama3.2","prompt":"","keep_alive":{keep_alive}}}'.encode()
    response = asgi_client.post("/api/generate", content=raw)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_custom_decoder_error_beats_an_earlier_type_mismatch(asgi_client):
    raw = b'{"model":1,"messages":[],"think":"nope"}'
    assert asgi_client.post("/api/chat", content=raw).json()["error"].startswith("invalid think value")


def test_message_roles_are_lowercased_and_keys_match_case_insensitively(monkeypatch):
    seen = []
    app = create_app(Settings(validate_emitted=True))
    state = app.state.mock
    state.interceptors.append(lambda info, body: seen.append(body))
    client = TestClient(app, base_url="http://127.0.0.1:11434")
    client.post("/api/chat", content=b'{"MODEL":"qwen3:8b","messages":[{"role":"USER","content":"hi"}],"stream":false}')
    assert seen[0]["model"] == "qwen3:8b"
    assert seen[0]["messages"][0]["role"] == "user"


def test_v1_empty_body_is_eof_in_the_openai_envelope(asgi_client):
    response = asgi_client.post("/v1/chat/completions", content=b"")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"error": {"message": "EOF", "type": "invalid_request_error", "param": None, "code": None}}


def test_v1_malformed_json_gets_the_go_message(asgi_client):
    response = asgi_client.post("/v1/embeddings", content=b"{")
    assert response.json()["error"]["message"] == "unexpected EOF"


def test_anthropic_route_errors_use_the_anthropic_envelope(asgi_client):
    body = asgi_client.post("/v1/messages", content=b"").json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "invalid_request_error", "message": "EOF"}
    assert body["request_id"].startswith("req_") and len(body["request_id"]) == 28


def test_oversized_body_gets_413_with_go_message():
    client = TestClient(create_app(Settings(max_body_bytes=1024)), base_url="http://127.0.0.1:11434")
    response = client.post("/api/show", content=b'{"model":"' + b"a" * 2000 + b'"}')
    assert response.status_code == 413
    assert response.json() == {"error": "http: request body too large"}
    assert client.post("/api/show", content=b'{"model":"gemma3:1b"}').status_code == 200


def test_an_unexpected_handler_exception_is_a_500_envelope_and_the_server_keeps_serving():
    app = create_app(Settings())

    def explode(info, body):
        raise RuntimeError("boom")

    app.state.mock.interceptors.append(explode)
    client = TestClient(app, base_url="http://127.0.0.1:11434", raise_server_exceptions=True)
    response = client.post("/api/show", content=b'{"model":"gemma3:1b"}')
    assert response.status_code == 500
    assert response.json() == {"error": "boom"}
    assert "Traceback" not in response.text
    app.state.mock.interceptors.clear()
    assert client.post("/api/show", content=b'{"model":"gemma3:1b"}').status_code == 200


def test_interceptor_outcome_replaces_the_handler_and_transformers_see_it():
    from ollama_conformance.mock_server.outcome import Single

    app = create_app(Settings())
    state = app.state.mock
    state.interceptors.append(lambda info, body: Single({"error": "busy"}, status=503))
    state.transformers.append(lambda info, outcome: Single(outcome.body, 429) if info.endpoint == "POST /api/show" else outcome)
    client = TestClient(app, base_url="http://127.0.0.1:11434")
    response = client.post("/api/show", content=b'{"model":"gemma3:1b"}')
    assert (response.status_code, response.json()) == (429, {"error": "busy"})


@pytest.mark.parametrize("raw,message", [
    (b'{"model":NaN}', "invalid character 'N' looking for beginning of value"),
    (b'{"model":-Infinity}', "invalid character 'I' in numeric literal"),
    (b'{"model":"a\nb"}', "invalid character '\\n' in string literal"),
])
def test_what_python_would_accept_but_go_rejects(asgi_client, raw, message):
    assert asgi_client.post("/api/show", content=raw).json() == {"error": message}
