"""The /v1 (OpenAI-compatible) and Anthropic contracts: well-formed documents, key order, and
valid/invalid examples per endpoint.

Examples come from the reference (ollama-api.md §2.4-§2.7, §3.1-§3.6, §4.1). Validation uses the
local shim of the `schema_shim` fixture (Draft7Validator and a referencing Registry of every
schema file), so these tests do not depend on the validation library.
"""

from __future__ import annotations

import copy
import json
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator
from referencing import Registry

from ollama_conformance import contracts

ROOT = Path(str(resources.files("ollama_conformance.contracts")))
ID_BASE = "https://ollama-conformance.invalid/"
APIS = ("openai", "anthropic")


def _own_files() -> list[str]:
    return sorted(f"{api}/{p.name}" for api in APIS for p in (ROOT / "schemas" / api).glob("*.json"))


def _errors(shim: Any, path: str, instance: Any) -> list[str]:
    return [f"$/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in shim.validator(path).iter_errors(instance)]


def _endpoints() -> list[str]:
    return [e for e in contracts.operations() if contracts.operation(e)["api"] in APIS]


@pytest.mark.parametrize("path", _own_files())
def test_document_is_draft07_with_its_id(path: str) -> None:
    doc = contracts.schema(path)
    Draft7Validator.check_schema(doc)
    assert doc["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert doc["$id"] == ID_BASE + path


@pytest.mark.parametrize("endpoint", _endpoints())
def test_every_route_has_its_documents(endpoint: str) -> None:
    op = contracts.operation(endpoint)
    named = [op["request"], op.get("request_fields"), (op["response"] or {}).get("schema")]
    named += [(op["stream"] or {}).get("chunk"), op["errors"]["schema"]]
    for path in filter(None, named):
        assert (ROOT / "schemas" / path).is_file(), f"{endpoint} names a missing document {path}"
    assert op["errors"]["schema"] == ("anthropic/error.json" if op["api"] == "anthropic" else "openai/error.json")


def _ranges(variants: list[dict[str, Any]]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    parse = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    return sorted((parse(v["since"]) if v["since"] else (0,), parse(v["until"])) for v in variants)


def test_variants_name_existing_documents_and_grammars_without_overlap() -> None:
    variants = json.loads((ROOT / "variants" / "openai.json").read_text(encoding="utf-8"))
    grammars = json.loads((ROOT / "streams.json").read_text(encoding="utf-8"))["grammars"]
    for endpoint, items in variants.items():
        if endpoint.startswith("$"):
            continue
        assert endpoint in _endpoints(), endpoint
        for item in items:
            assert {"name", "since", "until", "gaps", "describes"} <= set(item), item
            for kind in ("request", "response", "chunk", "error"):
                if kind in item:
                    assert (ROOT / "schemas" / item[kind]).is_file(), item[kind]
            if "grammar" in item:
                assert item["grammar"] in grammars, item["grammar"]
        ranges = _ranges(items)
        assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False)), f"{endpoint}: overlapping ranges {ranges}"


USAGE = {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}
TOOL = {"id": "call_k3x9a0bq", "index": 0, "type": "function",
        "function": {"name": "get_weather", "arguments": "{\"city\":\"Tokyo\"}"}}
HEAD = {"id": "chatcmpl-417", "created": 1787340131, "model": "llama3.2", "system_fingerprint": "fp_ollama"}


def _chat(message: dict[str, Any], finish: Any = "stop", **extra: Any) -> dict[str, Any]:
    return {**HEAD, "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", **message},
            "finish_reason": finish, **extra}], "usage": USAGE}


def _chunk(delta: dict[str, Any], finish: Any = None, **extra: Any) -> dict[str, Any]:
    return {**HEAD, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def _cmpl(text: str, finish: Any, chunk: bool = False, **extra: Any) -> dict[str, Any]:
    body = {"id": "cmpl-12", "object": "text_completion", "created": 1787340131, "model": "llama3.2",
            "system_fingerprint": "fp_ollama", "choices": [{"text": text, "index": 0, "finish_reason": finish}]}
    return {**body, **({} if chunk else {"usage": USAGE}), **extra}


def _resp(**changes: Any) -> dict[str, Any]:
    body = {"id": "resp_123", "object": "response", "created_at": 1787340131, "completed_at": 1787340132, "status": "completed",
            "incomplete_details": None, "model": "qwen3", "previous_response_id": None, "instructions": None,
            "output": [{"id": "msg_55", "type": "message", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []}]}],
            "error": None, "tools": [], "tool_choice": "auto", "truncation": "disabled", "parallel_tool_calls": True,
            "text": {"format": {"type": "text"}}, "top_p": 1.0, "presence_penalty": 0, "frequency_penalty": 0,
            "top_logprobs": 0, "temperature": 1.0, "reasoning": None,
            "usage": {"input_tokens": 5, "output_tokens": 1, "total_tokens": 6, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
            "max_output_tokens": None, "max_tool_calls": None, "store": False, "background": False,
            "service_tier": "default", "metadata": {}, "safety_identifier": None, "prompt_cache_key": None}
    return {**body, **changes}


