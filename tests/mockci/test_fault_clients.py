"""The official ollama and openai clients see injected faults as they would from a real Ollama
(reference clients.md §12: ResponseError codes, status -1 mid-stream, openai error classes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import ollama
import openai
import pytest
from ollama_conformance.mock_server import extensions

MESSAGES = [{"role": "user", "content": "tell me a story"}]


_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _ollama(url: str, fault: str) -> ollama.Client:
    client = ollama.Client(host=url, headers={"X-Ollama-Mock-Fault": fault})
    _OPEN.append(client)
    return client


def _openai(url: str, fault: str) -> openai.OpenAI:
    client = openai.OpenAI(
        base_url=url + "/v1", api_key="ollama", max_retries=0, default_headers={"X-Ollama-Mock-Fault": fault}
    )
    _OPEN.append(client)
    return client


@pytest.mark.parametrize("code", [400, 404, 429, 500, 503])
def test_ollama_client_raises_response_error_with_the_status(mock_url: str, code: int) -> None:
    with pytest.raises(ollama.ResponseError) as info:
        _ollama(mock_url, f"status;code={code}").chat(model="llama3.2", messages=MESSAGES)
    assert info.value.status_code == code
    if code == 503:
        assert info.value.error == "server busy, please try again.  maximum pending requests exceeded"


def test_ollama_client_raises_status_minus_one_on_a_midstream_error_line(mock_url: str) -> None:
    got = []
    with pytest.raises(ollama.ResponseError) as info:
        for part in _ollama(mock_url, "midstream_error;after=2;message=boom").chat(
            model="llama3.2", messages=MESSAGES, stream=True
        ):
            got.append(part.message.content)
    assert info.value.status_code == -1 and info.value.error == "boom" and len(got) == 2


def test_ollama_client_sees_a_dropped_connection(mock_url: str) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        for _ in _ollama(mock_url, "drop;after=1").generate(model="llama3.2", prompt="hi", stream=True):
            pass


def test_ollama_client_fails_on_a_malformed_line(mock_url: str) -> None:
    with pytest.raises(ValueError):  # json.JSONDecodeError from the client's line parser
        for _ in _ollama(mock_url, "malformed;after=1").generate(model="llama3.2", prompt="hi", stream=True):
            pass


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (400, openai.BadRequestError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_openai_client_raises_the_status_class(mock_url: str, code: int, error_class: type) -> None:
    with pytest.raises(error_class) as info:
        _openai(mock_url, f"status;code={code};retry_after=1").chat.completions.create(
            model="llama3.2", messages=MESSAGES
        )
    assert info.value.status_code == code
    assert info.value.response.headers["retry-after"] == "1"


def test_openai_client_retries_429_after_retry_after(make_mock) -> None:
    mock = make_mock()
    with openai.OpenAI(
        base_url=mock.base_url + "/v1",
        api_key="ollama",
        max_retries=1,
        default_headers={"X-Ollama-Mock-Fault": "status;code=429;retry_after=1"},
    ) as client:
        start = time.monotonic()
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="llama3.2", messages=MESSAGES)
    assert time.monotonic() - start >= 1.0  # the SDK waited Retry-After before its retry
    assert len(extensions.for_state(mock.state).journal.requests("/v1/chat/completions")) == 2


def test_openai_stream_just_ends_on_a_midstream_error(mock_url: str) -> None:
    chunks = list(
        _openai(mock_url, "midstream_error;after=2").chat.completions.create(
            model="llama3.2", messages=MESSAGES, stream=True
        )
    )
    assert len(chunks) == 3  # two chunks, then Ollama's empty one; no error, no finish, no [DONE]
    assert chunks[-1].model == "" and chunks[-1].choices[0].finish_reason is None
    assert all(c.choices[0].finish_reason is None for c in chunks)


def test_openai_strict_profile_raises_api_error_mid_stream(make_mock) -> None:
    mock = make_mock(profile="openai-strict")
    with pytest.raises(openai.APIError, match="boom"):
        for _ in _openai(mock.base_url, "midstream_error;after=1;message=boom").chat.completions.create(
            model="llama3.2", messages=MESSAGES, stream=True
        ):
            pass


def test_openai_stream_sees_a_dropped_connection(mock_url: str) -> None:
    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)):
        for _ in _openai(mock_url, "drop;after=1").chat.completions.create(
            model="llama3.2", messages=MESSAGES, stream=True
        ):
            pass


def test_should_retry_false_stops_openai_retries(make_mock) -> None:
    mock = make_mock()
    with openai.OpenAI(base_url=mock.base_url + "/v1", api_key="ollama", max_retries=3,
                       default_headers={"X-Ollama-Mock-Fault": "status;code=503;should_retry=false"}) as client:
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="llama3.2", messages=MESSAGES)
    assert len(extensions.for_state(mock.state).journal.requests("/v1/chat/completions")) == 1
