"""POST /api/generate through the in-process mock: errors in Ollama's check order, behaviours."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

GEN = "/api/generate"


def lines(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "", "images": ["ab!d"], "top_logprobs": 99}, 400, "illegal base64 data at input byte 2"),
        ({"model": "", "top_logprobs": 21}, 400, "top_logprobs must be between 0 and 20"),
        ({"model": "", "prompt": "hi"}, 404, "model '' not found"),
        ({"model": "bad name!", "prompt": "hi"}, 400, "invalid model name"),
        ({"model": "nope", "prompt": "hi", "raw": True, "system": "s"}, 404, "model 'nope' not found"),
        (
            {"model": "gemma3:1b", "prompt": "hi", "raw": True, "template": "t", "think": True},
            400,
            "raw mode does not support template, system, or context",
        ),
        (
            {"model": "nomic-embed-text", "prompt": "hi", "think": True},
            400,
            '"nomic-embed-text" does not support thinking',
        ),
        ({"model": "nomic-embed-text", "prompt": "hi"}, 400, '"nomic-embed-text" does not support generate'),
        (
            {"model": "llama3.2", "prompt": "hi", "suffix": "end"},
            400,
            "registry.ollama.ai/library/llama3.2:latest does not support insert",
        ),
        (
            {"model": "gemma3:1b", "prompt": "hi", "suffix": "x", "options": {"stop": "x"}},
            400,
            "registry.ollama.ai/library/gemma3:1b does not support insert",
        ),
        (
            {"model": "llama3.2", "prompt": "", "options": {"stop": "x"}, "format": "xml"},
            500,
            'option "stop" must be of type array',
        ),
        (
            {"model": "llama3.2", "prompt": "hi", "format": "xml"},
            500,
            'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object',
        ),
    ],
)
def test_errors_in_check_order(asgi_client: Any, body: dict[str, Any], status: int, message: str) -> None:
    r = asgi_client.post(GEN, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


def test_unload_comes_before_capability_checks(asgi_client: Any) -> None:
    r = asgi_client.post(GEN, json={"model": "nomic-embed-text", "keep_alive": 0})
    body = r.json()
    assert r.status_code == 200 and body["done_reason"] == "unload" and body["response"] == ""


def test_load_is_one_object_whatever_stream_says(asgi_client: Any) -> None:
    r = asgi_client.post(GEN, json={"model": "llama3.2", "stream": True, "format": "xml"})
    assert r.headers["content-type"].startswith("application/json")
    assert list(r.json()) == ["model", "created_at", "response", "done", "done_reason"]
    assert r.json()["done_reason"] == "load"


def test_stream_records_and_final_metrics(asgi_client: Any) -> None:
    r = asgi_client.post(GEN, json={"model": "LLAMA3.2", "prompt": "Tell me about rivers"})
    records = lines(r)
    assert r.headers["content-type"] == "application/x-ndjson"
    assert all(rec["model"] == "LLAMA3.2" for rec in records)
    body, final = records[:-1], records[-1]
    assert all(list(rec) == ["model", "created_at", "response", "done"] for rec in body)
    assert final["done"] is True and final["done_reason"] == "stop" and final["response"] == ""
    assert final["eval_count"] == len(body) and final["context"]
    assert (
        final["total_duration"]
        >= final["load_duration"] + final["prompt_eval_duration"] + final["eval_duration"]
    )


def test_non_stream_concatenates(asgi_client: Any) -> None:
    prompt = {"model": "llama3.2", "prompt": "Why is the sky blue?", "options": {"seed": 3}}
    streamed = "".join(rec["response"] for rec in lines(asgi_client.post(GEN, json=prompt)))
    single = asgi_client.post(GEN, json={**prompt, "stream": False}).json()
    assert single["response"] == streamed and single["done"] is True


def test_num_predict_and_stop(asgi_client: Any) -> None:
    cut = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "stream": False, "options": {"num_predict": 3}}
    ).json()
    assert cut["done_reason"] == "length" and cut["eval_count"] == 3 and len(cut["response"].split()) == 3
    full = asgi_client.post(GEN, json={"model": "llama3.2", "prompt": "x", "stream": False}).json()[
        "response"
    ]
    word = full.split()[2]
    stopped = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "stream": False, "options": {"stop": [word]}}
    ).json()
    assert stopped["done_reason"] == "stop" and word not in stopped["response"]
    assert full.startswith(stopped["response"])


def test_raw_mode_has_no_context(asgi_client: Any) -> None:
    body = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "raw": True, "stream": False}
    ).json()
    assert "context" not in body and body["done_reason"] == "stop"


def test_context_carries_the_given_one(asgi_client: Any) -> None:
    body = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "context": [7, 8], "stream": False}
    ).json()
    assert body["context"][:2] == [7, 8]


def test_thinking_model_thinks_unless_think_false(asgi_client: Any) -> None:
    base = {"model": "qwen3:8b", "prompt": "The capital of France is", "stream": False}
    thought = asgi_client.post(GEN, json=base).json()
    assert thought["thinking"] and list(thought)[:5] == [
        "model",
        "created_at",
        "response",
        "thinking",
        "done",
    ]
    assert "thinking" not in asgi_client.post(GEN, json={**base, "think": False}).json()
    assert (
        asgi_client.post(GEN, json={"model": "gemma3:1b", "prompt": "x", "think": False}).status_code == 200
    )


def test_format_json_and_schema(asgi_client: Any) -> None:
    obj = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "format": "json", "stream": False}
    ).json()
    assert isinstance(json.loads(obj["response"]), dict)
    schema = {
        "type": "object",
        "properties": {"age": {"type": "integer", "minimum": 1, "maximum": 9}},
        "required": ["age"],
    }
    out = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "x", "format": schema, "stream": False}
    ).json()
    assert 1 <= json.loads(out["response"])["age"] <= 9


def test_suffix_on_insert_model_and_image_on_vision_model(asgi_client: Any) -> None:
    assert (
        asgi_client.post(
            GEN,
            json={"model": "qwen2.5-coder:1.5b", "prompt": "def f(", "suffix": "return x", "stream": False},
        ).status_code
        == 200
    )
    assert (
        asgi_client.post(
            GEN, json={"model": "llava:7b", "prompt": "what is this", "images": ["QUJD"], "stream": False}
        ).status_code
        == 200
    )


def test_same_request_same_body_except_created_at(asgi_client: Any) -> None:
    request = {"model": "qwen3:8b", "prompt": "Explain tides", "options": {"seed": 42}}
    asgi_client.post(GEN, json={"model": "qwen3:8b"})  # warm: the load duration is the warm one from now on
    first, second = lines(asgi_client.post(GEN, json=request)), lines(asgi_client.post(GEN, json=request))
    strip = [{k: v for k, v in rec.items() if k != "created_at"} for rec in first]
    assert strip == [{k: v for k, v in rec.items() if k != "created_at"} for rec in second]
    other = lines(asgi_client.post(GEN, json={**request, "options": {"seed": 43}}))
    assert "".join(r["response"] for r in other) != "".join(r["response"] for r in first)


def test_cold_then_warm_load_duration_and_keep_alive_zero(asgi_client: Any) -> None:
    req = {"model": "gemma3:1b", "prompt": "x", "stream": False}
    cold = asgi_client.post(GEN, json=req).json()["load_duration"]
    warm = asgi_client.post(GEN, json={**req, "keep_alive": 0}).json()["load_duration"]
    assert cold >= 1_000_000_000 > warm
    assert all(m["name"] != "gemma3:1b" for m in asgi_client.get("/api/ps").json()["models"])


def test_another_context_size_reloads_the_model(asgi_client: Any) -> None:
    # num_ctx is a load-time option: the scheduler reloads the runner when it changes
    req = {"model": "gemma3:1b", "prompt": "x", "stream": False}
    durations = [asgi_client.post(GEN, json={**req, **extra}).json()["load_duration"]
                 for extra in ({}, {}, {"options": {"num_ctx": 8192}}, {"options": {"num_ctx": 8192}})]
    assert durations[0] >= 1_000_000_000 > durations[1]
    assert durations[2] >= 1_000_000_000 > durations[3]
    loaded = {m["name"]: m["context_length"] for m in asgi_client.get("/api/ps").json()["models"]}
    assert loaded["gemma3:1b"] == 8192


def test_scenario_reply_with_calls_and_empty_done_reason(asgi_client: Any) -> None:
    from ollama_conformance.mock_server.reply import Reply, ToolCallPlan

    def scripted(ctx: Any) -> Reply:
        return Reply(content="ok", tool_calls=[ToolCallPlan("f", {"a": 1})], done_reason="")

    asgi_client.app.state.mock.responders.insert(0, scripted)
    body = asgi_client.post(GEN, json={"model": "llama3.2", "prompt": "x", "stream": False}).json()
    assert "done_reason" not in body and body["response"] == "ok"
    assert list(body)[-1] == "tool_calls" and body["tool_calls"][0]["function"]["name"] == "f"
    final = lines(asgi_client.post(GEN, json={"model": "llama3.2", "prompt": "x"}))[-1]
    assert final["done"] is True and final["tool_calls"][0]["function"]["arguments"] == {"a": 1}


def test_debug_render_only(asgi_client: Any) -> None:
    body = asgi_client.post(
        GEN,
        json={
            "model": "llava:7b",
            "prompt": "what is it",
            "images": ["QUJD"],
            "system": "Be brief.",
            "_debug_render_only": True,
        },
    ).json()
    assert body["done"] is False and body["response"] == ""
    assert body["_debug_info"]["image_count"] == 1
    assert "Be brief." in body["_debug_info"]["rendered_template"]
    raw = asgi_client.post(
        GEN, json={"model": "llama3.2", "prompt": "as is", "raw": True, "_debug_render_only": True}
    ).json()
    assert raw["_debug_info"] == {"rendered_template": "as is"}


def test_byte_identical_bodies_under_a_fixed_clock(make_mock: Any) -> None:
    mock = make_mock(clock="2026-01-02T03:04:05.25Z")
    request = {"model": "qwen3:8b", "prompt": "Explain tides", "options": {"seed": 7}}
    with httpx.Client(base_url=mock.base_url) as client:
        client.post(GEN, json={"model": "qwen3:8b"})  # warm the model first
        first, second = (client.post(GEN, json=request).content for _ in range(2))
        chat = [
            client.post(
                "/api/chat",
                json={"model": "qwen3:8b", "stream": False, "messages": [{"role": "user", "content": "hi"}]},
            ).content
            for _ in range(2)
        ]
    assert first == second and first.count(b"\n") > 3 and b'"created_at":"2026-01-02T03:04:05.25Z"' in first
    assert chat[0] == chat[1]


@pytest.mark.parametrize("stream", [True, False])
def test_a_request_template_go_cannot_parse_is_a_500_after_the_load(asgi_client: Any, stream: bool) -> None:
    body = {"model": "llama3.2", "prompt": "hi", "template": "{{ .Prompt }", "stream": stream}
    response = asgi_client.post(GEN, json=body)
    # handler code before the stream starts: gin's c.JSON, with the charset, whatever `stream` says
    assert (response.status_code, response.headers["content-type"]) == (500, "application/json; charset=utf-8")
    assert response.json() == {"error": "template: :1: unclosed action"}
    # an empty prompt only loads the model: the template is never parsed
    loaded = asgi_client.post(GEN, json={**body, "prompt": ""}).json()
    assert loaded["done_reason"] == "load"
    # an unknown function, and a template that parses, on the debug path too
    bad = asgi_client.post(GEN, json={**body, "template": "{{ shout .Prompt }}", "_debug_render_only": True})
    assert (bad.status_code, bad.json()) == (500, {"error": 'template: :1: function "shout" not defined'})
    good = asgi_client.post(GEN, json={**body, "template": "{{ .Prompt }}", "stream": False})
    assert good.status_code == 200 and good.json()["done"] is True
