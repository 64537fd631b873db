"""pytest plugin (entry point `ollama_mock`): the mock Ollama as fixtures for any project.

    def test_agent(ollama_mock):
        ollama_mock.scenario.add(match={"message": "weather"},
                                 respond={"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})
        run_my_agent()                     # ollama.chat(...) / openai.OpenAI() reach the mock
        ollama_mock.journal.assert_called("/api/chat", times=2)

`ollama_mock`: one server per session, reset before each test (journal, rules added by tests,
sequence counters, fault sequence, models and blobs as the server started); OLLAMA_HOST, OLLAMA_API_BASE (litellm), OPENAI_BASE_URL, OPENAI_API_KEY (a dummy)
point at it for the test. `ollama_mock_isolated`: a server of its own for one test, configured
by `@pytest.mark.ollama_mock(profile=..., scenario=..., ...)`; `ollama_mock_factory(**settings)`
starts as many as a test needs. Errors raised in the server thread fail the test that caused
them (at its teardown, or at once with `ollama_mock.check()`).

ini options: ollama_mock_profile, ollama_mock_scenario, ollama_mock_validate (self-check).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_MARKER_NAME = "@pytest.mark.ollama_mock"
_MARKER = "ollama_mock(**settings): settings of the ollama_mock_isolated server (profile, scenario, strict, seed, fault_rate, virtual_time, ...)"


class MockServerError(AssertionError):
    """Something went wrong inside the mock server thread while a test used it."""


class OllamaMock:
    """A running mock: its URLs, scenario, journal and reset."""

    def __init__(self, base_url: str, state: Any, ext: Any) -> None:
        self.base_url = base_url
        self.openai_base_url = base_url + "/v1"
        self.state = state
        self._ext = ext

    @property
    def scenario(self) -> Any:
        """The scenario (`.add(match=..., respond=...)`, `.rules`, `.strict`)."""
        return self._ext.scenario

    @property
    def journal(self) -> Any:
        """The request journal (`.requests(path)`, `.assert_called(...)`, `.last()`)."""
        return self._ext.journal

    @property
    def profile(self) -> Any:
        return self.state.profile

    def requests(self, path: str | None = None, **filters: Any) -> list[Any]:
        return self._ext.journal.requests(path, **filters)

    def reset(self) -> None:
        self._ext.reset()
        self.state.violations.clear()

    def load_scenario(self, path: str) -> None:
        """Append the rules of a scenario file (they go at the next reset)."""
        from ollama_conformance.mock_server.scenarios import Scenario

        self._ext.scenario.extend(Scenario.load(path))

    def check(self) -> None:
        """Raise MockServerError now if the server thread hit an error (or emitted a bad body)."""
        errors = self._ext.take_errors()
        violations = list(self.state.violations)
        self.state.violations.clear()
        lines = [f"server error: {e}" for e in errors]
        lines += [
            f"contract violation on {v.get('endpoint')}: {v.get('messages') or v.get('violation')}"
            for v in violations
        ]
        if lines:
            raise MockServerError(
                "the ollama mock reported problems during this test:\n  " + "\n  ".join(lines)
            )

    @staticmethod
    def fault(kind: str, **params: Any) -> dict[str, str]:
        """Headers asking for a fault: `fault("midstream_error", after=2)`."""
        text = ";".join([kind, *(f"{k}={v}" for k, v in params.items())])
        return {"X-Ollama-Mock-Fault": text}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ollama_mock_profile", "profile of the session ollama_mock server", default="ollama-0.32")
    parser.addini(
        "ollama_mock_scenario", "scenario file loaded by the session ollama_mock server", default=""
    )
    parser.addini(
        "ollama_mock_validate", "self-check every body the mock emits (true/false)", default="false"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER)


@contextlib.contextmanager
def _started(settings: dict[str, Any], source: str | None = None) -> Iterator[OllamaMock]:
    """A running mock with `settings`; `source` (the marker, the factory) is named in a start error."""
    from ollama_conformance.mock_server import extensions, testing
    from ollama_conformance.mock_server.settings import Settings

    with contextlib.ExitStack() as stack:
        problem = None
        try:
            running = stack.enter_context(testing.running(Settings(**settings)))
        except Exception as exc:  # a bad profile, scenario or models file: one line, as the CLI says it
            from ollama_conformance.mock_server.cli import one_line

            problem = _start_problem(one_line(exc), settings, source)
        if problem is not None:  # failed outside the except block: no chained traceback shown
            pytest.fail(problem, pytrace=False)
        ext = extensions.for_state(running.state)
        if ext is None:  # pragma: no cover - create_app always installs the extensions
            raise MockServerError("the mock's CI extensions are not installed")
        yield OllamaMock(running.base_url, running.state, ext)


_FLAG_VALUE = re.compile(r"--([a-z][a-z-]*) has value ")


def _start_problem(line: str, settings: dict[str, Any], source: str | None) -> str:
    """The line a failed start shows. The mock's messages name its CLI flags ("--clock has value
    'x': ..."); for a setting the marker or the factory gave, name that argument instead."""
    found = _FLAG_VALUE.match(line)
    name = found[1].replace("-", "_") if found else ""
    if source is None or found is None or name not in settings:
        return f"ollama-mock: {line}"
    value, rest = settings[name], line[found.end():]
    shown = [repr(value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown.append(repr(float(value)))  # the mock converts numbers: 5 -> 5.0
    for text in shown:
        if rest.startswith(text):
            return f"{source} has {name}={value!r}{rest[len(text):]}"
    return f"{source} has {name}={value!r}: {line}"


@pytest.fixture(scope="session")
def ollama_mock_settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Settings of the session server (override this fixture to change them)."""
    profile = str(pytestconfig.getini("ollama_mock_profile") or "ollama-0.32")
    if profile.endswith(".json"):  # a profile file: from the rootdir, as the scenario and the marker's
        profile = str(pytestconfig.rootpath / profile)
    settings: dict[str, Any] = {"profile": profile}
    scenario = pytestconfig.getini("ollama_mock_scenario")
    if scenario:
        settings["scenario"] = str(pytestconfig.rootpath / scenario)
    validate = str(pytestconfig.getini("ollama_mock_validate")).strip().lower()
    if validate not in _TRUE + _FALSE:  # "on" or a typo would otherwise turn the self-check off unseen
        pytest.fail(f"ini option ollama_mock_validate has value {validate!r} "
                    f"(valid: {', '.join(v for v in _TRUE + _FALSE if v)})", pytrace=False)
    settings["validate_emitted"] = validate in _TRUE
    return settings


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@pytest.fixture(scope="session")
def _ollama_mock_session(ollama_mock_settings: dict[str, Any]) -> Iterator[OllamaMock]:
    with _started(ollama_mock_settings) as mock:
        yield mock


@pytest.fixture
def ollama_mock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[OllamaMock]:
    """The session's mock, reset for this test, with OLLAMA_HOST / OPENAI_BASE_URL pointing at it;
    a test marked @pytest.mark.ollama_mock(...) gets a server of its own with those settings
    (ollama_mock_isolated), rather than the marker going unheard."""
    marker = request.node.get_closest_marker("ollama_mock")
    if marker is not None and marker.kwargs and "ollama_mock_isolated" not in request.fixturenames:
        yield request.getfixturevalue("ollama_mock_isolated")
        return
    mock = request.getfixturevalue("_ollama_mock_session")
    mock.reset()
    _point_clients(mock, monkeypatch)
    yield mock
    mock.check()


class _Factory:
    """What `ollama_mock_factory` gives: `factory(**settings)` starts a server for this test."""

    def __init__(self, stack: contextlib.ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        self._stack, self._monkeypatch = stack, monkeypatch
        self.started: list[OllamaMock] = []

    def __call__(self, **settings: Any) -> OllamaMock:
        return self.start(settings, "ollama_mock_factory")

    def start(self, settings: dict[str, Any], source: str) -> OllamaMock:
        """Start a server; `source` is what a start error names as the settings' origin."""
        mock = self._stack.enter_context(_started(settings, source))
        _point_clients(mock, self._monkeypatch)
        self.started.append(mock)
        return mock


@pytest.fixture
def ollama_mock_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., OllamaMock]]:
    """`factory(profile=..., scenario=..., **settings)`: a new server for this test only.

    The last one started is where OLLAMA_HOST / OPENAI_BASE_URL point.
    """
    with contextlib.ExitStack() as stack:
        factory = _Factory(stack, monkeypatch)
        yield factory
        for mock in factory.started:
            mock.check()


