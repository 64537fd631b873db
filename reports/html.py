"""report.html for one run: header with counters, endpoint x category matrix, native-vs-/v1
tool-calling table, filters and a results table whose rows open their evidence.

The matrix, the results table, the tool-calling table and all evidence are written here (escaped),
so the page reads without JavaScript; the page script (templates/report.js) builds the filters and
handles clicks and the `#open=<check id>` URL hash.
"""

from __future__ import annotations

from . import htmlkit as k
from . import matrix as matrix_mod
from . import toolcalls
from .model import SEVERITY_ORDER, Report, Result
from .text import ICONS, duration, gap_note, gap_rows_text, headline, models_line, sort_key


def render(report: Report) -> str:
    matrix = matrix_mod.build(report)
    data = {"kind": "single", "matrix": matrix.to_json()}  # kept for readers of the data; the HTML has the table
    body = "\n".join([_matrix_section(matrix), _tool_section(report), _results_section(report), _footer(report)])
    return k.page(f"Ollama conformance: {headline(report)}", _header(report), body, data)


def _header(report: Report) -> str:
    t = report.target
    bits = [f"<b>{k.esc(t.base_url)}</b>", f"server version <b>{k.esc(t.server_version or 'unknown')}</b>"]
    if t.profile:
        bits.append(f"profile <b>{k.esc(t.profile)}</b>")
    if t.embedded_mock:
        bits.append("embedded mock")
    meta = [f"{len(report.results)} checks in {duration(report.duration_s)}"]
    if models_line(report):
        meta.append(f"models: {k.esc(models_line(report))}")
    if report.generated_at:
        meta.append(f"generated {k.esc(report.generated_at)}")
    if report.tool_version:
        meta.append(f"ollama-conformance {k.esc(report.tool_version)}")
    return (f'<header class="top"><h1>Ollama conformance report</h1>'
            f'<p class="target">{" · ".join(bits)}</p><p class="meta">{" · ".join(meta)}</p>'
            f"{k.counters(report.counts(), len(report.results))}{k.gap_rows_line(gap_rows_text(report))}</header>")


def _matrix_section(matrix: matrix_mod.Matrix) -> str:
    legend = "".join(k.badge(o) for o in ("failed", "gap", "info", "passed", "skipped"))
    return ('<section id="matrix"><h2>Endpoints × categories <span class="hint">worst outcome per cell, with counts; '
            'click a cell to filter the results</span></h2>'
            f'<div id="matrix-root" class="scroll-x">{_matrix_table(matrix)}</div>'
            f'<p class="legend">Worst first: {legend}</p></section>')


