"""write_reports(): the suite's entry point writes the three files (never report.json) and reads
exactly what the suite's own report builder produces."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ollama_conformance.reports import ReportError, write_reports
from ollama_conformance.suites.harness.results import CheckResult, CheckSpec, Evidence, build_report

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "reports" / "report.schema.json").read_text())


def test_it_writes_junit_markdown_and_html_but_not_report_json(full_report: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "deep" / "reports"
    paths = write_reports(full_report, out)
    assert [p.name for p in paths] == ["junit.xml", "report.md", "report.html"]
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "report.html", "report.md"]
    assert ET.parse(out / "junit.xml").getroot().get("tests") == "14"


def test_it_reads_what_the_suite_builds(tmp_path: Path) -> None:
    chat = CheckSpec(id="v1.chat.tool-calls.content-null", endpoint="POST /v1/chat/completions",
                     category="openai-compat", severity="gap", gap=15)
    ok = CheckSpec(id="native.chat.tool-calls.index", endpoint="POST /api/chat", category="tool-calling", gap=23)
    results = [CheckResult(chat, "gap", "content is ''", 0.01,
                           Evidence({"method": "POST", "url": "http://x/v1/chat/completions", "body": {}}, '""',
                                    "$.choices[0].message.content", "curl http://x")),
               CheckResult(ok, "passed")]
    target = {"base_url": "http://127.0.0.1:1", "server_version": "0.32.15", "embedded_mock": True,
              "profile": "ollama-0.32", "models": {"chat": "gemma3:1b", "tools": None}}
    report = build_report(target, results, 0.5)
    jsonschema.Draft7Validator(SCHEMA).validate(report)  # the documented schema matches the producer
    write_reports(report, tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "## Gaps (1)" in md and "compat-gaps #15" in md
    assert 'data-id="native.chat.tool-calls.index"' in (tmp_path / "report.html").read_text()


def test_a_malformed_document_raises_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match='missing key "results"'):
        write_reports({"target": {"base_url": "x"}}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_lone_surrogates_and_controls_from_the_server_do_not_break_writing(full_report: dict[str, Any],
                                                                          tmp_path: Path) -> None:
    doc = json.loads(json.dumps(full_report).replace("status 200, expected 400", "bad \\ud800 \\u0000 byte"))
    doc["results"][0]["endpoint"] = "POST /api/\ud83d"
    write_reports(doc, tmp_path)
    assert "bad \ufffd \ufffd byte" in (tmp_path / "report.md").read_text(encoding="utf-8")
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert any(case.get("classname") == "POST /api/\ufffd" for case in root.iter("testcase"))
    assert "bad \ufffd \ufffd byte" in (tmp_path / "report.html").read_text(encoding="utf-8")