@pytest.fixture
def ollama_mock_isolated(
    request: pytest.FixtureRequest, ollama_mock_factory: Callable[..., OllamaMock]
) -> OllamaMock:
    """A server of this test's own, configured by @pytest.mark.ollama_mock(...)."""
    marker = request.node.get_closest_marker("ollama_mock")
    settings = _marker_settings(dict(marker.kwargs) if marker else {}, request.config.rootpath)
    if isinstance(ollama_mock_factory, _Factory):  # not when a project overrides the factory
        return ollama_mock_factory.start(settings, _MARKER_NAME)
    return ollama_mock_factory(**settings)


def _marker_settings(settings: dict[str, Any], rootpath: Any) -> dict[str, Any]:
    """The marker's settings: each a Settings field (else the test fails with one line naming the
    valid ones); relative file paths taken from the rootdir, as the ini options are."""
    import dataclasses

    from ollama_conformance.mock_server.settings import Settings

    annotations = {f.name: str(f.type) for f in dataclasses.fields(Settings)}
    for name, value in settings.items():
        if name not in annotations:
            pytest.fail(f"{_MARKER_NAME} has setting {name!r}; valid settings: {', '.join(annotations)}",
                        pytrace=False)
        expected = _setting_types(annotations[name])
        if expected and (not isinstance(value, expected) or isinstance(value, bool) and bool not in expected):
            # strict="no" would be true, seed="abc" no seed at all: say so instead
            pytest.fail(f"{_MARKER_NAME} has {name}={value!r}; expected {annotations[name]}", pytrace=False)
    rate = settings.get("fault_rate")
    if rate is not None and not 0 <= rate <= 1:  # the mock would ignore a negative rate
        pytest.fail(f"{_MARKER_NAME} has fault_rate={rate!r} (valid: a number from 0 to 1)", pytrace=False)
    for name in ("scenario", "models_file", "cassette", "profile"):
        value = settings.get(name)
        is_file = name != "profile" or str(value).endswith(".json")
        if isinstance(value, (str, os.PathLike)) and is_file and not os.path.isabs(value):
            settings[name] = str(rootpath / value)
    return settings


