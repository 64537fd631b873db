"""`python -m ollama_conformance.mock_server serve ...` (same as `ollama-mock`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
