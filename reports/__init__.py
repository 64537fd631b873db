"""Report writers: report.json (written by the suite) -> junit.xml, report.md, report.html;
several runs merged into one matrix (`ollama-conformance report`, see cli.py).

Standard library only (ARCHITECTURE.md rule 5). The report.json format is documented in
report.schema.json and README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ollama_conformance.files import write_atomic

from . import html as _html
from . import junit as _junit
from . import markdown as _markdown
from .model import Report, ReportError, load, parse

__all__ = ["Report", "ReportError", "load", "parse", "render_html", "render_junit", "render_markdown", "write_reports"]

FILES = ("junit.xml", "report.md", "report.html")


def render_junit(report: dict[str, Any] | Report) -> str:
    return _junit.render(_as_report(report))


def render_markdown(report: dict[str, Any] | Report, limit: int = _markdown.LIMIT) -> str:
    return _markdown.render(_as_report(report), limit)


def render_html(report: dict[str, Any] | Report) -> str:
    return _html.render(_as_report(report))


def write_reports(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write junit.xml, report.md and report.html of one run into out_dir (created if missing).

    report.json itself is the suite's to write; a malformed document raises ReportError.
    """
    parsed = _as_report(report)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = (_junit.render(parsed), _markdown.render(parsed), _html.render(parsed))
    paths = []
    for name, text in zip(FILES, texts, strict=True):
        path = out_dir / name
        write_atomic(path, text.encode("utf-8"))
        paths.append(path)
    return paths


def _as_report(report: dict[str, Any] | Report) -> Report:
    return report if isinstance(report, Report) else parse(report)
