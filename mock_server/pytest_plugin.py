"""pytest plugin of the mock (fixture ollama_mock): being written."""
