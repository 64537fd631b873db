"""The README's Python samples of the mock run as written (they once did not: an undefined agent,
a journal read before any request)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"


def sample(after: str) -> str:
    """The first ```python block after the line `after` in the README."""
    text = README.read_text(encoding="utf-8")
    assert after in text, f"README has no {after!r}"
    return text.split(after, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]


def test_the_pytest_plugin_sample_passes_as_a_test_file(pytester: pytest.Pytester) -> None:
    pytest.importorskip("ollama")
    pytester.makepyfile(test_readme_sample=sample("### pytest plugin"))
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_without_pytest_sample_runs_and_reads_the_request_it_sent() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(sample("Without pytest, from any Python code:"), "README.md", "exec"), {})
    assert out.getvalue().splitlines()[0] == "pong" and "'content': 'ping'" in out.getvalue()
