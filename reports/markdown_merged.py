"""The merged report.md: targets with their counts, the regressions, then a check x target table
of every check that did not pass everywhere (a passing-everywhere check is only counted)."""

from __future__ import annotations

from . import mdkit as md
from .markdown import LIMIT, fit
from .merge import NO_REGRESSIONS, Merged, Row
from .text import ICONS, SUMMARY_KEYS, clip, gap_rows_text

_CHUNK = 40  # rows per table, so truncation can stop between tables


def render(merged: Merged, limit: int = LIMIT) -> str:
    head = [f"# Ollama conformance: {len(merged.columns)} targets compared", _targets(merged)]
    entries = [_regressions(merged)]
    rows = sorted((row for row in merged.rows if row.changed or any(o != "passed" for o in row.outcomes)),
                  key=Row.sort_key)
    entries += _matrix(merged, rows)
    passing = len(merged.rows) - len(rows)
    entries.append(f"{passing} of {len(merged.rows)} checks passed in every target and are not listed.")
    return fit(head, entries, limit, "regressions and check tables", "the merged report.html (--html) has them all")


def _targets(merged: Merged) -> str:
    header = (["#", "target", "server"] + [f"{ICONS[key]} {label}" for key, label in SUMMARY_KEYS]
              + ["regressions", "compat-gaps rows shown"])
    rows = []
    for i, column in enumerate(merged.columns):
        counts = column.report.counts()
        regressed = merged.regressions_into(i) if i else None
        mark = "—" if regressed is None else (f"**▼ {regressed}**" if regressed else "0")
        rows.append([str(i + 1), md.cell(column.label), md.cell(column.report.target.server_version or "unknown")]
                    + [str(counts[key]) for key, _ in SUMMARY_KEYS] + [mark, gap_rows_text(column.report)])
    return md.table(header, rows, "rll" + "r" * (len(SUMMARY_KEYS) + 1) + "l")


def _regressions(merged: Merged) -> str:
    found = merged.regression_pairs()
    if not found:
        return f"## Regressions\n\n{NO_REGRESSIONS}"
    rows = []
    for row, i, before, after in found:
        rows.append([md.code_cell(row.id), md.cell(after.endpoint),
                     f"#{i}: {_outcome(before.outcome)}", f"#{i + 1}: {_outcome(after.outcome)}", md.cell(clip(after.message, 300))])
    return f"## ▼ Regressions ({len(found)})\n\n" + md.table(["check", "endpoint", "before (column)", "after (column)", "message"], rows)


def _matrix(merged: Merged, rows: list[Row]) -> list[str]:
    if not rows:
        return []
    # '1. ollama-0.4.5': the targets table above has the full labels (base URLs made every column wide)
    header = ["check", "endpoint"] + [f"{i + 1}. {md.cell(c.report.target.name)}" for i, c in enumerate(merged.columns)]
    lines = [[md.code_cell(row.id), md.cell(row.latest.endpoint)] + [_cell(row, i) for i in range(len(merged.columns))]
             for row in rows]
    tables = [md.table(header, lines[i:i + _CHUNK]) for i in range(0, len(lines), _CHUNK)]
    tables[0] = f"## Checks that differ or do not pass ({len(rows)})\n\n" + tables[0]
    return tables


def _outcome(outcome: str | None) -> str:
    return "— not run" if outcome is None else f"{ICONS[outcome]} {outcome}"


def _cell(row: Row, col: int) -> str:
    text = _outcome(row.outcomes[col])
    if col in row.regressions:
        return f"**{text} ▼ regressed**"
    if col in row.fixes:
        return f"{text} ▲ fixed"
    return text
