"""A deterministic fake Ollama server (Starlette on uvicorn): `create_app(Settings(...))`.

Run it with `ollama-mock serve` or `python -m ollama_conformance.mock_server serve`; embed it
in tests with `testing.serve_in_thread(settings)`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Settings", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy: `python -m ...mock_server --help` and the CLI's start path stay light.
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(name)