def _ev(kind: str, seq: int = 3, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "sequence_number": seq, **fields}


STREAM_RESP = {**_resp(status="in_progress", completed_at=None, output=[], usage=None)}
FC = {"id": "fc_4411_0", "type": "function_call", "status": "completed", "call_id": "call_k3x9a0bq", "name": "f", "arguments": "{}"}
PART = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
MSG_ID = "msg_0123456789abcdef01234567"
A_USAGE = {"input_tokens": 10, "output_tokens": 3}
A_RESP = {"id": MSG_ID, "type": "message", "role": "assistant", "model": "qwen3", "content": [{"type": "text", "text": "Hi"}],
          "stop_reason": "end_turn", "usage": A_USAGE}
OAI_ERR = {"error": {"message": "model 'x' not found", "type": "not_found_error", "param": None, "code": None}}
A_ERR = {"type": "error", "error": {"type": "not_found_error", "message": "model 'x' not found"},
         "request_id": "req_0123456789abcdef01234567"}

CHAT_REQ = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
MSGS_REQ = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}


def _call(arguments: Any) -> dict[str, Any]:
    """A /v1 tool call replayed in a chat request's history."""
    return {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": arguments}}


def _fc(arguments: Any) -> dict[str, Any]:
    """A /v1/responses request whose input replays one function_call item."""
    return {"model": "m", "input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": arguments}]}