def _setting_types(annotation: str) -> tuple[type, ...]:
    """The Python types a Settings annotation ("int | None", "float", ...) accepts (empty: any)."""
    table: dict[str, tuple[type, ...]] = {"str": (str, os.PathLike), "int": (int,), "float": (int, float),
                                          "bool": (bool,), "None": (type(None),)}
    kinds: tuple[type, ...] = ()
    for part in annotation.split("|"):
        found = table.get(part.strip())
        if found is None:
            return ()  # tuples, dicts: not checked here
        kinds += found
    return kinds


def _point_clients(mock: OllamaMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the official clients at `mock`: env for new clients, and ollama's default client."""
    monkeypatch.setenv("OLLAMA_HOST", mock.base_url)
    monkeypatch.setenv("OLLAMA_API_BASE", mock.base_url)  # litellm's ollama/ providers read this, not OLLAMA_HOST
    monkeypatch.setenv("OPENAI_BASE_URL", mock.openai_base_url)
    # openai.OpenAI() refuses to start without a key; a real one would land in the journal
    monkeypatch.setenv("OPENAI_API_KEY", "ollama")
    openai = sys.modules.get("openai")
    if openai is not None and hasattr(openai, "base_url"):
        # openai.chat.completions.create(...) uses a module client that keeps its first base URL
        monkeypatch.setattr(openai, "base_url", mock.openai_base_url.rstrip("/") + "/")
        monkeypatch.setattr(openai, "api_key", "ollama")
    ollama = sys.modules.get("ollama")
    default = getattr(ollama, "_client", None) if ollama is not None else None
    inner = getattr(default, "_client", None)
    if inner is not None and hasattr(inner, "base_url"):
        # ollama.chat(...) uses a client built at import time: repoint it for this test.
        import httpx

        monkeypatch.setattr(inner, "base_url", httpx.URL(mock.base_url))
