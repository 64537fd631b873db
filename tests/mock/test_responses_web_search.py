"""/v1/responses with the built-in web_search tool, as an Ollama that cannot reach ollama.com
answers it (middleware WebSearchResponsesWriter): the search fails, so does the response."""

from __future__ import annotations

import json
from typing import Any

from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient

BODY = {"model": "llama3.2", "input": "Search the web for tokyo weather", "tools": [{"type": "web_search"}]}
OFFLINE = 'Post "https://ollama.com:443/api/web_search?ts=1767225600": dial tcp: lookup ollama.com: no such host'


def _client(**settings: Any) -> TestClient:
    return TestClient(create_app(Settings(validate_emitted=True, clock="2026-01-01T00:00:00Z", **settings)),
                      base_url="http://127.0.0.1:11434")


def _events(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    text = client.post("/v1/responses", json={**body, "stream": True}).text
    return [json.loads(line[len("data: "):]) for line in text.splitlines() if line.startswith("data: ")]


def test_a_search_that_cannot_run_is_a_502_without_streaming() -> None:
    answer = _client().post("/v1/responses", json=BODY)
    assert (answer.status_code, answer.headers["content-type"]) == (502, "application/json")
    assert answer.json() == {"error": {"message": OFFLINE, "type": "api_error", "param": None, "code": None}}


def test_a_streamed_search_that_cannot_run_ends_with_response_failed() -> None:
    events = _events(_client(), BODY)
    assert [e["type"] for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added",
        "response.web_search_call.in_progress", "response.web_search_call.searching", "response.failed"]
    assert [e["sequence_number"] for e in events] == list(range(6))
    response_id = events[0]["response"]["id"]
    item = events[2]["item"]
    assert item == {"action": {"query": item["action"]["query"], "type": "search"},
                    "id": f"ws_{response_id[len('resp_'):]}_1", "status": "in_progress", "type": "web_search_call"}
    failed = events[-1]["response"]
    assert list(failed) == ["error", "id", "model", "object", "output", "status", "usage"]
    assert failed["error"] == {"code": "api_error", "message": OFFLINE} and failed["output"] == []
    assert failed["usage"]["total_tokens"] == failed["usage"]["input_tokens"] + failed["usage"]["output_tokens"] > 0


def test_reasoning_streamed_before_the_call_is_closed_first() -> None:
    types = [e["type"] for e in _events(_client(), {**BODY, "model": "qwen3:8b"})]
    done = types.index("response.output_item.done")
    assert types[done - 1] == "response.reasoning_summary_text.done"
    assert types[done + 1:] == ["response.output_item.added", "response.web_search_call.in_progress",
                                "response.web_search_call.searching", "response.failed"]


def test_the_model_sees_the_search_function_in_the_tools_place() -> None:
    from ollama_conformance.mock_server.compat.responses_request import WEB_SEARCH_FUNCTION, native_tools

    mine = {"type": "function", "name": "web_search", "parameters": {"type": "object"}}
    other = {"type": "function", "name": "f", "parameters": {"type": "object"}}
    tools = native_tools([other, {"type": "web_search"}, mine])
    assert [t["function"]["name"] for t in tools] == ["f", "web_search"] and tools[1] == WEB_SEARCH_FUNCTION
    assert native_tools([mine])[0]["function"]["parameters"] == {"type": "object"}  # no built-in: the user's


def test_releases_before_the_built_in_search_drop_the_tool() -> None:
    answer = _client(profile="ollama-0.32.5").post("/v1/responses", json=BODY)
    assert answer.status_code == 200 and answer.json()["status"] == "completed"


def test_a_client_call_before_the_search_goes_out_before_it() -> None:
    client = _client()
    rule = {"rules": [{"name": "both", "match": {"endpoint": "chat"},
                       "respond": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}},
                                                  {"name": "web_search", "arguments": {"query": "paris news"}}]}}]}
    assert client.post("/_mock/scenario", json=rule).status_code == 200
    tools = [{"type": "web_search"}, {"type": "function", "name": "get_weather",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    events = _events(client, {**BODY, "tools": tools})
    added = [(e["output_index"], e["item"]["type"]) for e in events if e["type"] == "response.output_item.added"]
    assert added == [(0, "function_call"), (1, "web_search_call")]
    assert events[-1]["type"] == "response.failed"


def test_client_calls_in_the_searching_record_go_out_first() -> None:
    # one record with both calls (llama-server's path sends them together): FinishMessageItem,
    # then EmitFunctionCallItems for the client's calls, then the search
    from ollama_conformance.mock_server.compat.responses_stream import ResponsesStreamer
    from ollama_conformance.mock_server.profiles import Profile

    streamer = ResponsesStreamer(BODY, Profile(), 1767225600, set(), web_search=True)
    calls = [{"function": {"name": "web_search", "arguments": {"query": "paris"}}},
             {"id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
    assert not streamer._process({"message": {"role": "assistant", "content": "", "tool_calls": calls}, "done": False})
    assert streamer._process({"message": {"role": "assistant", "content": ""}, "done": True,
                              "prompt_eval_count": 5, "eval_count": 3})
    added = [(i.body["output_index"], i.body["item"]["type"]) for i in streamer.items
             if i.body["type"] == "response.output_item.added"]
    assert added == [(0, "function_call"), (1, "web_search_call")]
