"""Behaviour on the wire that no other test executed (found by branch coverage of mock_server/).

Each case cites the reference (../shared/reference/ollama-api.md) section it follows.
"""

from __future__ import annotations

from typing import Any

import pytest

PIXEL = "iVBORw0KGgo="  # valid base64 (the mock's model does not look inside)


# §0.4: malformed JSON -> 400 with Go's decoder message verbatim. These bodies reach Go's scanner
# through string escapes, \u escapes, fractions, exponents, empty containers and literals, which
# no other test's body did (gojson._Scanner).
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"model":"a\\"b" x}', "invalid character 'x' after object key:value pair"),
        ('{"a":"\\n\\u00e9" ]', "invalid character ']' after object key:value pair"),
        ('{"model":"\\q"}', "invalid character 'q' in string escape code"),
        ('{"model":"\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"),
        ('{"model":1.x}', "invalid character 'x' after decimal point in numeric literal"),
        ('{"model":1e+}', "invalid character '}' in exponent of numeric literal"),
        ("{\"model\":'x'}", "invalid character '\\'' looking for beginning of value"),  # Go's quoteChar
        ('{"model":[]', "unexpected EOF"),
        ('{"model":{}', "unexpected EOF"),
        ('{"model":tru', "unexpected EOF"),
        ('{"model":"\\', "unexpected EOF"),
        ('{"model":"\\u12', "unexpected EOF"),
        ('{"model":1e', "unexpected EOF"),
    ],
)
def test_go_syntax_errors_inside_strings_numbers_and_literals(asgi_client: Any, raw: str, message: str) -> None:
    answer = asgi_client.post("/api/chat", content=raw)
    assert (answer.status_code, answer.json()) == (400, {"error": message})
    assert answer.headers["content-type"] == "application/json; charset=utf-8"


# §0.4: keep_alive, a bad string -> Go's time.ParseDuration error; a lone sign is "invalid duration"
@pytest.mark.parametrize("value", ["-", "+"])
def test_keep_alive_of_a_lone_sign_is_an_invalid_duration(asgi_client: Any, value: str) -> None:
    answer = asgi_client.post("/api/chat", json={"model": "llama3.2", "keep_alive": value, "messages": []})
    assert (answer.status_code, answer.json()) == (400, {"error": f'time: invalid duration "{value}"'})


# §0.1 Host guard: netip.ParseAddr of the Host's host part; IsPrivate/IsLoopback unmap an
# IPv4-mapped IPv6 address first, so ::ffff:10.0.0.1 is private and ::ffff:8.8.8.8 is not
@pytest.mark.parametrize(("host", "status"), [("[::ffff:10.0.0.1]:11434", 200), ("[::ffff:192.168.1.2]:80", 200),
                                              ("[::ffff:8.8.8.8]:11434", 403)])
def test_host_guard_unmaps_ipv4_mapped_ipv6_hosts(asgi_client: Any, host: str, status: int) -> None:
    answer = asgi_client.get("/api/version", headers={"Host": host})
    assert answer.status_code == status
    assert answer.text == ('{"version":"0.32.15"}' if status == 200 else "")


# §0.2: images are decoded by Go's base64.StdEncoding, which skips \r and \n anywhere (also after
# the padding); any other stray byte is "illegal base64 data at input byte N"
def test_base64_images_may_hold_line_breaks(asgi_client: Any) -> None:
    def generate(image: str) -> Any:
        return asgi_client.post("/api/generate", json={"model": "llava:7b", "prompt": "what", "stream": False,
                                                       "images": [image]})

    plain = generate(PIXEL).json()
    for wrapped in ("iVBO\r\nRw0KGgo=", PIXEL + "\n"):
        answer = generate(wrapped)
        assert answer.status_code == 200
        body = answer.json()
        assert (body["response"], body["prompt_eval_count"]) == (plain["response"], plain["prompt_eval_count"])
    bad = generate("iVBO\nR w0KGgo=")
    assert (bad.status_code, bad.json()) == (400, {"error": "illegal base64 data at input byte 6"})


