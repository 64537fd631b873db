"""End to end: `langchain-ollama` (ChatOllama, OllamaLLM, OllamaEmbeddings) against the real uvicorn mock,
used the way a LangChain user uses it against Ollama: invoke/stream, tools and the tool loop, structured
output, reasoning, embeddings, model validation, errors and the async API."""

from __future__ import annotations

import asyncio
import json
import math
from functools import reduce
from operator import add
from typing import Any, Literal

import httpx
import jsonschema
import ollama
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_ollama import ChatOllama, OllamaEmbeddings, OllamaLLM
from pydantic import BaseModel, Field

PROMPT = "Why is the sky blue?"


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str = Field(description="The name of the city")
    unit: Literal["celsius", "fahrenheit"]
    days: int = Field(description="How many days to forecast")


def get_time(zone: str, precise: bool = False) -> str:
    """Get the current time in a time zone.

    Args:
        zone: An IANA time zone name
        precise: Include seconds
    """
    return json.dumps({"zone": zone, "time": "12:34"})


class Person(BaseModel):
    name: str
    age: int
    role: Literal["admin", "user"]


def last_request(base_url: str, path: str) -> dict[str, Any]:
    """The body of the last request the mock journalled on `path`: what langchain really sent."""
    requests = httpx.get(base_url + "/_mock/requests", params={"path": path}, timeout=5).json()["requests"]
    return requests[-1]["body"]


def test_invoke_returns_content_usage_and_metadata(mock_url: str) -> None:
    message = ChatOllama(model="llama3.2", base_url=mock_url).invoke(PROMPT)
    # invoke() is a streamed request that langchain aggregates (clients.md §6)
    assert last_request(mock_url, "/api/chat")["stream"] is True
    raw = ollama.Client(host=mock_url).chat(model="llama3.2", messages=[{"role": "user", "content": PROMPT}])
    assert isinstance(message, AIMessage) and message.content == raw.message.content
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == raw.prompt_eval_count > 0
    assert message.usage_metadata["output_tokens"] == raw.eval_count > 0
    meta = message.response_metadata
    assert meta["model_name"] == "llama3.2" and meta["done_reason"] == "stop"
    assert meta["model_provider"] == "ollama" and meta["eval_count"] == raw.eval_count


def test_stream_joins_to_the_invoke_content(mock_url: str) -> None:
    model = ChatOllama(model="llama3.2", base_url=mock_url)
    whole = model.invoke(PROMPT)
    chunks = list(model.stream(PROMPT))
    assert len(chunks) > 3 and "".join(str(c.content) for c in chunks) == whole.content
    # langchain-core appends an empty chunk_position="last" marker; the server's done record comes before it
    server_chunks = [c for c in chunks if c.chunk_position != "last"]
    with_usage = [i for i, c in enumerate(server_chunks) if c.usage_metadata]
    assert with_usage == [len(server_chunks) - 1]
    assert server_chunks[-1].usage_metadata == whole.usage_metadata
    assert server_chunks[-1].response_metadata["done_reason"] == "stop"
    assert reduce(add, chunks).usage_metadata == whole.usage_metadata


def test_bind_tools_calls_the_named_tool_with_schema_valid_arguments(mock_url: str) -> None:
    model = ChatOllama(model="qwen3:8b", base_url=mock_url).bind_tools([GetWeather, get_time])
    weather = model.invoke("What is the weather in Paris?")
    assert [c["name"] for c in weather.tool_calls] == ["GetWeather"]
    args = weather.tool_calls[0]["args"]
    jsonschema.validate(args, convert_to_openai_tool(GetWeather)["function"]["parameters"])
    assert GetWeather.model_validate(args).city == "Paris"

    clock = model.invoke("Use get_time to tell me the time in Europe/Paris")
    assert [c["name"] for c in clock.tool_calls] == ["get_time"]
    jsonschema.validate(
        clock.tool_calls[0]["args"], convert_to_openai_tool(get_time)["function"]["parameters"]
    )
    sent = last_request(mock_url, "/api/chat")
    assert [t["function"]["name"] for t in sent["tools"]] == ["GetWeather", "get_time"]


