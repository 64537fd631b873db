"""Body decoding on the route layer (reference §0.4) and the error envelopes around it."""

from __future__ import annotations

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient

NATIVE_BODY_ROUTES = [("POST", "/api/generate"), ("POST", "/api/chat"), ("POST", "/api/embed"),
                      ("POST", "/api/embeddings"), ("POST", "/api/show"), ("POST", "/api/copy"),
                      ("DELETE", "/api/delete"), ("POST", "/api/pull"), ("POST", "/api/push"), ("POST", "/api/create")]


@pytest.mark.parametrize("method,path", NATIVE_BODY_ROUTES)
def test_native_empty_body_is_missing_request_body(asgi_client, method, path):
    response = asgi_client.request(method, path, content=b"")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == b'{"error":"missing request body"}'


@pytest.mark.parametrize("raw,message", [
    (b"hello", "invalid character 'h' looking for beginning of value"),
    (b"{", "unexpected EOF"),
    (b'{"model" "x"}', "invalid character '\"' after object key"),
    (b'{"model":"x",}', "invalid character '}' looking for beginning of object key string"),
    (b'{"model":"x" "y"}', "invalid character '\"' after object key:value pair"),
    (b'{"stream":tru}', "invalid character '}' in literal true (expecting 'e')"),
    (b'{"a":[1 2]}', "invalid character '2' after array element"),
    # a negative number at the end of the body, or with a leading zero (Go's stateNeg, then state0)
    (b'{"a": -5', "unexpected EOF"),
    (b'[-0', "unexpected EOF"),
    (b'{"a":-05}', "invalid character '5' after object key:value pair"),
])
def test_malformed_json_gets_go_decoder_message(asgi_client, raw, message):
    response = asgi_client.post("/api/show", content=raw)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_null_body_decodes_as_an_empty_request(asgi_client):
    response = asgi_client.post("/api/show", content=b"null")
    assert response.json() == {"error": "model is required"}


def test_text_after_the_first_value_is_ignored_as_gin_does(asgi_client):
    assert asgi_client.post("/api/show", content=b'{"model":"gemma3:1b"} trailing').status_code == 200


@pytest.mark.parametrize("path,raw,message", [
    ("/api/show", b'{"model":1}', "json: cannot unmarshal number into Go struct field ShowRequest.model of type string"),
    ("/api/chat", b'{"model":"qwen3:8b","messages":"hi"}',
     "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"),
    ("/api/chat", b'{"model":"qwen3:8b","stream":"yes"}',
     "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"),
    ("/api/pull", b'{"model":["x"]}', "json: cannot unmarshal array into Go struct field PullRequest.model of type string"),
    ("/api/show", b"[1,2]", "json: cannot unmarshal array into Go value of type api.ShowRequest"),
])
def test_wrong_types_get_go_unmarshal_messages(asgi_client, path, raw, message):
    response = asgi_client.post(path, content=raw)
    assert response.status_code == 400
    assert response.json()["error"] == message