VALID: list[tuple[str, str, Any]] = [
    ("chat-req-basic", "openai/chat.request.json", {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}),
    ("chat-req-tool-history", "openai/chat.request.json", {"model": "m", "tool_choice": "none", "messages": [
        {"role": "assistant", "content": None, "tool_calls": [TOOL]}, {"role": "tool", "tool_call_id": "call_k3x9a0bq", "content": "22C"}]}),
    ("chat-req-parts", "openai/chat.request.json", {"model": "m", "reasoning_effort": "none", "stop": "x", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "what?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}),
    ("chat-resp-reference", "openai/chat.response.json", _chat({"content": "Hello there"})),
    ("chat-resp-tool-calls", "openai/chat.response.json", _chat({"content": "", "reasoning": "r", "tool_calls": [TOOL]}, "tool_calls")),
    ("chat-resp-length-with-tools", "openai/chat.response.json", _chat({"content": "", "tool_calls": [TOOL]}, "length")),
    ("chat-resp-null-finish-logprobs", "openai/chat.response.json",
     _chat({"content": "a"}, None, logprobs={"content": [{"token": "a", "logprob": -0.1, "bytes": [97]}]})),
    ("chunk-first", "openai/chat.chunk.json", _chunk({"role": "assistant", "content": "Hello"})),
    ("chunk-content", "openai/chat.chunk.json", _chunk({"content": " there"})),
    ("chunk-reasoning-half", "openai/chat.chunk.json", _chunk({"reasoning": "hmm"})),
    ("chunk-tool-call", "openai/chat.chunk.json", _chunk({"content": "", "tool_calls": [TOOL]})),
    ("chunk-finish", "openai/chat.chunk.json", _chunk({}, "stop")),
    ("chunk-usage", "openai/chat.chunk.json", {**_chunk({}), "choices": [], "usage": USAGE}),
    ("chunk-mid-stream-error", "openai/chat.chunk.json", {**_chunk({"content": ""}), "model": ""}),
    ("legacy-chunk-finish", "openai/chat.chunk.before-0.32.6.json", _chunk({"role": "assistant", "content": ""}, "tool_calls")),
    ("chunk-before-0.1.37-empty-reason", "openai/chat.chunk.before-0.1.37.json", _chunk({"role": "assistant", "content": "Hi"}, "")),
    ("cmpl-req", "openai/completions.request.json", {"model": "m", "prompt": "1,2,", "stop": ["\n"], "logprobs": 3, "echo": True}),
    ("cmpl-resp", "openai/completions.response.json", _cmpl("3", "stop")),
    ("cmpl-resp-load", "openai/completions.response.json", _cmpl("", "load")),
    ("cmpl-chunk", "openai/completions.chunk.json", _cmpl("3", None, chunk=True)),
    ("cmpl-chunk-zero-usage", "openai/completions.chunk.json",
     _cmpl("", "length", chunk=True, usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})),
    ("cmpl-usage-chunk", "openai/completions.chunk.json", {**_cmpl("", None, chunk=True), "choices": [], "usage": USAGE}),
    ("emb-req", "openai/embeddings.request.json", {"model": "m", "input": ["a", "b"], "encoding_format": "BASE64"}),
    ("emb-resp", "openai/embeddings.response.json", {"object": "list", "data": [{"object": "embedding", "embedding": [0.6, -0.8], "index": 0},
     {"object": "embedding", "embedding": "AACAPw==", "index": 1}], "model": "m", "usage": {"prompt_tokens": 2, "total_tokens": 2}}),
    ("models", "openai/models.response.json", {"object": "list", "data": [{"id": "llama3.2:latest", "object": "model",
                                               "created": 1756233996, "owned_by": "library"}]}),
    ("models-none", "openai/models.response.json", {"object": "list", "data": None}),
    ("model", "openai/model.response.json", {"id": "llama3.2", "object": "model", "created": 1756233996, "owned_by": "library"}),
    ("resp-req", "openai/responses.request.json", {"model": "m", "input": [{"role": "user", "content": "hi"},
     {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}, {"type": "function_call_output", "call_id": "c", "output": "ok"}]}),
    ("resp-text", "openai/responses.response.json", _resp()),
    ("resp-reasoning-tools", "openai/responses.response.json", _resp(output=[{"id": "rs_resp_123", "type": "reasoning",
     "summary": [{"type": "summary_text", "text": "t"}], "encrypted_content": "t"}, {**FC, "id": "fc_resp_123_0"}])),
    ("ev-created", "openai/responses.event.json", _ev("response.created", 0, response=STREAM_RESP)),
    ("ev-item-added", "openai/responses.event.json", _ev("response.output_item.added", item={"id": "msg_5", "type": "message",
     "status": "in_progress", "role": "assistant", "content": []}, output_index=0)),
    ("ev-part-added", "openai/responses.event.json", _ev("response.content_part.added", content_index=0, item_id="msg_5", output_index=0, part=PART)),
    ("ev-text-delta", "openai/responses.event.json", _ev("response.output_text.delta", content_index=0, delta="Hel", item_id="msg_5",
                                                         logprobs=[], output_index=0)),
    ("ev-text-done", "openai/responses.event.json", _ev("response.output_text.done", content_index=0, item_id="msg_5", logprobs=[],
                                                        output_index=0, text="Hello")),
    ("ev-part-done", "openai/responses.event.json", _ev("response.content_part.done", content_index=0, item_id="msg_5", output_index=0,
                                                        part={**PART, "text": "Hello"})),
    ("ev-reasoning-delta", "openai/responses.event.json", _ev("response.reasoning_summary_text.delta", delta="t", item_id="rs_7",
                                                              output_index=0, summary_index=0)),
    ("ev-reasoning-done", "openai/responses.event.json", _ev("response.reasoning_summary_text.done", item_id="rs_7", output_index=0,
                                                             summary_index=0, text="t")),
    ("ev-args-delta", "openai/responses.event.json", _ev("response.function_call_arguments.delta", delta="{}", item_id="fc_1_0", output_index=1)),
    ("ev-args-done", "openai/responses.event.json", _ev("response.function_call_arguments.done", arguments="{}", item_id="fc_1_0", output_index=1)),
    ("ev-item-done", "openai/responses.event.json", _ev("response.output_item.done", item={**FC, "id": "fc_1_0"}, output_index=1)),
    ("ev-completed", "openai/responses.event.json", _ev("response.completed", 9, response=_resp())),
    # ResponseFailed's small map, not the whole response object
    ("ev-failed", "openai/responses.event.json", _ev("response.failed", 5, response={
        "error": {"code": "rate_limit_exceeded", "message": "slow down"}, "id": "resp_171023", "model": "llama3.2",
        "object": "response", "output": [], "status": "failed",
        "usage": {"input_tokens": 48, "output_tokens": 10, "total_tokens": 58}})),
    ("ev-web-search-item", "openai/responses.event.json", _ev("response.output_item.added", 2, output_index=0, item={
        "action": {"query": "tokyo weather", "type": "search"}, "id": "ws_171023_1", "status": "in_progress",
        "type": "web_search_call"})),
    ("ev-web-searching", "openai/responses.event.json", _ev("response.web_search_call.searching", 4,
                                                            item_id="ws_171023_1", output_index=0)),
    ("transcription", "openai/transcriptions.response.json", {"text": "hello"}),
    ("transcription-form", "openai/transcriptions.form.json", {"model": "gemma4", "file": "RIFF....", "response_format": "json"}),
    ("error-404", "openai/error.json", OAI_ERR),
    ("error-api-before-0.18", "openai/error.before-0.18.0.json", {"error": {**OAI_ERR["error"], "type": "api_error"}}),
    ("msgs-req", "anthropic/messages.request.json", {"model": "m", "max_tokens": 64, "system": [{"type": "text", "text": "be brief"}],
     "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "tool_result", "tool_use_id": "t", "content": "ok"}]}]}),
    ("msgs-resp", "anthropic/messages.response.json", A_RESP),
    ("msgs-resp-tools", "anthropic/messages.response.json", {**A_RESP, "stop_reason": "tool_use", "content": [
        {"type": "thinking", "thinking": "t"}, {"type": "tool_use", "id": "call_1", "name": "f", "input": {"a": 1}}]}),
    ("msgs-resp-nothing", "anthropic/messages.response.json", {**A_RESP, "content": None}),
    ("a-ev-start", "anthropic/messages.event.json", {"type": "message_start", "message": {"id": MSG_ID, "type": "message",
     "role": "assistant", "model": "qwen3", "content": [], "usage": {"input_tokens": 10, "output_tokens": 0}}}),
    ("a-ev-block-start", "anthropic/messages.event.json", {"type": "content_block_start", "index": 1,
     "content_block": {"type": "tool_use", "id": "call_1", "name": "f", "input": {}}}),
    ("a-ev-delta", "anthropic/messages.event.json", {"type": "content_block_delta", "index": 1,
     "delta": {"type": "input_json_delta", "partial_json": "{\"a\":1}"}}),
    ("a-ev-stop", "anthropic/messages.event.json", {"type": "content_block_stop", "index": 1}),
    ("a-ev-msg-delta", "anthropic/messages.event.json", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": A_USAGE}),
    ("a-ev-msg-stop", "anthropic/messages.event.json", {"type": "message_stop"}),
    ("a-ev-ping", "anthropic/messages.event.json", {"type": "ping"}),
    ("a-ev-error", "anthropic/messages.event.json", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ("a-error", "anthropic/error.json", A_ERR),
    # tool-call arguments: the JSON text of an object (JSON whitespace around it), or null (no arguments)
    ("chat-req-args-padded-and-null", "openai/chat.request.json", {"model": "m", "messages": [
        {"role": "assistant", "content": "", "tool_calls": [_call(' {"a": 1}\n'), _call("null"), _call("{}")]}]}),
    ("resp-req-fc-args-empty", "openai/responses.request.json", {"model": "m", "input": [
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": ""},
        {"type": "function_call", "call_id": "d", "name": "f", "arguments": '\t{"a": [1]} '},
        {"type": "function_call", "call_id": "e", "name": "f", "arguments": "null"}]}),  # Go's ordered map: nil
    # stop: any value that is neither a string nor an array is ignored; chat drops non-string elements
    *[(f"chat-req-stop-{i}", "openai/chat.request.json", {**CHAT_REQ, "stop": stop})
      for i, stop in enumerate([5, True, {"a": 1}, None, ["a", 1, None]])],
    *[(f"cmpl-req-stop-{i}", "openai/completions.request.json", {"model": "m", "prompt": "a", "stop": stop})
      for i, stop in enumerate([5, 1.5, False, {"a": 1}, None, "x", []])],
    # no type is no format
    ("chat-req-response-format-empty", "openai/chat.request.json", {**CHAT_REQ, "response_format": {}}),
    ("resp-req-text-format-empty", "openai/responses.request.json", {"model": "m", "input": "x", "text": {"format": {}}}),
    ("msgs-req-thinking-empty", "anthropic/messages.request.json", {**MSGS_REQ, "thinking": {}}),
    # convertMessage lowercases the role and skips block types it does not know
    ("msgs-req-role-case", "anthropic/messages.request.json", {**MSGS_REQ, "messages": [{"role": "User", "content": "hi"},
                                                                                  {"role": "ASSISTANT", "content": "ok"}]}),
    ("msgs-req-unknown-block", "anthropic/messages.request.json", {**MSGS_REQ, "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}},
        {"type": "redacted_thinking", "data": "opaque"}, {"type": "text", "text": "summarise"}]}]}),
    # a non-positive dimensions is simply not applied
    ("emb-req-dimensions-negative", "openai/embeddings.request.json", {"model": "m", "input": "a", "dimensions": -1}),
    ("chat-resp-debug-info", "openai/chat.response.json",
     {**_chat({"content": ""}), "_debug_info": {"rendered_template": "x", "image_count": 1}}),
    # every message with content []: no native message is left, so the native load answer's reason
    ("chat-resp-load", "openai/chat.response.json", _chat({"content": ""}, "load")),
    ("chunk-finish-load", "openai/chat.chunk.json", _chunk({}, "load")),
]

INVALID: list[tuple[str, str, Any, str]] = [
    ("chat-args-object", "openai/chat.response.json",
     _chat({"content": "", "tool_calls": [{**TOOL, "function": {"name": "f", "arguments": {"city": "Tokyo"}}}]}, "tool_calls"), "arguments"),
    ("chat-content-null", "openai/chat.response.json", _chat({"content": None, "tool_calls": [TOOL]}, "tool_calls"), "content"),
    ("chat-reasoning-content", "openai/chat.response.json", _chat({"content": "", "reasoning_content": "r"}), "reasoning_content"),
    ("chat-no-usage", "openai/chat.response.json", {k: v for k, v in _chat({"content": "a"}).items() if k != "usage"}, "usage"),
    ("chat-finish-eos", "openai/chat.response.json", _chat({"content": "a"}, "eos"), "finish_reason"),
    ("chat-tools-finish-stop", "openai/chat.response.json", _chat({"content": "", "tool_calls": [TOOL]}, "stop"), "finish_reason"),
    ("chat-tool-no-index", "openai/chat.response.json",
     _chat({"content": "", "tool_calls": [{k: v for k, v in TOOL.items() if k != "index"}]}, "tool_calls"), "index"),
    ("chat-wrong-object", "openai/chat.response.json", {**_chat({"content": "a"}), "object": "chat.completion.chunk"}, "object"),
    ("chat-fingerprint", "openai/chat.response.json", {**_chat({"content": "a"}), "system_fingerprint": "fp_x"}, "system_fingerprint"),
    ("chunk-usage-on-content", "openai/chat.chunk.json", _chunk({"content": "a"}, usage=USAGE), "is not valid under any"),
    ("chunk-usage-null", "openai/chat.chunk.json", _chunk({"content": "a"}, usage=None), "usage"),
    ("chunk-legacy-finish", "openai/chat.chunk.json", _chunk({"role": "assistant", "content": ""}, "stop"), "delta"),
    ("chunk-empty-delta", "openai/chat.chunk.json", _chunk({}), "delta"),
    ("chunk-finish-empty-string", "openai/chat.chunk.json", _chunk({}, ""), "finish_reason"),
    ("chunk-content-null", "openai/chat.chunk.json", _chunk({"content": None}), "content"),
    ("chunk-usage-choices-null", "openai/chat.chunk.json", {**_chunk({}), "choices": None, "usage": USAGE}, "choices"),
    ("chunk-args-object", "openai/chat.chunk.json",
     _chunk({"content": "", "tool_calls": [{**TOOL, "function": {"name": "f", "arguments": {}}}]}), "arguments"),
    ("legacy-chunk-no-role", "openai/chat.chunk.before-0.32.6.json", _chunk({"content": "a"}), "role"),
    ("legacy-chunk-empty-reason", "openai/chat.chunk.before-0.32.6.json", _chunk({"role": "assistant", "content": "a"}, ""), "finish_reason"),
    ("before-0.11.1-reasoning", "openai/chat.response.before-0.11.1.json", _chat({"content": "", "reasoning": "r"}), "reasoning"),
    ("cmpl-logprobs", "openai/completions.response.json", _cmpl("a", "stop", logprobs=None), "logprobs"),
    ("cmpl-chunk-object", "openai/completions.chunk.json", {**_cmpl("a", None, chunk=True), "object": "chat.completion.chunk"}, "object"),
    ("cmpl-chunk-tool-calls-reason", "openai/completions.chunk.json", _cmpl("", "tool_calls", chunk=True), "finish_reason"),
    ("emb-object-vector", "openai/embeddings.response.json", {"object": "list", "data": [{"object": "embedding",
     "embedding": {"0": 1.0}, "index": 0}], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}, "embedding"),
    ("models-empty-list", "openai/models.response.json", {"object": "list", "data": []}, "data"),
    ("model-object", "openai/model.response.json", {"id": "m", "object": "list", "created": 1, "owned_by": "library"}, "object"),
    ("error-native-envelope", "openai/error.json", {"error": "model 'x' not found"}, "error"),
    ("error-code-set", "openai/error.json", {"error": {**OAI_ERR["error"], "code": "model_not_found"}}, "code"),
    ("error-param-set", "openai/error.json", {"error": {**OAI_ERR["error"], "param": "model"}}, "param"),
    ("error-type-openai-only", "openai/error.json", {"error": {**OAI_ERR["error"], "type": "server_error"}}, "type"),
    ("error-before-0.18-typed", "openai/error.before-0.18.0.json", OAI_ERR, "type"),
    ("a-error-no-request-id", "anthropic/error.json", {k: v for k, v in A_ERR.items() if k != "request_id"}, "request_id"),
    ("a-error-bad-request-id", "anthropic/error.json", {**A_ERR, "request_id": "req_123"}, "request_id"),
    ("a-error-openai-envelope", "anthropic/error.json", OAI_ERR, "type"),
    ("a-resp-id", "anthropic/messages.response.json", {**A_RESP, "id": "msg_123"}, "id"),
    ("a-resp-stop-reason", "anthropic/messages.response.json", {**A_RESP, "stop_reason": "stop"}, "stop_reason"),
    ("a-resp-input-string", "anthropic/messages.response.json", {**A_RESP, "content": [
        {"type": "tool_use", "id": "c", "name": "f", "input": "{}"}]}, "content"),
    ("a-ev-unknown", "anthropic/messages.event.json", {"type": "message_end"}, "is not valid under any"),
    ("a-ev-delta-no-text", "anthropic/messages.event.json", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}}, "delta"),
    ("a-ev-msg-delta-no-usage", "anthropic/messages.event.json", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}, "is not valid under any"),
    ("ev-no-sequence", "openai/responses.event.json", {"type": "response.output_text.delta", "content_index": 0, "delta": "a",
     "item_id": "msg_1", "logprobs": [], "output_index": 0}, "sequence_number"),
    ("ev-unknown-type", "openai/responses.event.json", _ev("response.output_text.annotation.added"), "is not valid under any"),
    ("ev-completed-no-usage", "openai/responses.event.json", _ev("response.completed", response=_resp(usage=None)), "is not valid under any"),
    ("resp-status", "openai/responses.response.json", _resp(status="incomplete"), "status"),
    ("resp-item-in-progress", "openai/responses.response.json", _resp(output=[{"id": "msg_5", "type": "message",
     "status": "in_progress", "role": "assistant", "content": []}]), "output"),
    ("before-0.4.7-chunk-index", "openai/chat.chunk.before-0.4.7.json",
     _chunk({"role": "assistant", "content": "", "tool_calls": [TOOL]}), "index"),
    ("resp-tool-choice", "openai/responses.response.json", _resp(tool_choice="none"), "tool_choice"),
    ("req-chat-no-messages", "openai/chat.request.json", {"model": "m", "messages": []}, "messages"),
    ("req-chat-null-content", "openai/chat.request.json", {"model": "m", "messages": [{"role": "user", "content": None}]}, "messages"),
    ("req-chat-effort", "openai/chat.request.json", {"model": "m", "messages": [{"role": "user", "content": "a"}],
                                                     "reasoning_effort": "extreme"}, "reasoning_effort"),
    ("req-chat-http-image", "openai/chat.request.json", {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]}, "messages"),
    ("req-cmpl-prompt-array", "openai/completions.request.json", {"model": "m", "prompt": ["a"]}, "prompt"),
    ("req-cmpl-stop-number", "openai/completions.request.json", {"model": "m", "prompt": "a", "stop": [1]}, "stop"),
    ("req-emb-empty", "openai/embeddings.request.json", {"model": "m", "input": []}, "input"),
    ("req-emb-format", "openai/embeddings.request.json", {"model": "m", "input": "a", "encoding_format": "int8"}, "encoding_format"),
    ("req-msgs-max-tokens", "anthropic/messages.request.json", {"model": "m", "max_tokens": 0, "messages": [
        {"role": "user", "content": "a"}]}, "max_tokens"),
    ("req-msgs-no-messages", "anthropic/messages.request.json", {"model": "m", "max_tokens": 5}, "messages"),
    ("req-resp-input-number", "openai/responses.request.json", {"model": "m", "input": 5}, "input"),
    ("form-no-file", "openai/transcriptions.form.json", {"model": "gemma4"}, "file"),
    # 400 invalid tool call arguments: json.Unmarshal cannot make an object of these
    *[(f"req-chat-args-{i}", "openai/chat.request.json",
       {"model": "m", "messages": [{"role": "assistant", "content": "", "tool_calls": [_call(args)]}]}, "arguments")
      for i, args in enumerate(["", "not json", "[1]", "1", "true", "  "])],
    # 400 failed to parse function call arguments ("" alone is no arguments)
    *[(f"req-resp-fc-args-{i}", "openai/responses.request.json", _fc(args), "arguments")
      for i, args in enumerate(["oops", "[1]", " "])],
    ("req-cmpl-stop-mixed", "openai/completions.request.json", {"model": "m", "prompt": "a", "stop": ["a", 1]}, "stop"),
    ("req-msgs-image-url", "anthropic/messages.request.json", {**MSGS_REQ, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}]}]}, "messages"),
    ("req-msgs-unknown-block-field-type", "anthropic/messages.request.json", {**MSGS_REQ, "messages": [{"role": "user", "content": [
        {"type": "document", "text": 5}]}]}, "messages"),
    ("req-msgs-role", "anthropic/messages.request.json", {**MSGS_REQ, "messages": [{"role": 1, "content": "hi"}]}, "role"),
    ("chat-resp-debug-image-count-0", "openai/chat.response.json",
     {**_chat({"content": ""}), "_debug_info": {"rendered_template": "x", "image_count": 0}}, "image_count"),
    ("form-format", "openai/transcriptions.form.json", {"model": "gemma4", "file": "x", "response_format": "srt"}, "response_format"),
]


