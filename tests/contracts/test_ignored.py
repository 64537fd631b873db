"""contracts.ignored_fields and contracts/ignored.json (reference §0.2, §0.8, §1.12-§1.16, §3)."""

from __future__ import annotations

import pytest
from ollama_conformance.contracts import ignored

from ollama_conformance import contracts

REMOVED_IN_070 = [
    "mirostat",
    "mirostat_tau",
    "mirostat_eta",
    "use_mlock",
    "low_vram",
    "f16_kv",
    "logits_all",
    "vocab_only",
]


def messages(endpoint: str, request: dict) -> dict[str, str]:
    return {w.path: w.message for w in contracts.ignored_fields(endpoint, request)}


@pytest.mark.parametrize("option", REMOVED_IN_070)
def test_options_removed_in_0_7_0_are_warned_with_their_version(option: str) -> None:
    found = messages("POST /api/generate", {"model": "m", "options": {option: 1}})
    assert found == {f"options.{option}": f"options.{option} is ignored by Ollama >= 0.7.0"}


@pytest.mark.parametrize("option", ["penalize_newline", "numa", "tfs_z"])
def test_older_dropped_options_are_warned(option: str) -> None:
    found = messages("POST /api/chat", {"model": "m", "messages": [], "options": {option: True}})
    assert found[f"options.{option}"].startswith(f"options.{option} is ignored by Ollama")


def test_create_parameters_are_checked_like_options() -> None:
    found = messages("POST /api/create", {"model": "m", "from": "x", "parameters": {"mirostat": 2}})
    assert found == {"parameters.mirostat": "parameters.mirostat is ignored by Ollama >= 0.7.0"}


def test_known_options_and_fields_give_no_warning() -> None:
    request = {
        "model": "m",
        "prompt": "hi",
        "options": {"temperature": 0.1, "num_ctx": 2048, "stop": ["x"]},
        "stream": False,
    }
    assert contracts.ignored_fields("POST /api/generate", request) == []


def test_an_unknown_option_is_not_an_ollama_option() -> None:
    found = messages("POST /api/generate", {"model": "m", "options": {"temprature": 0.1}})
    assert found == {"options.temprature": "options.temprature is not an Ollama option: ignored"}


def test_an_unknown_top_level_field_is_not_an_ollama_field() -> None:
    found = messages("POST /api/chat", {"model": "m", "messages": [], "temperature": 0.1})
    assert found == {"temperature": "temperature is not an Ollama field: ignored"}


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("POST /v1/chat/completions", "tool_choice"),
        ("POST /v1/chat/completions", "n"),
        ("POST /v1/chat/completions", "user"),
        ("POST /v1/chat/completions", "logit_bias"),
        ("POST /v1/chat/completions", "max_completion_tokens"),
        ("POST /v1/chat/completions", "parallel_tool_calls"),
        ("POST /v1/completions", "echo"),
        ("POST /v1/completions", "best_of"),
        ("POST /v1/embeddings", "user"),
        ("POST /api/show", "template"),
        ("POST /api/pull", "username"),
        ("POST /api/pull", "password"),
        ("POST /api/push", "password"),
        ("POST /v1/messages", "tool_choice"),
        ("POST /v1/responses", "previous_response_id"),
    ],
)
def test_listed_fields_are_ignored(endpoint: str, field: str) -> None:
    found = messages(endpoint, {"model": "m", field: "x"})
    assert found[field].startswith(f"{field} is ignored by Ollama"), found


def test_an_ignored_field_is_warned_once_even_if_the_schema_does_not_list_it() -> None:
    found = contracts.ignored_fields(
        "POST /v1/chat/completions", {"model": "m", "messages": [], "tool_choice": "none"}
    )
    assert [w.path for w in found] == ["tool_choice"]
    assert '"none" does not disable tools' in found[0].message


def test_dotted_paths_reach_nested_fields() -> None:
    request = {"model": "m", "input": "hi", "reasoning": {"effort": "low", "summary": "auto"}}
    assert "reasoning.summary" in messages("POST /v1/responses", request)
    assert "reasoning.summary" not in messages(
        "POST /v1/responses", {"model": "m", "input": "hi", "reasoning": {"effort": "low"}}
    )


def test_a_non_object_request_gives_no_warning_and_an_unknown_endpoint_raises() -> None:
    assert contracts.ignored_fields("POST /api/chat", None) == []
    with pytest.raises(KeyError):
        contracts.ignored_fields("POST /api/nope", {})


def test_warnings_carry_path_and_message() -> None:
    (warning,) = contracts.ignored_fields(
        "POST /api/chat", {"model": "m", "messages": [], "options": {"mirostat": 1}}
    )
    assert isinstance(warning, contracts.Warning)
    assert (warning.path, str(warning)) == (
        "options.mirostat",
        "options.mirostat is ignored by Ollama >= 0.7.0",
    )


def test_the_catalogue_names_only_known_endpoints_and_option_sets() -> None:
    data = ignored.catalogue()
    for endpoint, spec in data["endpoints"].items():
        contracts.operation(endpoint)  # KeyError if the index has no such endpoint
        if spec.get("options"):
            assert spec["options"]["set"] in data["option_sets"]
    assert set(REMOVED_IN_070) <= set(data["option_sets"]["runner-options"])


def test_no_ignored_option_is_also_a_known_option() -> None:
    overlap = set(ignored.catalogue()["option_sets"]["runner-options"]) & ignored.known_options()
    assert overlap == set()