@pytest.mark.parametrize("think,message", [
    ('"extreme"', 'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)'),
    ("3", 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
    ("[]", 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'),
])
def test_think_custom_decoder_messages(asgi_client, think, message):
    raw = f'{{"model":"qwen3:8b","messages":[],"think":{think}}}'.encode()
    assert asgi_client.post("/api/chat", content=raw).json() == {"error": message}


@pytest.mark.parametrize("keep_alive,message", [
    ('"abc"', 'time: invalid duration "abc"'),
    ('"5 minutes"', 'time: unknown unit " minutes" in duration "5 minutes"'),
    ('"300"', 'time: missing unit in duration "300"'),
    ('"2562048h"', 'time: invalid duration "2562048h"'),  # past Go's int64 nanoseconds
    ('"-9999999999h"', 'time: invalid duration "-9999999999h"'),
    ("true", "Unsupported type: 'bool'"),
    ("{}", "Unsupported type: 'map[string]interface {}'"),
    ("[]", "Unsupported type: '[]interface {}'"),
])
def test_keep_alive_custom_decoder_messages(asgi_client, keep_alive, message):
    raw = f'{{"model":"llama3.2","prompt":"","keep_alive":{keep_alive}}}'.encode()
    response = asgi_client.post("/api/generate", content=raw)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_custom_decoder_error_beats_an_earlier_type_mismatch(asgi_client):
    raw = b'{"model":1,"messages":[],"think":"nope"}'
    assert asgi_client.post("/api/chat", content=raw).json()["error"].startswith("invalid think value")


def test_message_roles_are_lowercased_and_keys_match_case_insensitively(monkeypatch):
    seen = []
    app = create_app(Settings(validate_emitted=True))
    state = app.state.mock
    state.interceptors.append(lambda info, body: seen.append(body))
    client = TestClient(app, base_url="http://127.0.0.1:11434")
    client.post("/api/chat", content=b'{"MODEL":"qwen3:8b","messages":[{"role":"USER","content":"hi"}],"stream":false}')
    assert seen[0]["model"] == "qwen3:8b"
    assert seen[0]["messages"][0]["role"] == "user"


def test_v1_empty_body_is_eof_in_the_openai_envelope(asgi_client):
    response = asgi_client.post("/v1/chat/completions", content=b"")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"error": {"message": "EOF", "type": "invalid_request_error", "param": None, "code": None}}


def test_v1_malformed_json_gets_the_go_message(asgi_client):
    response = asgi_client.post("/v1/embeddings", content=b"{")
    assert response.json()["error"]["message"] == "unexpected EOF"


def test_anthropic_route_errors_use_the_anthropic_envelope(asgi_client):
    body = asgi_client.post("/v1/messages", content=b"").json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "invalid_request_error", "message": "EOF"}
    assert body["request_id"].startswith("req_") and len(body["request_id"]) == 28


def test_oversized_body_gets_413_with_go_message():
    client = TestClient(create_app(Settings(max_body_bytes=1024)), base_url="http://127.0.0.1:11434")
    response = client.post("/api/show", content=b'{"model":"' + b"a" * 2000 + b'"}')
    assert response.status_code == 413
    assert response.json() == {"error": "http: request body too large"}
    assert client.post("/api/show", content=b'{"model":"gemma3:1b"}').status_code == 200


def test_an_unexpected_handler_exception_is_a_500_envelope_and_the_server_keeps_serving():
    app = create_app(Settings())

    def explode(info, body):
        raise RuntimeError("boom")

    app.state.mock.interceptors.append(explode)
    client = TestClient(app, base_url="http://127.0.0.1:11434", raise_server_exceptions=True)
    response = client.post("/api/show", content=b'{"model":"gemma3:1b"}')
    assert response.status_code == 500
    assert response.json() == {"error": "boom"}
    assert "Traceback" not in response.text
    app.state.mock.interceptors.clear()
    assert client.post("/api/show", content=b'{"model":"gemma3:1b"}').status_code == 200


def test_interceptor_outcome_replaces_the_handler_and_transformers_see_it():
    from ollama_conformance.mock_server.outcome import Single

    app = create_app(Settings())
    state = app.state.mock
    state.interceptors.append(lambda info, body: Single({"error": "busy"}, status=503))
    state.transformers.append(lambda info, outcome: Single(outcome.body, 429) if info.endpoint == "POST /api/show" else outcome)
    client = TestClient(app, base_url="http://127.0.0.1:11434")
    response = client.post("/api/show", content=b'{"model":"gemma3:1b"}')
    assert (response.status_code, response.json()) == (429, {"error": "busy"})


@pytest.mark.parametrize("raw,message", [
    (b'{"model":NaN}', "invalid character 'N' looking for beginning of value"),
    (b'{"model":-Infinity}', "invalid character 'I' in numeric literal"),
    (b'{"model":"a\nb"}', "invalid character '\\n' in string literal"),
])
def test_what_python_would_accept_but_go_rejects(asgi_client, raw, message):
    assert asgi_client.post("/api/show", content=raw).json() == {"error": message}


