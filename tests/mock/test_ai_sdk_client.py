"""End to end: the Vercel AI SDK (npm `ai`) against the real uvicorn mock, through the maintained
Ollama provider, ollama-ai-provider-v2 (native /api), and @ai-sdk/openai-compatible (/v1).

tests/clients/js/drive_ai_sdk.mjs uses the SDK as a Node user does and prints what it observed:
generateText and streamText (text, finish reason, usage), the tool loop of `tools` + `stopWhen`
(zod input schema), embed/embedMany, ollama.completion() (/api/generate), errors, and an error in
the middle of a stream (the mock's fault header).

Where the provider is stricter than Ollama, these tests assert what real Ollama's answers produce
(clients.md §10; the mock is not bent to suit it):
- errors: the provider reads only OpenAI-style error bodies, so Ollama's `{"error": "..."}` leaves
  APICallError's message as the HTTP status text; Ollama's message is only in `responseBody`;
- ollama.completion() streaming: its record schema requires `context` on every /api/generate
  record, which Ollama sends only on the final one (ollama-api.md §2.2): the provider console.warn()s
  and drops every other record, so the streamed text is empty;
- a mid-stream `{"error": ...}` line fails the same record schema: warned about and dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

TOOL_RESULT = '{"city":"Toronto","temperature_c":21,"sky":"clear"}'  # what the driver's get_weather returns
CALL_ID = re.compile(r"call_[a-z0-9]{8}")


@pytest.fixture
def ai_sdk(js_client: Any) -> Any:
    # tests/mock/conftest.py
    return js_client("drive_ai_sdk.mjs", "ai", "ollama-ai-provider-v2", "@ai-sdk/openai-compatible", "zod")


def test_the_client_ran_without_throwing_or_warning(ai_sdk: Any) -> None:
    run = ai_sdk.result()
    assert (run["returncode"], run["stderr"]) == (0, "")


@pytest.mark.parametrize("section", ["native_text", "compat_text"])
def test_generate_text_and_stream_text(ai_sdk: Any, section: str) -> None:
    got = ai_sdk.section(section)
    assert got["text"] and (got["finishReason"], got["modelId"]) == ("stop", "llama3.2")
    usage = got["usage"]
    assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    stream = got["stream"]
    assert stream["text"] == got["text"] and stream["finishReason"] == "stop" and stream["usage"] == usage
    assert (
        stream["errors"] == []
        and stream["types"][-2:] == ["finish-step", "finish"]
        and "text-delta" in stream["types"]
    )
    if section == "native_text":
        # the provider sends `think: false` unless told otherwise, and `stream` explicitly
        assert (got["request_think"], got["request_stream"], stream["request_stream"]) == (False, False, True)


@pytest.mark.parametrize("section", ["native_tools", "compat_tools"])
def test_tool_loop(ai_sdk: Any, section: str) -> None:
    got = ai_sdk.section(section)
    for run in (got, got["stream"]):
        first, second = run["steps"]
        assert first["finishReason"] == "tool-calls" and first["text"] == ""
        [call] = first["toolCalls"]
        assert CALL_ID.fullmatch(call["toolCallId"])  # the server's id reaches the SDK
        assert (call["toolName"], call["input"]) == ("get_weather", {"city": "Toronto"})
        assert first["toolResults"] == [{"toolCallId": call["toolCallId"], "output": TOOL_RESULT}]
        assert second["finishReason"] == "stop" and second["toolCalls"] == []
        assert (
            TOOL_RESULT in second["text"] and run["text"] == second["text"] and run["finishReason"] == "stop"
        )
    assert got["stream"]["errors"] == [] and "tool-call" in got["stream"]["types"]
    # the second request replays the call and answers it by id
    assistant, answer = got["replayed"]
    [replayed] = assistant["tool_calls"]
    assert replayed["id"] == answer["tool_call_id"] == got["steps"][0]["toolCalls"][0]["toolCallId"]
    arguments = replayed["function"]["arguments"]
    if section == "native_tools":
        assert arguments == {"city": "Toronto"}  # an object on the native API
    else:
        assert json.loads(arguments) == {"city": "Toronto"}  # a JSON string on /v1
    assert (answer["role"], answer["content"]) == ("tool", TOOL_RESULT)


@pytest.mark.parametrize("section", ["native_embed", "compat_embed"])
def test_embed_and_embed_many(ai_sdk: Any, section: str) -> None:
    got = ai_sdk.section(section)
    assert got["dimensions"] == [768, 768, 768] and got["same_first"] and got["distinct"]
    assert got["norms"] == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)
    assert got["usage"][0] > 0 and got["usage"][1] > got["usage"][0]
    if section == "compat_embed":
        assert got["encoding_format"] == "float"


def test_completion_model_generate_text(ai_sdk: Any) -> None:
    got = ai_sdk.section("native_completion")
    assert got["text"] and got["finishReason"] == "stop"
    assert got["usage"]["inputTokens"] > 0 and got["usage"]["outputTokens"] > 0


def test_completion_model_stream_drops_the_records_ollama_sends_without_context(
    ai_sdk: Any, mock_url: str
) -> None:
    stream = ai_sdk.section("native_completion")["stream"]
    # The same request, straight to the mock: as Ollama, only the final record carries `context`.
    with httpx.stream("POST", mock_url + "/api/generate", json=stream["request"], timeout=10) as response:
        records = [json.loads(line) for line in response.iter_lines() if line]
    assert records[-1]["done"] is True and "context" in records[-1]
    without = [r for r in records if "context" not in r]
    assert without and all(r["done"] is False and r["response"] for r in without)
    # ... and the provider warned about each of them and dropped it: the text is lost, the finish is not.
    assert stream["warnings"] == ['Failed to parse NDJSON line: [["context"]]'] * len(without)
    assert (stream["text"], stream["finishReason"], stream["errors"]) == ("", "stop", [])


@pytest.mark.parametrize(
    ("case", "status", "status_text", "body"),
    [
        ("unknown_model", 404, "Not Found", "model 'no-such-model' not found"),
        (
            "unknown_embedding_model",
            404,
            "Not Found",
            'model "no-such-model" not found, try pulling it first',
        ),
        ("no_tools", 400, "Bad Request", "registry.ollama.ai/library/gemma3:1b does not support tools"),
    ],
)
def test_native_errors_carry_the_status_text(
    ai_sdk: Any, case: str, status: int, status_text: str, body: str
) -> None:
    err = ai_sdk.section("native_errors")[case]
    assert (err["class"], err["is_api_call_error"], err["status"], err["retryable"]) == (
        "APICallError",
        True,
        status,
        False,
    )
    # Ollama's native envelope is not the OpenAI-style one the provider parses (clients.md §10)
    assert err["message"] == status_text and json.loads(err["response_body"]) == {"error": body}


def test_native_stream_error_is_an_error_part(ai_sdk: Any) -> None:
    got = ai_sdk.section("native_errors")["unknown_model_stream"]
    assert got["types"] == ["start", "error"] and got["errors"] == ["Not Found"]
    assert got["finishReason"] == "threw AI_NoOutputGeneratedError"


def test_native_midstream_error_line_is_dropped(ai_sdk: Any) -> None:
    # Ollama's {"error": ...} line (HTTP 200, no done record, §4.2) fails the provider's record schema:
    # warned about and dropped, so the stream ends as if cut: finish "other", no usage, no error part.
    # (clients.md §10/§12 expect an error part and finish "error" from this provider; 3.6.0 does not.)
    got = ai_sdk.section("native_midstream_error")
    assert got["text"] and (got["finishReason"], got["errors"]) == ("other", [])
    assert got["usage"] == {"inputTokens": None, "outputTokens": None, "totalTokens": None}
    assert got["warnings"] == ['Failed to parse NDJSON line: [["model"],["created_at"],["done"],["message"]]']


def test_compat_midstream_error_is_an_error_part(ai_sdk: Any) -> None:
    # /v1 after the error: one chunk with model "" and an empty delta, then the end without [DONE]
    got = ai_sdk.section("compat_errors")["midstream_error"]
    assert got["text"] and got["finishReason"] == "error"
    assert got["errors"] == ["Response stream ended without a finish reason."]


def test_compat_error_carries_ollamas_message(ai_sdk: Any) -> None:
    err = ai_sdk.section("compat_errors")["unknown_model"]
    assert (err["class"], err["status"], err["retryable"]) == ("APICallError", 404, False)
    assert err["message"] == "model 'no-such-model' not found"
    assert json.loads(err["response_body"])["error"]["type"] == "not_found_error"
