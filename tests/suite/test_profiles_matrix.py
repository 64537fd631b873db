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
# Checks the default profile fails because of a known mock deviation from Ollama (not a suite
# bug): listed so the deviation stays visible; the test fails once it is fixed, to drop the entry.
MOCK_DEVIATIONS: set[str] = set()
# Where what the suite observes differs from a profile's list, for a known reason (each entry is
# toggled: a listed gap the mock cannot show, or a gap the mock shows beyond its list). Equality
# below fails the day an entry stops being true, so the list cannot go stale.
# Gaps a profile documents that the suite cannot observe (none today: a profile's
# "expected_gaps" must list exactly what the suite reports against it).
KNOWN_DIFFERENCES: dict[str, dict[int, str]] = {}


def _run(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--quiet", "--report-dir", str(tmp_path)])
    return code, json.loads((tmp_path / "report.json").read_text())


def test_there_are_profiles() -> None:
    assert "ollama-0.32" in PROFILES and len(PROFILES) >= 5


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_gaps_match_its_documented_list(profile: str, tmp_path: Path) -> None:
    documented = json.loads((PROFILES_DIR / f"{profile}.json").read_text())
    default = profile == "ollama-0.32"  # the default profile runs every check: it must not fail any
    code, report = _run(tmp_path, "--profile", profile, *([] if default else ["--gaps-only"]))
    assert report["target"]["profile"] == profile
    found = non_passing_gaps(report)
    expected = set(documented["expected_gaps"]) ^ set(KNOWN_DIFFERENCES.get(profile, {}))
    detail = {g: [r["id"] for r in report["results"] if r["gap"] == g and r["outcome"] != "passed"]
              for g in sorted(found ^ expected)}
    assert found == expected, f"unexpected {sorted(found - expected)}, missing {sorted(expected - found)}: {detail}"
    if default:
        failed = {r["id"]: r["message"] for r in report["results"] if r["outcome"] == "failed"}
        assert set(failed) == MOCK_DEVIATIONS, failed
        assert code == (1 if failed else 0)


def test_routes_newer_than_the_server_are_skipped_not_failed(tmp_path: Path) -> None:
    # a release before /v1/messages (v0.14.0) answers it gin's 404: no failure, no false gap 19/20
    code, report = _run(tmp_path, "--profile", "ollama-0.12.9", "-k", "v1-messages or v1-responses or status or test_responses_tool_choice_echo")
    results = {r["id"]: r for r in report["results"]}
    for check in ("contract.endpoint[v1-messages]", "contract.endpoint[v1-responses]", "contract.endpoint[status]",
                  "v1.responses.tool-choice-echo"):
        assert results[check]["outcome"] == "skipped", results[check]
        assert "predates it" in results[check]["message"]
    assert code == 0