# --- nested type checks: Go rejects a mistyped field at any depth --------------------------------

CHAT = {"model": "qwen3:8b", "stream": False}
TOOL = {"type": "function", "function": {"name": "weather", "description": "Weather of a city",
                                         "parameters": {"type": "object", "required": ["city"],
                                                        "properties": {"city": {"type": "string"}}}}}
MSG = "json: cannot unmarshal {} into Go struct field {}"


def _tool(path: str, value: object) -> dict:
    import copy

    tool = copy.deepcopy(TOOL)
    *parents, last = path.split(".")
    node = tool
    for key in parents:
        node = node[key]
    node[last] = value
    return tool


@pytest.mark.parametrize("message,error", [
    ({"role": 1}, "number into Go struct field ChatRequest.messages.role of type string"),
    ({"role": "user", "content": ["hi"]}, "array into Go struct field ChatRequest.messages.content of type string"),
    ({"role": "user", "content": "hi", "thinking": False}, "bool into Go struct field ChatRequest.messages.thinking of type string"),
    ({"role": "user", "images": "aGk="}, "string into Go struct field ChatRequest.messages.images of type []api.ImageData"),
    ({"role": "user", "images": [7]}, "number into Go struct field ChatRequest.messages.images of type api.ImageData"),
    ({"role": "assistant", "tool_calls": {}}, "object into Go struct field ChatRequest.messages.tool_calls of type []api.ToolCall"),
    ({"role": "assistant", "tool_calls": [{"function": {"name": 3}}]},
     "number into Go struct field ChatRequest.messages.tool_calls.function.name of type string"),
    ({"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": '{"a":1}'}}]},
     "string into Go struct field ChatRequest.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments"),
    ({"role": "assistant", "tool_calls": [{"function": {"index": 0.5}}]},
     "number 0.5 into Go struct field ChatRequest.messages.tool_calls.function.index of type int"),
    ({"role": "tool", "content": "sunny", "tool_name": 1}, "number into Go struct field ChatRequest.messages.tool_name of type string"),
    ({"role": "tool", "content": "sunny", "tool_call_id": []}, "array into Go struct field ChatRequest.messages.tool_call_id of type string"),
    ("hello", "string into Go struct field ChatRequest.messages of type api.Message"),
])
def test_mistyped_message_fields_are_go_unmarshal_errors(asgi_client, message, error):
    # api.Message has its own UnmarshalJSON: the message names the request struct and the whole path
    response = asgi_client.post("/api/chat", json={**CHAT, "messages": [message]})
    assert response.status_code == 400
    assert response.json() == {"error": "json: cannot unmarshal " + error}


@pytest.mark.parametrize("path,value,error", [
    ("type", 1, "number into Go struct field Tool.tools.type of type string"),
    ("function", "weather", "string into Go struct field Tool.tools.function of type api.ToolFunction"),
    ("function.name", 3, "number into Go struct field ToolFunction.tools.function.name of type string"),
    ("function.description", ["x"], "array into Go struct field ToolFunction.tools.function.description of type string"),
    ("function.parameters.type", True, "bool into Go struct field ToolFunctionParameters.tools.function.parameters.type of type string"),
    ("function.parameters.required", "city",
     "string into Go struct field ToolFunctionParameters.tools.function.parameters.required of type []string"),
    ("function.parameters.required", [1],
     "number into Go struct field ToolFunctionParameters.tools.function.parameters.required of type string"),
    ("function.parameters.properties", [],
     "array into Go struct field ToolFunctionParameters.tools.function.parameters.properties of type api.ToolPropertiesMap"),
])
def test_mistyped_tool_fields_are_go_unmarshal_errors(asgi_client, path, value, error):
    # no own decoder between the request and the field: Go names the innermost struct (compat-gaps row 21)
    body = {**CHAT, "messages": [{"role": "user", "content": "hi"}], "tools": [_tool(path, value)]}
    response = asgi_client.post("/api/chat", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "json: cannot unmarshal " + error}


