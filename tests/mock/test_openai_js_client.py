"""End to end: the official OpenAI Node SDK (npm `openai`) against the real uvicorn mock's /v1.

tests/clients/js/drive_openai.mjs uses the SDK as a Node user pointed at Ollama does (baseURL
`<mock>/v1`, apiKey "ollama", default retries) and prints what it observed: chat and its SSE stream,
the usage chunk of `stream_options.include_usage`, the tool-calling loop (plain and streamed, raw
chunks and the SDK's own accumulator `chat.completions.stream`), `chat.completions.parse` with a zod
`response_format`, embeddings (float, and the SDK's default base64, which it decodes), models,
errors as the SDK's status classes with Ollama's messages, and an error in the middle of a stream
(the mock's fault header) (ollama-api.md §2.4, §3.1-§3.4, §4.2, §4.4).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

TOOL_RESULT = '{"city":"Toronto","temperature_c":21,"sky":"clear"}'  # what the driver's get_weather returns
CALL_ID = re.compile(r"call_[a-z0-9]{8}")
CHAT_ID = re.compile(r"chatcmpl-\d{1,3}")


@pytest.fixture
def openai_js(js_client: Any) -> Any:
    return js_client("drive_openai.mjs", "openai", "zod")  # tests/mock/conftest.py


def test_the_client_ran_without_throwing_or_warning(openai_js: Any) -> None:
    run = openai_js.result()
    assert (run["returncode"], run["stderr"]) == (0, "")


def test_chat_and_its_stream(openai_js: Any) -> None:
    chat = openai_js.section("chat")
    assert CHAT_ID.fullmatch(chat["id"])
    assert (chat["object"], chat["created_type"], chat["model"], chat["system_fingerprint"]) == (
        "chat.completion",
        "number",
        "llama3.2",
        "fp_ollama",
    )
    assert (chat["role"], chat["finish_reason"]) == ("assistant", "stop") and chat["content"]
    usage = chat["usage"]
    assert (
        usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        and usage["completion_tokens"] > 0
    )
    stream = chat["stream"]
    assert stream["content"] == chat["content"]  # same seed, same text
    assert len(stream["ids"]) == 1 and CHAT_ID.fullmatch(stream["ids"][0])
    assert stream["objects"] == ["chat.completion.chunk"]
    assert stream["roles"] == ["assistant"]  # the first delta only (Ollama >= 0.32.6, §2.4)
    assert stream["finish_reasons"] == ["stop"] and stream["usage_keys"] == 0  # no usage unless asked


def test_include_usage_adds_a_last_chunk_with_no_choices(openai_js: Any) -> None:
    got = openai_js.section("stream_usage")
    assert got["content"] and got["finish_reasons"] == ["stop"]
    assert got["last_choices"] == [] and got["with_usage"] == [got["with_usage"][0]]  # only the last chunk
    usage = got["last_usage"]
    assert (
        usage["completion_tokens"] > 0
        and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    )


def test_tool_calling_loop(openai_js: Any) -> None:
    tools = openai_js.section("tools")
    assert (tools["first_finish_reason"], tools["first_content"]) == ("tool_calls", "")
    [call] = tools["calls"]
    assert CALL_ID.fullmatch(call["id"])
    assert (call["index"], call["type"], call["name"]) == (0, "function", "get_weather")
    assert json.loads(call["arguments"]) == {"city": "Toronto"}
    assert call["arguments"] == '{"city":"Toronto"}'  # compact JSON, as Go writes it
    assert tools["tool_results"] == [TOOL_RESULT]
    assert tools["final_finish_reason"] == "stop" and tools["final_tool_calls"] is None
    assert TOOL_RESULT in tools["final_content"]


def test_streamed_tool_call_loop(openai_js: Any) -> None:
    got = openai_js.section("tools_stream")
    # each call arrives whole in one delta (§2.4): id, index, name and the complete arguments
    assert got["delta_count"] == 1 and list(got["joined"]) == ["0"]
    call = got["joined"]["0"]
    assert CALL_ID.fullmatch(call["id"]) and call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "Toronto"}
    assert got["finish_reasons"] == ["tool_calls"] and got["reasoning"]  # qwen3:8b thinks by default
    # the SDK's accumulator (ChatCompletionStream) builds the same call and fires its done event
    acc = got["accumulated"]
    assert acc["finish_reason"] == "tool_calls"
    assert [(c["name"], c["type"], json.loads(c["arguments"])) for c in acc["calls"]] == [
        ("get_weather", "function", {"city": "Toronto"})
    ]
    assert all(CALL_ID.fullmatch(c["id"]) for c in acc["calls"])
    assert acc["events"] == [{"name": "get_weather", "index": 0, "arguments": '{"city":"Toronto"}'}]
    assert got["tool_results"] == [TOOL_RESULT]
    assert (got["final_finish_reason"], got["final_tool_calls"]) == ("stop", 0)
    assert TOOL_RESULT in got["final_content"]


def test_parse_with_a_zod_response_format(openai_js: Any) -> None:
    got = openai_js.section("parse")
    assert (got["response_format_type"], got["strict"]) == ("json_schema", True)
    assert got["finish_reason"] == "stop" and got["refusal"] is None
    assert got["content_is_json"] and got["valid"]  # the schema (via Ollama's format) holds
    assert set(got["parsed"]) == {"city", "temperature_c", "sky"} and got["parsed"]["sky"] in {
        "clear",
        "cloudy",
        "rain",
    }


def test_embeddings_float_and_the_default_base64(openai_js: Any) -> None:
    got = openai_js.section("embeddings")
    assert got["asked_encoding"] == ["float", "base64"]  # the SDK asks for base64 when the caller does not
    assert (got["object"], got["model"], got["indexes"]) == ("list", "nomic-embed-text", [0, 1])
    assert got["dimensions"] == [[768, 768], [768, 768]] and got["decoded_is_array"] and got["distinct"]
    for norms in got["norms"]:
        assert norms == pytest.approx([1.0, 1.0], abs=1e-6)  # L2-normalised (§3.3)
    assert (
        got["max_difference"] < 1e-7
    )  # base64 is float32 little-endian: the same vectors to float32 precision
    assert got["usage"]["prompt_tokens"] == got["usage"]["total_tokens"] > 0


def test_models_list_and_retrieve(openai_js: Any) -> None:
    got = openai_js.section("models")
    assert got["ids"][:2] == ["qwen3:8b", "llama3.2:latest"] and "nomic-embed-text:latest" in got["ids"]
    assert (got["objects"], got["owned_by"]) == (["model"], ["library"])
    assert got["retrieved"] == {
        "id": "llama3.2:latest",
        "object": "model",
        "owned_by": "library",
        "created_type": "number",
    }
    assert got["retrieved_short_id"] == "llama3.2"  # the path parameter verbatim (§3.4)
    assert got["created_matches_list"]


def test_midstream_error_ends_the_stream_without_a_finish(openai_js: Any) -> None:
    # Ollama sends one more chunk (model "", empty delta) and closes: no finish chunk, no [DONE], no
    # message (ollama-api.md §4.2). The SDK's iterator ends quietly with the text so far; its
    # accumulator refuses the result.
    got = openai_js.section("midstream_error")
    assert got["threw"] is None and got["content"] and got["finish_reasons"] == []
    assert got["models"] == ["llama3.2", "llama3.2", ""]
    helper = got["helper"]
    assert (helper["class"], helper["is_api_error"], helper["message"]) == (
        "OpenAIError",
        False,
        "missing finish_reason for choice 0",
    )


@pytest.mark.parametrize(
    ("case", "cls", "status", "message"),
    [
        ("unknown_model", "NotFoundError", 404, "model 'no-such-model' not found"),
        (
            "unknown_model_stream",
            "NotFoundError",
            404,
            "model 'no-such-model' not found",
        ),  # thrown by create()
        ("unknown_model_retrieve", "NotFoundError", 404, "model 'no-such-model:latest' not found"),
        (
            "unknown_model_embeddings",
            "NotFoundError",
            404,
            'model "no-such-model" not found, try pulling it first',
        ),
        ("empty_messages", "BadRequestError", 400, "[] is too short - 'messages'"),
        ("no_tools", "BadRequestError", 400, "registry.ollama.ai/library/gemma3:1b does not support tools"),
        (
            "bad_encoding",
            "BadRequestError",
            400,
            "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
        ),
    ],
)
def test_errors_are_the_sdk_status_classes(
    openai_js: Any, case: str, cls: str, status: int, message: str
) -> None:
    err = openai_js.section("errors")[case]
    assert (err["class"], err["is_api_error"], err["status"]) == (cls, True, status)
    kind = "not_found_error" if status == 404 else "invalid_request_error"
    assert err["error"] == {"message": message, "type": kind, "param": None, "code": None}
    assert err["type"] == kind and err["message"] == f"{status} {message}"
