"""Fixtures of the end-to-end tests that drive the mock with real JavaScript clients under Node.

js_client  factory: js_client(script, *packages) -> a JsRun of tests/clients/js/<script> against `mock_url`

A driver script (tests/clients/js/drive_*.mjs) uses its client as a Node user does and prints one JSON
object: a section per feature, `{"unexpected": ...}` for a section that threw. JsRun.result() runs it
once per mock (well under a second; the first test to ask pays, and that test's autouse contract
self-check sees everything the mock sent); JsRun.section(name) is one section. Both are called from
a test's body, not a fixture, so that without Node or the packages the test skips, or under CI
(`CI` set) reports FAILED rather than ERROR.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parents[1] / "clients" / "js"
INSTALL = "npm ci --prefix tests/clients/js"
TIMEOUT_S = 60

_RUNS: dict[tuple[str, str], dict[str, Any]] = {}


def _unavailable(packages: tuple[str, ...]) -> str | None:
    if shutil.which("node") is None:
        return f"node is not on PATH: install Node.js 20+ and run `{INSTALL}`"
    missing = [p for p in packages if not (JS_DIR / "node_modules" / p).is_dir()]
    if missing:
        return f"{', '.join(missing)} not installed: run `{INSTALL}`"
    return None


def _drive(script: str, base_url: str) -> dict[str, Any]:
    try:
        done = subprocess.run(
            ["node", str(JS_DIR / script), base_url],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"failure": f"{script} did not finish within {TIMEOUT_S} s"}
    try:
        sections = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"failure": f"{script} exited {done.returncode} without JSON; stderr: {done.stderr[-2000:]}"}
    return {"returncode": done.returncode, "stderr": done.stderr, "sections": sections}


@dataclass(frozen=True)
class JsRun:
    script: str
    packages: tuple[str, ...]
    base_url: str

    def result(self) -> dict[str, Any]:
        """{"returncode", "stderr", "sections"} of the script's one run against this mock."""
        reason = _unavailable(self.packages)
        if reason:
            if "CI" in os.environ:
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
        key = (self.script, self.base_url)
        if key not in _RUNS:
            _RUNS[key] = _drive(self.script, self.base_url)
        got = _RUNS[key]
        if "failure" in got:
            pytest.fail(got["failure"], pytrace=False)
        return got

    def section(self, name: str) -> Any:
        got = self.result()["sections"][name]
        if isinstance(got, dict) and "unexpected" in got:
            pytest.fail(f"{self.script} threw in {name!r}: {got['unexpected']}", pytrace=False)
        return got


@pytest.fixture
def js_client(mock_url: str) -> Callable[..., JsRun]:
    return lambda script, *packages: JsRun(script, packages, mock_url)