def test_well_typed_nested_fields_and_nulls_decode(asgi_client):
    messages = [{"role": "system", "content": "Be brief.", "images": None, "tool_calls": None},
                {"role": "user", "content": "Weather in Paris?", "images": []},
                {"role": "assistant", "content": "", "thinking": "", "tool_calls": [
                    {"id": "call_1", "function": {"index": 0, "name": "weather", "arguments": {"city": "Paris"}}}]},
                {"role": "tool", "content": "sunny", "tool_name": "weather", "tool_call_id": "call_1"}]
    tool = _tool("function.parameters.properties", {"city": {"type": ["string", "null"], "description": "name",
                                                             "enum": ["Paris", 1]}, "when": None})
    response = asgi_client.post("/api/chat", json={**CHAT, "model": "llama3.2", "messages": messages, "tools": [tool]})
    assert response.status_code == 200, response.text


def test_option_values_are_not_type_checked_while_decoding(asgi_client):
    # a map[string]any at decode time; the runner rejects the value later with 500 (reference §0.8)
    body = {**CHAT, "messages": [{"role": "user", "content": "hi"}], "options": {"temperature": "hot"}}
    response = asgi_client.post("/api/chat", json=body)
    assert (response.status_code, response.json()) == (500, {"error": 'option "temperature" must be of type float32'})
    response = asgi_client.post("/api/chat", json={**body, "options": "fast"})
    assert response.json()["error"] == MSG.format("string", "ChatRequest.options of type map[string]interface {}")


@pytest.mark.parametrize("raw,error", [
    # a plain mismatch is kept and decoding goes on: the first one is reported
    (b'{"model":1,"stream":"yes"}', MSG.format("number", "ChatRequest.model of type string")),
    # an error from a type's own decoder ends decoding at once, and beats an earlier mismatch
    (b'{"model":1,"messages":[{"role":1}]}', MSG.format("number", "ChatRequest.messages.role of type string")),
    # ... and what follows it is never decoded
    (b'{"messages":[{"role":1}],"think":"nope"}', MSG.format("number", "ChatRequest.messages.role of type string")),
    (b'{"messages":[{"role":"user","content":"hi"}],"think":"nope","model":1}', 'invalid think value: "nope" '
     '(must be "high", "medium", "low", "max", true, or false)'),
    # inside a message, its first mismatch wins
    (b'{"messages":[{"role":1,"content":2}]}', MSG.format("number", "ChatRequest.messages.role of type string")),
])
def test_go_decoding_order_decides_which_error_is_reported(asgi_client, raw, error):
    response = asgi_client.post("/api/chat", content=raw)
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_nested_keys_match_struct_fields_case_insensitively():
    seen = []
    app = create_app(Settings(validate_emitted=True))
    app.state.mock.interceptors.append(lambda info, body: seen.append(body))
    client = TestClient(app, base_url="http://127.0.0.1:11434")
    body = {"model": "qwen3:8b", "stream": False, "messages": [{"ROLE": "USER", "Content": "hi"}],
            "tools": [{"Type": "function", "FUNCTION": {"Name": "f", "parameters": {"properties": {"Keep": {"type": "string"}}}}}]}
    client.post("/api/chat", json=body)
    assert seen[0]["messages"] == [{"role": "user", "content": "hi"}]
    assert seen[0]["tools"][0]["function"]["name"] == "f"
    assert list(seen[0]["tools"][0]["function"]["parameters"]["properties"]) == ["Keep"]  # a map: keys kept
    response = client.post("/api/chat", json={**body, "messages": [{"Role": 1}]})
    assert response.json()["error"] == MSG.format("number", "ChatRequest.messages.role of type string")


