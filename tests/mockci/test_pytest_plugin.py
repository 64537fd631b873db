"""The pytest plugin, run by pytester on small test files as another project would use it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SESSION_TESTS = """
import httpx, ollama, openai, os

def test_clients_reach_the_mock_with_no_code_change(ollama_mock):
    ollama_mock.scenario.add(match={"message": "weather"}, respond={"content": "sunny"})
    assert os.environ["OPENAI_BASE_URL"] == ollama_mock.base_url + "/v1"
    answer = ollama.chat(model="llama3.2", messages=[{"role": "user", "content": "weather?"}])
    assert answer.message.content == "sunny"
    reply = openai.OpenAI().chat.completions.create(model="llama3.2", messages=[{"role": "user", "content": "weather?"}])
    assert reply.choices[0].message.content == "sunny"
    assert [e.path for e in ollama_mock.journal.requests()] == ["/api/chat", "/v1/chat/completions"]

def test_each_test_starts_clean(ollama_mock):
    assert ollama_mock.journal.requests() == []
    assert ollama_mock.scenario.rules == []

def test_one_test_changes_the_models(ollama_mock):
    ollama.delete("llama3.2")
    ollama.pull("tinyllama")
    ollama.chat(model="gemma3:1b", messages=[])  # loads it
    assert "tinyllama:latest" in [m.model for m in ollama.list().models]

def test_the_next_finds_them_as_the_server_started(ollama_mock):
    names = [m.model for m in ollama.list().models]
    assert "llama3.2:latest" in names and "tinyllama:latest" not in names
    assert ollama.ps().models == []

def test_same_server_for_the_session(ollama_mock, request):
    first = request.config.cache_url if hasattr(request.config, "cache_url") else None
    assert ollama_mock.base_url.startswith("http://127.0.0.1:")

@__import__("pytest").mark.ollama_mock(profile="ollama-0.12.9")
def test_isolated_server_with_its_own_profile(ollama_mock_isolated, ollama_mock):
    assert ollama_mock_isolated.base_url != ollama_mock.base_url
    assert httpx.get(ollama_mock_isolated.base_url + "/api/version").json() == {"version": "0.12.9"}
    assert ollama_mock.profile.name == "ollama-0.32"

def test_factory_starts_more(ollama_mock_factory):
    a = ollama_mock_factory(profile="ollama-0.4.5")
    b = ollama_mock_factory()
    assert a.profile.version == "0.4.5" and b.profile.version == "0.32.15"
    assert os.environ["OLLAMA_HOST"] == b.base_url
    assert os.environ["OLLAMA_API_BASE"] == b.base_url  # litellm reads this one
