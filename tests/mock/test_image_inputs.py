"""Images on the native API as Ollama reads them: bytes sent as numbers, null entries, the
prompt tokens they take and the [img-N] tags chatPrompt renders."""

from __future__ import annotations

from typing import Any

import pytest

PIXEL = "iVBORw0KGgo="  # valid base64 (the mock's model does not look inside)


@pytest.mark.parametrize(("images", "kind"), [([[256]], "number 256"), ([[1.5]], "number 1.5"), ([["x"]], "string"),
                                              ([[True]], "bool"), ([[[1]]], "array")])
def test_bytes_sent_as_numbers_are_each_a_uint8(asgi_client: Any, images: list[Any], kind: str) -> None:
    body = {"model": "llava:7b", "stream": False, "messages": [{"role": "user", "content": "hi", "images": images}]}
    answer = asgi_client.post("/api/chat", json=body)
    assert (answer.status_code, answer.json()) == (
        400, {"error": f"json: cannot unmarshal {kind} into Go struct field ChatRequest.messages.images of type uint8"})
    generate = asgi_client.post("/api/generate", json={"model": "llava:7b", "prompt": "hi", "images": images})
    assert generate.json()["error"].endswith("Go struct field GenerateRequest.images of type uint8")


def test_byte_numbers_in_range_and_nulls_are_fine(asgi_client: Any) -> None:
    body = {"model": "llava:7b", "stream": False, "messages": [{"role": "user", "content": "hi", "images": [[0, None, 255]]}]}
    assert asgi_client.post("/api/chat", json=body).status_code == 200


def _generate(client: Any, **fields: Any) -> Any:
    return client.post("/api/generate", json={"model": "llava:7b", "prompt": "what is this", "stream": False, **fields}).json()


def test_generate_counts_each_image_in_the_prompt_as_chat_does(asgi_client: Any) -> None:
    counts = [_generate(asgi_client, images=[PIXEL] * n)["prompt_eval_count"] for n in (0, 1, 3)]
    assert counts[1] - counts[0] == 256 and counts[2] - counts[0] == 3 * 256


def test_a_null_image_still_counts_on_generate(asgi_client: Any) -> None:
    debug = _generate(asgi_client, images=[None], _debug_render_only=True)
    assert debug["_debug_info"]["image_count"] == 1


def test_debug_render_tags_images_as_chat_prompt_does(asgi_client: Any) -> None:
    messages = [{"role": "user", "content": "what is this", "images": [PIXEL, PIXEL]},
                {"role": "assistant", "content": "a cat"},
                {"role": "user", "content": "and [img] here?", "images": [PIXEL]}]
    body = {"model": "llava:7b", "messages": messages, "_debug_render_only": True}
    rendered = asgi_client.post("/api/chat", json=body).json()["_debug_info"]["rendered_template"]
    assert "[img-0][img-1]what is this" in rendered and "and [img-2] here?" in rendered
    generated = _generate(asgi_client, images=[PIXEL], _debug_render_only=True)["_debug_info"]["rendered_template"]
    assert "[img-0]what is this" in generated


def test_no_tags_where_generate_does_not_use_chat_prompt(asgi_client: Any) -> None:
    # a request template goes through the legacy template path, which tags nothing
    rendered = _generate(asgi_client, images=[PIXEL], template="{{ .Prompt }}", _debug_render_only=True)
    assert "[img-" not in rendered["_debug_info"]["rendered_template"]
