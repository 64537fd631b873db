"""Tool choice and arguments where the user's words meet the schema's own rules, and structured
output whose pattern comes with length limits."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ollama_conformance.mock_server.generation import pattern_text, structured, tools


def _fns(*names: str) -> list[dict[str, Any]]:
    return tools.functions([{"type": "function", "function": {"name": n, "parameters": {}}} for n in names])


@pytest.mark.parametrize(
    ("names", "said", "chosen"),
    [
        (("search", "search_web"), "please use search_web now", "search_web"),
        (("search", "search_web"), "use search web for this", "search_web"),
        (("search", "search_web"), "search for llamas", "search"),
        (("lookup_address", "add"), "find the address of my office", "lookup_address"),
        (("lookup_address", "add"), "add 2 and 3", "add"),
    ],
)
def test_the_tool_named_as_a_word_and_the_longest_name_wins(names: tuple[str, ...], said: str, chosen: str) -> None:
    assert tools.choose(_fns(*names), said)["name"] == chosen


def _arguments(parameters: dict[str, Any], said: str) -> dict[str, Any]:
    args = tools.plan_call({"name": "f", "parameters": parameters}, b"seed", said).arguments
    Draft202012Validator(parameters).validate(args)
    return args


def test_quoted_words_do_not_override_a_format_or_a_pattern() -> None:
    parameters = {
        "type": "object",
        "properties": {"date": {"type": "string", "format": "date"}, "code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "required": ["date", "code"],
    }
    args = _arguments(parameters, 'book a flight to "Oslo" on 2026-03-01')
    assert args["date"] != "Oslo" and args["code"] != "Oslo"


def test_words_that_match_the_pattern_are_still_used() -> None:
    parameters = {"type": "object", "properties": {"city": {"type": "string", "pattern": "^[A-Z][a-z]+$"}},
                  "required": ["city"]}
    assert _arguments(parameters, "What is the weather in Paris?") == {"city": "Paris"}


def test_a_unique_array_is_not_filled_with_one_hint() -> None:
    parameters = {"type": "object", "required": ["labels"], "properties": {
        "labels": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True}}}
    labels = _arguments(parameters, 'label the ticket "urgent"')["labels"]
    assert labels[0] == "urgent" and len(set(labels)) == len(labels) >= 2


@pytest.mark.parametrize(
    "prop",
    [
        {"type": "string", "pattern": "^[a-z0-9-]+$", "minLength": 8},
        {"type": "string", "pattern": "^(ab)+$", "maxLength": 4},
        {"type": "string", "pattern": "^[a-z]{2,}$", "minLength": 5, "maxLength": 6},
    ],
)
def test_a_pattern_with_length_limits_meets_both(prop: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": {"s": prop}, "required": ["s"]}
    for seed in range(40):
        Draft202012Validator(schema).validate(structured.generate(schema, bytes([seed])))


def test_a_pattern_wins_over_lengths_it_cannot_meet() -> None:
    # Ollama's grammar follows the pattern and ignores the lengths: so does the mock
    schema = {"type": "string", "pattern": "^ab$", "minLength": 5}
    assert structured.generate(schema, b"x") == "ab"


@pytest.mark.parametrize(("pattern", "safe"), [
    ("^[A-Z][a-z]+$", True), ("^(\\d{3})-(\\d{4})$", True), ("^(ab)+$", True),
    ("^([A-Za-z]+)*[0-9]$", False), ("^(a|ab)*$", False), (".*.*.*.*x", False),
])
def test_user_words_meet_only_patterns_that_backtrack_linearly(pattern: str, safe: bool) -> None:
    # the user's words are tried against a client's pattern only where Python's backtracking
    # cannot explode; elsewhere the value comes from the pattern itself
    assert pattern_text.backtracks_linearly(pattern) is safe
    parameters = {"type": "object", "properties": {"city": {"type": "string", "pattern": pattern}}, "required": ["city"]}
    args = tools.plan_call({"name": "f", "parameters": parameters}, b"seed", "Weather in P" + "a" * 18).arguments
    if not safe:
        assert "Paaa" not in str(args.get("city"))


@pytest.mark.parametrize("schema", [
    {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    {"oneOf": [{"$ref": "#/$defs/whole"}, {"type": "number"}], "$defs": {"whole": {"type": "integer"}}},
    {"type": "object", "required": ["v"], "properties": {"v": {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}}},
])
def test_one_of_gets_a_value_of_exactly_one_branch(schema: dict[str, Any]) -> None:
    # Ollama's grammar reads oneOf as anyOf; the mock's answer still satisfies the schema
    for seed in range(30):
        Draft202012Validator(schema).validate(structured.generate(schema, bytes([seed])))


def test_a_person_introduced_is_not_a_place() -> None:
    weather = {"name": "get_weather", "parameters": {"type": "object", "required": ["city"],
                                                    "properties": {"city": {"type": "string"}}}}
    calls = tools.plan_calls(weather, b"seed", "Hello, I am Bob. What is the weather in Paris?")
    assert [c.arguments for c in calls] == [{"city": "Paris"}]


def test_a_recursive_one_of_is_answered_without_checking_every_level() -> None:
    # a linked list as a oneOf: checking a deep answer against every branch at every level grows
    # exponentially; a deep answer is not checked (the first branch, as Ollama's grammar may give)
    node = {"type": "object", "required": ["next", "value"],
            "properties": {"value": {"type": "string"}, "next": {"$ref": "#/$defs/n"}}}
    leaf = {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}}
    schema = {"$defs": {"n": {"oneOf": [node, leaf]}}, "$ref": "#/$defs/n"}
    for seed in range(5):
        assert isinstance(structured.generate(schema, bytes([seed])), dict)


def test_places_named_or_called_stay_places() -> None:
    weather = {"name": "get_weather", "parameters": {"type": "object", "required": ["city"],
                                                    "properties": {"city": {"type": "string"}}}}
    for said, city in (("What is the weather in a town called Springfield?", "Springfield"),
                       ("Weather for the city named Paris please", "Paris")):
        assert tools.plan_calls(weather, b"seed", said)[0].arguments == {"city": city}


def test_tool_call_tokens_carry_logprobs_as_the_parser_sends_them(asgi_client: Any) -> None:
    # while the parser holds a call back, each token's logprobs go out in a chunk of their own; the
    # chunk with the call carries its last token's; a whole answer has all of them
    import json

    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "weather in Paris?"}],
            "logprobs": True, "tools": [weather]}
    whole = asgi_client.post("/api/chat", json={**body, "stream": False}).json()
    assert len(whole["logprobs"]) == whole["eval_count"] > 0
    records = [json.loads(line) for line in asgi_client.post("/api/chat", json={**body, "stream": True}).text.splitlines()]
    *held, call, final = records
    assert all(r["message"] == {"role": "assistant", "content": ""} and len(r["logprobs"]) == 1 for r in held)
    assert call["message"]["tool_calls"] and len(call["logprobs"]) == 1 and "logprobs" not in final
    assert [e for r in [*held, call] for e in r["logprobs"]] == whole["logprobs"]