@pytest.mark.parametrize("path,body,error", [
    ("/api/generate", {"model": "llama3.2", "context": [1, "2"]}, MSG.format("string", "GenerateRequest.context of type int")),
    ("/api/generate", {"model": "llama3.2", "images": [True]}, MSG.format("bool", "GenerateRequest.images of type api.ImageData")),
    ("/api/create", {"model": "m", "files": {"a.gguf": 1}}, MSG.format("number", "CreateRequest.files of type string")),
    ("/api/create", {"model": "m", "messages": [{"role": 1}]}, MSG.format("number", "CreateRequest.messages.role of type string")),
])
def test_nested_checks_apply_to_every_native_endpoint(asgi_client, path, body, error):
    response = asgi_client.post(path, json=body)
    assert (response.status_code, response.json()) == (400, {"error": error})


V1_USER = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("path,body,error", [
    ("/v1/chat/completions", {"model": "llama3.2", "messages": [{"role": 1, "content": "hi"}]},
     MSG.format("number", "Message.messages.role of type string")),
    ("/v1/chat/completions", {"model": "llama3.2", "messages": "hi"},
     MSG.format("string", "ChatCompletionRequest.messages of type []openai.Message")),
    ("/v1/chat/completions", {"model": "llama3.2", "messages": V1_USER, "stream_options": {"include_usage": "yes"}},
     MSG.format("string", "StreamOptions.stream_options.include_usage of type bool")),
    ("/v1/chat/completions", {"model": "qwen3:8b", "messages": V1_USER, "tools": [_tool("function.parameters.properties", [])]},
     MSG.format("array", "ToolFunctionParameters.tools.function.parameters.properties of type api.ToolPropertiesMap")),
    ("/v1/completions", {"model": "llama3.2", "prompt": "hi", "stream_options": {"include_usage": 1}},
     MSG.format("number", "StreamOptions.stream_options.include_usage of type bool")),
    ("/v1/responses", {"model": "llama3.2", "input": "hi", "include": [1]},
     MSG.format("number", "ResponsesRequest.include of type string")),
])
def test_v1_bodies_are_type_checked_at_depth_in_the_openai_envelope(asgi_client, path, body, error):
    response = asgi_client.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == error


def test_anthropic_bodies_are_type_checked_at_depth(asgi_client):
    body = {"model": "llama3.2", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}],
            "thinking": {"type": "enabled", "budget_tokens": "many"}}
    response = asgi_client.post("/v1/messages", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == MSG.format("string", "ThinkingConfig.thinking.budget_tokens of type int")
    response = asgi_client.post("/v1/messages", json={**body, "thinking": None, "messages": [{"role": 2, "content": "hi"}]})
    # MessageParam has its own UnmarshalJSON: Go names the error from the request struct
    assert response.json()["error"]["message"] == MSG.format("number", "MessagesRequest.messages.role of type string")


@pytest.mark.parametrize(("message", "error"), [
    ({"role": "user", "content": [{"type": "text", "text": 5}]}, MSG.format("number", "MessagesRequest.messages.text of type string")),
    ({"role": "user", "content": [{"type": "thinking", "thinking": True}]},
     MSG.format("bool", "MessagesRequest.messages.thinking of type string")),
    ({"role": "user", "content": [{"type": "image", "source": {"type": 5}}]},
     MSG.format("number", "MessagesRequest.messages.source.type of type string")),
    ({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "a", "is_error": "yes"}]},
     MSG.format("string", "MessagesRequest.messages.is_error of type bool")),
    ({"role": "user", "content": [5]}, MSG.format("number", "MessagesRequest.messages of type anthropic.ContentBlock")),
    ({"role": "user", "content": 5}, MSG.format("number", "MessagesRequest.messages of type []anthropic.ContentBlock")),
    ({"role": "user"}, "unexpected end of JSON input"),
    (None, "unexpected end of JSON input"),
])
def test_anthropic_content_blocks_are_decoded_as_go_decodes_them(asgi_client, message, error):
    body = {"model": "llama3.2", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}, message]}
    response = asgi_client.post("/v1/messages", json=body)
    assert response.status_code == 400 and response.json()["error"]["message"] == error


