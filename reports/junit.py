"""junit.xml: one testsuite per category, one testcase per check (classname = endpoint, name = id).

A `failed` check is a <failure type="failure">. A `gap` is also a <failure>, with type="gap":
gaps are what OpenAI-style clients trip over, and CI systems only surface failures, so they
must be visible there (filter on type="gap" to tell them apart). `info` passes with its message
in <system-out>; `skipped` is <skipped>. Each testcase carries properties: severity, outcome,
category and the compat-gaps.md row when there is one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .model import CATEGORIES, Report, Result
from .text import clean, clip, evidence_text, gap_note

_BODY_LIMIT = 20_000  # per testcase: CI pages choke on megabyte-sized failure bodies


def render(report: Report, suite_prefix: str = "") -> str:
    """The XML document as text (UTF-8 declaration included)."""
    root = ET.Element("testsuites", name="ollama-conformance")
    _add_suites(root, report, suite_prefix)
    _total(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_many(reports: list[tuple[str, Report]]) -> str:
    """Several runs in one file: the suites of each are named '<target label>: <category>'."""
    root = ET.Element("testsuites", name="ollama-conformance")
    for label, report in reports:
        _add_suites(root, report, f"{label}: ")
    _total(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _add_suites(root: ET.Element, report: Report, prefix: str) -> None:
    present = [c for c in CATEGORIES if any(r.category == c for r in report.results)]
    for category in present:
        results = [r for r in report.results if r.category == category]
        suite = ET.SubElement(root, "testsuite", name=clean(prefix + category))
        _props(suite, {"base_url": report.target.base_url, "server_version": report.target.server_version,
                       "profile": report.target.profile or ""})
        for result in results:
            _case(suite, result)
        suite.set("tests", str(len(results)))
        suite.set("failures", str(sum(r.outcome in ("failed", "gap") for r in results)))
        suite.set("errors", "0")
        suite.set("skipped", str(sum(r.outcome == "skipped" for r in results)))
        suite.set("time", f"{sum(r.duration_s for r in results):.3f}")


def _case(suite: ET.Element, result: Result) -> None:
    case = ET.SubElement(suite, "testcase", classname=clean(result.endpoint), name=clean(result.id),
                         time=f"{result.duration_s:.3f}")
    props = {"severity": result.severity, "outcome": result.outcome, "category": result.category}
    if result.gap is not None:
        props["gap"] = str(result.gap)
    _props(case, props)
    message = clean(result.message)
    body = clean(clip(evidence_text(result.evidence), _BODY_LIMIT))
    if result.outcome in ("failed", "gap"):
        note = f"{gap_note(result)}: " if result.outcome == "gap" and result.gap is not None else ""
        element = ET.SubElement(case, "failure", type="gap" if result.outcome == "gap" else "failure",
                                message=note + message)
        element.text = "\n".join(p for p in (message, body) if p)
    elif result.outcome == "skipped":
        ET.SubElement(case, "skipped", message=message)
    elif result.outcome == "info":
        ET.SubElement(case, "system-out").text = "\n".join(p for p in (f"info: {message}", body) if p)


def _props(parent: ET.Element, values: dict[str, str]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=clean(value))


def _total(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", f"{sum(float(s.get('time', '0')) for s in root):.3f}")