GO_ORDER = {
    "openai/chat.response.json": ["id", "object", "created", "model", "system_fingerprint", "choices", "usage", "_debug_info"],
    "openai/chat.chunk.json": ["id", "object", "created", "model", "system_fingerprint", "choices", "usage"],
    "openai/completions.response.json": ["id", "object", "created", "model", "system_fingerprint", "choices", "usage"],
    "openai/completions.chunk.json": ["id", "object", "created", "choices", "model", "system_fingerprint", "usage"],
    "openai/embeddings.response.json": ["object", "data", "model", "usage"],
    "openai/models.response.json": ["object", "data"],
    "openai/model.response.json": ["id", "object", "created", "owned_by"],
    "anthropic/messages.response.json": ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"],
    "anthropic/error.json": ["type", "error", "request_id"],
    "openai/error.json": ["error"],
}


@pytest.mark.parametrize("path", sorted(GO_ORDER))
def test_response_properties_are_in_go_struct_order(path: str) -> None:
    assert list(contracts.key_order(path)) == GO_ORDER[path]


def test_responses_object_key_order_starts_like_the_go_struct() -> None:
    order = contracts.key_order("openai/responses.response.json")
    assert order[:6] == ("id", "object", "created_at", "completed_at", "status", "incomplete_details")
    assert order[-3:] == ("metadata", "safety_identifier", "prompt_cache_key")
    assert len(order) == 31