def test_anthropic_message_error_beats_an_earlier_type_mismatch(asgi_client):
    # its UnmarshalJSON's error ends decoding at once; a plain mismatch before it is only kept
    body = {"model": "llama3.2", "max_tokens": "x", "messages": [{"role": "user", "content": 5}]}
    response = asgi_client.post("/v1/messages", json=body)
    assert response.json()["error"]["message"] == MSG.format("number", "MessagesRequest.messages of type []anthropic.ContentBlock")


def test_every_endpoint_with_a_request_schema_gets_its_go_type_once():
    from ollama_conformance.mock_server.gotypes import request_type

    from ollama_conformance import contracts

    for endpoint in contracts.operations():
        op = contracts.operation(endpoint)
        if op.get("request") and endpoint.startswith(("POST", "DELETE")):
            root = request_type(endpoint, op.get("api", "native"))
            assert root is request_type(endpoint, op.get("api", "native"))  # built once, then cached
            assert root is None or root.fields is not None, endpoint
    chat = request_type("POST /api/chat", "native")
    message = chat.fields["messages"].item
    assert (message.go, message.custom, message.struct) == ("api.Message", True, "Message")
    assert chat.fields["options"].fields is None and chat.fields["options"].item is None  # values unchecked


# --- bodies Python cannot read as it is: never a 500 with Python's text, the journal stays readable ---


def _nested(depth: int) -> bytes:
    return b'{"model":"llama3.2","prompt":"hi","stream":false,"x":' + b"[" * depth + b"]" * depth + b"}"


def test_json_nested_beyond_gos_limit_gets_gos_syntax_error(asgi_client):
    response = asgi_client.post("/api/generate", content=_nested(10_001))
    assert response.status_code == 400
    assert response.json() == {"error": "invalid character '[' exceeded max depth"}


@pytest.mark.parametrize("depth", [600, 2_000, 9_999])
def test_json_nested_beyond_the_mocks_depth_is_a_deliberate_400(asgi_client, depth):
    response = asgi_client.post("/api/generate", content=_nested(depth))
    assert response.status_code == 400 and response.headers["x-ollama-mock-deliberate"] == "json_depth"
    assert response.json()["error"].startswith(f"ollama-mock: this JSON nests {depth + 1} levels deep")  # the body is one more
    assert asgi_client.post("/api/generate", content=_nested(500)).status_code == 200  # within the mock's depth


@pytest.mark.parametrize(("number", "shown"), [(b"1e400", "1e400"), (b"-1E+999", "-1E+999"), (b"9" * 5000, "9" * 5000)])
def test_a_number_no_float64_holds_is_refused_as_go_does(asgi_client, number, shown):
    body = b'{"model":"llama3.2","prompt":"hi","options":{"temperature":' + number + b"}}"
    response = asgi_client.post("/api/generate", content=body)
    assert response.status_code == 400  # options is a map[string]any: Go names the field
    assert response.json() == {"error": f"json: cannot unmarshal number {shown} into Go struct field "
                                        "GenerateRequest.options of type float64"}
    unread = asgi_client.post("/api/generate", content=b'{"model":"llama3.2","n":' + number + b"}")
    assert unread.status_code == 400  # Go skips a field it does not know; the mock cannot hold the number
    assert unread.json() == {"error": f"json: cannot unmarshal number {shown} into Go value of type float64"}


def test_the_journal_stays_readable_after_bodies_python_cannot_hold(asgi_client):
    # 600 levels: refused by the mock (512) though Python 3.11's parser reads it; 2,000: past 3.11's
    # parser, not past 3.12's
    bodies = [_nested(600), _nested(2_000), b'{"model":"x","options":{"top_p":1e400}}',
              b'{"model":"x","n":' + b"1" * 5000 + b"}"]
    for body in bodies:
        asgi_client.post("/api/generate", content=body)
    journal = asgi_client.get("/_mock/requests")
    assert journal.status_code == 200
    assert [entry["body"] for entry in journal.json()["requests"][-4:]] == [b.decode() for b in bodies]  # the text as sent
