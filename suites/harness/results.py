"""Check metadata and results as plain data, and the report.json document built from them."""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from typing import Any

CATEGORIES = ("contract", "stream", "error", "tool-calling", "openai-compat", "lifecycle")
SEVERITIES = ("failure", "gap", "info")
OUTCOMES = ("passed", "failed", "gap", "info", "skipped")
# The outcome of a check that does not pass is named by its severity.
OUTCOME_OF_SEVERITY = {"failure": "failed", "gap": "gap", "info": "info"}


@dataclass(frozen=True)
class CheckSpec:
    """What a check is: stable id, endpoint, category, severity and compat-gaps.md row."""

    id: str
    endpoint: str
    category: str
    severity: str = "failure"
    gap: int | None = None
    title: str = ""
    # Checks of one behaviour on both APIs share this key (the report's native-vs-/v1 table).
    behaviour: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"check {self.id}: category {self.category!r} not one of {', '.join(CATEGORIES)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"check {self.id}: severity {self.severity!r} not one of {', '.join(SEVERITIES)}")


@dataclass
class Evidence:
    """Why a check did not pass: the request, the offending part, where, and how to reproduce."""

    request: dict[str, Any] = field(default_factory=dict)
    response_excerpt: str = ""
    json_path: str = "$"
    reproduce: str = ""


@dataclass
class CheckResult:
    spec: CheckSpec
    outcome: str
    message: str = ""
    duration_s: float = 0.0
    evidence: Evidence | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.spec.id,
            "title": self.spec.title or self.spec.id,
            "endpoint": self.spec.endpoint,
            "category": self.spec.category,
            "severity": self.spec.severity,
            "gap": self.spec.gap,
            "outcome": self.outcome,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
            "evidence": asdict(self.evidence) if self.evidence is not None else None,
            **({"behaviour": self.spec.behaviour} if self.spec.behaviour else {}),
        }


def outcome_for(spec: CheckSpec, passed: bool) -> str:
    return "passed" if passed else OUTCOME_OF_SEVERITY[spec.severity]


def summarise(results: list[CheckResult], duration_s: float) -> dict[str, Any]:
    counts = {name: 0 for name in OUTCOMES}
    for result in results:
        counts[result.outcome] += 1
    return {
        "total": len(results),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "gaps": counts["gap"],
        "info": counts["info"],
        "skipped": counts["skipped"],
        "duration_s": round(duration_s, 3),
    }


def build_report(target: dict[str, Any], results: list[CheckResult], duration_s: float) -> dict[str, Any]:
    """The report.json document of ARCHITECTURE.md."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("ollama-conformance")
    except PackageNotFoundError:  # running from a source tree
        tool_version = "0.0.0"
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return {
        "schema_version": 1,
        "tool": {"name": "ollama-conformance", "version": tool_version},
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "target": target,
        "summary": summarise(results, duration_s),
        "results": [r.to_json() for r in results],
    }


def non_passing_gaps(report: dict[str, Any]) -> set[int]:
    """Gap numbers of the checks that did not pass (failed, gap or info): the rows the reports show."""
    from ollama_conformance.reports import parse
    from ollama_conformance.reports.text import gap_rows

    return set(gap_rows(parse(report)))
