"""Small text helpers shared by the renderers: outcome labels, evidence as text, truncation."""

from __future__ import annotations

import json
import re

from .model import Evidence, Report, Result

# Text labels next to every colour (colour is never the only cue).
LABELS = {"passed": "passed", "failed": "failed", "gap": "gap", "info": "info", "skipped": "skipped"}
ICONS = {"passed": "✓", "failed": "✗", "gap": "◆", "info": "ℹ", "skipped": "–"}
SUMMARY_KEYS = (("passed", "passed"), ("failed", "failed"), ("gap", "gaps"), ("info", "info"), ("skipped", "skipped"))
# XML 1.0 forbids most C0 controls (ANSI colour codes from curl or logs are the usual source);
# lone surrogates (JSON allows "\ud800") cannot be written as UTF-8 at all.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text safe for XML, HTML and UTF-8: forbidden characters become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def clip(text: str, limit: int, note: str = "… [truncated]") -> str:
    """At most `limit` characters, with a note when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(note))] + note


def request_json(evidence: Evidence) -> str:
    """The request as a reader wants it: 'METHOD url', headers, then the body as indented JSON."""
    req = evidence.request
    if req in (None, {}, ""):
        return ""
    if isinstance(req, str):
        return req
    if isinstance(req, dict) and isinstance(req.get("method"), str) and isinstance(req.get("url"), str):
        lines = [f"{req['method']} {req['url']}"]
        headers = req.get("headers")
        if isinstance(headers, dict):
            lines += [f"{name}: {value}" for name, value in headers.items()]
        rest = {k: v for k, v in req.items() if k not in ("method", "url", "headers", "body")}
        body = req.get("body", rest or None)
        if body is not None:
            lines += ["", body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)]
        return "\n".join(lines)
    return json.dumps(req, indent=2, ensure_ascii=False)


def evidence_text(evidence: Evidence | None) -> str:
    """Evidence as plain text (JUnit body, Markdown fallback)."""
    if evidence is None:
        return ""
    parts = []
    if evidence.json_path:
        parts.append(f"JSON path: {evidence.json_path}")
    if request_json(evidence):
        parts.append("Request:\n" + request_json(evidence))
    if evidence.response_excerpt:
        parts.append("Response excerpt:\n" + evidence.response_excerpt)
    if evidence.reproduce:
        parts.append("Reproduce:\n" + evidence.reproduce)
    return "\n\n".join(parts)


def gap_note(result: Result) -> str:
    return f"compat-gaps #{result.gap}" if result.gap is not None else ""


def gap_rows(report: Report) -> list[int]:
    """The compat-gaps.md rows this run shows: those of the checks that did not pass (failed, gap or
    info), the set the README's profile table lists per Ollama version."""
    return sorted({r.gap for r in report.results if r.gap is not None and r.outcome in ("failed", "gap", "info")})


def gap_rows_text(report: Report) -> str:
    """gap_rows() as '9, 14, 15' (or 'none')."""
    rows = gap_rows(report)
    return ", ".join(map(str, rows)) if rows else "none"


def headline(report: Report) -> str:
    """'ollama-0.32 @ http://… (Ollama 0.32.15)': target and server version in one line."""
    target = report.target
    version = f" (Ollama {target.server_version})" if target.server_version else ""
    name = target.profile or ("embedded mock" if target.embedded_mock else "")
    return f"{name + ' @ ' if name else ''}{target.base_url}{version}"


def models_line(report: Report) -> str:
    used = [f"{cap}={name}" for cap, name in report.target.models.items() if name]
    return ", ".join(used)


def duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def sort_key(result: Result) -> tuple[int, str]:
    """Worst outcome first, then by id: what a reader looks at first."""
    order = ("failed", "gap", "info", "skipped", "passed")
    return order.index(result.outcome), result.id


