"""What older releases lacked, as their profiles reproduce it: routes that came later answer gin's
404, think levels before every thinking model took one, `dimensions` before v0.11.11 (reference §5,
recorded 0135-api-chat-400-think-level.json)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ollama_conformance.mock_server.profiles import Profile, release, serves_route

THINKER, EMBEDDER = "qwen3:8b", "nomic-embed-text"
LATER_ROUTES = [("POST", "/v1/responses"), ("POST", "/v1/messages"), ("GET", "/api/status"),
                ("POST", "/v1/audio/transcriptions")]


@pytest.mark.parametrize("profile", ["ollama-0.12.9", "ollama-0.5.11", "ollama-0.4.5"])
@pytest.mark.parametrize(("method", "path"), LATER_ROUTES)
def test_routes_a_release_lacked_answer_gins_404(client_for: Any, profile: str, method: str, path: str) -> None:
    response = client_for(profile).request(method, path, json={}, headers={"Origin": "http://localhost"})
    assert (response.status_code, response.text) == (404, "404 page not found")
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["access-control-allow-origin"] == "http://localhost"  # the middlewares still ran


@pytest.mark.parametrize(("method", "path"), LATER_ROUTES)
def test_current_releases_serve_them(client_for: Any, method: str, path: str) -> None:
    response = client_for("ollama-0.32.5").request(method, path, json={})
    assert response.status_code != 404 or response.text != "404 page not found"


def test_a_release_is_read_from_the_version_string() -> None:
    assert release("0.12.9") == (0, 12, 9) and release("0.33.0-rc2") == (0, 33, 0) and release("1") == (1,)
    assert not serves_route(Profile(version="0.13.2"), "/v1/responses")
    assert serves_route(Profile(version="0.13.3"), "/v1/responses")
    assert serves_route(Profile(version="0.4.5"), "/api/chat")  # a route every release had


CHAT = {"model": THINKER, "messages": [{"role": "user", "content": "hi"}], "stream": False}


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_think_level_before_every_model_took_one(client_for: Any, level: str) -> None:
    client = client_for("ollama-0.12.9")
    expected = {"error": f'think value "{level}" is not supported for this model'}
    chat = client.post("/api/chat", json={**CHAT, "think": level})
    generate = client.post("/api/generate", json={"model": THINKER, "prompt": "hi", "think": level, "stream": False})
    assert (chat.status_code, chat.json()) == (400, expected)
    assert (generate.status_code, generate.json()) == (400, expected)
    v1 = client.post("/v1/chat/completions", json={"model": THINKER, "messages": CHAT["messages"],
                                                    "reasoning_effort": level})
    assert v1.status_code == 400 and v1.json()["error"]["message"] == expected["error"]


def test_think_level_order_and_current_release(client_for: Any) -> None:
    old = client_for("ollama-0.12.9")
    assert old.post("/api/chat", json={**CHAT, "think": True}).status_code == 200
    # generate checked the level before the capabilities; chat after them (a model without thinking)
    assert old.post("/api/generate", json={"model": "llama3.2", "prompt": "hi", "think": "low"}).json() == {
        "error": 'think value "low" is not supported for this model'}
    assert old.post("/api/chat", json={**CHAT, "model": "llama3.2", "think": "low"}).json() == {
        "error": '"llama3.2" does not support thinking'}
    assert old.post("/api/chat", json={"model": THINKER, "messages": [], "think": "low"}).json()["done_reason"] == "load"
    current = client_for("ollama-0.32")
    assert current.post("/api/chat", json={**CHAT, "think": "low"}).json()["message"]["thinking"]


@pytest.mark.parametrize("endpoint", ["/api/chat", "/api/generate"])
def test_think_max_before_v0_22(client_for: Any, endpoint: str) -> None:
    # api.ThinkValue took "max" from v0.22.0 on; before, its decoder refused it (and named three
    # levels), ahead of every other check: even an unknown model gets the decode error
    body = {"model": "nosuch", "think": "max", **({"prompt": "hi"} if endpoint == "/api/generate" else CHAT)}
    body["model"] = "nosuch"
    old = client_for("ollama-0.12.9")
    answer = old.post(endpoint, json=body)
    assert (answer.status_code, answer.json()) == (
        400, {"error": 'invalid think value: "max" (must be "high", "medium", "low", true, or false)'})
    assert old.post(endpoint, json={**body, "think": 1}).json() == {
        "error": 'think must be a boolean or string ("high", "medium", "low", true, or false)'}
    assert client_for("ollama-0.32").post(endpoint, json=body).status_code == 404  # current: decoded, then not found
    # before v0.9.0 there was no think field at all: any value is an unknown field, ignored
    for value in ("max", "bogus", 5):
        assert client_for("ollama-0.5.11").post(endpoint, json={**body, "model": THINKER, "think": value}).status_code == 200


@pytest.mark.parametrize(("profile", "length"), [("ollama-0.5.11", 768), ("ollama-0.4.5", 768), ("ollama-0.12.9", 3)])
def test_dimensions_before_it_existed(client_for: Any, profile: str, length: int) -> None:
    client = client_for(profile)
    native = client.post("/api/embed", json={"model": EMBEDDER, "input": "hi", "dimensions": 3}).json()
    v1 = client.post("/v1/embeddings", json={"model": EMBEDDER, "input": "hi", "dimensions": 3}).json()
    assert len(native["embeddings"][0]) == len(v1["data"][0]["embedding"]) == length
    # an unknown field's type is never checked
    assert client.post("/api/embed", json={"model": EMBEDDER, "input": "hi", "dimensions": "x"}).status_code == (
        200 if length == 768 else 400)


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                             "parameters": {"type": "object", "required": ["city"],
                                                            "properties": {"city": {"type": "string"}}}}}
TWO_CITIES = [{"role": "user", "content": "Use get_weather for the weather in Paris and in London."}]
AFTER_RESULT = [*TWO_CITIES, {"role": "assistant", "content": "", "tool_calls": [
    {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "content": "18 degrees and rain"}]


def _records(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_tools_held_a_stream_back_before_v0_8(client_for: Any) -> None:
    # v0.4.6-v0.7.x: nothing until a call parsed or the reply ended (compat-gaps row 2, recorded u2504)
    old, now = client_for("ollama-0.5.11"), client_for("ollama-0.32")
    body = {"model": "llama3.2", "messages": AFTER_RESULT, "tools": [WEATHER], "stream": True}
    text_answer = _records(old.post("/api/chat", json=body))
    assert len(text_answer) == 1 and text_answer[0]["done"] is True
    assert text_answer[0]["message"]["content"] == "".join(
        r["message"]["content"] for r in _records(now.post("/api/chat", json=body)))
    calls = _records(old.post("/api/chat", json={**body, "messages": TWO_CITIES}))
    assert [bool(r["message"].get("tool_calls")) for r in calls] == [True, True, False]
    assert [r["message"]["content"] for r in calls] == ["", "", ""] and calls[-1]["done"] is True
    # the calls count up as the stream sends them, index 0 left out (omitempty)
    assert [r["message"]["tool_calls"][0]["function"].get("index") for r in calls[:2]] == [None, 1]
    # without tools the stream is incremental as ever
    plain = _records(old.post("/api/chat", json={**body, "tools": None, "messages": TWO_CITIES[:1]}))
    assert len(plain) > 2
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    v1 = old.post("/v1/chat/completions", json={"model": "llama3.2", "stream": True, "tools": [WEATHER], "messages": [
        *TWO_CITIES, {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18"}]})
    assert v1.status_code == 200
    events = [json.loads(line[6:]) for line in v1.text.splitlines() if line.startswith("data: {")]
    contents = [e["choices"][0]["delta"].get("content") for e in events if e["choices"]]
    assert len([c for c in contents if c]) == 1 and events[-1]["choices"][0]["finish_reason"] == "stop"


def test_whole_answers_carried_no_call_index_before_v0_12_6(client_for: Any) -> None:
    # stream:false parsed the calls again from the whole text, leaving every Index 0 (recorded u2506)
    body = {"model": "llama3.2", "messages": TWO_CITIES, "tools": [WEATHER], "stream": False}
    calls = client_for("ollama-0.5.11").post("/api/chat", json=body).json()["message"]["tool_calls"]
    assert len(calls) == 2 and ["index" in c["function"] for c in calls] == [False, False]
    current = client_for("ollama-0.32").post("/api/chat", json=body).json()["message"]["tool_calls"]
    assert [c["function"]["index"] for c in current] == [0, 1]


def test_chat_models_did_not_embed_on_ollamas_own_engine(client_for: Any) -> None:
    # recorded 0135-api-embed-501-not-supported.json; llama-server (>= 0.30) embeds with any model
    old = client_for("ollama-0.12.9")
    native = old.post("/api/embed", json={"model": "qwen3:8b", "input": "hi"})
    assert (native.status_code, native.json()) == (501, {"error": "this model does not support embeddings"})
    v1 = old.post("/v1/embeddings", json={"model": "qwen3:8b", "input": "hi"})
    assert v1.status_code == 501 and v1.json()["error"]["message"] == "this model does not support embeddings"
    assert any(m["name"] == "qwen3:8b" for m in old.get("/api/ps").json()["models"])  # the runner had loaded it
    assert old.post("/api/embed", json={"model": EMBEDDER, "input": "hi"}).status_code == 200
    assert old.post("/api/embed", json={"model": "qwen3:8b", "input": []}).json()["embeddings"] == []
    assert client_for("ollama-0.32").post("/api/embed", json={"model": "qwen3:8b", "input": "hi"}).status_code == 200


def test_no_trailing_slash_redirect_to_a_route_the_release_lacked(client_for: Any) -> None:
    old, now = client_for("ollama-0.12.9"), client_for("ollama-0.32")
    assert old.post("/v1/messages/", json={}, follow_redirects=False).status_code == 404
    assert old.get("/api/status/", follow_redirects=False).status_code == 404
    assert now.post("/v1/messages/", json={}, follow_redirects=False).status_code == 307
    assert old.post("/api/chat/", json={}, follow_redirects=False).status_code == 307


def test_a_profile_version_is_a_release(tmp_path: Any) -> None:
    from ollama_conformance.mock_server import profiles

    bad = tmp_path / "mine.json"
    bad.write_text('{"version": "dev"}')
    with pytest.raises(profiles.ProfileError, match=r"version has value 'dev' \(valid: a release such as 0.32.15"):
        profiles.load_file(bad)
    assert serves_route(Profile(version="0.0.0"), "/v1/messages")  # a development build has every route
    assert serves_route(Profile(version="0.33.0-rc2"), "/v1/messages")
