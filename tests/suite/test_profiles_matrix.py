"""The suite against every mock profile reports exactly the gaps the profile documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ollama_conformance.suites.harness.results import non_passing_gaps
from ollama_conformance.suites.harness.runner import main

pytestmark = pytest.mark.slow
PROFILES_DIR = Path(__file__).resolve().parents[2] / "mock_server" / "profiles"
PROFILES = sorted(p.stem for p in PROFILES_DIR.glob("*.json"))
# Gaps a profile lists that no ordinary request can make the mock show (documented in
# suites/conformance/README.md). Equality below still fails the day they become observable.
# Checks the default profile fails because of a known mock deviation from Ollama (not a suite
# bug): listed so the deviation stays visible; the test fails once it is fixed, to drop the entry.
MOCK_DEVIATIONS = {
    # Ollama's Message.UnmarshalJSON returns the Go type error (400) for {"role": 1}; the mock's
    # decode.py type-checks top-level fields only and answers 200.
    "property.native.chat.invalid",
}
UNOBSERVABLE_BY_PROFILE = {
    # With stream_tool_calls=as_text (before v0.4.6) no tool-call delta exists, so "no index on
    # tool-call deltas" (7, v0.4.6 only) and "whole call in one delta" (9) cannot be seen.
    "ollama-0.4.5": {7: "no tool-call deltas when calls stream as text", 9: "same"},
}


def _run(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--quiet", "--report-dir", str(tmp_path)])
    return code, json.loads((tmp_path / "report.json").read_text())


def test_there_are_profiles() -> None:
    assert "ollama-0.32" in PROFILES and len(PROFILES) >= 5


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_gaps_match_its_documented_list(profile: str, tmp_path: Path) -> None:
    documented = json.loads((PROFILES_DIR / f"{profile}.json").read_text())
    code, report = _run(tmp_path, "--profile", profile, "--gaps-only")
    assert report["target"]["profile"] == profile
    found = non_passing_gaps(report)
    expected = set(documented["expected_gaps"]) - set(UNOBSERVABLE_BY_PROFILE.get(profile, {}))
    detail = {g: [r["id"] for r in report["results"] if r["gap"] == g and r["outcome"] != "passed"]
              for g in sorted(found ^ expected)}
    assert found == expected, f"unexpected {sorted(found - expected)}, missing {sorted(expected - found)}: {detail}"


def test_default_profile_has_no_failure(tmp_path: Path) -> None:
    code, report = _run(tmp_path)
    failed = {r["id"]: r["message"] for r in report["results"] if r["outcome"] == "failed"}
    assert set(failed) == MOCK_DEVIATIONS, failed
    assert code == (1 if failed else 0)
