"""report.json as typed data: load a file, validate it (stdlib only) and give the renderers accessors.

Validation follows `report.schema.json`; the checks are written by hand because `reports`
imports only the standard library (ARCHITECTURE.md rule 5). Every problem is a `ReportError`
whose text is one line naming the place and what would be valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
CATEGORIES = ("contract", "stream", "error", "tool-calling", "openai-compat", "lifecycle")
SEVERITIES = ("failure", "gap", "info")
OUTCOMES = ("passed", "failed", "gap", "info", "skipped")
# Worst first: the colour of a matrix cell. A skip says nothing, so it never hides a pass.
SEVERITY_ORDER = ("failed", "gap", "info", "passed", "skipped")
NOT_PASSING = ("failed", "gap", "info")


class ReportError(ValueError):
    """A report.json file or document that cannot be used; the text is one line."""


@dataclass(frozen=True)
class Evidence:
    request: Any = None
    response_excerpt: str = ""
    json_path: str = ""
    reproduce: str = ""

    def is_empty(self) -> bool:
        return not (self.request or self.response_excerpt or self.json_path or self.reproduce)


@dataclass(frozen=True)
class Result:
    id: str
    endpoint: str
    category: str
    severity: str
    outcome: str
    title: str = ""
    message: str = ""
    gap: int | None = None
    duration_s: float = 0.0
    behaviour: str | None = None
    evidence: Evidence | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass(frozen=True)
class Target:
    base_url: str
    server_version: str = ""
    profile: str | None = None
    embedded_mock: bool = False
    models: dict[str, str | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Profile or server version, without the base URL (an embedded mock's is a random port)."""
        return self.profile or (f"Ollama {self.server_version}" if self.server_version else "unknown server")

    @property
    def label(self) -> str:
        """How a merged report names this target's column: profile or server version, then base URL."""
        return f"{self.name} @ {self.base_url}"


@dataclass(frozen=True)
class Report:
    target: Target
    results: tuple[Result, ...]
    tool_version: str = ""
    generated_at: str = ""
    duration_s: float = 0.0
    source: str = ""  # the file it came from, when loaded from one

    def counts(self) -> dict[str, int]:
        """Outcome counts recomputed from the results (the summary block is not trusted)."""
        counts = {name: 0 for name in OUTCOMES}
        for result in self.results:
            counts[result.outcome] += 1
        return counts


def load(path: Path) -> Report:
    """Read and validate one report.json file; ReportError names the file and the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a report.json file") from None
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise ReportError(f"{path}: not a report.json ({str(exc).splitlines()[0]})") from None
    except RecursionError:  # [[[[... deeper than json can read: no report.json nests more than a few levels
        raise ReportError(f"{path}: not a report.json (values nested too deeply to read)") from None
    try:
        return parse(data, source=str(path))
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from None


def parse(data: Any, source: str = "") -> Report:
    """Validate a report.json document (already decoded) and return it as a Report."""
    doc = _object(data, "the document")
    for key in ("target", "results"):
        if key not in doc:
            raise ReportError(f'missing key "{key}" (a report.json has schema_version, tool, target, summary, results)')
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ReportError(f"schema_version is {version!r}; this version of ollama-conformance reads {SCHEMA_VERSION}")
    target = _target(_object(doc["target"], "target"))
    results = doc["results"]
    if not isinstance(results, list):
        raise ReportError(f"results is {_kind(results)}; expected a list of check results")
    parsed = tuple(_result(_object(item, f"results[{i}]"), f"results[{i}]") for i, item in enumerate(results))
    tool, summary = doc.get("tool"), doc.get("summary")
    tool = tool if isinstance(tool, dict) else {}
    summary = summary if isinstance(summary, dict) else {}
    return Report(target=target, results=parsed, tool_version=str(tool.get("version") or ""),
                  generated_at=str(doc.get("generated_at") or ""),
                  duration_s=_number(summary.get("duration_s", 0.0), "summary.duration_s"), source=source)


def _target(doc: dict[str, Any]) -> Target:
    base_url = _string(doc, "base_url", "target", required=True)
    models = doc.get("models") or {}
    if not isinstance(models, dict):
        raise ReportError(f"target.models is {_kind(models)}; expected an object of capability -> model name")
    profile = doc.get("profile")
    return Target(base_url=base_url, server_version=_string(doc, "server_version", "target"),
                  profile=str(profile) if profile else None, embedded_mock=bool(doc.get("embedded_mock")),
                  models={str(k): (None if v is None else str(v)) for k, v in models.items()})


MESSAGE_LIMIT = 2000  # what any renderer shows of one message: a report.json may quote megabytes of a body


def _bounded(message: str) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    return message[:MESSAGE_LIMIT] + f"... ({len(message) - MESSAGE_LIMIT} more characters in report.json)"


def _result(doc: dict[str, Any], where: str) -> Result:
    rid = _string(doc, "id", where, required=True)
    where = f"{where} ({rid})"
    values = {key: _string(doc, key, where, required=True) for key in ("endpoint", "category", "severity", "outcome")}
    for key, valid in (("category", CATEGORIES), ("severity", SEVERITIES), ("outcome", OUTCOMES)):
        if values[key] not in valid:
            raise ReportError(f"{where}: {key} is {values[key]!r}; valid: {', '.join(valid)}")
    gap = doc.get("gap")
    if gap is not None and (isinstance(gap, bool) or not isinstance(gap, int) or gap < 1):
        raise ReportError(f"{where}: gap is {gap!r}; expected null or a compat-gaps.md row number (>= 1)")
    return Result(id=rid, title=_string(doc, "title", where), message=_bounded(_string(doc, "message", where)), gap=gap,
                  duration_s=_number(doc.get("duration_s", 0.0), f"{where}.duration_s"),
                  behaviour=_string(doc, "behaviour", where) or None,
                  evidence=_evidence(doc.get("evidence"), where), **values)


def _evidence(value: Any, where: str) -> Evidence | None:
    if value is None:
        return None
    doc = _object(value, f"{where}.evidence")
    return Evidence(request=doc.get("request"), response_excerpt=_text(doc.get("response_excerpt")),
                    json_path=_string(doc, "json_path", f"{where}.evidence"),
                    reproduce=_string(doc, "reproduce", f"{where}.evidence"))


def _text(value: Any) -> str:
    """An excerpt is normally a string; anything else is shown as JSON rather than refused."""
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, indent=2, ensure_ascii=False)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(f"{where} is {_kind(value)}; expected a JSON object")
    return value


def _string(doc: dict[str, Any], key: str, where: str, required: bool = False) -> str:
    value = doc.get(key)
    if value is None:
        if required:
            raise ReportError(f'{where}: missing key "{key}"')
        return ""
    if not isinstance(value, str):
        raise ReportError(f"{where}: {key} is {_kind(value)}; expected a string")
    return value


def _number(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReportError(f"{where} is {_kind(value)}; expected a number of seconds")
    return float(value)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
