"""Scenario files: YAML/JSON loading, one-line errors with file and line, overlap warnings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.scenarios import Scenario, ScenarioError, ScenarioWarning

TOOL_LOOP = """\
strict: false
rules:
  - name: call-weather
    match: {endpoint: chat, message: weather, tools: true, tool_results: false}
    respond:
      tool_calls:
        - name: get_weather
          arguments: {city: Paris}
  - name: answer-weather
    match: {endpoint: chat, tool_results: true}
    respond: {content: "It is sunny in Paris."}
"""


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tool_loop_example_loads_without_warnings(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    scenario = Scenario.load(_write(tmp_path, TOOL_LOOP))
    assert [r.name for r in scenario.rules] == ["call-weather", "answer-weather"]
    assert not [w for w in recwarn if issubclass(w.category, ScenarioWarning)]


def test_unknown_key_names_file_line_and_valid_keys(tmp_path: Path) -> None:
    text = "rules:\n  - name: a\n    match: {message: hi}\n    respnse: {content: x}\n"
    with pytest.raises(ScenarioError) as info:
        Scenario.load(_write(tmp_path, text))
    message = str(info.value)
    assert message == (
        f"{tmp_path / 'scenario.yaml'}:4: unknown key 'respnse' "
        "(valid keys: name, match, respond, sequence, after_sequence)"
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "- match: {modle: x}\n  respond: {content: y}\n",
            1,
            "unknown key 'modle' (valid keys: endpoint, model",
        ),
        ("- respond:\n    content: 1\n", 2, "'content' must be a string"),
        ("- match:\n    message_regex: '('\n  respond: {content: y}\n", 2, "bad regular expression"),
        (
            "- match: {endpoint: /api/tags}\n  respond: {content: y}\n",
            1,
            "endpoint has value '/api/tags' (valid: chat, generate",
        ),
        ("- respond:\n    fault: explode\n", 2, "unknown fault kind 'explode' (valid kinds: status, latency"),
        ("- respond:\n    error: {status: 200, message: x}\n", 2, "error status must be 400-599"),
        (
            "- respond: {content: a}\n  sequence: [{content: b}]\n",
            1,
            "exactly one of 'respond' or 'sequence'",
        ),
        (
            "rules:\n  - respond: {content: a}\nstrikt: true\n",
            3,
            "unknown key 'strikt' (valid keys: rules, strict)",
        ),
        ("- respond: {content: [unclosed\n", 2, "invalid YAML"),
        ("- match:\n    header: {X-Flag: true}\n  respond: {content: y}\n", 2,
         "header 'X-Flag' has value True, not a string (quote it in YAML: X-Flag: 'true')"),
        ("- match:\n    header: {X-Num: 7}\n  respond: {content: y}\n", 2, "header 'X-Num' has value 7, not a string"),
        ("- respond:\n    content: y\n    delays: .inf\n", 3, "'delays' must be seconds (a finite number >= 0)"),
        ("- respond:\n    content: y\n    delays: [0.1, .nan]\n", 3, "'delays' must be seconds"),
        ("- name: \"a\\nb\"\n  respond: {content: y}\n", 1, "has the control character"),
        ("- &a [*a]\n", 1, "a value that contains itself (a recursive anchor)"),
        # pyyaml keeps the last of two equal keys: the first `match` was dropped unseen
        ("- match: {model: a}\n  match: {model: b}\n  respond: {content: y}\n", 2,
         "duplicate key 'match' (first at line 1)"),
        # a number as a key: was "expected string or bytes-like object, got 'int'", no file or line
        ("- match:\n    1: x\n  respond: {content: y}\n", 2, "key 1 is not a string (quote it in YAML: '1')"),
    ],
)
def test_bad_files_give_one_line_with_the_line_number(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message


def test_json_files_load_and_report_lines(tmp_path: Path) -> None:
    good = {"rules": [{"name": "j", "match": {"model": "qwen3:8b"}, "respond": {"content": "ok"}}]}
    assert Scenario.load(_write(tmp_path, json.dumps(good), "s.json")).rules[0].name == "j"
    bad = '{\n  "rules": [\n    {"respond": {"content": "x"}, "extra": 1}\n  ]\n}\n'
    with pytest.raises(ScenarioError, match=r"s2.json:3: unknown key 'extra'"):
        Scenario.load(_write(tmp_path, bad, "s2.json"))


@pytest.mark.parametrize(("name", "text", "fragment"), [
    # RecursionError and int()'s digit limit escaped the reader: a line without the file's name
    ("deep.json", "[" * 100_000 + "]" * 100_000, "values nested too deeply to read"),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000, "values nested too deeply to read"),
    ("big.yaml", "- respond: {content: x, chunk_sizes: [" + "9" * 5000 + "]}\n", "invalid YAML: Exceeds the limit"),
])
def test_unreadable_documents_are_one_line_naming_the_file(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    path = _write(tmp_path, text, name)
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value) and "\n" not in str(info.value)


def test_nested_yaml_aliases_are_read_once_not_expanded(tmp_path: Path) -> None:
    # "billion laughs": 9 levels of 9 aliases took all the memory before the file was even checked;
    # 7 levels of 8 (2 million values when expanded) took seconds and hundreds of megabytes
    text = "a: &a [x, x, x, x, x, x, x, x]\n"
    for level, prev in zip("bcdefg", "abcdef", strict=True):
        text += f"{level}: &{level} [{', '.join(['*' + prev] * 8)}]\n"
    started = time.monotonic()
    with pytest.raises(ScenarioError, match="unknown key 'a'"):
        Scenario.load(_write(tmp_path, text))
    assert time.monotonic() - started < 1.0


def test_merge_keys_may_repeat_and_override(tmp_path: Path) -> None:
    text = ("rules:\n  - &base {name: a, respond: {content: x}}\n"
            "  - <<: *base\n    <<: *base\n    name: b\n    match: {model: m}\n")
    assert [r.name for r in Scenario.load(_write(tmp_path, text), warn=False).rules] == ["a", "b"]


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        Scenario.load(tmp_path / "nope.yaml")


def test_error_key_uses_ollamas_message_catalogue() -> None:
    scenario = Scenario.from_rules([{"respond": {"error": {"key": "server_busy"}}}])
    assert scenario.rules[0].responses[0].error == (
        503,
        "server busy, please try again.  maximum pending requests exceeded",
        None,
    )


def test_shadowed_rule_warns_naming_both(tmp_path: Path) -> None:
    text = (
        "- name: broad\n  match: {message: weather}\n  respond: {content: a}\n"
        "- name: narrow\n  match: {message: weather in paris}\n  respond: {content: b}\n"
    )
    path = _write(tmp_path, text)
    with pytest.warns(
        ScenarioWarning, match=r"scenario.yaml:4: rule 'narrow' can never match: rule 'broad' \(.*:1\)"
    ):
        Scenario.load(path)


def test_partial_overlap_warns_and_fallback_does_not(recwarn: pytest.WarningsRecorder) -> None:
    Scenario.from_rules(
        [
            {"name": "by-message", "match": {"message": "weather"}, "respond": {"content": "a"}},
            {"name": "by-model", "match": {"model": "qwen3:8b"}, "respond": {"content": "b"}},
        ]
    )
    found = [str(w.message) for w in recwarn if issubclass(w.category, ScenarioWarning)]
    assert len(found) == 1 and "'by-message' and 'by-model'" in found[0]
    recwarn.clear()
    Scenario.from_rules(
        [
            {
                "name": "specific",
                "match": {"message": "weather", "model": "qwen3"},
                "respond": {"content": "a"},
            },
            {"name": "catch-all", "respond": {"content": "b"}},
        ]
    )
    assert not [w for w in recwarn if issubclass(w.category, ScenarioWarning)]


def test_disjoint_rules_do_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    Scenario.from_rules(
        [
            {"match": {"endpoint": "generate"}, "respond": {"content": "a"}},
            {"match": {"endpoint": "chat", "tools": True}, "respond": {"content": "b"}},
            {
                "match": {"endpoint": "chat", "tools": False, "header": {"x-test": "1"}},
                "respond": {"content": "c"},
            },
            {
                "match": {"endpoint": "chat", "tools": False, "header": {"x-test": "2"}},
                "respond": {"content": "d"},
            },
        ]
    )
    assert not [w for w in recwarn if issubclass(w.category, ScenarioWarning)]


# text PyYAML reads as json does (it refuses some characters and tab indents, and keeps an astral
# character escaped as a surrogate pair as two halves); _json_lines reads all of those as json does
_TEXT = st.text(st.characters(categories=["L", "N", "P", "Zs"], max_codepoint=0xFFFF) | st.sampled_from('"\\\n\t/'), max_size=8)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(_JSON_VALUES, st.sampled_from([None, 0, 1, 2]), st.booleans())
def test_json_lines_are_the_lines_the_yaml_composer_gives(document, indent, ascii_only) -> None:
    # JSON scenario files get their lines without importing pyyaml (30 ms of the mock's start-up):
    # the same lines as composing the text as YAML, which is how they were found before
    import yaml
    from ollama_conformance.mock_server import scenario_file

    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    expected: dict = {}
    if node is not None:
        scenario_file._walk(node, (), expected)
    assert scenario_file._json_lines(text) == expected


def test_a_json_scenario_is_read_without_pyyaml(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = _write(tmp_path, json.dumps({"rules": [{"name": "j", "respond": {"content": "ok"}}]}), "s.json")
    code = ("import sys; from ollama_conformance.mock_server.scenarios import Scenario; "
            f"rules = Scenario.load({str(path)!r}).rules; "
            "print(rules[0].source, 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [f"{path}:1", "False"]


def test_a_json_key_given_twice_is_refused_as_in_yaml(tmp_path: Path) -> None:
    # json.loads keeps the last of two equal keys: the first `match` would be dropped unseen
    text = '[\n  {"match": {"model": "a"},\n   "match": {"model": "b"},\n   "respond": {"content": "y"}}\n]\n'
    with pytest.raises(ScenarioError) as info:
        Scenario.load(_write(tmp_path, text, "scenario.json"))
    assert str(info.value).endswith("scenario.json:3: duplicate key 'match' (first at line 2)")
    nested = '{"rules": [{"match": {"model": "a"}, "respond": {"content": "y", "content": "z"}}]}'
    with pytest.raises(ScenarioError, match="duplicate key 'content'"):
        Scenario.load(_write(tmp_path, nested, "nested.json"))
    # the same key in two objects is no duplicate
    fine = '[{"match": {"model": "a"}, "respond": {"content": "y"}}, {"match": {"model": "b"}, "respond": {"content": "z"}}]'
    assert len(Scenario.load(_write(tmp_path, fine, "fine.json")).rules) == 2
