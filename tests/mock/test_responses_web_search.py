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
