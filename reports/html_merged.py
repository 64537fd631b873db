"""The merged report.html: a column per target, a row per check, regressions marked.

Same page shell, filters and evidence-on-click as the single-run page (templates/report.js);
the extra filters are "regressions only" and "changed between targets".
"""

from __future__ import annotations

from . import htmlkit as k
from .merge import NO_REGRESSIONS, Merged, Row
from .model import OUTCOMES
from .text import SUMMARY_KEYS, gap_rows_text


def render(merged: Merged) -> str:
    data = {"kind": "merged", "targets": [c.label for c in merged.columns]}
    body = "\n".join([_targets_section(merged), _regressions_section(merged), _matrix_section(merged),
                      "<footer>Written by ollama-conformance. Self-contained: no network access.</footer>"])
    header = (f'<header class="top"><h1>Ollama conformance: {len(merged.columns)} targets compared</h1>'
              f'<p class="target">{" → ".join(f"<b>{k.esc(c.label)}</b>" for c in merged.columns)}</p>'
              f'<p class="meta">{len(merged.rows)} distinct checks · {len(merged.regressions)} regressions between '
              f"consecutive columns · counters: the last column</p>{_latest_counters(merged)}</header>")
    return k.page(f"Ollama conformance: {len(merged.columns)} targets", header, body, data)


def _latest_counters(merged: Merged) -> str:
    """The counters of the rightmost (newest) target; a click filters on that outcome in any column."""
    latest = merged.columns[-1].report
    return k.counters(latest.counts(), len(latest.results))


def _targets_section(merged: Merged) -> str:
    head = "".join(f"<th>{label}</th>" for _, label in SUMMARY_KEYS)
    rows = []
    for i, column in enumerate(merged.columns):
        report, counts = column.report, column.report.counts()
        cells = "".join(f'<td class="num">{counts[key]}</td>' for key, _ in SUMMARY_KEYS)
        regressed = merged.regressions_into(i) if i else 0
        mark = f'<span class="mark-regressed">▼ {regressed} regressed</span>' if regressed else (
            '<span class="muted">—</span>' if i == 0 else '<span class="muted">none</span>')
        rows.append(f"<tr><td>{i + 1}</td><td><b>{k.esc(column.label)}</b><br><span class=muted>server "
                    f"{k.esc(report.target.server_version or 'unknown')}{_source(report.source)}</span></td>"
                    f"{cells}<td>{len(report.results)}</td><td>{mark}</td>"
                    f'<td class="rows">{k.esc(gap_rows_text(report))}</td></tr>')
    # The compat-gaps rows per target: what a comparison of Ollama versions is about (the README's
    # profile table lists them); the gap counts alone do not say which rows came or went.
    return ('<section id="targets"><h2>Targets <span class="hint">columns left to right; regressions are counted '
            'against the previous column</span></h2><div class="scroll-x"><table class="grid"><thead><tr><th>#</th>'
            f"<th>target</th>{head}<th>total</th><th>regressions</th><th>compat-gaps rows shown</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div></section>")


def _source(source: str) -> str:
    return f" · {k.esc(source)}" if source else ""


def _regressions_section(merged: Merged) -> str:
    found = merged.regression_pairs()
    if not found:
        return f'<section id="regressions"><h2>Regressions</h2><p>{NO_REGRESSIONS}</p></section>'
    items = []
    for row, i, before, after in found:
        items.append(f'<tr><td class="wide"><a class="mono" href="#open={k.esc(row.id)}">{k.esc(row.id)}</a></td>'
                     f'<td class="ep mono">{k.esc(after.endpoint)}</td><td class=nw>{_column(merged, i - 1)} '
                     f"{k.badge(before.outcome)}</td><td class=nw>{_column(merged, i)} {k.badge(after.outcome)}</td>"
                     f"<td>{k.esc(after.message)}</td></tr>")
    return (f'<section id="regressions"><h2>Regressions ({len(found)})</h2><div class="scroll-x"><table class="grid">'
            "<thead><tr><th>check</th><th>endpoint</th><th>before</th><th>after</th><th>message</th></tr></thead>"
            f"<tbody>{''.join(items)}</tbody></table></div></section>")


def _column(merged: Merged, i: int) -> str:
    """'#2', with the target's label as a tooltip (the Targets table above names them)."""
    return f'<span class="muted" title="{k.esc(merged.columns[i].label)}">#{i + 1}</span>'


def _matrix_section(merged: Merged) -> str:
    # '#1 ollama-0.4.5', the full label (with the base URL) as a tooltip and in the Targets table:
    # six '<profile> @ http://127.0.0.1:<port>' headers pushed the last columns off a 1280px screen.
    head = "".join(f'<th class="col" title="{k.esc(c.label)}">#{i + 1} {k.esc(c.report.target.name)}</th>'
                   for i, c in enumerate(merged.columns))
    rows = "".join(_rows(i, row, merged) for i, row in enumerate(sorted(merged.rows, key=Row.sort_key)))
    return ('<section id="results"><h2>Checks × targets <span class="hint">click a row for each target\'s '
            'evidence</span></h2><div id="filters" class="filters" role="search"></div>'
            '<div class="scroll-x"><table class="grid results" id="results-table"><thead><tr><th>check</th><th>endpoint</th>'
            f"<th>category</th>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>")


def _rows(i: int, row: Row, merged: Merged) -> str:
    latest = row.latest
    outcomes = sorted({o or "none" for o in row.outcomes}, key=lambda o: OUTCOMES.index(o) if o in OUTCOMES else 9)
    attrs = (f'data-id="{k.esc(row.id)}" data-outcomes="{" ".join(outcomes)}" data-severity="{latest.severity}" '
             f'data-category="{latest.category}" data-endpoint="{k.esc(latest.endpoint)}" '
             f'data-regressed="{int(bool(row.regressions))}" data-changed="{int(row.changed)}" '
             f'data-text="{k.esc(k.search_text(latest))}"')
    cells = "".join(_cell(row, col) for col in range(len(merged.columns)))
    return (f'<tr class="check" {attrs} tabindex="0" aria-expanded="false" aria-controls="ev-{i}">'
            f"<td class=id>{k.esc(row.id)}</td><td class=ep>{k.esc(latest.endpoint)}</td><td class=nw>{latest.category}</td>"
            f"{cells}</tr>"
            # not `hidden`: the page script hides it (readable without JavaScript, as in html.py)
            f'<tr class="evidence" id="ev-{i}"><td colspan="{3 + len(merged.columns)}">{_evidence(row, merged)}</td></tr>')


def _cell(row: Row, col: int) -> str:
    result = row.cells[col]
    badge = k.badge(None if result is None else result.outcome)
    if col in row.regressions:
        return f'<td class="col regressed">{badge}<span class="mark-regressed">▼ regressed</span></td>'
    if col in row.fixes:
        return f'<td class="col">{badge}<span class="mark-fixed">▲ fixed</span></td>'
    return f'<td class="col">{badge}</td>'


def _evidence(row: Row, merged: Merged) -> str:
    parts = []
    for column, result in zip(merged.columns, row.cells, strict=True):
        if result is None:
            parts.append(f'<div class="target-ev"><b>{k.esc(column.label)}</b> {k.badge(None)}</div>')
        else:
            parts.append(f'<div class="target-ev"><b>{k.esc(column.label)}</b> {k.badge(result.outcome)}'
                         f"{k.evidence(result)}</div>")
    return "".join(parts)
