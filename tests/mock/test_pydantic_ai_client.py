"""pydantic-ai 2.68 (OpenAIChatModel + OllamaProvider) against the mock's /v1 on real uvicorn, as a
pydantic-ai user would drive Ollama: plain and streamed runs with the server's usage, the tool loop
with the server's call ids, structured output in tool, native and prompted modes, thinking parts
from `reasoning`, and Ollama's /v1 errors surfacing as ModelHTTPError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import (
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIChatModelSettings
from pydantic_ai.providers.ollama import OllamaProvider

CHAT = "/v1/chat/completions"
ModelFor = Callable[[str], OpenAIChatModel]


class City(BaseModel):
    name: str
    population: int


@pytest.fixture
def model(mock_url: str) -> ModelFor:
    return lambda name: OpenAIChatModel(name, provider=OllamaProvider(base_url=mock_url + "/v1"))


def sent(base_url: str, n: int = 1) -> list[dict[str, Any]]:
    """The bodies of the last n /v1/chat/completions requests, from the mock's journal."""
    entries = httpx.get(base_url + "/_mock/requests", params={"path": CHAT}).json()["requests"]
    return [entry["body"] for entry in entries[-n:]]


def answer(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the mock answers to `body` (it is deterministic: the same request, the same answer)."""
    return httpx.post(base_url + CHAT, json=body).json()


def kinds(response: ModelResponse) -> list[tuple[str, str]]:
    """(part type, content) of every part of a response; tool calls show as ("ToolCallPart", "")."""
    return [
        (type(part).__name__, part.content if isinstance(part, (ThinkingPart, TextPart)) else "")
        for part in response.parts
    ]


def test_run_sync_text_and_usage(model: ModelFor, mock_url: str) -> None:
    result = Agent(model("llama3.2")).run_sync("Say hello")
    body = sent(mock_url)[0]
    assert body["stream"] is False  # pydantic-ai sends it explicitly
    reported = answer(mock_url, body)
    assert result.output and result.output == reported["choices"][0]["message"]["content"]
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.requests) == (
        reported["usage"]["prompt_tokens"],
        reported["usage"]["completion_tokens"],
        1,
    )


def test_run_stream_matches_run_sync_and_reads_the_usage_chunk(model: ModelFor, mock_url: str) -> None:
    agent = Agent(model("llama3.2"))
    whole = agent.run_sync("Tell me a story")
    with agent.run_stream_sync("Tell me a story") as stream:
        text = stream.get_output()
        usage = stream.usage
    body = sent(mock_url)[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert text == whole.output
    with httpx.stream("POST", mock_url + CHAT, json=body) as raw:
        events = [line[6:] for line in raw.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    usage_chunk = json.loads(events[-2])
    assert usage_chunk["choices"] == []
    assert (usage.input_tokens, usage.output_tokens) == (
        usage_chunk["usage"]["prompt_tokens"],
        usage_chunk["usage"]["completion_tokens"],
    )


def test_tool_plain_is_called_and_its_result_quoted(model: ModelFor, mock_url: str) -> None:
    agent = Agent(model("llama3.2"))
    calls: list[tuple[str, int, str]] = []

    @agent.tool_plain
    def get_time(zone: str) -> str:
        """Current time in a zone."""
        return "noon"

    @agent.tool_plain
    def get_forecast(city: str, days: int, unit: Literal["celsius", "fahrenheit"]) -> str:
        """Forecast for a city."""
        calls.append((city, days, unit))
        return f"{days} days of sun in {city}"

    # Names the second tool: the mock must pick it, not the first one offered.
    result = agent.run_sync("Use get_forecast for Paris")
    assert len(calls) == 1 and calls[0][0] == "Paris"
    assert isinstance(calls[0][1], int) and calls[0][2] in ("celsius", "fahrenheit")
    assert f"{calls[0][1]} days of sun in Paris" in result.output

    messages = result.all_messages()
    parts = [part for message in messages for part in message.parts]
    assert not any(isinstance(part, RetryPromptPart) for part in parts)  # the arguments validated first time
    call = next(part for part in parts if isinstance(part, ToolCallPart))
    ret = next(part for part in parts if isinstance(part, ToolReturnPart))
    first, second = sent(mock_url, 2)
    server_call = answer(mock_url, first)["choices"][0]["message"]["tool_calls"][0]
    assert call.tool_call_id == server_call["id"] == ret.tool_call_id
    assert (
        second["messages"][-1]["role"] == "tool"
        and second["messages"][-1]["tool_call_id"] == server_call["id"]
    )


def test_output_type_uses_the_final_result_tool(model: ModelFor, mock_url: str) -> None:
    result = Agent(model("llama3.2"), output_type=City).run_sync("Name a city")
    assert isinstance(result.output, City)
    assert [tool["function"]["name"] for tool in sent(mock_url)[0]["tools"]] == ["final_result"]
    assert len(result.all_messages()) == 3  # request, final_result call, its return: no retry


def test_native_output_uses_response_format_json_schema(model: ModelFor, mock_url: str) -> None:
    result = Agent(model("llama3.2"), output_type=NativeOutput(City)).run_sync("Name a city")
    assert isinstance(result.output, City)
    body = sent(mock_url)[0]
    assert body["response_format"]["type"] == "json_schema" and "tools" not in body
    assert len(result.all_messages()) == 2


def test_prompted_output_uses_json_object(make_mock) -> None:
    # json_object only promises JSON (format "json"); the schema is in the system prompt, which a real
    # model follows and the mock cannot read, so a rule scripts the reply a model would give.
    mock = make_mock()
    rule = {
        "name": "city",
        "match": {"message": "Name a city"},
        "respond": {"content": '{"name":"Oslo","population":709000}'},
    }
    httpx.post(mock.base_url + "/_mock/scenario", json=rule).raise_for_status()
    provider = OllamaProvider(base_url=mock.base_url + "/v1")
    result = Agent(OpenAIChatModel("llama3.2", provider=provider), output_type=PromptedOutput(City)).run_sync(
        "Name a city"
    )
    assert result.output == City(name="Oslo", population=709000)
    body = sent(mock.base_url)[0]
    assert body["response_format"] == {"type": "json_object"} and body["messages"][0]["role"] == "system"


def test_reasoning_effort_gives_a_thinking_part(model: ModelFor, mock_url: str) -> None:
    thinking = Agent(model("qwen3:8b"), model_settings=OpenAIChatModelSettings(openai_reasoning_effort="low"))
    result = thinking.run_sync("Why is the sky blue?")
    body = sent(mock_url)[0]
    assert body["reasoning_effort"] == "low"
    message = answer(mock_url, body)["choices"][0]["message"]
    assert message["reasoning"] and kinds(result.response) == [
        ("ThinkingPart", message["reasoning"]),
        ("TextPart", message["content"]),
    ]

    # "none" maps to think:false, so the same question comes back without reasoning.
    plain = Agent(model("qwen3:8b"), model_settings=OpenAIChatModelSettings(openai_reasoning_effort="none"))
    assert [kind for kind, _ in kinds(plain.run_sync("Why is the sky blue?").response)] == ["TextPart"]


def test_streamed_reasoning_gives_the_same_thinking_part(model: ModelFor) -> None:
    agent = Agent(model("qwen3:8b"), model_settings=OpenAIChatModelSettings(openai_reasoning_effort="low"))
    whole = agent.run_sync("Why is the sky blue?").response
    with agent.run_stream_sync("Why is the sky blue?") as stream:
        stream.get_output()
        streamed = stream.all_messages()[-1]
    assert isinstance(streamed, ModelResponse)
    assert kinds(streamed) == kinds(whole) and kinds(whole)[0][0] == "ThinkingPart"


def test_unknown_model_is_a_404_model_http_error(model: ModelFor) -> None:
    with pytest.raises(ModelHTTPError) as error:
        Agent(model("nope")).run_sync("x")
    assert error.value.status_code == 404 and error.value.model_name == "nope"
    assert error.value.body == {
        "message": "model 'nope' not found",
        "type": "not_found_error",
        "param": None,
        "code": None,
    }


def test_tools_on_a_model_without_tools_is_a_400(model: ModelFor, mock_url: str) -> None:
    agent = Agent(model("gemma3:1b"))

    @agent.tool_plain
    def double(x: int) -> int:
        return 2 * x

    with pytest.raises(ModelHTTPError) as error:
        agent.run_sync("Double 2")
    assert error.value.status_code == 400
    assert error.value.body == {
        "message": "registry.ollama.ai/library/gemma3:1b does not support tools",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert [tool["function"]["name"] for tool in sent(mock_url)[0]["tools"]] == ["double"]
