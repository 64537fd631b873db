"""junit.xml: a suite per category, a case per check, gaps as failures of type "gap", escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ollama_conformance.reports import render_junit


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_one_suite_per_category_with_the_right_counts(full_report: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(full_report).encode("utf-8"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["contract", "stream", "error", "tool-calling", "openai-compat", "lifecycle"]
    tool = suites["tool-calling"]
    assert (tool.get("tests"), tool.get("failures"), tool.get("skipped")) == ("7", "3", "0")
    compat = suites["openai-compat"]  # one gap (a failure) and one info (not a failure)
    assert (compat.get("tests"), compat.get("failures")) == ("2", "1")
    assert suites["lifecycle"].get("skipped") == "1"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("14", "6", "1", "0")


def test_cases_carry_endpoint_id_outcome_and_properties(full_report: dict[str, Any]) -> None:
    cases = _cases(ET.fromstring(render_junit(full_report).encode("utf-8")))
    gap = cases["v1.chat.tool-calls.content-null"]
    assert gap.get("classname") == "POST /v1/chat/completions"
    failure = gap.find("failure")
    assert failure is not None and failure.get("type") == "gap"
    assert failure.get("message", "").startswith("compat-gaps #15: content is ''")
    assert "JSON path: $.choices[0].message.content" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in gap.iter("property")}
    assert props == {"severity": "gap", "outcome": "gap", "category": "openai-compat", "gap": "15"}
    failed = cases["error.chat.missing-model"].find("failure")
    assert failed is not None and failed.get("type") == "failure"
    assert "Reproduce:\ncurl -sS -X POST" in (failed.text or "")
    skipped = cases["lifecycle.pull.unknown"].find("skipped")
    assert skipped is not None and skipped.get("message") == "pull checks need --allow-destructive"
    info = cases["v1.chat.stream.tool-calls.fragmented"]
    assert info.find("failure") is None and "info: each call arrives whole" in (info.findtext("system-out") or "")
    assert cases["contract.chat.response"].find("failure") is None


def test_special_characters_are_escaped_and_control_characters_replaced(full_report: dict[str, Any]) -> None:
    text = render_junit(full_report)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\x1b" not in text
    role = _cases(ET.fromstring(text.encode("utf-8")))["contract.chat.role"].find("failure")
    assert role is not None
    assert '<script>alert("x")</script> & </textarea>' in (role.text or "")  # round-trips intact
    assert role.get("message") == "role is 'robot'; expected assistant <per §2>"


def test_an_empty_run_is_still_valid_junit(make_report: Any) -> None:
    root = ET.fromstring(render_junit(make_report([])).encode("utf-8"))
    assert root.tag == "testsuites" and root.get("tests") == "0" and list(root) == []
