"""`ollama-conformance report`: outputs, exit codes and one-line errors (never a traceback)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from ollama_conformance.reports.cli import main

from ollama_conformance.cli import run as top_level


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_one_file_writes_the_single_run_reports(full_report: dict[str, Any], write_json: Any, tmp_path: Path) -> None:
    src = write_json("a.json", full_report)
    html, md, xml = tmp_path / "o.html", tmp_path / "o.md", tmp_path / "o.xml"
    code, out, err = _main([str(src), "--html", str(html), "--md", str(md), "--junit", str(xml)])
    assert (code, err) == (0, "")
    assert out == f"ollama-conformance report: wrote {html}, {xml}, {md} (14 checks)\n"
    assert '<section id="tools">' in html.read_text() and md.read_text().startswith("# Ollama conformance: ollama-0.32")
    assert xml.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')


def test_several_files_are_merged_and_regressions_can_fail_the_run(full_report: dict[str, Any], copy_doc: Any,
                                                                   write_json: Any, tmp_path: Path) -> None:
    newer = copy_doc(full_report)
    newer["target"]["profile"] = "ollama-0.33"
    newer["results"][0]["outcome"] = "failed"  # contract.chat.response regresses
    a, b = write_json("a.json", full_report), write_json("b.json", newer)
    md = tmp_path / "m.md"
    code, out, _ = _main([str(a), str(b), "--md", str(md), "--html", str(tmp_path / "m.html")])
    assert code == 0 and out.endswith("(2 targets, 1 regression)\n")
    assert "## ▼ Regressions (1)" in md.read_text()
    assert _main([str(a), str(b), "--md", str(md), "--fail-on-regression"])[0] == 1
    assert _main([str(a), str(a), "--md", str(md), "--fail-on-regression"])[0] == 0


def test_without_outputs_the_markdown_goes_to_stdout(full_report: dict[str, Any], write_json: Any) -> None:
    code, out, err = _main([str(write_json("a.json", full_report))])
    assert (code, err) == (0, "") and out.startswith("# Ollama conformance:") and "## Failures (5)" in out


@pytest.mark.parametrize(("content", "expected"), [
    ('{"target": {"base_url": "x"},\n "results": [}', "bad.json: not JSON (line 2, column 14: Expecting value)"),
    ('{"target": {"base_url": "x"}}', 'bad.json: missing key "results" (a report.json has'),
    ('{"target": {"base_url": "x"}, "results": [{"id": "a", "endpoint": "GET /", "category": "contract", '
     '"severity": "failure", "outcome": "ok"}]}', "bad.json: results[0] (a): outcome is 'ok'; valid: passed,"),
    ("[1, 2]", "bad.json: the document is a list; expected a JSON object"),
    # were tracebacks: json's RecursionError and int()'s digit limit are no JSONDecodeError
    ("[" * 100_000 + "]" * 100_000, "bad.json: not a report.json (values nested too deeply to read)"),
    ('{"results": [], "target": {"base_url": "x"}, "n": ' + "9" * 5000 + "}", "bad.json: not a report.json (Exceeds"),
])
def test_a_bad_input_file_is_one_line_and_exit_2(write_json: Any, tmp_path: Path, content: str, expected: str) -> None:
    path = write_json("bad.json", content)
    code, out, err = _main([str(path), "--html", str(tmp_path / "x.html")])
    assert code == 2 and out == "" and not (tmp_path / "x.html").exists()
    assert err.startswith(f"ollama-conformance report: {tmp_path}/") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_unwritable_output_and_usage_errors(full_report: dict[str, Any], write_json: Any,
                                                          tmp_path: Path) -> None:
    code, _, err = _main([str(tmp_path / "nope.json")])
    assert code == 2 and err == f"ollama-conformance report: {tmp_path / 'nope.json'}: no such file\n"
    src = write_json("a.json", full_report)
    code, _, err = _main([str(src), "--html", str(tmp_path / "no-dir" / "x.html")])
    assert code == 2 and err.startswith("ollama-conformance report: ") and "x.html: cannot write (No such file" in err
    code, _, err = _main([])
    assert code == 2 and err == "ollama-conformance report: error: the following arguments are required: REPORT.json\n"
    code, _, err = _main([str(src), "--colour"])
    assert code == 2 and err == "ollama-conformance report: error: unrecognized arguments: --colour\n"
    assert _main([str(src), "--md-limit", "10"])[2] == "ollama-conformance report: error: --md-limit must be >= 1000, got 10\n"


def test_an_output_that_is_an_input_or_another_output_is_refused(full_report: dict[str, Any], write_json: Any,
                                                                  tmp_path: Path) -> None:
    src = write_json("report.json", full_report)
    before = src.read_bytes()
    code, out, err = _main([str(src), "--md", str(tmp_path / "." / "report.json")])  # replaced the run it renders
    assert code == 2 and out == "" and src.read_bytes() == before
    assert err == f"ollama-conformance report: error: --md '{tmp_path}/report.json' is one of the report files read: choose another file\n"
    code, _, err = _main([str(src), "--html", str(tmp_path / "r.out"), "--junit", str(tmp_path / "r.out")])
    assert code == 2 and "--junit" in err and "is the --html output too" in err and not (tmp_path / "r.out").exists()


def test_the_top_level_cli_dispatches_to_it(full_report: dict[str, Any], write_json: Any, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    html = tmp_path / "r.html"
    assert top_level(["report", str(write_json("a.json", full_report)), "--html", str(html)], out, err) == 0
    assert html.exists() and err.getvalue() == ""
    assert top_level(["report", str(tmp_path / "missing.json")], out, err) == 2
    assert err.getvalue().endswith("missing.json: no such file\n")
    help_out = io.StringIO()
    assert top_level(["report", "--help"], help_out, io.StringIO()) == 0
    assert help_out.getvalue().startswith("usage: ollama-conformance report [-h]") and "--fail-on-regression" in help_out.getvalue()
