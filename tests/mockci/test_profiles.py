"""Version profiles: loading, consistency of their gap lists, and what the mock reports."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import httpx
import pytest
from ollama_conformance.mock_server import profiles
from ollama_conformance.mock_server.profiles import Profile, ProfileError

GAPS_MD = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "compat-gaps.md"
OLDER = ("ollama-0.32.5", "ollama-0.12.9", "ollama-0.5.11", "ollama-0.4.5")


def test_builtin_profiles_include_default_strict_and_three_older_versions() -> None:
    names = profiles.names()
    assert "ollama-0.32" in names and "openai-strict" in names
    assert set(OLDER) <= set(names)


def test_default_profile_file_equals_the_dataclass_defaults() -> None:
    loaded = profiles.load("ollama-0.32")
    defaults = Profile()
    for field in (
        "v1_stream_framing",
        "v1_tool_choice_honoured",
        "v1_reasoning_field",
        "v1_midstream_error",
        "native_tool_call_ids",
        "stream_tool_calls",
        "version",
    ):
        assert getattr(loaded, field) == getattr(defaults, field)


def test_unknown_profile_is_one_line_naming_the_valid_ones() -> None:
    with pytest.raises(ProfileError) as info:
        profiles.load("ollama-9")
    text = str(info.value)
    assert "\n" not in text and "'ollama-9'" in text and "openai-strict" in text


@pytest.mark.parametrize("name", profiles.names())
def test_expected_gaps_are_default_plus_gaps_minus_fixed(name: str) -> None:
    p, base = profiles.load(name), set(profiles.load("ollama-0.32").expected_gaps)
    assert set(p.expected_gaps) == (base | set(p.gaps)) - set(p.fixed_gaps)


@pytest.mark.parametrize("name", profiles.names())
def test_every_gap_number_is_a_row_of_compat_gaps(name: str) -> None:
    rows = {int(n) for n in re.findall(r"^\| (\d+) \|", GAPS_MD.read_text(), flags=re.M)}
    p = profiles.load(name)
    assert set(p.gaps) | set(p.fixed_gaps) | set(p.expected_gaps) <= rows


def test_openai_strict_fixes_exactly_the_v1_gaps_openai_clients_notice() -> None:
    strict = profiles.load("openai-strict")
    assert strict.fixed_gaps == (15, 19, 27, 28, 30)
    assert strict.v1_tool_choice_honoured and strict.v1_content_null_with_tool_calls
    assert strict.v1_reasoning_field == "reasoning_content" and strict.v1_midstream_error == "error_event"


_NOT_FLAGS = ("name", "version", "description", "gaps", "fixed_gaps", "expected_gaps")


@pytest.mark.parametrize("name", OLDER)
def test_older_profiles_change_flags_and_document_each_change(name: str) -> None:
    p, default = profiles.load(name), Profile()
    flags = [f.name for f in dataclasses.fields(Profile) if f.name not in _NOT_FLAGS]
    changed = {f for f in flags if getattr(p, f) != getattr(default, f)}
    documented = {c["flag"].split("=")[0] for c in profiles.changes(name)}
    assert changed and changed == documented - {"version"}
    # the routes the release lacked follow from its version; the change list says so when any does
    assert ("version" in documented) == any(not profiles.serves_route(p, route) for route in profiles.routes_since())
    assert {c["gap"] for c in profiles.changes(name) if c["gap"]} == set(p.gaps)


def test_bad_profile_file_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"name": "x", "v1_stream_framing": "weird"}))
    with pytest.raises(
        ProfileError, match=r"p.json: v1_stream_framing has value 'weird' \(valid: current, legacy\)"
    ):
        profiles.load_file(bad)
    bad.write_text(json.dumps({"name": "x", "thinkng": True}))
    with pytest.raises(ProfileError, match=r"unknown key 'thinkng' \(valid keys: .*thinking"):
        profiles.load_file(bad)


@pytest.mark.parametrize("name", ["ollama-0.5.11", "openai-strict"])
def test_mock_reports_its_profile_in_version_info_and_header(make_mock, name: str) -> None:
    mock = make_mock(profile=name)
    expected = profiles.load(name)
    version = httpx.get(mock.base_url + "/api/version")
    assert version.json() == {"version": expected.version}
    assert version.headers["x-ollama-mock-profile"] == name
    info = httpx.get(mock.base_url + "/_mock/info").json()
    assert info["profile"] == name and info["profile_version"] == expected.version


def test_markdown_table_has_a_row_per_profile_with_its_gaps() -> None:
    table = profiles.markdown_table()
    rows = [r for r in table.splitlines() if r.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == [
        "ollama-0.32",
        "ollama-0.32.5",
        "ollama-0.12.9",
        "ollama-0.5.11",
        "ollama-0.4.5",
        "openai-strict",
    ]
    assert "does not show 15, 19, 27, 28, 30" in rows[-1]
    assert "adds 1, 6, 11, 23, 25, 27, 31; does not show 9" in rows[4]


def test_readme_profile_table_is_the_generated_one() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "### Ollama-version profiles" in readme
    assert profiles.markdown_table() in readme


def test_a_profile_file_of_your_own_through_the_name(make_mock, tmp_path: Path) -> None:
    mine = tmp_path / "my-ollama.json"
    mine.write_text(json.dumps({"name": "mine", "version": "0.9.9", "native_tool_call_ids": False}))
    mock = make_mock(profile=str(mine))
    assert httpx.get(mock.base_url + "/api/version").json() == {"version": "0.9.9"}
    assert httpx.get(mock.base_url + "/_mock/info").json()["profile"] == "mine"


@pytest.mark.parametrize(("name", "problem"), [("", "is empty"), ("bad\nname", "has the control character '\\n'"),
                                             # "\\ud800" in the file: every answer was a 500 (no bytes encode it)
                                             ("a\ud800", "has the lone surrogate '\\ud800'")])
def test_a_profile_name_must_fit_the_header_it_goes_out_in(tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": name}))
    with pytest.raises(profiles.ProfileError, match=re.escape(f"name {name!r} {problem}")):
        profiles.load(str(path))


def test_a_profile_file_nested_too_deeply_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)  # was a RecursionError's message, no file named
    with pytest.raises(ProfileError, match=r"deep.json: cannot read profile: maximum recursion depth"):
        profiles.load(str(path))


def test_an_unnamed_profile_file_is_called_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "my-ollama.json"
    path.write_text(json.dumps({"v1_error_types": "api_error", "version": "0.10.0"}))
    assert profiles.load(str(path)).name == "my-ollama"  # not the default profile's name


def test_a_profile_file_without_expected_gaps_gets_the_defaults_plus_gaps_minus_fixed(
    make_mock, tmp_path: Path
) -> None:
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"v1_stream_framing": "legacy"}))  # flags not set are the default's
    assert profiles.load(str(partial)).expected_gaps == profiles.load(profiles.DEFAULT).expected_gaps
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"v1_error_types": "api_error", "gaps": [11, 31], "fixed_gaps": [15]}))
    default = set(profiles.load(profiles.DEFAULT).expected_gaps)
    assert set(profiles.load(str(mine)).expected_gaps) == (default | {11, 31}) - {15}
    info = httpx.get(make_mock(profile=str(mine)).base_url + "/_mock/info").json()
    assert set(info["expected_gaps"]) == (default | {11, 31}) - {15}  # was [] before


def test_a_profile_file_with_expected_gaps_keeps_its_own(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"gaps": [11], "expected_gaps": [11]}))
    assert profiles.load(str(path)).expected_gaps == (11,)
