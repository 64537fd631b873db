"""report.json loading: valid documents become typed data, bad ones a one-line ReportError;
the stdlib checks agree with report.schema.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ollama_conformance.reports import ReportError, load, parse

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "reports" / "report.schema.json").read_text())


def test_a_full_report_loads_with_typed_fields(full_report: dict[str, Any]) -> None:
    report = parse(full_report)
    assert report.target.profile == "ollama-0.32" and report.target.server_version == "0.32.15"
    assert report.target.models["vision"] is None
    assert report.counts() == {"passed": 6, "failed": 5, "gap": 1, "info": 1, "skipped": 1}
    failed = next(r for r in report.results if r.id == "contract.chat.role")
    assert failed.evidence is not None and failed.evidence.json_path == "$.message.role"
    assert next(r for r in report.results if r.id == "contract.chat.response").evidence is None


def test_the_fixture_validates_against_the_schema(full_report: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.Draft7Validator(SCHEMA).validate(full_report)


def test_counts_come_from_the_results_not_the_summary(full_report: dict[str, Any]) -> None:
    full_report["summary"]["passed"] = 999
    assert parse(full_report).counts()["passed"] == 6


def test_the_label_names_profile_or_version_and_base_url(full_report: dict[str, Any]) -> None:
    assert parse(full_report).target.label == "ollama-0.32 @ http://127.0.0.1:11434"
    full_report["target"]["profile"] = None
    assert parse(full_report).target.label == "Ollama 0.32.15 @ http://127.0.0.1:11434"


BAD = [
    (lambda d: d.pop("results"), 'missing key "results"'),
    (lambda d: d.update(results={}), "results is an object; expected a list"),
    (lambda d: d["target"].pop("base_url"), 'target: missing key "base_url"'),
    (lambda d: d["results"][1].update(outcome="passd"), "results[1] (contract.chat.role): outcome is 'passd'; valid: passed, failed"),
    (lambda d: d["results"][0].update(category="perf"), "category is 'perf'; valid: contract, stream"),
    (lambda d: d["results"][0].update(severity="fatal"), "severity is 'fatal'; valid: failure, gap, info"),
    (lambda d: d["results"][0].update(gap=True), "gap is True; expected null or a compat-gaps.md row number"),
    (lambda d: d["results"][0].update(id=3), "results[0]: id is a number; expected a string"),
    (lambda d: d["results"][1].update(evidence="oops"), "evidence is a string; expected a JSON object"),
    (lambda d: d["results"].append([]), "results[14] is a list; expected a JSON object"),
    (lambda d: d.update(schema_version=2), "schema_version is 2; this version of ollama-conformance reads 1"),
]


@pytest.mark.parametrize(("mutate", "expected"), BAD, ids=[e for _, e in BAD])
def test_a_bad_document_is_one_line_naming_the_place(full_report: dict[str, Any], mutate: Any, expected: str) -> None:
    mutate(full_report)
    with pytest.raises(ReportError) as info:
        parse(full_report)
    assert expected in str(info.value) and "\n" not in str(info.value)
    # The schema rejects the same document: the documented format and the reader agree.
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(full_report))


def test_loading_names_the_file_and_the_json_position(write_json: Any, tmp_path: Path) -> None:
    path = write_json("broken.json", '{"target": {},\n  "results": [,]}')
    with pytest.raises(ReportError, match=r"broken\.json: not JSON \(line 2, column 15: Expecting value\)"):
        load(path)
    with pytest.raises(ReportError, match=r"missing\.json: no such file"):
        load(tmp_path / "missing.json")
    with pytest.raises(ReportError, match=r"is a directory"):
        load(tmp_path)
    with pytest.raises(ReportError, match=r"list\.json: the document is a list; expected a JSON object"):
        load(write_json("list.json", "[]"))
