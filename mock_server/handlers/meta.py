"""GET|HEAD /, GET|HEAD /api/version, GET /api/status (reference §1.1-1.3)."""

from __future__ import annotations

from ..outcome import RequestInfo, Single
from ..state import State


def run_root(state: State, info: RequestInfo) -> Single:
    return Single("Ollama is running", content_type="text/plain; charset=utf-8")


def run_version(state: State, info: RequestInfo) -> Single:
    return Single({"version": state.profile.version})


def run_status(state: State, info: RequestInfo) -> Single:
    return Single({"cloud": {"disabled": False, "source": "none"}})
