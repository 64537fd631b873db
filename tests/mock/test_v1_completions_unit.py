"""/v1/completions and /v1/embeddings layers in isolation (reference §3.2, §2.5, §3.3)."""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
from typing import Any

import pytest
from ollama_conformance.mock_server import errors
from ollama_conformance.mock_server.compat import openai_completions, openai_embeddings
from ollama_conformance.mock_server.outcome import Chunk, Raw, RequestInfo, Single, Stream
from ollama_conformance.mock_server.profiles import Profile

from ollama_conformance import contracts

COMPLETIONS = "POST /v1/completions"
T0 = "2026-08-21T17:02:11Z"  # 1787331731


def gen(text: str = "", done: bool = False, reason: str = "stop", at: str = T0) -> dict[str, Any]:
    out: dict[str, Any] = {"model": "llama3.2", "created_at": at, "response": text, "done": done}
    if done:
        out.update(
            done_reason=reason,
            context=[1, 2],
            total_duration=9,
            load_duration=1,
            prompt_eval_count=5,
            prompt_eval_duration=2,
            eval_count=2,
            eval_duration=4,
        )
    return out


class State:
    def __init__(self, profile: Profile | None = None) -> None:
        self.profile = profile or Profile()


def run_with(
    monkeypatch: pytest.MonkeyPatch, module: Any, native_answer: Any, body: dict[str, Any], state: Any = None
) -> tuple[Any, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def fake(kind: str, st: Any, native: dict[str, Any], info: RequestInfo) -> Any:
        seen.append(native)
        return native_answer(native) if callable(native_answer) else native_answer

    monkeypatch.setattr(module, "call_native", fake)
    info = RequestInfo(endpoint="POST /v1/x", api="openai")
    return module.run(state or State(), body, info), seen


def sse_frames(stream: Stream) -> list[Any]:
    return [item.body if isinstance(item, Chunk) else item.data.decode() for item in stream.items]


def raw(stream: Stream) -> bytes:
    return b"".join(
        b"data: " + json.dumps(i.body).encode() + b"\n\n" if isinstance(i, Chunk) else i.data
        for i in stream.items
        if isinstance(i, (Chunk, Raw))
    )


# ---- completions -----------------------------------------------------------------------------


def test_completions_request_mapping() -> None:
    native = openai_completions.to_native(
        {
            "model": "m",
            "prompt": "p",
            "suffix": "s",
            "max_tokens": 4,
            "seed": 1,
            "stop": "x",
            "logprobs": 3,
            "stream": True,
            "top_p": 0,
        }
    )
    assert native == {
        "model": "m",
        "prompt": "p",
        "stream": True,
        "suffix": "s",
        "options": {
            "num_predict": 4,
            "temperature": 1.0,
            "top_p": 1.0,
            "frequency_penalty": 0.0,
            "presence_penalty": 0.0,
            "seed": 1,
            "stop": ["x"],
        },
        "logprobs": True,
        "top_logprobs": 3,
    }
    assert openai_completions.to_native({"model": "m", "prompt": "p"})["stream"] is False


@pytest.mark.parametrize(("stop", "go_type"), [(["a", 1], "float64"), ([True], "bool"), ([None], "<nil>")])
def test_completions_stop_type_error(stop: Any, go_type: str) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        openai_completions.to_native({"model": "m", "prompt": "p", "stop": stop})
    assert (caught.value.status, caught.value.message) == (400, f"invalid type for 'stop' field: {go_type}")


@pytest.mark.parametrize("stop", [3, True, {"a": 1}, None])
def test_completions_stop_that_is_no_string_or_array_is_ignored(stop: Any) -> None:
    # Go's type switch has a string case and an array case, no default: anything else sets no stop
    native = openai_completions.to_native({"model": "m", "prompt": "p", "stop": stop})
    assert "stop" not in native["options"]


def test_completions_prompt_must_be_a_string() -> None:
    with pytest.raises(errors.OllamaError) as caught:
        openai_completions.to_native({"model": "m", "prompt": ["a"]})
    assert (
        caught.value.message
        == "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string"
    )


def test_completions_non_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, seen = run_with(
        monkeypatch,
        openai_completions,
        Single(body=gen("Hello", done=True)),
        {"model": "llama3.2", "prompt": "hi"},
    )
    assert isinstance(outcome, Single)
    body = outcome.body
    assert body["id"].startswith("cmpl-")
    assert {k: v for k, v in body.items() if k != "id"} == {
        "object": "text_completion",
        "created": 1787331731,
        "model": "llama3.2",
        "system_fingerprint": "fp_ollama",
        "choices": [{"text": "Hello", "index": 0, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    assert contracts.validate(COMPLETIONS, "response", body) == []


def test_completions_stream_with_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    native = Stream(
        items=[Chunk(body=gen("He")), Chunk(body=gen("llo")), Chunk(body=gen(done=True, reason="length"))]
    )
    request = {"model": "llama3.2", "prompt": "hi", "stream": True, "stream_options": {"include_usage": True}}
    outcome, _ = run_with(monkeypatch, openai_completions, native, request)
    frames = sse_frames(outcome)
    assert [f["choices"] for f in frames[:3]] == [
        [{"text": "He", "index": 0, "finish_reason": None}],
        [{"text": "llo", "index": 0, "finish_reason": None}],
        [{"text": "", "index": 0, "finish_reason": "length"}],
    ]
    assert list(frames[0]) == ["id", "object", "created", "choices", "model", "system_fingerprint", "usage"]
    assert all(
        f["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0} for f in frames[:3]
    )
    assert frames[3]["choices"] == [] and frames[3]["usage"] == {
        "prompt_tokens": 5,
        "completion_tokens": 2,
        "total_tokens": 7,
    }
    assert frames[4] == "data: [DONE]\n\n"
    assert len({f["id"] for f in frames[:4]}) == 1
    assert contracts.validate_stream(COMPLETIONS, raw(outcome), request=request) == []


def test_completions_stream_without_usage_and_midstream_error(monkeypatch: pytest.MonkeyPatch) -> None:
    native = Stream(items=[Chunk(body=gen("He")), Chunk(body={"error": "boom"})])
    outcome, _ = run_with(
        monkeypatch, openai_completions, native, {"model": "llama3.2", "prompt": "hi", "stream": True}
    )
    frames = sse_frames(outcome)
    assert "usage" not in frames[0]
    assert frames[-1]["model"] == "" and frames[-1]["choices"] == [
        {"text": "", "index": 0, "finish_reason": None}
    ]
    assert "data: [DONE]\n\n" not in frames


def test_completions_load_answer_gives_finish_reason_load(monkeypatch: pytest.MonkeyPatch) -> None:
    load = {"model": "llama3.2", "created_at": T0, "response": "", "done": True, "done_reason": "load"}
    outcome, _ = run_with(
        monkeypatch, openai_completions, Single(body=load), {"model": "llama3.2", "prompt": ""}
    )
    assert outcome.body["choices"][0]["finish_reason"] == "load"


def test_completions_usage_flag_off(monkeypatch: pytest.MonkeyPatch) -> None:
    native = Stream(items=[Chunk(body=gen("a")), Chunk(body=gen(done=True))])
    request = {"model": "m", "prompt": "hi", "stream": True, "stream_options": {"include_usage": True}}
    state = State(dataclasses.replace(Profile(), v1_usage_chunk=False))
    outcome, _ = run_with(monkeypatch, openai_completions, native, request, state)
    assert all("usage" not in f for f in sse_frames(outcome)[:-1])
    assert outcome.headers["X-Ollama-Mock-Deliberate"] == "v1_usage_chunk"


def test_completions_native_errors_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(native: dict[str, Any]) -> Any:
        raise errors.OllamaError(404, f"model '{native['model']}' not found")

    with pytest.raises(errors.OllamaError) as caught:
        run_with(monkeypatch, openai_completions, missing, {"model": "", "prompt": "x"})
    assert (caught.value.status, caught.value.message) == (404, "model '' not found")


# ---- embeddings ------------------------------------------------------------------------------


def embed_answer(native: dict[str, Any]) -> Single:
    vectors = (
        [[0.6, 0.8, 0.0] for _ in native["input"]] if isinstance(native["input"], list) else [[1.0, 0.0, 0.0]]
    )
    return Single(
        body={
            "model": native["model"],
            "embeddings": vectors,
            "total_duration": 5,
            "load_duration": 1,
            "prompt_eval_count": 4,
        }
    )


def test_embeddings_float(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, seen = run_with(
        monkeypatch,
        openai_embeddings,
        embed_answer,
        {"model": "nomic-embed-text", "input": ["a", "b"], "dimensions": 3},
    )
    assert seen == [{"model": "nomic-embed-text", "input": ["a", "b"], "dimensions": 3}]
    assert outcome.body == {
        "object": "list",
        "data": [
            {"object": "embedding", "embedding": [0.6, 0.8, 0.0], "index": 0},
            {"object": "embedding", "embedding": [0.6, 0.8, 0.0], "index": 1},
        ],
        "model": "nomic-embed-text",
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    assert contracts.validate("POST /v1/embeddings", "response", outcome.body) == []


def test_embeddings_base64_is_float32_little_endian(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, _ = run_with(
        monkeypatch,
        openai_embeddings,
        embed_answer,
        {"model": "m", "input": "a", "encoding_format": "BASE64"},
    )
    encoded = outcome.body["data"][0]["embedding"]
    assert struct.unpack("<3f", base64.b64decode(encoded)) == pytest.approx((1.0, 0.0, 0.0))


def test_embeddings_empty_string_is_one_input(monkeypatch: pytest.MonkeyPatch) -> None:
    _, seen = run_with(monkeypatch, openai_embeddings, embed_answer, {"model": "m", "input": ""})
    assert seen[0]["input"] == [""]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "m"}, "invalid input"),
        ({"model": "m", "input": None}, "invalid input"),
        ({"model": "m", "input": []}, "invalid input"),
        (
            {"model": "m", "input": "a", "encoding_format": "int8"},
            "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
        ),
    ],
)
def test_embeddings_errors(monkeypatch: pytest.MonkeyPatch, body: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.OllamaError) as caught:
        run_with(monkeypatch, openai_embeddings, embed_answer, body)
    assert (caught.value.status, caught.value.message) == (400, message)
