"""Numbers that do not fit their Go type (reference §0.4): a float32 field's range, and numbers no
float64 holds (1e400; an integer past float64, whatever its length) named by the field they are in.

The messages are what Go's encoding/json says (checked with a Go program decoding into structs of
the same field types): `number <text> into Go struct field <Struct>.<path> of type <type>` for a
typed field, `of type float64` for a number inside an `any` (Go reads it as a float64), the bare
`number` with no text for a field that takes no number, and the innermost struct first for a
nested field, as Go's type-mismatch messages do.
"""

from __future__ import annotations

from typing import Any

import pytest
from ollama_conformance.mock_server import decode
from ollama_conformance.mock_server.errors import OllamaError

COMPLETIONS, CHAT = "POST /v1/completions", "POST /v1/chat/completions"
BIG = "1" + "0" * 400  # past float64, though Python reads it as an int
HUGE = "9" * 5000  # more digits than Python converts
_FIELD = "json: cannot unmarshal number {} into Go struct field {}"


def refusal(endpoint: str, api: str, body: str) -> str | None:
    """decode_body's message for `body`, None when it decodes."""
    try:
        decode.decode_body(endpoint, api, body.encode())
    except OllamaError as error:
        assert error.status == 400
        return error.message
    return None


@pytest.mark.parametrize("field", ["temperature", "top_p", "frequency_penalty", "presence_penalty"])
@pytest.mark.parametrize("number", ["1e39", "-3.5e38", "1e400", BIG])
def test_a_completions_float32_field_refuses_a_number_past_float32(asgi_client: Any, field: str, number: str) -> None:
    body = '{"model":"llama3.2","prompt":"hi","' + field + '":' + number + "}"
    response = asgi_client.post("/v1/completions", content=body.encode())
    assert response.status_code == 400
    assert response.json() == {"error": {
        "message": _FIELD.format(number, f"CompletionRequest.{field} of type float32"),
        "type": "invalid_request_error", "param": None, "code": None}}


def test_float32_ends_where_go_rounds_to_infinity() -> None:
    # 2**128 - 2**103 is halfway between float32's largest value and 2**128: the tie rounds up
    fits = ["3.4028235e38", "-3.4028234663852886e38", "340282356779733661637539395458142568447",
            "3.402823567797336616375393954581425684479e38"]  # this one is 2**128 - 2**103 as a float64
    past = ["340282356779733661637539395458142568448", "-3.40282356779733661637539395458142568448e38", "3.5e38"]
    answers = {n: refusal(COMPLETIONS, "openai", '{"top_p":' + n + "}") for n in fits + past}
    assert answers == {**dict.fromkeys(fits), **{n: _FIELD.format(n, "CompletionRequest.top_p of type float32")
                                                 for n in past}}


@pytest.mark.parametrize(
    ("endpoint", "api", "body", "where"),
    [
        (COMPLETIONS, "openai", '{"max_tokens":1e400}', "number 1e400|CompletionRequest.max_tokens of type int"),
        (COMPLETIONS, "openai", '{"stop":1e400}', "number 1e400|CompletionRequest.stop of type float64"),
        (COMPLETIONS, "openai", '{"stop":["x",{"a":[-1E+999]}]}', "number -1E+999|CompletionRequest.stop of type float64"),
        (COMPLETIONS, "openai", '{"model":1e400}', "number|CompletionRequest.model of type string"),
        (COMPLETIONS, "openai", '{"stream_options":{"include_usage":1e400}}',
         "number|StreamOptions.stream_options.include_usage of type bool"),
        (CHAT, "openai", '{"temperature":1e400}', "number 1e400|ChatCompletionRequest.temperature of type float64"),
        (CHAT, "openai", '{"temperature":' + BIG + "}", f"number {BIG}|ChatCompletionRequest.temperature of type float64"),
        (CHAT, "openai", '{"top_p":' + HUGE + "}", f"number {HUGE}|ChatCompletionRequest.top_p of type float64"),
        (CHAT, "openai", '{"messages":[{"role":"user","content":[{"type":"text","n":1e400}]}]}',
         "number 1e400|Message.messages.content of type float64"),
        ("POST /v1/embeddings", "openai", '{"dimensions":1e400}', "number 1e400|EmbedRequest.dimensions of type int"),
        ("POST /api/embed", "native", '{"input":["a",1e400]}', "number 1e400|EmbedRequest.input of type float64"),
        ("POST /api/generate", "native", '{"options":{"seed":' + HUGE + "}}",
         f"number {HUGE}|GenerateRequest.options of type float64"),
        ("POST /v1/messages", "anthropic", '{"temperature":1e400}', "number 1e400|MessagesRequest.temperature of type float64"),
        ("POST /v1/responses", "openai", '{"top_p":-1e400}', "number -1e400|ResponsesRequest.top_p of type float64"),
    ],
)
def test_a_number_no_float64_holds_names_the_field_it_is_in(endpoint: str, api: str, body: str, where: str) -> None:
    value, field = where.split("|")
    assert refusal(endpoint, api, body) == f"json: cannot unmarshal {value} into Go struct field {field}"


