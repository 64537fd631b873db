"""report.html for one run: header with counters, endpoint x category matrix, native-vs-/v1
tool-calling table, filters and a results table whose rows open their evidence.

The results table, the tool-calling table and all evidence are written here (escaped); the page
script (templates/report.js) draws the matrix from the embedded data, builds the filters and
handles clicks and the `#open=<check id>` URL hash.
"""

from __future__ import annotations

from . import htmlkit as k
from . import matrix as matrix_mod
from . import toolcalls
from .model import Report, Result
from .text import duration, gap_note, headline, models_line, sort_key

_VERDICT_CLASS = {"same": "ok", "/v1 differs": "bad", "native differs": "bad", "both fail: model or server": "bad"}


def render(report: Report) -> str:
    data = {"kind": "single", "matrix": matrix_mod.build(report).to_json()}
    body = "\n".join([_matrix_section(), _tool_section(report), _results_section(report), _footer(report)])
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
            f"{k.counters(report.counts(), len(report.results))}</header>")


def _matrix_section() -> str:
    legend = "".join(k.badge(o) for o in ("failed", "gap", "info", "passed", "skipped"))
    return ('<section id="matrix"><h2>Endpoints × categories<span class="hint">worst outcome per cell, with counts; '
            'click a cell to filter the results</span></h2>'
            '<div id="matrix-root"><noscript><p class="noscript">The matrix is drawn by the page script; '
            "the results table below has every check.</p></noscript></div>"
            f'<p class="legend">Worst first: {legend}</p></section>')


def _tool_section(report: Report) -> str:
    pairs = toolcalls.pairs(report)
    if not pairs:
        return ('<section id="tools"><h2>Tool calling: native vs /v1</h2>'
                '<p class="muted">No tool-calling checks in this run.</p></section>')
    rows = "".join(_pair_row(p) for p in pairs)
    return ('<section id="tools"><h2>Tool calling: native vs /v1<span class="hint">the same behaviour checked on '
            "/api/chat and /v1/chat/completions; a /v1-only failure is a compatibility gap, not the model</span></h2>"
            '<table class="grid tools"><thead><tr><th>behaviour</th><th>native (/api)</th><th>/v1</th>'
            f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _pair_row(pair: toolcalls.Pair) -> str:
    cls = _VERDICT_CLASS.get(pair.verdict, "")
    return (f'<tr><td class="mono">{k.esc(pair.behaviour)}</td><td>{_side(pair.native)}</td><td>{_side(pair.v1)}</td>'
            f'<td class="verdict {cls}">{k.esc(pair.verdict)}</td></tr>')


def _side(result: Result | None) -> str:
    if result is None:
        return '<span class="muted">no check</span>'
    gap = f' <span class="muted">{k.esc(gap_note(result))}</span>' if result.gap is not None else ""
    return (f'{k.badge(result.outcome)} <a class="mono" href="#open={k.esc(result.id)}">{k.esc(result.id)}</a>{gap}')


def _results_section(report: Report) -> str:
    rows = "".join(_result_rows(i, r) for i, r in enumerate(sorted(report.results, key=sort_key)))
    return ('<section id="results"><h2>Results<span class="hint">click a row (or press Enter) to show its '
            'evidence</span></h2><div id="filters" class="filters" role="search"></div>'
            '<table class="grid results" id="results-table"><thead><tr><th>outcome</th><th>check</th><th>endpoint</th>'
            f"<th>category</th><th>severity</th><th>message</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _result_rows(i: int, result: Result) -> str:
    gap = f" · {gap_note(result)}" if result.gap is not None else ""
    attrs = (f'data-id="{k.esc(result.id)}" data-outcome="{result.outcome}" data-severity="{result.severity}" '
             f'data-category="{result.category}" data-endpoint="{k.esc(result.endpoint)}" '
             f'data-text="{k.esc(k.search_text(result))}"')
    return (f'<tr class="check" {attrs} tabindex="0" aria-expanded="false" aria-controls="ev-{i}">'
            f"<td>{k.badge(result.outcome)}</td><td class=id>{k.esc(result.id)}</td>"
            f"<td class=ep>{k.esc(result.endpoint)}</td><td class=nw>{result.category}</td>"
            f"<td class=nw>{result.severity}{k.esc(gap)}</td><td>{k.esc(result.message)}</td></tr>"
            f'<tr class="evidence" id="ev-{i}" hidden><td colspan="6">{k.evidence(result)}</td></tr>')


def _footer(report: Report) -> str:
    source = f" from {k.esc(report.source)}" if report.source else ""
    return (f"<footer>Written by ollama-conformance{source}. Self-contained: no network access. "
            "Gaps follow compat-gaps.md row numbers.</footer>")