"""

ERROR_TESTS = """
def test_server_side_error_fails_this_test(ollama_mock):
    def broken(ctx):
        raise RuntimeError("responder exploded")
    ollama_mock.state.responders.insert(0, broken)
    import httpx
    r = httpx.post(ollama_mock.base_url + "/api/chat", json={"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 500
    ollama_mock.state.responders.remove(broken)

def test_next_test_is_not_blamed(ollama_mock):
    assert ollama_mock.journal.requests() == []
"""


def test_session_fixture_isolated_fixture_and_client_env(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SESSION_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_server_errors_surface_in_the_test_that_caused_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_errors=ERROR_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_server_side_error_fails_this_test*", "*responder exploded*"]
    )


def test_scenario_from_ini_and_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml", scenario="strict: true\nrules:\n  - match: {message: hi}\n    respond: {content: hello}\n"
    )
    pytester.makeini("[pytest]\nollama_mock_scenario = scenario.yaml\n")
    pytester.makepyfile(
        test_ini="""
import ollama, pytest

def test_file_rules_stay_and_strict_mode_applies(ollama_mock):
    assert ollama.chat(model="llama3.2", messages=[{"role": "user", "content": "hi"}]).message.content == "hello"
    with pytest.raises(ollama.ResponseError) as info:
        ollama.chat(model="llama3.2", messages=[{"role": "user", "content": "bye"}])
    assert info.value.status_code == 400 and "no scenario rule matched" in info.value.error

def test_file_rules_survive_the_reset(ollama_mock):
    assert len(ollama_mock.scenario.rules) == 1 and ollama_mock.scenario.rules[0].calls == 0
"""
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_ini_validate_of_an_unknown_value_fails_in_one_line(pytester: pytest.Pytester) -> None:
    # "on" or a typo turned the self-check off without a word
    pytester.makeini("[pytest]\nollama_mock_validate = maybe\n")
    pytester.makepyfile(test_v="def test_a(ollama_mock):\n    pass\n")
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["ini option ollama_mock_validate has value 'maybe' (valid: 1, true, yes, on, 0, false, no, off)"])


def test_ini_profile_file_is_taken_from_the_rootdir(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    (pytester.path / "mine.json").write_text('{"version": "0.9.9"}')
    pytester.makeini("[pytest]\nollama_mock_profile = mine.json\nollama_mock_validate = on\n")
    pytester.makepyfile(test_p="""
import httpx

def test_profile(ollama_mock):
    assert httpx.get(ollama_mock.base_url + "/api/version").json() == {"version": "0.9.9"}
""")
    monkeypatch.chdir(pytester.mkdir("elsewhere"))  # as the ini's scenario: not from the current directory
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "--rootdir", str(pytester.path),
                                          str(pytester.path / "test_p.py"))
    result.assert_outcomes(passed=1)


def test_reset_costs_well_under_a_millisecond(make_mock) -> None:
    import time

    from ollama_conformance.mock_server import extensions
    from ollama_conformance.mock_server.pytest_plugin import OllamaMock

    mock = make_mock()
    plugin_mock = OllamaMock(mock.base_url, mock.state, extensions.for_state(mock.state))
    for i in range(50):
        plugin_mock.journal.record({"method": "POST", "path": "/api/chat", "body": {"i": i}})
        plugin_mock.scenario.add(match={"message": f"topic-{i}-end"}, respond={"content": "x"})
    start = time.perf_counter()
    for _ in range(200):
        plugin_mock.reset()
    per_reset = (time.perf_counter() - start) / 200
    assert per_reset < 0.001
    assert plugin_mock.journal.requests() == [] and plugin_mock.scenario.rules == []


def test_marker_paths_are_taken_from_the_rootdir_and_unknown_settings_fail_in_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.mkdir("tests")
    (pytester.path / "tests" / "s.yaml").write_text("rules:\n  - match: {message: hi}\n    respond: {content: hello}\n")
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_marker="""
import httpx, pytest

@pytest.mark.ollama_mock(scenario="tests/s.yaml")
def test_relative_scenario(ollama_mock_isolated):
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    answer = httpx.post(ollama_mock_isolated.base_url + "/api/chat", json=body).json()
    assert answer["message"]["content"] == "hello"

@pytest.mark.ollama_mock(strickt=True)
def test_unknown_setting(ollama_mock_isolated):
    pass
"""
    )
    elsewhere = pytester.mkdir("elsewhere")
    monkeypatch.chdir(elsewhere)  # pytest started from another directory: the rootdir still decides
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "--rootdir", str(pytester.path),
                                          str(pytester.path / "test_marker.py"))
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.ollama_mock has setting 'strickt'; valid settings: host, port*"])


def test_marker_values_of_the_wrong_type_fail_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_values="""
import pytest

@pytest.mark.ollama_mock(strict="no")
def test_strict_text(ollama_mock_isolated):
    pass

@pytest.mark.ollama_mock(seed="abc", fault_rate=0.5)
def test_seed_text(ollama_mock_isolated):
    pass

@pytest.mark.ollama_mock(strict=True, seed=3, fault_rate=0)
def test_good_values(ollama_mock_isolated):
    assert ollama_mock_isolated.scenario.strict
"""
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)  # "no" would have been true, "abc" no seed at all
    result.stdout.fnmatch_lines(["*ollama_mock has strict='no'; expected bool*", "*ollama_mock has seed='abc'; expected int | None*"])


def test_a_bad_marker_value_the_mock_refuses_names_the_marker_argument_not_a_cli_flag(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_values="""
import pytest

@pytest.mark.ollama_mock(fault_rate=5)
def test_rate_too_high(ollama_mock_isolated):
    pass

@pytest.mark.ollama_mock(fault_rate=-0.5)
def test_rate_negative(ollama_mock_isolated):
    pass

@pytest.mark.ollama_mock(clock="yesterday")
def test_clock(ollama_mock_isolated):
    pass

def test_factory(ollama_mock_factory):
    ollama_mock_factory(fault_rate=2.0)
"""
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, errors=3)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.ollama_mock has fault_rate=5 (valid: a number from 0 to 1)*",
        "*@pytest.mark.ollama_mock has fault_rate=-0.5 (valid: a number from 0 to 1)*",  # was silently no faults
        "*@pytest.mark.ollama_mock has clock='yesterday': not an RFC 3339 time*",
        "*ollama_mock_factory has fault_rate=2.0 (valid: a number from 0 to 1)*",
    ], consecutive=False)
    assert "--fault-rate" not in result.stdout.str() and "--clock" not in result.stdout.str()


def test_a_bad_profile_or_scenario_fails_the_tests_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nollama_mock_scenario = nosuch.yaml\n")
    pytester.makepyfile(
        test_bad="""
import pytest

def test_session_server(ollama_mock):
    pass

@pytest.mark.ollama_mock(profile="ollama-9.9")
def test_isolated_server(ollama_mock_isolated):
    pass
"""
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*ollama-mock: *nosuch.yaml*", "*ollama-mock: unknown profile 'ollama-9.9' (valid profiles: *"])
    out = result.stdout.str()
    assert "Traceback" not in out and "testing.py" not in out and "During handling" not in out


MODULE_CLIENT_TESTS = """
import openai, ollama, pytest

def _ask():
    return openai.chat.completions.create(model="llama3.2", messages=[{"role": "user", "content": "hi"}])

@pytest.mark.ollama_mock(profile="ollama-0.5.11")
def test_1_marker_heard_by_ollama_mock(ollama_mock):
    assert ollama_mock.profile.name == "ollama-0.5.11" and ollama.Client().ps() is not None
    _ask()
    assert len(ollama_mock.journal.requests("/v1/chat/completions")) == 1

def test_2_module_client_follows_the_session_server(ollama_mock):
    _ask()  # before: the module client kept the stopped isolated server's URL
    assert len(ollama_mock.journal.requests("/v1/chat/completions")) == 1
    assert ollama_mock.journal.requests()[-1].headers["authorization"] == "Bearer ollama"
"""


def test_marker_and_module_level_openai_client(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-secret")  # must not reach the journal
    pytester.makepyfile(test_module_client=MODULE_CLIENT_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_an_overlap_warning_comes_before_the_rule_is_added(make_mock) -> None:
    import warnings

    from ollama_conformance.mock_server import extensions
    from ollama_conformance.mock_server.scenarios import ScenarioWarning

    scenario = extensions.for_state(make_mock().state).scenario
    scenario.add(name="first", match={"message": "hi"}, respond={"content": "a"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        with pytest.raises(ScenarioWarning):
            scenario.add(name="second", match={"message": "hi"}, respond={"content": "b"})
    assert [rule.name for rule in scenario.rules] == ["first"]  # -W error leaves nothing half done
