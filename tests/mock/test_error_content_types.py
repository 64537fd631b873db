"""Which errors carry gin's `; charset=utf-8` (reference §0.3, §2.1): native c.JSON errors and the
/v1 and Anthropic middlewares' own do; the native handler's errors as the /v1 writers re-encode
them, and a streamed request's error that is the stream's first item, do not."""

from __future__ import annotations

import pytest

CHARSET = "application/json; charset=utf-8"
PLAIN = "application/json"
HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"model": "llama3.2", "messages": []}),  # [] is too short
    ("/v1/chat/completions", {"model": "llama3.2", "messages": [{"role": "user", "content": 5}]}),
    ("/v1/completions", {"model": "llama3.2", "prompt": 5}),
    ("/v1/embeddings", {"model": "nomic-embed-text", "input": "x", "encoding_format": "hex"}),
    ("/v1/messages", {"max_tokens": 5, "messages": HI}),  # model is required
    ("/v1/chat/completions", b"{bad"),  # decoding: also the middleware
])
def test_v1_middleware_errors_carry_the_charset(asgi_client, path, body):
    response = asgi_client.post(path, content=body) if isinstance(body, bytes) else asgi_client.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == CHARSET


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"model": "nope", "messages": HI}),
    ("/v1/embeddings", {"model": "nope", "input": "x"}),
    ("/v1/messages", {"model": "nope", "max_tokens": 5, "messages": HI}),
])
def test_v1_handler_errors_are_plain_json(asgi_client, path, body):
    response = asgi_client.post(path, json=body)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == PLAIN


LONG = [{"role": "user", "content": "word " * 6000}]


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/generate", {"model": "llama3.2", "prompt": "hi", "format": "xml"}, 500),
    ("/api/chat", {"model": "llama3.2", "messages": HI, "format": "xml"}, 500),
    ("/api/chat", {"model": "llama3.2", "messages": LONG, "truncate": False}, 400),
])
def test_a_stream_s_first_item_error_is_plain_json_and_stream_false_keeps_the_charset(asgi_client, path, body,
                                                                                      status):
    streamed = asgi_client.post(path, json=body)
    assert (streamed.status_code, streamed.headers["content-type"]) == (status, PLAIN)
    single = asgi_client.post(path, json={**body, "stream": False})
    assert (single.status_code, single.headers["content-type"]) == (status, CHARSET)
    assert single.json() == streamed.json()


def test_native_errors_before_the_stream_keep_the_charset(asgi_client):
    response = asgi_client.post("/api/chat", json={"model": "nope", "messages": HI})
    assert (response.status_code, response.headers["content-type"]) == (404, CHARSET)


def test_a_fault_before_the_first_record_is_plain_json(asgi_client):
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "hi"},
                                headers={"X-Ollama-Mock-Fault": "midstream_error;after=0"})
    assert (response.status_code, response.headers["content-type"]) == (500, PLAIN)