# §0.1 routing: Go's mux cleans the path with a 301 and puts a trailing slash back (cleanPath)
def test_a_path_with_a_double_slash_keeps_its_trailing_slash_in_the_redirect(asgi_client: Any) -> None:
    answer = asgi_client.get("/api//tags/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (301, "/api/tags/")


# §4.3 create / §0.3: a bad `from` is the first streamed item, so a plain HTTP 400 without charset
@pytest.mark.parametrize("stream", [True, False])
def test_create_from_an_invalid_name(asgi_client: Any, stream: bool) -> None:
    answer = asgi_client.post("/api/create", json={"model": "x", "from": "bad name!", "stream": stream})
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid model name"})
    assert answer.headers["content-type"] == "application/json"


# §4.4 /v1/chat/completions: decode and conversion errors in the OpenAI envelope
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tools": "x"},
         "json: cannot unmarshal string into Go struct field ChatCompletionRequest.tools of type []api.Tool"),
        ({"messages": ["hi"]},
         "json: cannot unmarshal string into Go struct field ChatCompletionRequest.messages of type openai.Message"),
        ({"messages": [{"role": "user", "content": ["hi"]}]}, "invalid message format"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": 5}}]}]},
         "invalid message format"),
        ({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": "x"}]}]},
         "invalid input_audio format"),
        ({"response_format": "json"}, "json: cannot unmarshal string into Go struct field "
                                      "ChatCompletionRequest.response_format of type openai.ResponseFormat"),
    ],
)
def test_v1_chat_refuses_badly_shaped_fields(asgi_client: Any, change: dict[str, Any], message: str) -> None:
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], **change}
    answer = asgi_client.post("/v1/chat/completions", json=body)
    assert (answer.status_code, answer.json()) == (
        400, {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}})


# §4.4 /v1/responses: decode and input-item errors
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tools": "x"},
         "json: cannot unmarshal string into Go struct field ResponsesRequest.tools of type []openai.ResponsesTool"),
        ({"tools": ["x"]}, "json: cannot unmarshal string into Go value of type openai.ResponsesTool"),
        ({"input": [{"type": "reasoning", "summary": ["x"]}]},
         "input[0]: json: cannot unmarshal string into Go struct field ResponsesReasoningInput.summary of type "
         "openai.ResponsesReasoningSummary"),
    ],
)
def test_v1_responses_refuses_badly_shaped_fields(asgi_client: Any, change: dict[str, Any], message: str) -> None:
    answer = asgi_client.post("/v1/responses", json={"model": "llama3.2", "input": "hi", **change})
    assert (answer.status_code, answer.json()) == (
        400, {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}})


def _tool_result_turn(content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"model": "llava:7b", "max_tokens": 50, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": content}]}]}


# §3.6 /v1/messages: a tool_result's content blocks may hold base64 images (they go to the tool
# message's images); any other image source is refused as a user message's is
def test_v1_messages_tool_result_images(asgi_client: Any) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}}
    ok = asgi_client.post("/v1/messages", json=_tool_result_turn([{"type": "text", "text": "see"}, image]))
    assert ok.status_code == 200 and ok.json()["stop_reason"] == "end_turn"
    for source, message in [("x", "invalid tool_result image source"),
                            ({"type": "url", "url": "http://x"},
                             "invalid image source type: url. Only base64 images are supported.")]:
        bad = asgi_client.post("/v1/messages", json=_tool_result_turn([{"type": "image", "source": source}]))
        assert bad.status_code == 400
        body = bad.json()
        assert body["type"] == "error" and body["error"] == {"type": "invalid_request_error", "message": message}


def test_the_package_exports_create_app_and_settings_lazily() -> None:
    import ollama_conformance.mock_server as package
    from ollama_conformance.mock_server.app import create_app
    from ollama_conformance.mock_server.settings import Settings

    assert (package.create_app, package.Settings) == (create_app, Settings)
    with pytest.raises(AttributeError):
        package.nothing_of_that_name  # noqa: B018
