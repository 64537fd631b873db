"""Shared fixtures: the mock (real uvicorn and in-process), with the contract self-check on.

mock_server  session: one uvicorn on 127.0.0.1 (port 0), validate_emitted=True; .base_url, .state
mock_url     its base URL
asgi_client  a fresh in-process mock per test (Starlette TestClient); .app.state.mock is its State
make_mock    factory: make_mock(**settings) -> a started mock with its own settings, stopped after
models_file  factory: models_file(name, format, quantization) -> path of a --models file with that one model
Any contract violation a mock records during a test fails that test (autouse `_mock_self_check`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from ollama_conformance.mock_server.app import LIVE_STATES, create_app
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.testing import RunningMock, running

ASGI_BASE_URL = "http://127.0.0.1:11434"  # the Host guard refuses TestClient's default "testserver"


@pytest.fixture(scope="session")
def mock_server() -> Iterator[RunningMock]:
    with running(Settings(validate_emitted=True)) as mock:
        yield mock


@pytest.fixture
def mock_url(mock_server: RunningMock) -> str:
    return mock_server.base_url


@pytest.fixture
def asgi_client() -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(create_app(Settings(validate_emitted=True)), base_url=ASGI_BASE_URL) as client:
        yield client


@pytest.fixture
def client_for() -> Iterator[Callable[[str], Any]]:
    """A factory of in-process mocks, each with the profile it is given (closed after the test)."""
    from starlette.testclient import TestClient

    with ExitStack() as stack:
        yield lambda profile: stack.enter_context(
            TestClient(create_app(Settings(profile=profile, validate_emitted=True)), base_url=ASGI_BASE_URL))


@pytest.fixture
def make_mock() -> Iterator[Callable[..., RunningMock]]:
    with ExitStack() as stack:

        def start(**settings: Any) -> RunningMock:
            settings.setdefault("validate_emitted", True)
            return stack.enter_context(running(Settings(**settings)))

        yield start


@pytest.fixture
def models_file(tmp_path: Any) -> Callable[[str, str, str], str]:
    def write(name: str, model_format: str, quantization: str) -> str:
        item = {"name": name, "size": 10, "modified_at": "2026-01-01T00:00:00Z",
                "details": {"parent_model": "", "format": model_format, "family": "llama", "families": None,
                            "parameter_size": "1B", "quantization_level": quantization}}
        path = tmp_path / "models.json"
        path.write_text(json.dumps({"models": [item]}))
        return str(path)

    return write


@pytest.fixture(autouse=True)
def _mock_self_check() -> Iterator[None]:
    for state in list(LIVE_STATES):
        state.violations.clear()
    yield
    found = []
    for state in list(LIVE_STATES):
        deadline = time.monotonic() + 2.0
        while state.in_flight and time.monotonic() < deadline:  # let answers in flight be checked
            time.sleep(0.005)
        found.extend(state.violations)
        state.violations.clear()
    if found:
        lines = [f"{v['endpoint']}: {'; '.join(v['messages'][:3])} | {v['excerpt'][:200]!r}" for v in found[:5]]
        pytest.fail("the mock emitted what the contracts reject:\n" + "\n".join(lines), pytrace=False)
