"""End to end: the official JavaScript client, ollama-js (npm `ollama`), against the real uvicorn mock.

tests/clients/js/drive_mock.mjs uses the client as a Node user does and prints what it observed; this
proves ollama-js gets what it needs from the mock: chat and generate (streams that end in `done`), the
tool-calling loop, embed, list/show/ps, pull progress ending in `success`, copy/delete, version, and
errors that reach the caller as ResponseError with Ollama's status and message.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TOOL_RESULT = '{"city":"Toronto","temperature_c":21,"sky":"clear"}'  # what the driver's get_weather returns


@pytest.fixture
def ollama_js(js_client: Any) -> Any:
    return js_client("drive_mock.mjs", "ollama")  # tests/mock/conftest.py


def test_the_client_ran_without_throwing_or_warning(ollama_js: Any) -> None:
    # ollama-js console.warn()s every stream line it cannot parse and skips it; stderr must stay empty.
    run = ollama_js.result()
    assert (run["returncode"], run["stderr"]) == (0, "")


def test_chat_stream_joins_to_the_non_stream_answer(ollama_js: Any) -> None:
    chat = ollama_js.section("chat")
    assert (chat["model"], chat["role"], chat["done"], chat["done_reason"]) == (
        "llama3.2",
        "assistant",
        True,
        "stop",
    )
    assert chat["content"] and chat["eval_count"] > 0 and chat["total_duration"] > 0
    assert chat["created_at_type"] == "string"
    stream = chat["stream"]
    assert stream["content"] == chat["content"]
    assert stream["done_at"] == [stream["chunks"] - 1]
    assert stream["last_done_reason"] == "stop" and stream["last_eval_count"] == chat["eval_count"]
    assert stream["last_eval_duration"] > 0


def test_tool_calling_loop(ollama_js: Any) -> None:
    tools = ollama_js.section("tools")
    assert tools["calls"] == [
        {"name": "get_weather", "arguments": {"city": "Toronto"}, "arguments_type": "object"}
    ]
    assert tools["first_done_reason"] == "stop" and tools["thinking"]  # qwen3:8b thinks by default
    assert tools["tool_results"] == [TOOL_RESULT]
    assert TOOL_RESULT in tools["final_content"] and tools["final_tool_calls"] is None


def test_generate_stream_joins_to_the_non_stream_answer(ollama_js: Any) -> None:
    gen = ollama_js.section("generate")
    assert gen["response"] and gen["done"] is True and gen["context_length"] > 0
    stream = gen["stream"]
    assert stream["response"] == gen["response"] and stream["done_at"] == [stream["chunks"] - 1]
    assert stream["last_eval_count"] > 0 and stream["last_context_length"] == gen["context_length"]


def test_embed_a_batch_of_two(ollama_js: Any) -> None:
    embed = ollama_js.section("embed")
    assert (embed["model"], embed["count"], embed["dimensions"]) == ("nomic-embed-text", 2, [768, 768])
    assert embed["all_numbers"] and embed["distinct"] and embed["prompt_eval_count"] > 0
    assert embed["norms"] == pytest.approx([1.0, 1.0], abs=1e-6)  # /api/embed L2-normalises


def test_list_and_show(ollama_js: Any) -> None:
    listed = ollama_js.section("list")
    catalog = {
        "qwen3:8b",
        "llama3.2:latest",
        "gemma3:1b",
        "llava:7b",
        "nomic-embed-text:latest",
        "qwen2.5-coder:1.5b",
    }
    assert catalog <= set(listed["names"])
    assert listed["llama"] == {
        "model": "llama3.2:latest",
        "digest": "11b22bf258006029163bfeba21b3c30a7ee96ee69483c788f07e709aec6cd52e",
        "size": 2019393189,
        "family": "llama",
        "modified_at": "2026-08-19T09:00:00.5Z",
    }
    shown = ollama_js.section("show")
    assert (shown["family"], shown["capabilities"], shown["context_length"]) == (
        "llama",
        ["completion", "tools"],
        131072,
    )
    assert shown["has_template"] and shown["modelfile_from"].startswith("FROM ")


def test_ps_lists_the_models_just_used(ollama_js: Any) -> None:
    loaded = {m["name"]: m for m in ollama_js.section("ps")}
    # four models were used in turn; at most three stay loaded (the scheduler's limit without
    # GPUs): loading the fourth unloaded one (which, depends on the keep_alive earlier tests on
    # this shared mock gave them); the last one used is loaded
    used = {"llama3.2:latest", "qwen3:8b", "gemma3:1b", "nomic-embed-text:latest"}
    assert len(loaded) <= 3 and "nomic-embed-text:latest" in loaded
    for name in used & set(loaded):
        assert 0 < loaded[name]["expires_in_s"] <= 300, name  # default keep_alive is 5m
        assert loaded[name]["size_vram"] == loaded[name]["size"] > 0, name


def test_pull_streams_progress_to_success(ollama_js: Any) -> None:
    pull = ollama_js.section("pull")
    statuses = pull["statuses"]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = pull["finished_layers"]
    assert layers and all(f"pulling {digest[7:19]}" in statuses for digest in layers)
    assert pull["listed_after_pull"] is True and pull["listed_after_cleanup"] is pull["installed_before"]


def test_copy_appears_in_list_then_delete_removes_it(ollama_js: Any) -> None:
    copy = ollama_js.section("copy_delete")
    assert (copy["copy_status"], copy["listed_after_copy"], copy["copy_family"]) == (
        "success",
        True,
        "gemma3",
    )
    assert (copy["delete_status"], copy["listed_after_delete"]) == ("success", False)
    again = copy["delete_again"]
    assert (again["class"], again["status_code"], again["error"]) == (
        "ResponseError",
        404,
        "model 'gemma-js-copy' not found",
    )


def test_version(ollama_js: Any, mock_url: str) -> None:
    version = ollama_js.section("version")
    assert version == httpx.get(mock_url + "/api/version").json() and version["version"].count(".") == 2


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("unknown_model", 404, "model 'no-such-model' not found"),
        ("unknown_model_stream", 404, "model 'no-such-model' not found"),  # rejects before iteration
        ("no_tools", 400, "registry.ollama.ai/library/gemma3:1b does not support tools"),
    ],
)
def test_errors_reject_with_response_error(ollama_js: Any, case: str, status: int, message: str) -> None:
    err = ollama_js.section("errors")[case]
    assert (err["class"], err["name"], err["status_code"]) == ("ResponseError", "ResponseError", status)
    assert err["error"] == err["message"] == message
