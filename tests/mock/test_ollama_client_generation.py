"""End to end: the official `ollama` Python client against the real uvicorn mock."""

from __future__ import annotations

import json
from typing import Any

import ollama
import pytest


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
      city: The name of the city
    """
    return json.dumps({"city": city, "temperature_c": 21, "sky": "clear"})


@pytest.fixture
def client(mock_url: str) -> ollama.Client:
    return ollama.Client(host=mock_url)


def test_chat(client: ollama.Client) -> None:
    response = client.chat(model="llama3.2", messages=[{"role": "user", "content": "Why is the sky blue?"}])
    assert response.message.role == "assistant" and response.message.content
    assert (
        response.done and response.done_reason == "stop" and response.eval_count and response.total_duration
    )


def test_chat_stream(client: ollama.Client) -> None:
    parts = list(client.chat(model="qwen3:8b", messages=[{"role": "user", "content": "hello"}], stream=True))
    assert parts[-1].done and not any(p.done for p in parts[:-1])
    assert any(p.message.thinking for p in parts) and "".join(p.message.content or "" for p in parts)
    assert parts[-1].eval_count == len(parts) - 1


def test_generate_and_stream(client: ollama.Client) -> None:
    single = client.generate(model="gemma3:1b", prompt="Count to five", options={"seed": 1})
    streamed = "".join(
        p.response
        for p in client.generate(model="gemma3:1b", prompt="Count to five", options={"seed": 1}, stream=True)
    )
    assert single.response == streamed and single.context


def test_embed(client: ollama.Client) -> None:
    response = client.embed(model="nomic-embed-text", input=["first text", "second text"])
    assert len(response.embeddings) == 2 and all(len(v) == 768 for v in response.embeddings)
    assert response.prompt_eval_count and response.load_duration


def test_tool_calling_loop(client: ollama.Client) -> None:
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Toronto?"}]
    response = client.chat(model="qwen3:8b", messages=messages, tools=[get_weather])
    calls = response.message.tool_calls or []
    assert [c.function.name for c in calls] == ["get_weather"]
    assert calls[0].function.arguments == {"city": "Toronto"}
    messages.append(response.message)
    for call in calls:
        result = get_weather(**call.function.arguments)
        messages.append({"role": "tool", "content": result, "tool_name": call.function.name})
    final = client.chat(model="qwen3:8b", messages=messages, tools=[get_weather])
    assert not final.message.tool_calls and '"temperature_c": 21' in final.message.content


@pytest.mark.parametrize(
    ("call", "status", "text"),
    [
        (
            lambda c: c.chat(model="missing-model", messages=[{"role": "user", "content": "x"}]),
            404,
            "model 'missing-model' not found",
        ),
        (
            lambda c: c.chat(
                model="gemma3:1b", messages=[{"role": "user", "content": "x"}], tools=[get_weather]
            ),
            400,
            "does not support tools",
        ),
        (
            lambda c: c.generate(model="llama3.2", prompt="x", options={"stop": "x"}),
            500,
            "must be of type array",
        ),
        (lambda c: c.embed(model="missing-model", input="x"), 404, "try pulling it first"),
    ],
)
def test_errors_surface_as_response_error(client: ollama.Client, call: Any, status: int, text: str) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        call(client)
    assert err.value.status_code == status and text in err.value.error


def test_errors_on_a_stream_request_raise_before_iteration(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        list(client.chat(model="nope", messages=[{"role": "user", "content": "x"}], stream=True))
    assert err.value.status_code == 404


def test_streamed_tool_call_and_think_flags(client: ollama.Client) -> None:
    parts = list(
        client.chat(
            model="llama3.2",
            messages=[{"role": "user", "content": "Weather in Lima?"}],
            tools=[get_weather],
            stream=True,
        )
    )
    calls = [c for p in parts for c in (p.message.tool_calls or [])]
    assert [c.function.arguments for c in calls] == [{"city": "Lima"}] and parts[-1].done_reason == "stop"
    quiet = client.chat(model="qwen3:8b", messages=[{"role": "user", "content": "hi"}], think=False)
    assert not quiet.message.thinking and quiet.message.content
    with pytest.raises(ollama.ResponseError) as err:
        client.chat(model="gemma3:1b", messages=[{"role": "user", "content": "hi"}], think=True)
    assert err.value.status_code == 400 and err.value.error == '"gemma3:1b" does not support thinking'