@pytest.mark.parametrize("path", _own_files())
def test_omitempty_fields_are_never_required(path: str, schema_shim: Any) -> None:
    for node in schema_shim.walk(contracts.schema(path)):
        props = node.get("properties")
        if isinstance(props, dict) and isinstance(node.get("required"), list):
            omitted = {k for k, v in props.items() if isinstance(v, dict) and v.get("x-omitempty")}
            assert not omitted & set(node["required"]), f"{path}: {omitted & set(node['required'])}"


@pytest.mark.parametrize("path, instance", [pytest.param(p, i, id=n) for n, p, i in VALID])
def test_valid_example(path: str, instance: Any, schema_shim: Any) -> None:
    assert _errors(schema_shim, path, instance) == []


@pytest.mark.parametrize("path, instance, where", [pytest.param(p, i, w, id=n) for n, p, i, w in INVALID])
def test_invalid_example(path: str, instance: Any, where: str, schema_shim: Any) -> None:
    errors = _errors(schema_shim, path, instance)
    assert errors, f"{path} accepted an invalid body"
    assert any(where in e for e in errors), errors


GO_STRUCTS = {"openai/chat.request.json": "ChatCompletionRequest", "openai/completions.request.json": "CompletionRequest",
              "openai/embeddings.request.json": "EmbedRequest", "openai/responses.request.json": "ResponsesRequest",
              "anthropic/messages.request.json": "MessagesRequest"}


