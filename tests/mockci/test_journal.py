"""The journal: every request with body, status and rule; HTTP routes and assertion helpers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import extensions
from ollama_conformance.mock_server.journal import Journal, contains, difference


def test_records_method_path_headers_body_status_and_rule(make_mock) -> None:
    mock = make_mock()
    ext = extensions.for_state(mock.state)
    ext.scenario.add(name="hello", match={"message": "hello"}, respond={"content": "hi"})
    httpx.post(
        mock.base_url + "/api/chat",
        json={"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hello"}]},
        headers={"X-Trace": "abc"},
    )
    httpx.post(mock.base_url + "/api/chat", json={"model": "nope", "messages": []})
    httpx.get(mock.base_url + "/api/tags?x=1")
    first, second, third = ext.journal.entries()
    assert (first.method, first.path, first.status, first.rule) == ("POST", "/api/chat", 200, "hello")
    assert first.headers["x-trace"] == "abc" and first.body["messages"][0]["content"] == "hello"
    assert (second.status, second.rule) == (404, None)
    assert (third.method, third.path, third.query) == ("GET", "/api/tags", "x=1")


def test_http_routes_list_filter_and_reset(make_mock) -> None:
    mock = make_mock()
    httpx.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "a", "stream": False})
    httpx.get(mock.base_url + "/api/version")
    everything = httpx.get(mock.base_url + "/_mock/requests").json()["requests"]
    assert [e["path"] for e in everything] == ["/api/generate", "/api/version"]
    only = httpx.get(mock.base_url + "/_mock/requests", params={"path": "/api/generate"}).json()["requests"]
    assert len(only) == 1 and only[0]["body"]["prompt"] == "a" and only[0]["status"] == 200
    assert httpx.post(mock.base_url + "/_mock/reset").json() == {"reset": True}
    assert httpx.get(mock.base_url + "/_mock/requests").json() == {"requests": []}


def test_journal_filters_by_every_key_and_refuses_an_unknown_one(make_mock) -> None:
    mock = make_mock()
    httpx.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "a", "stream": False})
    httpx.post(mock.base_url + "/api/chat", json={"model": "qwen3:8b", "stream": False,
                                                  "messages": [{"role": "user", "content": "b"}]})
    url = mock.base_url + "/_mock/requests"
    assert [e["path"] for e in httpx.get(url, params={"model": "qwen3:8b"}).json()["requests"]] == ["/api/chat"]
    assert len(httpx.get(url, params={"endpoint": "POST /api/generate"}).json()["requests"]) == 1
    typo = httpx.get(url, params={"paht": "/api/chat"})  # a mistyped filter must not give the whole journal
    assert typo.status_code == 400
    assert typo.json()["error"] == "ollama-mock: unknown filter 'paht' (valid filters: path, method, endpoint, rule, model)"


def test_endpoint_and_model_filters_take_what_scenarios_take(make_mock) -> None:
    # before: endpoint=chat or /api/chat and model=llama3.2:latest matched nothing, silently
    mock = make_mock()
    httpx.post(mock.base_url + "/api/chat", json={"model": "llama3.2", "stream": False,
                                                  "messages": [{"role": "user", "content": "b"}]})
    httpx.post(mock.base_url + "/v1/chat/completions", json={"model": "Llama3.2:latest",
                                                             "messages": [{"role": "user", "content": "c"}]})
    httpx.get(mock.base_url + "/api/tags")
    url = mock.base_url + "/_mock/requests"

    def paths(**params: str) -> list[str]:
        return [e["path"] for e in httpx.get(url, params=params).json()["requests"]]

    assert paths(endpoint="chat") == ["/api/chat", "/v1/chat/completions"]
    assert paths(endpoint="/api/chat") == ["/api/chat"] and paths(endpoint="/api/tags") == ["/api/tags"]
    assert paths(model="llama3.2:latest") == paths(model="LLAMA3.2") == ["/api/chat", "/v1/chat/completions"]
    bad = httpx.get(url, params={"endpoint": "chats"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("ollama-mock: endpoint has value 'chats' (valid: chat, generate, a path")
    with pytest.raises(ValueError, match="endpoint has value 'chats'"):
        extensions.for_state(mock.state).journal.requests(endpoint="chats")


def test_scenario_post_refuses_what_it_cannot_use(make_mock) -> None:
    mock = make_mock()
    url = mock.base_url + "/_mock/scenario"
    rule = {"match": {"message": "x"}, "respond": {"content": "y"}}
    strict = httpx.post(url, json={"rules": [rule], "strict": True})
    assert strict.status_code == 400 and "unknown key 'strict' beside 'rules'" in strict.json()["error"]
    deep = httpx.post(url, content=b"[" * 5000 + b"]" * 5000)
    assert deep.status_code == 400 and deep.json()["error"].startswith("ollama-mock: ")
    assert httpx.get(url).json()["rules"] == []  # nothing was added


def test_rules_can_be_added_over_http(make_mock) -> None:
    mock = make_mock()
    added = httpx.post(
        mock.base_url + "/_mock/scenario",
        json={"rules": [{"name": "web", "match": {"message": "ping"}, "respond": {"content": "pong"}}]},
    )
    assert added.json() == {"added": ["web"]}
    bad = httpx.post(mock.base_url + "/_mock/scenario", json={"respnse": {}})
    assert bad.status_code == 400 and "unknown key 'respnse'" in bad.json()["error"]
    r = httpx.post(
        mock.base_url + "/api/chat",
        json={"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "ping"}]},
    )
    assert r.json()["message"]["content"] == "pong"
    assert httpx.get(mock.base_url + "/_mock/scenario").json()["rules"][0] == {
        "name": "web",
        "source": "rule[0]",
        "calls": 1,
    }
    httpx.delete(mock.base_url + "/_mock/scenario")
    assert httpx.get(mock.base_url + "/_mock/scenario").json()["rules"] == []


def test_tool_call_id_assertion_on_the_second_request() -> None:
    journal = Journal()
    journal.record(
        {
            "method": "POST",
            "path": "/api/chat",
            "body": {"messages": [{"role": "user", "content": "q"}]},
            "status": 200,
        }
    )
    journal.record(
        {
            "method": "POST",
            "path": "/api/chat",
            "status": 200,
            "body": {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "tool", "content": "24C", "tool_call_id": "call_x"},
                ]
            },
        }
    )
    assert journal.requests("/api/chat")[1].tool_results()[0]["tool_call_id"] == "call_x"
    hits = journal.assert_called("/api/chat", body={"messages": [{"role": "tool", "tool_call_id": "call_x"}]})
    assert [h.index for h in hits] == [1]
    with pytest.raises(AssertionError) as info:
        journal.assert_called("/api/chat", body={"messages": [{"tool_call_id": "call_y"}]})
    text = str(info.value)
    assert "found 0" in text and "#1 POST /api/chat" in text and "no item contains expected[0]" in text
    with pytest.raises(AssertionError, match="expected POST /api/chat 3 time"):
        journal.assert_called("/api/chat", method="POST", times=3)


def test_partial_documents() -> None:
    assert contains({"a": 1, "b": [1, 2, {"c": 3}]}, {"b": [{"c": 3}]})
    assert difference({"a": {"b": 1}}, {"a": {"b": 2}}) == "$.a.b: expected 2, got 1"
    assert difference({"a": 1}, {"z": 1}) == "$.z: missing (expected 1)"


def test_journal_is_bounded() -> None:
    journal = Journal(maxlen=3)
    for i in range(5):
        journal.record({"method": "GET", "path": f"/{i}"})
    assert [e.path for e in journal.entries()] == ["/2", "/3", "/4"]


def test_a_body_that_does_not_decode_is_journalled_as_its_text(make_mock) -> None:
    mock = make_mock()
    bad = httpx.post(mock.base_url + "/api/chat", content=b'{"model": "llama3.2", oops}')
    assert bad.status_code == 400
    [entry] = httpx.get(mock.base_url + "/_mock/requests?path=/api/chat").json()["requests"]
    assert entry["status"] == 400 and entry["body"] == '{"model": "llama3.2", oops}'


def test_a_body_is_kept_as_its_bytes_and_read_as_the_route_decoded_it(make_mock) -> None:
    # the journal keeps the bytes sent (one dict per request, not the tree of the body) and decodes
    # them on the first read as the route did: Go's key folding, lower-case native roles
    mock = make_mock()
    sent = b'{"MODEL": "llama3.2", "stream": false, "messages": [{"role": "USER", "content": "hi"}], "x": 1} trailing'
    assert httpx.post(mock.base_url + "/api/chat", content=sent).status_code == 200
    httpx.post(mock.base_url + "/v1/chat/completions", json={"model": "llama3.2", "messages": [{"role": "User", "content": "hi"}]})
    stored = list(mock.state.journal._raw)
    assert [type(entry["body"]) for entry in stored] == [bytes, bytes]
    native, v1 = mock.state.journal.entries()
    assert native.body == {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hi"}], "x": 1}
    assert v1.body == {"model": "llama3.2", "messages": [{"role": "User", "content": "hi"}]}  # /v1 keeps the case
    again = mock.state.journal.entries()[0]
    assert again.body is native.body  # decoded once, then kept


def test_a_journal_of_your_own_gets_decoded_bodies_and_its_own_headers(make_mock) -> None:
    mock = make_mock()
    entries: list[dict] = []

    class Mine:
        def record(self, entry: dict) -> None:
            entries.append(entry)

    mock.state.journal = Mine()
    for _ in range(2):
        httpx.post(mock.base_url + "/api/chat", json={"model": "llama3.2", "stream": False,
                                                       "messages": [{"role": "USER", "content": "hi"}]})
    first, second = entries
    assert first["body"]["messages"] == [{"role": "user", "content": "hi"}]
    first["headers"]["x-changed"] = "by the user"  # their own dict: the next request's is untouched
    assert "x-changed" not in second["headers"] and first["headers"] is not second["headers"]


def test_changing_a_requests_headers_changes_no_other_request(make_mock) -> None:
    # decoded headers are shared by requests that sent the same bytes; handlers and interceptors
    # get a copy of their own
    mock = make_mock()
    seen: list[dict] = []

    def intercept(info, body):  # type: ignore[no-untyped-def]
        seen.append(dict(info.headers))
        info.headers["x-added"] = "1"
        return None

    mock.state.interceptors.insert(0, intercept)
    with httpx.Client(base_url=mock.base_url) as client:
        for _ in range(2):
            client.post("/api/chat", json={"model": "llama3.2", "stream": False, "messages": []})
    assert len(seen) == 2 and all("x-added" not in headers for headers in seen)
    assert all("x-added" not in entry.headers for entry in mock.state.journal.entries())


@pytest.mark.parametrize("raw", [b"5", b"[1]", b"null", b'{"rules": [{"match": {"message": "x"}, "respond": {"content": "y"}}, {"bad": 1}]}'])
def test_adding_rules_over_http_is_all_or_nothing_and_bad_input_is_a_400(make_mock, raw) -> None:
    mock = make_mock()
    response = httpx.post(mock.base_url + "/_mock/scenario", content=raw)
    assert response.status_code == 400 and response.json()["error"].startswith("ollama-mock: rule[")
    assert httpx.get(mock.base_url + "/_mock/scenario").json()["rules"] == []
    assert httpx.get(mock.base_url + "/api/version").status_code == 200  # still serving


def test_requests_the_router_or_the_guard_answer_are_journalled_too(make_mock) -> None:
    mock = make_mock()
    url = mock.base_url
    httpx.post(url + "/v1/chat/completion", json={"model": "x"})  # a mistyped path: gin's 404
    httpx.get(url + "/api/chat")  # 405
    httpx.get(url + "/api/tags/?a=1", follow_redirects=False)  # the trailing-slash redirect
    httpx.options(url + "/api/chat", headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
    httpx.get(url + "/api/tags", headers={"Origin": "http://evil.example"})  # 403: an origin not allowed
    httpx.get(url + "/_mock/info")  # the mock's own routes stay out
    seen = [(e["method"], e["path"], e["status"], e["endpoint"], e["query"])
            for e in httpx.get(url + "/_mock/requests").json()["requests"]]
    assert seen == [("POST", "/v1/chat/completion", 404, None, ""), ("GET", "/api/chat", 405, None, ""),
                    ("GET", "/api/tags/", 301, None, "a=1"), ("OPTIONS", "/api/chat", 204, None, ""),
                    ("GET", "/api/tags", 403, None, "")]


def test_entries_name_what_ollama_would_silently_ignore(make_mock) -> None:
    mock = make_mock()
    messages = [{"role": "user", "content": "hi"}]
    # OpenAI habits on the native API: Go decoding drops them without a word
    httpx.post(mock.base_url + "/api/chat", json={"model": "llama3.2", "messages": messages, "stream": False,
                                                  "max_tokens": 5, "options": {"mirostat": 1, "num_predict": 5}})
    httpx.post(mock.base_url + "/v1/chat/completions", json={"model": "llama3.2", "messages": messages, "n": 2})
    httpx.post(mock.base_url + "/api/chat", json={"model": "llama3.2", "messages": messages, "stream": False,
                                                  "options": {"num_predict": 5}, "Stream": False})  # case: a field
    native, v1, clean = httpx.get(mock.base_url + "/_mock/requests").json()["requests"]
    assert native["ignored"] == ["options.mirostat is ignored by Ollama >= 0.7.0", "max_tokens is not an Ollama field: ignored"]
    assert v1["ignored"] == ["n is ignored by Ollama (there is always one choice)"]
    assert clean["ignored"] == []
    journal = extensions.for_state(mock.state).journal
    journal.assert_nothing_ignored("/v1/models")  # no such request: nothing to report
    with pytest.raises(AssertionError) as info:
        journal.assert_nothing_ignored()
    report = str(info.value)
    assert "#0 POST /api/chat: options.mirostat is ignored" in report and "#1 POST /v1/chat/completions: n is" in report
    assert "#2" not in report


def test_warn_ignored_prints_one_line_per_ignored_field(make_mock, capsys) -> None:
    mock = make_mock(warn_ignored=True)
    httpx.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False,
                                                      "temperature": 0.1})
    httpx.post(mock.base_url + "/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False})
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["ollama-mock: warning: POST /api/generate: temperature is not an Ollama field: ignored"]


def test_the_journal_keeps_the_newest_bodies_within_its_byte_budget() -> None:
    journal = Journal(max_body_bytes=1000)
    for index in range(5):
        journal.record({"method": "POST", "path": "/api/chat", "headers": {}, "status": 200, "endpoint": None,
                        "body": b'{"n":' + str(index).encode() + b',"pad":"' + b"x" * 390 + b'"}', "decoded_as": None})
    bodies = [entry.body for entry in journal.entries()]
    assert [b["n"] for b in bodies[-2:]] == [3, 4]  # the newest, whole: 2 x ~400 bytes fit 1000
    assert all(isinstance(b, str) and "dropped from the journal" in b for b in bodies[:3])
    assert len(journal) == 5  # the entries stay, only their old bodies went
    journal.clear()
    journal.record({"method": "GET", "path": "/", "headers": {}, "status": 200, "endpoint": None,
                    "body": b'{"a":1}', "decoded_as": None})
    assert journal.entries()[0].body == {"a": 1}


def test_bodies_read_once_still_count_against_the_budget() -> None:
    # before: a read kept the decoded body and the budget stopped counting it, so a suite reading
    # the journal after every test kept every 1 MiB image body
    journal = Journal(max_body_bytes=1000)
    for index in range(6):
        journal.record({"method": "POST", "path": "/api/chat", "headers": {}, "status": 200,
                        "endpoint": "POST /api/chat", "decoded_as": ("POST /api/chat", "native", frozenset()),
                        "body": b'{"model":"m' + str(index).encode() + b'","prompt":"' + b"x" * 380 + b'"}'})
        journal.entries()  # decodes every kept body
    bodies = [entry.body for entry in journal.entries()]
    assert [b["model"] for b in bodies[-2:]] == ["m4", "m5"]
    assert all(isinstance(b, str) and "dropped from the journal" in b for b in bodies[:4])


def test_a_body_dropped_while_a_reader_decodes_it_stays_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # GET /_mock/requests reads in a thread: the event loop may trim the body being decoded; before,
    # the reader wrote the decoded tree back over the note and the budget lost count of it
    from ollama_conformance.mock_server import decode

    journal = Journal(max_body_bytes=1000)
    entry = {"method": "POST", "path": "/api/chat", "headers": {}, "status": 200, "endpoint": "POST /api/chat",
             "decoded_as": ("POST /api/chat", "native", frozenset()), "body": b'{"model":"' + b"a" * 600 + b'"}'}
    journal.record(entry)
    real = decode.decode_body

    def decode_while_trimmed(*args: Any) -> Any:
        journal.record({**entry, "body": b'{"model":"' + b"b" * 600 + b'"}'})  # over budget: the first is dropped
        return real(*args)

    monkeypatch.setattr(decode, "decode_body", decode_while_trimmed)
    first = journal.entries()[0]
    assert isinstance(journal._raw[0]["body"], str) and "dropped from the journal" in journal._raw[0]["body"]
    assert first.body["model"].startswith("a")  # this read still got what it decoded
