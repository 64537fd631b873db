"""The official `openai` SDK against the mock's /v1 (api_key "ollama"): chat, stream, the full
tool-calling loop, embeddings (float and base64), models, completions, responses, and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=mock_url + "/v1", api_key="ollama", max_retries=0, timeout=10) as sdk:
        yield sdk


def test_chat(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="llama3.2", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert completion.object == "chat.completion" and completion.model == "llama3.2"
    assert completion.choices[0].message.content and completion.choices[0].finish_reason == "stop"
    assert (
        completion.usage is not None
        and completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_chat_stream_joins_to_the_non_stream_text(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Tell me a story"}]
    whole = client.chat.completions.create(model="llama3.2", messages=messages, seed=7)
    chunks = list(
        client.chat.completions.create(
            model="llama3.2", messages=messages, seed=7, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert (
        chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    )


def test_tool_calling_loop(client: openai.OpenAI) -> None:
    messages: list[dict] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model="llama3.2", messages=messages, tools=[WEATHER_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 24 degrees"})
    final = client.chat.completions.create(model="llama3.2", messages=messages, tools=[WEATHER_TOOL])
    assert final.choices[0].finish_reason == "stop" and not final.choices[0].message.tool_calls
    assert "sunny, 24 degrees" in (final.choices[0].message.content or "")


def test_structured_output_after_tool_results_parses(client: openai.OpenAI) -> None:
    # an agent with tools and an output type: the answer after the tool result is held to the
    # schema (Ollama enforces format with a grammar), and it draws on the question
    from pydantic import BaseModel

    class Weather(BaseModel):
        city: str
        summary: str

    messages: list = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model="llama3.2", messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"}]
    strict = {**WEATHER_TOOL, "function": {**WEATHER_TOOL["function"], "strict": True}}  # parse() wants it
    final = client.chat.completions.parse(model="llama3.2", messages=messages, tools=[strict], response_format=Weather)
    parsed = final.choices[0].message.parsed
    assert isinstance(parsed, Weather) and parsed.city == "Paris"


def test_streamed_tool_call_accumulates_by_index(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="qwen3:8b",
        messages=[{"role": "user", "content": "Weather in Tokyo?"}],
        tools=[WEATHER_TOOL],
        stream=True,
    )
    calls: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in stream:
        for delta in chunk.choices[0].delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"name": "", "arguments": ""})
            entry["name"] += delta.function.name or ""
            entry["arguments"] += delta.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls"
    assert calls == {0: {"name": "get_weather", "arguments": '{"city":"Tokyo"}'}}


def test_embeddings_float_and_base64(client: openai.OpenAI) -> None:
    floats = client.embeddings.create(
        model="nomic-embed-text", input=["hello", "world"], encoding_format="float"
    )
    assert [d.index for d in floats.data] == [0, 1] and len(floats.data[0].embedding) == 768
    decoded = client.embeddings.create(
        model="nomic-embed-text", input=["hello", "world"]
    )  # the SDK asks for base64
    assert decoded.data[0].embedding == pytest.approx(floats.data[0].embedding, rel=1e-6, abs=1e-7)
    assert floats.usage.prompt_tokens == floats.usage.total_tokens > 0


def test_models_list_and_retrieve(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids[:2] == ["qwen3:8b", "llama3.2:latest"] and "nomic-embed-text:latest" in ids
    model = client.models.retrieve("llama3.2")
    assert (model.id, model.object, model.owned_by) == ("llama3.2", "model", "library")


def test_completions(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="llama3.2", prompt="Once upon a time", max_tokens=6)
    assert completion.object == "text_completion" and completion.choices[0].finish_reason == "length"
    streamed = "".join(
        c.choices[0].text
        for c in client.completions.create(
            model="llama3.2", prompt="Once upon a time", max_tokens=6, stream=True
        )
    )
    assert streamed == completion.choices[0].text


def test_responses(client: openai.OpenAI) -> None:
    response = client.responses.create(model="llama3.2", input="Say hello", instructions="Be brief")
    assert response.status == "completed" and response.output_text
    events = list(
        client.responses.create(model="llama3.2", input="Say hello", instructions="Be brief", stream=True)
    )
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert events[-1].response.output_text == response.output_text


def test_errors_raise_the_sdk_exceptions(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert missing.value.status_code == 404 and missing.value.body["message"] == "model 'nope' not found"
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="llama3.2", messages=[])
    assert (
        bad.value.body["message"] == "[] is too short - 'messages'"
        and bad.value.body["type"] == "invalid_request_error"
    )
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("nope")
    with pytest.raises(openai.BadRequestError, match="does not support tools"):
        client.chat.completions.create(
            model="gemma3:1b", messages=[{"role": "user", "content": "x"}], tools=[WEATHER_TOOL]
        )
