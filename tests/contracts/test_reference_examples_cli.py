"""`ollama-conformance validate` judges the reference's own examples right.

The examples are read from ../shared/reference/ollama-api.md (the ground truth), written to files as
a user would capture them, and given to the CLI: each is valid (exit 0), and each broken copy of one
is a violation (exit 1). Examples the reference abbreviates with "…" are not JSON and are left out.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from ollama_conformance.cli import run

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "ollama-api.md"

# label in the reference (the bold line before a code block) -> (endpoint, kind of each line or block)
EXAMPLES = {
    "Non-final generate chunk:": ("POST /api/generate", "chunk"),
    "Final generate chunk:": ("POST /api/generate", "chunk"),
    "Non-final chat chunk:": ("POST /api/chat", "chunk"),
    "Final chat chunk:": ("POST /api/chat", "chunk"),
    "Example** (include_usage):": ("POST /v1/chat/completions", "stream"),
    "Non-stream response** (`chat.completion`, keys in order)": ("POST /v1/chat/completions", "response"),
}


def _blocks() -> dict[str, str]:
    if not REFERENCE.is_file():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"reference not available: {REFERENCE}")
    text = REFERENCE.read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"^\*\*([^\n]+)\n```[a-z]*\n(.*?)```", text, flags=re.S | re.M):
        label = match.group(1).strip().rstrip("*")
        if label in EXAMPLES:
            found[label] = match.group(2)
    assert set(found) == set(EXAMPLES), f"examples not found in the reference: {set(EXAMPLES) - set(found)}"
    return found


def _validate(tmp_path: Path, endpoint: str, kind: str, content: str, *extra: str) -> tuple[int, str]:
    path = tmp_path / f"capture-{abs(hash(content))}.txt"
    path.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["validate", endpoint, kind, str(path), *extra], out, err)
    return code, out.getvalue() + err.getvalue()


def _documents(kind: str, block: str) -> list[str]:
    """A chunk block holds one record per line; the other kinds are one document."""
    return [line for line in block.splitlines() if line.strip()] if kind == "chunk" else [block]


def _request_file(tmp_path: Path) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}],
                                "stream": True, "stream_options": {"include_usage": True}}))
    return str(path)


@pytest.mark.parametrize("label", list(EXAMPLES))
def test_every_reference_example_is_valid(label: str, tmp_path: Path) -> None:
    endpoint, kind = EXAMPLES[label]
    extra = ("--request", _request_file(tmp_path)) if kind == "stream" else ()
    for document in _documents(kind, _blocks()[label]):
        code, output = _validate(tmp_path, endpoint, kind, document, *extra)
        assert code == 0, output


def _break_record(record: dict) -> dict:
    """One field of the wrong type, as a broken server would send it."""
    if "done" in record:
        return {**record, "done": "true"}
    return {**record, "created": str(record["created"])}


@pytest.mark.parametrize("label", [k for k, (_, kind) in EXAMPLES.items() if kind != "stream"])
def test_a_broken_copy_of_each_example_is_a_violation(label: str, tmp_path: Path) -> None:
    endpoint, kind = EXAMPLES[label]
    for document in _documents(kind, _blocks()[label]):
        broken = json.dumps(_break_record(json.loads(document)))
        code, output = _validate(tmp_path, endpoint, kind, broken)
        assert code == 1, output


def test_the_stream_example_without_its_done_marker_is_a_violation(tmp_path: Path) -> None:
    block = _blocks()["Example** (include_usage):"]
    assert "data: [DONE]" in block
    code, output = _validate(tmp_path, "POST /v1/chat/completions", "stream", block.replace("data: [DONE]\n\n", ""),
                             "--request", _request_file(tmp_path))
    assert code == 1, output
    assert "DONE" in output