@pytest.mark.parametrize("path", sorted(GO_STRUCTS))
def test_request_fields_name_their_go_types(path: str) -> None:
    """The mock's decoder builds Go's type-mismatch errors from these (x-go-struct, type, x-go-type)."""
    doc = contracts.schema(path)
    assert doc["x-go-struct"] == GO_STRUCTS[path] and doc["additionalProperties"] is True
    for key, prop in doc["properties"].items():
        assert "$ref" not in prop and "x-go-type" in prop, f"{path}: {key}"
        assert ("type" in prop) == (prop["x-go-type"] not in ("interface {}", "openai.ResponsesInput")), f"{path}: {key}"


def _inline(registry: Registry, node: Any, base: str, depth: int = 0) -> Any:
    """The schema with every $ref replaced by its target (hypothesis-jsonschema resolves no remote refs)."""
    assert depth < 30, "unexpected recursive $ref"
    if isinstance(node, list):
        return [_inline(registry, x, base, depth) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        uri, fragment = urldefrag(urljoin(base, node["$ref"]))
        target: Any = registry.contents(uri)
        for part in filter(None, fragment.split("/")):
            target = target[part]
        merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline(registry, merged, uri, depth + 1)
    return {k: (v if k in ("definitions", "$id") else _inline(registry, v, base, depth)) for k, v in node.items()}


REQUESTS = ["openai/chat.request.json", "openai/completions.request.json", "openai/embeddings.request.json",
            "openai/responses.request.json", "anthropic/messages.request.json", "openai/transcriptions.form.json"]
# What request schemas may use: what property-based generators (hypothesis-jsonschema, ours) handle.
SIMPLE = {"type", "enum", "const", "required", "properties", "items", "anyOf", "oneOf", "minimum", "maximum",
          "pattern", "minLength", "minItems", "additionalProperties", "description", "title", "$comment"}


def _strategy(schema: Any) -> st.SearchStrategy[Any]:
    """Instances of an inlined request schema (hypothesis-jsonschema 0.23.1 breaks on hypothesis >= 6.170)."""
    if schema is True or schema == {}:
        return st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    assert not {k for k in schema if not k.startswith("x-")} - SIMPLE, f"not a simple keyword: {set(schema) - SIMPLE}"
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        return st.one_of([_strategy(_merge(base, b)) for b in branches])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return st.one_of([_strategy({**schema, "type": k}) for k in kind])
    return _TYPED[kind](schema)


def _merge(base: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **branch}
    merged["properties"] = {**base.get("properties", {}), **branch.get("properties", {})}
    merged["required"] = base.get("required", []) + branch.get("required", [])
    return merged


def _object(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = {k: _strategy(v) for k, v in schema.get("properties", {}).items()}
    required = schema.get("required", [])
    if not props:
        # values follow an additionalProperties schema (tool parameters' properties: objects only);
        # arbitrary ones drew e.g. {"0": 0} there, failing this test depending on what else was collected
        extra = schema.get("additionalProperties")
        values = _strategy(extra) if isinstance(extra, dict) else st.integers() | st.text(max_size=4)
        return st.dictionaries(st.text(min_size=1, max_size=6), values, max_size=2)
    return st.fixed_dictionaries({k: props[k] for k in required}, optional={k: v for k, v in props.items() if k not in required})


_TYPED: dict[str, Any] = {
    "object": _object,
    "string": lambda s: st.from_regex(s["pattern"], fullmatch=True) if "pattern" in s else st.text(min_size=s.get("minLength", 0), max_size=8),
    "array": lambda s: st.lists(_strategy(s.get("items", True)), min_size=s.get("minItems", 0), max_size=3),
    "integer": lambda s: st.integers(s.get("minimum"), s.get("maximum")),
    "number": lambda s: st.floats(s.get("minimum"), s.get("maximum"), allow_nan=False, allow_infinity=False),
    "boolean": lambda s: st.booleans(),
    "null": lambda s: st.none(),
}


def _request_schema(registry: Registry, path: str) -> Any:
    schema = _inline(registry, contracts.schema(path), ID_BASE + path)
    return {k: v for k, v in schema.items() if k not in ("definitions", "$id", "$schema")}


@pytest.mark.parametrize("path", REQUESTS)
def test_request_schemas_generate_valid_requests(path: str, schema_shim: Any) -> None:
    strategy = _strategy(_request_schema(schema_shim.registry(), path))
    schema_shim.check_generated(partial(_errors, schema_shim), path, strategy, 15, database=None)


def test_hypothesis_jsonschema_generates_valid_requests(schema_shim: Any) -> None:
    schema_shim.require_hypothesis_jsonschema()
    for path in REQUESTS:  # one example each: its object generation is slow (seconds) on the nested ones
        strategy = from_schema(_request_schema(schema_shim.registry(), path))
        schema_shim.check_generated(partial(_errors, schema_shim), path, strategy, 1, database=None)


@given(st.text(max_size=20))
@settings(max_examples=25, derandomize=True, deadline=None, database=None)
def test_v1_tool_call_arguments_must_be_a_string_never_an_object(schema_shim: Any, key: str) -> None:
    function: dict[str, Any] = {"name": "f", "arguments": {key: 1}}
    call = {"id": "call_k3x9a0bq", "index": 0, "type": "function", "function": function}
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m", "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "", "tool_calls": [call]},
                         "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    assert _errors(schema_shim, "openai/chat.response.json", body)
    function["arguments"] = json.dumps({key: 1}, separators=(",", ":"))
    assert _errors(schema_shim, "openai/chat.response.json", body) == []
