"""CI features no other test executed (found by branch coverage of mock_server/): fault header
errors and faults on whole answers, scenario file and rule errors, scenario behaviours, the
journal's and the plugin's helpers, replay resets, profile/clock/cassette file errors.

The behaviours are the README's ("The mock in your CI"); wire formats cite the reference.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import cassette, clock, extensions, profiles
from ollama_conformance.mock_server.journal import Journal, difference
from ollama_conformance.mock_server.scenarios import Scenario, ScenarioError, ScenarioWarning

CHAT = {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "tell me a story"}]}


def _fault(text: str) -> dict[str, str]:
    return {"X-Ollama-Mock-Fault": text}


# README "Faults on demand": a bad header is a 400 in the API's envelope naming the problem
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (";", "empty fault (valid kinds: status, latency, midstream_error, drop, malformed, stall)"),
        ("drop;after", "fault parameter 'after' is not key=value"),
        ("status;should_retry=maybe", "fault status has should_retry='maybe' (valid: true|false)"),
    ],
)
def test_bad_fault_headers_are_a_400_naming_the_problem(asgi_client: Any, text: str, problem: str) -> None:
    answer = asgi_client.post("/api/chat", json=CHAT, headers=_fault(text))
    assert answer.status_code == 400
    assert answer.json() == {"error": f"ollama-mock: bad x-ollama-mock-fault header: {problem}"}
    assert answer.headers["x-ollama-mock-deliberate"] == "fault-bad-header"


def test_a_malformed_fault_on_a_whole_answer_is_a_body_that_is_not_json(asgi_client: Any) -> None:
    answer = asgi_client.post("/api/chat", json=CHAT, headers=_fault("malformed"))
    assert (answer.status_code, answer.text) == (200, '{"model":"')
    assert answer.headers["x-ollama-mock-deliberate"] == "fault-malformed"
    assert answer.headers["x-ollama-mock-fault-applied"] == "malformed;after=1"


def test_a_drop_fault_on_a_whole_answer_drops_the_connection(mock_url: str) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(mock_url + "/api/chat", json=CHAT, headers=_fault("drop"))
    assert httpx.post(mock_url + "/api/chat", json=CHAT).status_code == 200  # and the server serves on


def test_a_zero_latency_fault_answers_as_usual(asgi_client: Any) -> None:
    plain = asgi_client.post("/api/chat", json=CHAT)
    late = asgi_client.post("/api/chat", json=CHAT, headers=_fault("latency;ms=0"))
    assert late.status_code == 200 and late.headers["x-ollama-mock-fault-applied"] == "latency;ms=0"
    assert late.json()["message"] == plain.json()["message"]


# README: midstream_error on /v1/completions; openai-strict profile: a data: {"error": {...}} event
def test_openai_strict_midstream_error_on_v1_completions_is_an_error_event(client_for: Any) -> None:
    client = client_for("openai-strict")
    body = {"model": "llama3.2", "prompt": "tell me a story", "stream": True}
    answer = client.post("/v1/completions", json=body, headers=_fault("midstream_error;after=2;message=boom"))
    assert answer.status_code == 200 and answer.headers["x-ollama-mock-deliberate"] == "fault-midstream_error"
    events = [e for e in answer.text.split("\n\n") if e]
    assert len(events) == 3 and "[DONE]" not in answer.text
    assert [json.loads(e.removeprefix("data: "))["object"] for e in events[:2]] == ["text_completion"] * 2
    assert events[2] == 'data: {"error":{"message":"boom","type":"api_error","param":null,"code":null}}'


# README "Scenario files": a bad file stops the mock with one line naming file and line
@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("- name: ''\n  respond: {content: y}\n", 1, "'name' must be a non-empty string, got ''"),
        ("- name: ' padded'\n  respond: {content: y}\n", 1,
         "'name' ' padded' starts or ends with a space: it must fit an HTTP header"),
        ("- sequence: []\n", 1, "'sequence' must be a non-empty list of responses"),
        ("- respond: {content: y}\n  after_sequence: loop\n", 2,
         "after_sequence has value 'loop' (valid: repeat_last, fall_through)"),
        ("- match: [1]\n  respond: {content: y}\n", 1, "'match' must be a mapping (valid keys: endpoint, model, "
         "message, message_regex, tools, tool_results, turn, header), got [1]"),
        ("- match: {message: 5}\n  respond: {content: y}\n", 1, "'message' must be a string, got 5"),
        ("- match: {tools: 'yes'}\n  respond: {content: y}\n", 1, "'tools' must be true or false, got 'yes'"),
        ("- match: {turn: -1}\n  respond: {content: y}\n", 1,
         "'turn' must be a turn index (0, 1, ...) or a list of them, got -1"),
        ("- match: {turn: []}\n  respond: {content: y}\n", 1,
         "'turn' must be a turn index (0, 1, ...) or a list of them, got []"),
        ("- match: {header: [a]}\n  respond: {content: y}\n", 1, "'header' must map header names to values, got ['a']"),
        ("- match: {model: []}\n  respond: {content: y}\n", 1, "'model' must be a string or a list of strings, got []"),
        ("- respond: {content: y, done_reason: cancel}\n", 1, "done_reason has value 'cancel' (valid: stop, length)"),
        ("- respond: {tool_calls: {name: f}}\n", 1, "'tool_calls' must be a list of {name, arguments}"),
        ("- respond: {tool_calls: [{arguments: {}}]}\n", 1, "a tool call needs a 'name' (string)"),
        ("- respond: {tool_calls: [{name: f, arguments: [1]}]}\n", 1,
         "'arguments' must be a mapping (an object), got [1]"),
        ("- respond: {tool_calls: [{name: f, id: 7}]}\n", 1, "'id' must be a string"),
        ("- respond: {content: y, chunk_sizes: [0]}\n", 1,
         "'chunk_sizes' must be a positive integer or a list of them, got [0]"),
        ("- respond: {error: {status: 500}}\n", 1,
         "'error' needs a 'message' (string) or a 'key' of contracts/errors.json"),
        ("- respond: {error: {status: 503, message: busy, retry_after: -1}}\n", 1,
         "'retry_after' must be whole seconds, got -1"),
        ("rules: {a: 1}\n", 1, "'rules' must be a list of rules"),
        ("rules: []\nstrict: 'yes'\n", 2, "'strict' must be true or false, got 'yes'"),
    ],
)
def test_bad_rules_are_one_line_with_file_line_and_problem(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    assert str(info.value) == f"{path}:{line}: {problem}"


def test_an_earlier_rule_that_falls_through_shadows_nothing(tmp_path: Path) -> None:
    # README: with after_sequence: fall_through the rule stops matching and later rules answer,
    # so the later rule with the same match is reachable and no "can never match" warning is given
    path = tmp_path / "s.yaml"
    path.write_text("- name: a\n  match: {model: llama3.2}\n  sequence: [{content: x}]\n  after_sequence: fall_through\n"
                    "- name: b\n  match: {model: llama3.2}\n  respond: {content: y}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        scenario = Scenario.load(path)
    assert [r.name for r in scenario.rules] == ["a", "b"]


def test_strict_mode_without_rules_is_a_404_saying_so(make_mock) -> None:
    # README: in strict mode an unmatched request gets an error in the envelope of the API called
    mock = make_mock(strict=True)
    answer = httpx.post(mock.base_url + "/api/chat", json={**CHAT, "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 404
    assert answer.json() == {"error": "ollama-mock: no scenario rule matched POST /api/chat (model 'llama3.2', "
                                      "message 'hi'): the scenario has no rules"}


def test_deleting_runtime_rules_restarts_the_file_rules_sequences(make_mock, tmp_path: Path) -> None:
    # README: DELETE /_mock/scenario drops the rules added at run time and puts the scenario file's
    # rules' call counts back to 0, so their sequences start again
    path = tmp_path / "s.yaml"
    path.write_text("- name: seq\n  sequence: [{content: one}, {content: two}]\n")
    mock = make_mock(scenario=str(path))

    def say() -> str:
        return str(httpx.post(mock.base_url + "/api/chat", json=CHAT).json()["message"]["content"])

    assert [say(), say()] == ["one", "two"]
    assert httpx.delete(mock.base_url + "/_mock/scenario").status_code == 200
    assert [say(), say()] == ["one", "two"]


def test_a_scenario_error_on_v1_messages_comes_in_the_anthropic_envelope(make_mock) -> None:
    # README: `error` is sent in the envelope of the API called; reference §3.6: 503 -> overloaded_error
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(name="busy", respond={"error": {"status": 503, "message": "busy"}})
    answer = httpx.post(mock.base_url + "/v1/messages", json={
        "model": "llama3.2", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 503 and answer.headers["x-ollama-mock-rule"] == "busy"
    body = answer.json()
    assert (body["type"], body["error"]) == ("error", {"type": "overloaded_error", "message": "busy"})


def test_a_rule_answering_text_and_a_call_streams_both_blocks_on_v1_messages(make_mock) -> None:
    # reference §2.7: a text block is stopped before the tool_use block starts at the next index
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(
        name="both", respond={"content": "Let me look.", "tool_calls": [{"name": "f", "arguments": {"a": 1}, "id": "c1"}]})
    body = {"model": "llama3.2", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": "f", "input_schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}]}
    answer = httpx.post(mock.base_url + "/v1/messages", json=body)
    events = [block.split("\n")[0].removeprefix("event: ") for block in answer.text.split("\n\n") if block]
    blocks = [json.loads(b.split("\ndata: ", 1)[1]) for b in answer.text.split("\n\n") if b]
    starts = [(b["index"], b["content_block"]["type"]) for b in blocks if b["type"] == "content_block_start"]
    assert starts == [(0, "text"), (1, "tool_use")]
    first_stop = events.index("content_block_stop")
    assert first_stop < events.index("content_block_start", events.index("content_block_start") + 1)
    assert blocks[first_stop]["index"] == 0
    assert events[-1] == "message_stop"
    delta = next(b for b in blocks if b["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"


def test_a_rule_for_a_model_matches_its_fully_qualified_name(make_mock) -> None:
    # §0.5: registry.ollama.ai/library/llama3.2:latest names the same model as llama3.2
    mock = make_mock()
    extensions.for_state(mock.state).scenario.add(name="r", match={"model": "llama3.2"}, respond={"content": "hit"})
    answer = httpx.post(mock.base_url + "/api/chat", json={**CHAT, "model": "registry.ollama.ai/library/llama3.2:latest"})
    assert answer.status_code == 200 and answer.json()["message"]["content"] == "hit"


def test_posting_rules_that_are_not_a_list_is_a_400(mock_url: str) -> None:
    answer = httpx.post(mock_url + "/_mock/scenario", json={"rules": "x"})
    assert (answer.status_code, answer.json()) == (400, {"error": "ollama-mock: 'rules' must be a list of rules"})
    assert httpx.get(mock_url + "/_mock/scenario").json()["rules"] == []


# README "The journal": filters and the assertion helpers the plugin exposes
def _journal() -> Journal:
    journal = Journal()
    journal.record({"method": "POST", "path": "/api/chat", "body": {"model": "m"}, "status": 200, "rule": "r1",
                    "headers": {"x-test-id": "42"}})
    journal.record({"method": "GET", "path": "/api/tags", "status": 200})
    return journal


def test_journal_filters_by_method_and_rule_and_headers() -> None:
    journal = _journal()
    assert journal.requests("/api/chat", method="get") == []
    assert [e.path for e in journal.requests(method="get")] == ["/api/tags"]
    assert journal.requests(rule="r2") == [] and [e.path for e in journal.requests(rule="r1")] == ["/api/chat"]
    assert len(journal.assert_called("/api/chat", headers={"X-Test-Id": "42"})) == 1
    with pytest.raises(AssertionError):
        journal.assert_called("/api/chat", headers={"X-Test-Id": "43"})


def test_assert_not_called_and_last() -> None:
    journal = _journal()
    journal.assert_not_called("/api/generate")
    journal.assert_not_called("/api/chat", method="GET")
    with pytest.raises(AssertionError) as info:
        journal.assert_not_called("/api/chat")
    assert str(info.value).startswith("expected no request to /api/chat, found 1; requests made:")
    assert journal.last().path == "/api/tags"
    with pytest.raises(AssertionError) as empty:
        Journal().last("/api/chat")
    assert str(empty.value) == "no request to /api/chat was made; the journal is empty"


def test_difference_of_an_array_and_something_else() -> None:
    assert difference({"a": 1}, {"a": [1]}) == "$.a: expected an array, got 1"


def test_a_transcription_upload_is_journalled_with_its_file_as_a_size(make_mock) -> None:
    mock = make_mock()
    answer = httpx.post(mock.base_url + "/v1/audio/transcriptions", data={"model": "llama3.2"},
                        files={"file": ("a.wav", b"RIFF1234", "audio/wav")})
    entry = extensions.for_state(mock.state).journal.last("/v1/audio/transcriptions")
    assert entry.status == answer.status_code
    assert entry.body["file"] == "<8 bytes>" and entry.body["model"] == "llama3.2"


# README "pytest plugin": the ollama_mock fixture's helpers
def test_plugin_requests_fault_and_load_scenario(ollama_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- name: from-file\n  respond: {content: filed}\n")
    ollama_mock.load_scenario(str(path))
    assert ollama_mock.fault("midstream_error", after=2) == {"X-Ollama-Mock-Fault": "midstream_error;after=2"}
    answer = httpx.post(ollama_mock.base_url + "/api/chat", json=CHAT)
    assert answer.json()["message"]["content"] == "filed"
    assert [(e.path, e.rule) for e in ollama_mock.requests("/api/chat")] == [("/api/chat", "from-file")]


# README "Record, replay": several recordings replay in order; POST /_mock/reset restarts sequences
def _cassette(directory: Path, answers: list[str], violations: list[str] | None = None) -> None:
    for index, text in enumerate(answers):
        reply = {"model": "llama3.2", "created_at": "2026-01-01T00:00:00Z",
                 "message": {"role": "assistant", "content": text}, "done": True, "done_reason": "stop",
                 "total_duration": 5, "load_duration": 1, "prompt_eval_count": 1, "prompt_eval_duration": 1,
                 "eval_count": 1, "eval_duration": 1}
        exchange = {"request": {"method": "POST", "path": "/api/chat", "body": CHAT},
                    "response": {"status": 200, "headers": {}, "content_type": "application/json; charset=utf-8",
                                 "stream": False, "body": json.dumps(reply)},
                    "violations": violations or []}
        (directory / f"{index:04d}-post-api-chat.json").write_text(json.dumps(exchange))


def test_reset_restarts_the_replayed_sequence(make_mock, tmp_path: Path) -> None:
    _cassette(tmp_path, ["one", "two"])
    mock = make_mock(cassette=str(tmp_path))

    def say() -> str:
        return str(httpx.post(mock.base_url + "/api/chat", json=CHAT).json()["message"]["content"])

    assert [say(), say(), say()] == ["one", "two", "two"]
    httpx.post(mock.base_url + "/_mock/reset")
    assert say() == "one"


def test_a_recording_with_violations_replays_marked_deliberate(make_mock, tmp_path: Path) -> None:
    _cassette(tmp_path, ["x"], violations=["response $: 'eval_count' is a required property"])
    mock = make_mock(cassette=str(tmp_path))
    answer = httpx.post(mock.base_url + "/api/chat", json=CHAT)
    assert answer.headers["x-ollama-mock-deliberate"] == "replay-of-recorded-violations"


def test_a_cassette_whose_headers_are_not_an_object_is_refused(tmp_path: Path) -> None:
    _cassette(tmp_path, ["x"])
    path = tmp_path / "0000-post-api-chat.json"
    exchange = json.loads(path.read_text())
    exchange["response"]["headers"] = ["a"]
    path.write_text(json.dumps(exchange))
    with pytest.raises(cassette.CassetteError) as info:
        cassette.read_all(tmp_path)
    assert str(info.value) == (f"{path}: not a cassette file "
                               "(ValueError: response headers are list, not an object)")


# README "Ollama-version profiles": a profile file's bad value is one error line
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1]", "a profile is a JSON object"),
        ('{"gaps": [1, "2"]}', "'gaps' must be a list of gap numbers, got [1, '2']"),
        ('{"v1_usage_chunk": "yes"}', "v1_usage_chunk must be bool, got 'yes'"),
    ],
)
def test_bad_profile_files(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(profiles.ProfileError) as info:
        profiles.load_file(path)
    assert str(info.value).endswith(problem) and str(path) in str(info.value)


def test_a_clock_without_a_zone_is_refused() -> None:
    with pytest.raises(clock.ClockError) as info:
        clock.parse_rfc3339("2026-01-01T00:00:00")
    assert str(info.value) == "--clock has value '2026-01-01T00:00:00': add a zone, e.g. Z or +02:00"
