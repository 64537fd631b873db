"""End to end: the official JavaScript client, ollama-js (npm `ollama`), against the real uvicorn mock.

tests/clients/js/drive_mock.mjs uses the client as a Node user does and prints what it observed; this
proves ollama-js gets what it needs from the mock: chat and generate (streams that end in `done`), the
tool-calling loop, embed, list/show/ps, pull progress ending in `success`, copy/delete, version, and
errors that reach the caller as ResponseError with Ollama's status and message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

JS_DIR = Path(__file__).resolve().parents[1] / "clients" / "js"
INSTALL = "npm ci --prefix tests/clients/js"
TOOL_RESULT = '{"city":"Toronto","temperature_c":21,"sky":"clear"}'  # what the driver's get_weather returns

_RUNS: dict[str, dict[str, Any]] = {}


def _unavailable() -> str | None:
    if shutil.which("node") is None:
        return f"node is not on PATH: install Node.js 20+ and run `{INSTALL}`"
    if not (JS_DIR / "node_modules" / "ollama").is_dir():
        return f"ollama-js is not installed: run `{INSTALL}`"
    return None


def _drive(base_url: str) -> dict[str, Any]:
    try:
        done = subprocess.run(
            ["node", str(JS_DIR / "drive_mock.mjs"), base_url],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"failure": "drive_mock.mjs did not finish within 60 s"}
    try:
        sections = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {
            "failure": f"drive_mock.mjs exited {done.returncode} without JSON; stderr: {done.stderr[-2000:]}"
        }
    return {"returncode": done.returncode, "stderr": done.stderr, "sections": sections}


def _run(mock_url: str) -> dict[str, Any]:
    # Called from each test's body, not a fixture, so a missing toolchain under CI reports FAILED, not ERROR.
    reason = _unavailable()
    if reason:
        if "CI" in os.environ:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    # One node run serves the whole module (well under a second); the first test to ask pays, and that
    # test's autouse contract self-check sees everything the mock sent to ollama-js.
    if mock_url not in _RUNS:
        _RUNS[mock_url] = _drive(mock_url)
    result = _RUNS[mock_url]
    if "failure" in result:
        pytest.fail(result["failure"], pytrace=False)
    return result


def _section(mock_url: str, name: str) -> Any:
    got = _run(mock_url)["sections"][name]
    if isinstance(got, dict) and "unexpected" in got:
        pytest.fail(f"ollama-js threw in {name!r}: {got['unexpected']}", pytrace=False)
    return got


def test_the_client_ran_without_throwing_or_warning(mock_url: str) -> None:
    # ollama-js console.warn()s every stream line it cannot parse and skips it; stderr must stay empty.
    run = _run(mock_url)
    assert (run["returncode"], run["stderr"]) == (0, "")


def test_chat_stream_joins_to_the_non_stream_answer(mock_url: str) -> None:
    chat = _section(mock_url, "chat")
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


def test_tool_calling_loop(mock_url: str) -> None:
    tools = _section(mock_url, "tools")
    assert tools["calls"] == [
        {"name": "get_weather", "arguments": {"city": "Toronto"}, "arguments_type": "object"}
    ]
    assert tools["first_done_reason"] == "stop" and tools["thinking"]  # qwen3:8b thinks by default
    assert tools["tool_results"] == [TOOL_RESULT]
    assert TOOL_RESULT in tools["final_content"] and tools["final_tool_calls"] is None


def test_generate_stream_joins_to_the_non_stream_answer(mock_url: str) -> None:
    gen = _section(mock_url, "generate")
    assert gen["response"] and gen["done"] is True and gen["context_length"] > 0
    stream = gen["stream"]
    assert stream["response"] == gen["response"] and stream["done_at"] == [stream["chunks"] - 1]
    assert stream["last_eval_count"] > 0 and stream["last_context_length"] == gen["context_length"]


def test_embed_a_batch_of_two(mock_url: str) -> None:
    embed = _section(mock_url, "embed")
    assert (embed["model"], embed["count"], embed["dimensions"]) == ("nomic-embed-text", 2, [768, 768])
    assert embed["all_numbers"] and embed["distinct"] and embed["prompt_eval_count"] > 0
    assert embed["norms"] == pytest.approx([1.0, 1.0], abs=1e-6)  # /api/embed L2-normalises


def test_list_and_show(mock_url: str) -> None:
    listed = _section(mock_url, "list")
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
    shown = _section(mock_url, "show")
    assert (shown["family"], shown["capabilities"], shown["context_length"]) == (
        "llama",
        ["completion", "tools"],
        131072,
    )
    assert shown["has_template"] and shown["modelfile_from"].startswith("FROM ")


def test_ps_lists_the_models_just_used(mock_url: str) -> None:
    loaded = {m["name"]: m for m in _section(mock_url, "ps")}
    # four models were used in turn; at most three stay loaded (the scheduler's limit without
    # GPUs): loading the fourth unloaded one (which, depends on the keep_alive earlier tests on
    # this shared mock gave them); the last one used is loaded
    used = {"llama3.2:latest", "qwen3:8b", "gemma3:1b", "nomic-embed-text:latest"}
    assert len(loaded) <= 3 and "nomic-embed-text:latest" in loaded
    for name in used & set(loaded):
        assert 0 < loaded[name]["expires_in_s"] <= 300, name  # default keep_alive is 5m
        assert loaded[name]["size_vram"] == loaded[name]["size"] > 0, name


def test_pull_streams_progress_to_success(mock_url: str) -> None:
    pull = _section(mock_url, "pull")
    statuses = pull["statuses"]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = pull["finished_layers"]
    assert layers and all(f"pulling {digest[7:19]}" in statuses for digest in layers)
    assert pull["listed_after_pull"] is True and pull["listed_after_cleanup"] is pull["installed_before"]


def test_copy_appears_in_list_then_delete_removes_it(mock_url: str) -> None:
    copy = _section(mock_url, "copy_delete")
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


def test_version(mock_url: str) -> None:
    version = _section(mock_url, "version")
    assert version == httpx.get(mock_url + "/api/version").json() and version["version"].count(".") == 2


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("unknown_model", 404, "model 'no-such-model' not found"),
        ("unknown_model_stream", 404, "model 'no-such-model' not found"),  # rejects before iteration
        ("no_tools", 400, "registry.ollama.ai/library/gemma3:1b does not support tools"),
    ],
)
def test_errors_reject_with_response_error(mock_url: str, case: str, status: int, message: str) -> None:
    err = _section(mock_url, "errors")[case]
    assert (err["class"], err["name"], err["status_code"]) == ("ResponseError", "ResponseError", status)
    assert err["error"] == err["message"] == message
