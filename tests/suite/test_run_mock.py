"""End to end against the embedded mock: the README's main-job command, exit codes, report files,
and the guarantee that a run without --allow-destructive leaves the server's models as they were."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from ollama_conformance.suites.harness.runner import main

pytestmark = pytest.mark.slow
# See MOCK_DEVIATIONS in test_profiles_matrix.py: a known mock deviation the suite rightly reports.
MOCK_DEVIATIONS: set[str] = set()


def test_readme_main_job_command_writes_reports(tmp_path: Path) -> None:
    """`ollama-conformance run --report-dir DIR` (the console script, no --base-url): embedded mock."""
    script = Path(sys.executable).parent / "ollama-conformance"
    out = tmp_path / "report"
    proc = subprocess.run([str(script), "run", "--report-dir", str(out)], capture_output=True, text=True,
                          timeout=120, check=False)
    report = json.loads((out / "report.json").read_text())
    failed = {r["id"] for r in report["results"] if r["outcome"] == "failed"}
    assert failed == MOCK_DEVIATIONS and proc.returncode == (1 if failed else 0), proc.stderr[-2000:]
    assert {p.name for p in out.iterdir()} >= {"report.json", "junit.xml", "report.md", "report.html"}
    assert report["target"]["embedded_mock"] is True
    assert report["target"]["profile"] == "ollama-0.32"
    assert report["summary"]["total"] >= 200
    assert report["summary"]["total"] == len(report["results"])
    ids = [r["id"] for r in report["results"]]
    assert len(ids) == len(set(ids)), "check ids must be unique"
    for result in report["results"]:
        if result["outcome"] in ("failed", "gap", "info"):
            assert result["evidence"]["reproduce"].startswith("curl "), result["id"]
            assert result["message"] and "\n" not in result["message"]
    assert "contract:" in proc.stderr or "[" in proc.stderr  # live progress went to stderr
    assert f"{len(failed)} failed" in proc.stdout


def test_failures_exit_1_with_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An old profile breaks today's contract: exit 1, the failed checks named on stderr (even
    with --quiet: a CI log without the report folder still says what failed), with evidence."""
    code = main(["--profile", "ollama-0.4.5", "--report-dir", str(tmp_path), "--quiet", "--gaps-only"])
    assert code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    assert failed
    named = [line for line in capsys.readouterr().err.splitlines() if line.startswith("FAILED ")]
    assert named == [f"FAILED {r['id']} ({r['endpoint']}): {r['message'].strip().splitlines()[0][:200]}"
                     for r in failed[:20]]
    ev = failed[0]["evidence"]
    assert ev["request"]["url"].startswith("http://127.0.0.1:") and ev["json_path"].startswith(("$", "headers"))


def test_selection_with_k_and_bad_expression(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["-k", "test_head_routes", "--quiet", "--report-dir", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert {r["id"].split("[")[0] for r in report["results"]} == {"contract.head"}
    assert main(["-k", "no_check_has_this_name", "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == \
        "ollama-conformance run: pytest: no check selected (-k 'no_check_has_this_name')"


def _models(base_url: str) -> list[tuple[str, str]]:
    tags = httpx.get(base_url + "/api/tags", timeout=10).json()["models"]
    return sorted((m["name"], m["digest"]) for m in tags)


def test_run_without_flag_leaves_models_identical() -> None:
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.testing import serve_in_thread

    with serve_in_thread(Settings(port=0)) as base_url:
        before = _models(base_url)
        code = main(["--base-url", base_url, "--quiet"])
        after = _models(base_url)
    assert code in (0, 1)
    assert before and after == before
