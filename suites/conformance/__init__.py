"""The conformance checks: pytest modules run by `ollama-conformance run` against any Ollama."""
