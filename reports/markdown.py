"""report.md: a run as a pull-request comment (summary table, then failures and gaps).

GitHub refuses comments over 65,536 characters, so the text is kept under `limit` (65,000 by
default): sections are added entry by entry and, when the next one would not fit, the rest is
replaced by one note saying how many entries were left out and where to find them.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import mdkit as md
from .model import CATEGORIES, Report, Result
from .text import (
    ICONS,
    SUMMARY_KEYS,
    clip,
    duration,
    gap_note,
    gap_rows_text,
    headline,
    models_line,
    request_json,
)

LIMIT = 65_000
_INLINE_EVIDENCE = 400  # longer request/response text goes into a collapsed <details>
_EVIDENCE_CAP = 6_000  # one entry's evidence never eats the whole comment


def render(report: Report, limit: int = LIMIT) -> str:
    head = [f"# Ollama conformance: {md.prose(clip(headline(report), 200))}", _meta(report), summary_table(report),
            f"compat-gaps.md rows shown (not passing): **{gap_rows_text(report)}**", category_table(report)]
    entries = _section("Failures", [r for r in report.results if r.outcome == "failed"])
    entries += _section("Gaps", [r for r in report.results if r.outcome == "gap"])
    entries += _info_and_skipped(report)
    return fit(head, entries, limit)


def fit(head: list[str], entries: list[str], limit: int, what: str = "failures, gaps, info, skipped",
        where: str = "report.html and report.json have everything") -> str:
    """Head blocks always (clipped if they alone are too long); entries in order while they fit,
    one too long for the room left is left out and the next ones still tried; then a note of how
    many were left out."""
    note_room = 250
    out = clip("\n\n".join(head), limit - note_room)
    left_out = 0
    for entry in entries:
        if len(out) + 2 + len(entry) + note_room > limit:
            left_out += 1
            heading, _, _ = entry.partition("\n\n")  # a section's first entry carries its heading: keep it
            if heading.startswith("## ") and len(out) + 2 + len(heading) + note_room <= limit:
                out += "\n\n" + heading
            continue
        out += "\n\n" + entry
    if left_out:
        out += (f"\n\n> **Truncated:** {left_out} more entries ({what}) are not shown to keep this under "
                f"{limit:,} characters; {where}.")
    return out + "\n"


def _meta(report: Report) -> str:
    bits = [f"server version **{md.prose(clip(report.target.server_version or 'unknown', 100))}**"]
    if report.target.profile:
        bits.append(f"profile {md.code(report.target.profile)}")
    bits.append(f"{len(report.results)} checks in {duration(report.duration_s)}")
    if models_line(report):
        bits.append(f"models: {md.prose(models_line(report))}")
    if report.tool_version:
        bits.append(f"ollama-conformance {md.prose(report.tool_version)}")
    return " · ".join(bits)


def summary_table(report: Report) -> str:
    counts = report.counts()
    header = [f"{ICONS[key]} {label}" for key, label in SUMMARY_KEYS] + ["total"]
    row = [str(counts[key]) for key, _ in SUMMARY_KEYS] + [str(len(report.results))]
    return md.table(header, [row], "r" * len(header))


def category_table(report: Report) -> str:
    rows = []
    for category in CATEGORIES:
        results = [r for r in report.results if r.category == category]
        if results:
            counts = [sum(r.outcome == key for r in results) for key, _ in SUMMARY_KEYS]
            rows.append([category] + [str(n) if n else "·" for n in counts])
    return md.table(["category"] + [label for _, label in SUMMARY_KEYS], rows, "l" + "r" * len(SUMMARY_KEYS))


def _section(title: str, results: list[Result]) -> list[str]:
    if not results:
        return []
    entries = [entry(r) for r in results]
    entries[0] = f"## {title} ({len(results)})\n\n" + entries[0]
    return entries


def entry(result: Result) -> str:
    """One failure or gap: id, endpoint, message, JSON path, evidence, reproduce command."""
    where = f" · {gap_note(result)}" if result.gap is not None else ""
    lines = [f"### {ICONS[result.outcome]} {md.code(result.id)}",
             f"**{md.prose(result.endpoint)}** · {result.category} · severity {result.severity}{where}", "",
             md.prose(result.message) or "_no message_"]
    ev = result.evidence
    if ev is not None:
        if ev.json_path:
            lines += ["", f"JSON path: {md.code(ev.json_path)}"]
        lines += _evidence_blocks(request_json(ev), ev.response_excerpt)
        if ev.reproduce:
            lines += ["", "Reproduce:", "", md.block(clip(ev.reproduce, _EVIDENCE_CAP), "bash")]
    return "\n".join(lines)


def _evidence_blocks(request: str, response: str) -> list[str]:
    parts = [(label, clip(text, _EVIDENCE_CAP)) for label, text in (("Request", request), ("Response excerpt", response))
             if text]
    if not parts:
        return []
    short = sum(len(text) for _, text in parts) <= _INLINE_EVIDENCE and all(text.count("\n") < 6 for _, text in parts)
    if short:
        return [line for label, text in parts for line in ("", f"{label}:", "", md.block(text))]
    body = "\n\n".join(f"{label}:\n\n{md.block(text)}" for label, text in parts)
    return ["", md.details("Evidence: " + " and ".join(label.lower() for label, _ in parts), body)]


def _info_and_skipped(report: Report) -> list[str]:
    blocks = []
    for outcome, title in (("info", "Info"), ("skipped", "Skipped")):
        results = [r for r in report.results if r.outcome == outcome]
        if results:
            rows = _rows(results)
            blocks.append(md.details(f"{title} ({len(results)})", md.table(["check", "endpoint", "message"], rows)))
    return blocks


def _rows(results: Iterable[Result]) -> list[list[str]]:
    return [[md.code_cell(r.id), md.cell(r.endpoint), md.cell(clip(r.message, 300))] for r in results]
