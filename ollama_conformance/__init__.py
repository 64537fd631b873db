"""ollama-conformance: contracts, a deterministic mock server and a conformance suite for Ollama's HTTP API.

Subpackages (each a top-level folder of the repository):
    ollama_conformance.contracts    JSON Schema contracts and the library that reads them
    ollama_conformance.mock_server  the fake Ollama
    ollama_conformance.suites       the conformance suite and its harness
    ollama_conformance.reports      report writers
The `ollama-conformance` command is ollama_conformance.cli (also `python -m ollama_conformance`).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