def test_tool_loop_final_answer_quotes_the_tool_result(mock_url: str) -> None:
    model = ChatOllama(model="llama3.2", base_url=mock_url).bind_tools([get_time])
    messages: list[Any] = [HumanMessage("What time is it in Asia/Tokyo? Use get_time.")]
    first = model.invoke(messages)
    assert len(first.tool_calls) == 1 and first.tool_calls[0]["name"] == "get_time"
    call = first.tool_calls[0]
    result = get_time(**call["args"])
    messages += [first, ToolMessage(result, tool_call_id=call["id"])]
    final = model.invoke(messages)
    assert not final.tool_calls and isinstance(final.content, str) and result in final.content
    sent = last_request(mock_url, "/api/chat")["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["function"] == {"name": "get_time", "arguments": call["args"]}


def test_structured_output_json_schema(mock_url: str) -> None:
    structured = ChatOllama(model="llama3.2", base_url=mock_url).with_structured_output(
        Person, method="json_schema"
    )
    person = structured.invoke("Invent a person")
    assert isinstance(person, Person) and person.name
    assert last_request(mock_url, "/api/chat")["format"] == Person.model_json_schema()


def test_structured_output_json_mode(mock_url: str) -> None:
    # format "json" carries no schema, so only a prompt could shape the object: check for valid JSON only
    structured = ChatOllama(model="llama3.2", base_url=mock_url).with_structured_output(
        None, method="json_mode", include_raw=True
    )
    out = structured.invoke("Describe the sky as a JSON object")
    assert out["parsing_error"] is None and isinstance(out["parsed"], dict) and out["parsed"]
    assert json.loads(out["raw"].content) == out["parsed"]
    assert last_request(mock_url, "/api/chat")["format"] == "json"


def test_json_mode_follows_the_schema_an_output_parser_puts_in_the_prompt(mock_url: str) -> None:
    # PydanticOutputParser writes the schema into the prompt (after an example schema of its own);
    # a model in JSON mode answers with an object of that schema, and so does the mock
    from langchain_core.output_parsers import PydanticOutputParser
    from langchain_core.prompts import PromptTemplate

    parser = PydanticOutputParser(pydantic_object=GetWeather)
    prompt = PromptTemplate(template="Answer the query.\n{format_instructions}\n{query}\n",
                            input_variables=["query"],
                            partial_variables={"format_instructions": parser.get_format_instructions()})
    chain = prompt | ChatOllama(model="llama3.2", base_url=mock_url, format="json") | parser
    weather = chain.invoke({"query": "What is the weather in Paris?"})
    assert isinstance(weather, GetWeather) and weather.unit in ("celsius", "fahrenheit")
    assert last_request(mock_url, "/api/chat")["format"] == "json"


def test_reasoning_goes_to_reasoning_content(mock_url: str) -> None:
    message = ChatOllama(model="qwen3:8b", base_url=mock_url, reasoning=True).invoke("hello")
    thinking = message.additional_kwargs.get("reasoning_content")
    assert thinking and message.content and thinking not in message.content
    assert "<think>" not in message.content
    assert last_request(mock_url, "/api/chat")["think"] is True

    quiet = ChatOllama(model="qwen3:8b", base_url=mock_url, reasoning=False).invoke("hello")
    assert "reasoning_content" not in quiet.additional_kwargs and quiet.content
    assert last_request(mock_url, "/api/chat")["think"] is False


def test_reasoning_on_a_model_without_thinking_is_ollamas_400(mock_url: str) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        ChatOllama(model="gemma3:1b", base_url=mock_url, reasoning=True).invoke("hello")
    assert err.value.status_code == 400 and err.value.error == '"gemma3:1b" does not support thinking'


def test_ollama_llm_invoke_and_stream(mock_url: str) -> None:
    llm = OllamaLLM(model="gemma3:1b", base_url=mock_url)
    text = llm.invoke("Count to five")
    chunks = list(llm.stream("Count to five"))
    assert isinstance(text, str) and text and len(chunks) > 3 and "".join(chunks) == text
    sent = last_request(mock_url, "/api/generate")
    assert sent["prompt"] == "Count to five" and sent["stream"] is True
    info = llm.generate(["Count to five"]).generations[0][0].generation_info or {}
    assert info["done_reason"] == "stop" and info["eval_count"] > 0


def test_embeddings_are_768_deterministic_and_normalised(mock_url: str) -> None:
    embeddings = OllamaEmbeddings(model="nomic-embed-text", base_url=mock_url)
    first, second = embeddings.embed_documents(["the first text", "another text"])
    query = embeddings.embed_query("the first text")
    assert len(first) == len(second) == len(query) == 768
    assert query == first and first != second
    assert OllamaEmbeddings(model="nomic-embed-text", base_url=mock_url).embed_query("another text") == second
    for vector in (first, second):
        assert math.isclose(math.fsum(x * x for x in vector), 1.0, abs_tol=1e-6)


def test_validate_model_on_init(mock_url: str) -> None:
    # "llama3.2" is listed as "llama3.2:latest": langchain accepts it by prefix
    ChatOllama(model="llama3.2", base_url=mock_url, validate_model_on_init=True)
    OllamaLLM(model="gemma3:1b", base_url=mock_url, validate_model_on_init=True)
    with pytest.raises(ValueError, match="Model `no-such-model` not found in Ollama"):
        ChatOllama(model="no-such-model", base_url=mock_url, validate_model_on_init=True)


def test_unknown_model_is_ollamas_404(mock_url: str) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        ChatOllama(model="no-such-model", base_url=mock_url).invoke("hello")
    assert err.value.status_code == 404 and err.value.error == "model 'no-such-model' not found"


def test_async_invoke_and_stream(mock_url: str) -> None:
    model = ChatOllama(model="llama3.2", base_url=mock_url)

    async def run() -> tuple[AIMessage, list[str]]:
        message = await model.ainvoke(PROMPT)
        parts = [str(c.content) async for c in model.astream(PROMPT)]
        return message, parts

    message, parts = asyncio.run(run())
    assert message.content == model.invoke(PROMPT).content and message.usage_metadata
    assert len(parts) > 3 and "".join(parts) == message.content
