"""/api/generate and /api/chat fixes from the third audit: images sent to a model without vision
(the runner's 500, not a capability 400), logprobs for every token (thinking too) and none at all
when no token was made (omitempty), and num_ctx cut to the model's trained context."""

from __future__ import annotations

import json
from typing import Any

import pytest

IMAGE = "iVBORw0KGgo="
NO_IMAGE_INPUT = "this model is missing data required for image input"


def chat(model: str, content: str = "what is this?", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content, "images": [IMAGE]}], **extra}


# --- images on a model without vision ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/chat", chat("llama3.2", stream=False)),
        ("/api/generate", {"model": "llama3.2", "prompt": "what", "images": [IMAGE], "stream": False}),
    ],
)
def test_images_for_a_text_model_are_the_runners_500(asgi_client: Any, path: str, body: dict[str, Any]) -> None:
    response = asgi_client.post(path, json=body)
    assert response.status_code == 500
    assert response.json() == {"error": NO_IMAGE_INPUT}
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_streamed_the_image_error_is_the_first_item(asgi_client: Any) -> None:
    response = asgi_client.post("/api/chat", json=chat("llama3.2"))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"  # streamResponse's c.JSON after Header()
    assert response.json() == {"error": NO_IMAGE_INPUT}


def test_a_load_request_with_images_never_reaches_the_runner(asgi_client: Any) -> None:
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "", "images": [IMAGE]})
    assert response.status_code == 200
    assert response.json()["done_reason"] == "load"


def test_the_format_error_comes_before_the_image_error(asgi_client: Any) -> None:
    response = asgi_client.post("/api/chat", json=chat("llama3.2", stream=False, format="xml"))
    assert response.status_code == 500
    assert response.json()["error"].startswith("invalid format:")


def test_a_vision_model_takes_the_image(asgi_client: Any) -> None:
    response = asgi_client.post("/api/chat", json=chat("llava:7b", stream=False))
    assert response.status_code == 200 and response.json()["done"] is True


def test_through_v1_the_image_error_is_an_api_error(asgi_client: Any) -> None:
    content = [{"type": "text", "text": "what"}, {"type": "image_url", "image_url": f"data:image/png;base64,{IMAGE}"}]
    response = asgi_client.post("/v1/chat/completions",
                                json={"model": "llama3.2", "messages": [{"role": "user", "content": content}]})
    assert response.status_code == 500
    assert response.json()["error"] == {"message": NO_IMAGE_INPUT, "type": "api_error", "param": None, "code": None}


# --- logprobs --------------------------------------------------------------------------------------


def test_logprobs_cover_thinking_tokens_then_content_tokens(asgi_client: Any) -> None:
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "stream": False}
    answer = asgi_client.post("/api/chat", json=body).json()
    message = answer["message"]
    tokens = "".join(entry["token"] for entry in answer["logprobs"])
    assert tokens == message["thinking"] + message["content"]


def test_streamed_thinking_chunks_carry_their_logprobs(asgi_client: Any) -> None:
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "top_logprobs": 2}
    records = [json.loads(line) for line in asgi_client.post("/api/chat", json=body).text.splitlines()]
    thinking = [r for r in records if r["message"].get("thinking")]
    assert thinking
    for record in thinking:
        assert [e["token"] for e in record["logprobs"]] == [record["message"]["thinking"]]
        assert len(record["logprobs"][0]["top_logprobs"]) == 2


def test_streamed_and_whole_logprobs_agree(asgi_client: Any) -> None:
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hey"}], "logprobs": True}
    whole = asgi_client.post("/api/chat", json={**body, "stream": False}).json()["logprobs"]
    records = [json.loads(line) for line in asgi_client.post("/api/chat", json=body).text.splitlines()]
    assert [e for r in records for e in r.get("logprobs", [])] == whole