@pytest.mark.parametrize("number", ["1e400", BIG])
def test_keep_alive_reads_its_number_as_a_float64_and_returns_the_error_at_once(number: str) -> None:
    # api.Duration's UnmarshalJSON decodes into an `any`: its error ends decoding, ahead of an earlier mismatch
    message = refusal("POST /api/generate", "native", '{"stream":1,"keep_alive":' + number + "}")
    assert message == _FIELD.format(number, "GenerateRequest.keep_alive of type float64")


def test_go_reports_the_first_error_in_the_body_huge_number_or_not() -> None:
    assert refusal(COMPLETIONS, "openai", '{"stop":1e400,"model":1}') == _FIELD.format(
        "1e400", "CompletionRequest.stop of type float64")
    assert refusal(COMPLETIONS, "openai", '{"model":1,"temperature":1e400}') == (
        "json: cannot unmarshal number into Go struct field CompletionRequest.model of type string")
    assert refusal(CHAT, "openai", '{"stop":[' + BIG + '],"stream":"x"}') == _FIELD.format(  # the walk looks in `any`
        BIG, "ChatCompletionRequest.stop of type float64")


def test_a_syntax_error_after_a_huge_number_is_the_syntax_error() -> None:
    # Go checks the whole body's syntax before it decodes anything
    assert refusal(CHAT, "openai", '{"temperature":1e400,}') == "invalid character '}' looking for beginning of object key string"


def test_a_huge_number_as_the_whole_body_is_a_number_for_the_request_struct() -> None:
    assert refusal(COMPLETIONS, "openai", "1e400") == "json: cannot unmarshal number into Go value of type openai.CompletionRequest"


@pytest.mark.parametrize(("endpoint", "api", "body", "field"), [
    (COMPLETIONS, "openai", '{"model":"m","prompt":"x","stop":' + BIG + "}", "CompletionRequest.stop"),
    (COMPLETIONS, "openai", '{"model":"m","prompt":"x","stop":[' + BIG + "]}", "CompletionRequest.stop"),
    (COMPLETIONS, "openai", '{"model":"m","prompt":"x","stop":{"k":-' + BIG + "}}", "CompletionRequest.stop"),
    ("POST /api/generate", "native", '{"model":"m","prompt":"x","options":{"seed":' + BIG + "}}", "GenerateRequest.options"),
    ("POST /api/embed", "native", '{"model":"m","input":["a",' + BIG + "]}", "EmbedRequest.input"),
])
def test_an_integer_past_float64_alone_in_an_any_field(endpoint: str, api: str, body: str, field: str) -> None:
    # before: with no other error in the body, the quick check never looked inside `any` values
    message = refusal(endpoint, api, body)
    assert message is not None and message.endswith(f"into Go struct field {field} of type float64")
    assert refusal(endpoint, api, body.replace(BIG, "1" + "0" * 300)) is None  # 301 digits: a float64 holds it