def _matrix_table(matrix: matrix_mod.Matrix) -> str:
    """The matrix as HTML (it used to be drawn by the page script: without JavaScript, or with a CI
    viewer that blocks inline scripts, the page had no matrix). report.js only wires the clicks."""
    head = "".join(f'<th scope="col">{k.esc(cat)}</th>' for cat in matrix.categories)
    rows = []
    for ep in matrix.endpoints:
        cells = "".join(_matrix_cell(ep, cat, matrix.cells.get((ep, cat))) for cat in matrix.categories)
        rows.append(f'<tr><th scope="row" class="ep">{k.esc(ep)}</th>{cells}</tr>')
    return (f'<table class="grid matrix" id="matrix-table"><thead><tr><th scope="col">endpoint</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _matrix_cell(endpoint: str, category: str, cell: matrix_mod.Cell | None) -> str:
    if cell is None or cell.worst is None:
        return '<td class="cell empty muted"></td>'
    worst = cell.worst

    def counts(skip: str = "") -> str:
        return " · ".join(f"{cell.counts[o]} {o}" for o in SEVERITY_ORDER if cell.counts[o] and o != skip)

    label = k.esc(f"{endpoint}, {category}: worst {worst}; {counts()}")
    others = counts(worst)
    rest = f"<span>+ {others}</span>" if others else ""
    return (f'<td class="cell"><button type="button" class="o-{worst}" aria-label="{label}" title="{label}" '
            f'data-endpoint="{k.esc(endpoint)}" data-category="{k.esc(category)}">'
            f'<span class="w">{ICONS[worst]} {cell.counts[worst]} {worst}</span>{rest}</button></td>')


def _tool_section(report: Report) -> str:
    pairs = toolcalls.pairs(report)
    if not pairs:
        return ('<section id="tools"><h2>Tool calling: native vs /v1</h2>'
                '<p class="muted">No tool-calling checks in this run.</p></section>')
    rows = "".join(_pair_row(p) for p in pairs)
    return ('<section id="tools"><h2>Tool calling: native vs /v1 <span class="hint">the same behaviour checked on '
            "/api/chat and /v1/chat/completions; a /v1-only failure is a compatibility gap, not the model</span></h2>"
            '<div class="scroll-x"><table class="grid tools"><thead><tr><th>behaviour</th><th>native (/api)</th><th>/v1</th>'
            f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table></div>{_other_v1_tool_findings(report)}</section>")


def _other_v1_tool_findings(report: Report) -> str:
    """/v1 tool-calling findings the table cannot pair (tool_choice, parallel_tool_calls, content with
    calls: category openai-compat, no native twin). Without this line the table reads "same" all the
    way down on current Ollama while /v1 tool calling has half a dozen gaps."""
    found = sorted((r for r in report.results if r.category != "tool-calling" and toolcalls.side(r) == "v1"
                    and "tool" in r.id and not r.passed and r.outcome != "skipped"), key=sort_key)
    if not found:
        return ""
    items = "".join(f"<li>{_side(r)} {k.esc(r.message)}</li>" for r in found)
    return (f'<p class="also">Also on /v1, outside this pairing ({len(found)} tool-calling finding'
            f'{"" if len(found) == 1 else "s"} of other categories):</p><ul class="also">{items}</ul>')


def _pair_row(pair: toolcalls.Pair) -> str:
    # The verdict's colour follows the worst outcome in the row: red for a failure or a gap, also on
    # "one side only" or "not compared" rows (a /v1-only failure used to show in neutral black), and
    # never red for a side that is only info (a clean run showed "native differs" in red).
    outcomes = {r.outcome for r in (pair.native, pair.v1) if r is not None}
    cls = "bad" if outcomes & {"failed", "gap"} else ("ok" if pair.verdict == "same" else "")
    return (f'<tr><td class="mono">{k.esc(pair.behaviour)}</td><td>{_side(pair.native)}</td><td>{_side(pair.v1)}</td>'
            f'<td class="verdict {cls}">{k.esc(pair.verdict)}</td></tr>')


def _side(result: Result | None) -> str:
    if result is None:
        return '<span class="muted">no check</span>'
    gap = f' <span class="muted">{k.esc(gap_note(result))}</span>' if result.gap is not None else ""
    return (f'{k.badge(result.outcome)} <a class="mono" href="#open={k.esc(result.id)}">{k.esc(result.id)}</a>{gap}')


def _results_section(report: Report) -> str:
    rows = "".join(_result_rows(i, r) for i, r in enumerate(sorted(report.results, key=sort_key)))
    return ('<section id="results"><h2>Results <span class="hint">click a row (or press Enter) to show its '
            'evidence</span></h2><div id="filters" class="filters" role="search"></div>'
            '<table class="grid results single" id="results-table"><thead><tr><th>outcome</th><th>check</th><th>endpoint</th>'
            f"<th>category</th><th>severity</th><th>message</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _result_rows(i: int, result: Result) -> str:
    gap = f" · {gap_note(result)}" if result.gap is not None else ""
    attrs = (f'data-id="{k.esc(result.id)}" data-outcome="{result.outcome}" data-severity="{result.severity}" '
             f'data-category="{result.category}" data-endpoint="{k.esc(result.endpoint)}" '
             f'data-text="{k.esc(k.search_text(result))}"')
    return (f'<tr class="check" {attrs} tabindex="0" aria-expanded="false" aria-controls="ev-{i}">'
            f"<td>{k.badge(result.outcome)}</td><td class=id>{k.esc(result.id)}</td>"
            f"<td class=ep>{k.esc(result.endpoint)}</td><td class=nw>{result.category}</td>"
            f"<td class=nw>{result.severity}{k.esc(gap)}</td><td class=msg>{k.esc(result.message)}</td></tr>"
            # Not `hidden` here: the page script hides every evidence row as it starts (apply()), so
            # without JavaScript, or where a viewer blocks inline scripts, the evidence stays readable.
            f'<tr class="evidence" id="ev-{i}"><td colspan="6">{k.evidence(result)}</td></tr>')


def _footer(report: Report) -> str:
    source = f" from {k.esc(report.source)}" if report.source else ""
    return (f"<footer>Written by ollama-conformance{source}. Self-contained: no network access. "
            "Gaps follow compat-gaps.md row numbers.</footer>")