@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
def test_no_tokens_means_no_logprobs_key(asgi_client: Any, path: str) -> None:
    # every answer starts with a capital letter: a stop at each of them leaves no token at all
    body: dict[str, Any] = {"model": "llama3.2", "logprobs": True, "stream": False,
                            "options": {"stop": [chr(c) for c in range(ord("A"), ord("Z") + 1)]}}
    body |= {"messages": [{"role": "user", "content": "hi"}]} if path == "/api/chat" else {"prompt": "hi"}
    answer = asgi_client.post(path, json=body).json()
    assert (answer["message"]["content"] if path == "/api/chat" else answer["response"]) == ""
    assert "logprobs" not in answer


# --- num_ctx ---------------------------------------------------------------------------------------


def test_num_ctx_is_cut_to_the_trained_context(asgi_client: Any) -> None:
    long_text = "word " * 40_000
    body = {"model": "gemma3:1b", "messages": [{"role": "user", "content": long_text}], "stream": False,
            "options": {"num_ctx": 1_000_000}}
    answer = asgi_client.post("/api/chat", json=body).json()
    assert answer["prompt_eval_count"] == 32768  # gemma3:1b's gemma3.context_length; truncated to it
    loaded = {m["name"]: m for m in asgi_client.get("/api/ps").json()["models"]}
    assert loaded["gemma3:1b"]["context_length"] == 32768


# --- api.PropertyType: a string or a []string, with its own UnmarshalJSON --------------------------


def _tools(kind: Any) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
                                                                          "properties": {"a": {"type": kind}}}}}]


@pytest.mark.parametrize(("kind", "message"), [
    (5, "json: cannot unmarshal number into Go value of type []string"),
    (True, "json: cannot unmarshal bool into Go value of type []string"),
    ({"x": 1}, "json: cannot unmarshal object into Go value of type []string"),
    (["string", 1], "json: cannot unmarshal number into Go value of type string"),
])
def test_a_tool_property_type_that_is_no_string_or_string_list_is_400(asgi_client: Any, kind: Any, message: str) -> None:
    body = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hi"}], "tools": _tools(kind)}
    response = asgi_client.post("/api/chat", json=body)
    assert (response.status_code, response.json()) == (400, {"error": message})
    v1 = asgi_client.post("/v1/chat/completions", json={**body, "stream": None})
    assert v1.status_code == 400 and v1.json()["error"]["message"] == message


@pytest.mark.parametrize("kind", ["string", ["string", "null"], None])
def test_string_and_string_list_property_types_are_fine(asgi_client: Any, kind: Any) -> None:
    body = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hi"}], "tools": _tools(kind)}
    assert asgi_client.post("/api/chat", json=body).status_code == 200


# --- shift: false --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
def test_without_shift_generation_stops_when_the_context_is_full(asgi_client: Any, path: str) -> None:
    body: dict[str, Any] = {"model": "llama3.2", "stream": False, "options": {"num_ctx": 48}}
    body |= {"messages": [{"role": "user", "content": "word " * 30}]} if path == "/api/chat" else {"prompt": "word " * 30}
    shifted = asgi_client.post(path, json=body).json()
    stopped = asgi_client.post(path, json={**body, "shift": False}).json()
    assert stopped["done_reason"] == "length"
    assert stopped["prompt_eval_count"] + stopped["eval_count"] <= 48
    assert shifted["prompt_eval_count"] + shifted["eval_count"] > 48  # shifting, the context slides on


def test_generate_context_is_as_long_as_the_prompt_and_answer_it_holds(asgi_client: Any) -> None:
    # Ollama answers Tokenize(rendered prompt + output): one id per token the two counts count
    first = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "hi there", "stream": False,
                                                     "options": {"num_predict": 3}}).json()
    assert len(first["context"]) == first["prompt_eval_count"] + first["eval_count"]
    follow = asgi_client.post("/api/generate", json={"model": "llama3.2", "prompt": "and then", "system": "Be brief",
                                                      "context": first["context"], "stream": False}).json()
    assert len(follow["context"]) == follow["prompt_eval_count"] + follow["eval_count"]
    assert follow["context"][: len(first["context"])] == first["context"]
