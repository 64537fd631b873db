"""Pieces shared by the single-run and merged HTML pages: the page shell, badges, evidence.

The page is one self-contained file: CSS and JS are inlined from templates/, nothing is
fetched, and a Content-Security-Policy forbids the browser any network access at all.
Everything taken from a report is escaped; data for the script sits in a JSON <script> block
with `<`, `>` and `&` written as \\u escapes so no text can close the element.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from .model import Evidence, Result
from .text import ICONS, LABELS, clean, clip, request_json

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_EVIDENCE_CAP = 50_000  # per text block: a huge response excerpt must not freeze the page


def esc(text: object) -> str:
    return html.escape(clean(str(text)), quote=True)


def template(name: str) -> str:
    return resources.files(__package__).joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def page(title: str, header: str, body: str, data: dict[str, Any]) -> str:
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>\n{template('report.css')}</style>",
        "</head>",
        "<body>",
        header,
        f"<main>\n{body}\n</main>",
        f'<script type="application/json" id="report-data">{script_json(data)}</script>',
        f"<script>\n{template('report.js')}</script>",
        "</body>",
        "</html>",
        "",
    ])


def script_json(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"))  # ASCII: a lone surrogate stays a valid escape
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def badge(outcome: str | None, extra: str = "") -> str:
    if outcome is None:
        return '<span class="badge o-none">— not run</span>'
    return f'<span class="badge o-{outcome}">{ICONS[outcome]} {LABELS[outcome]}{esc(extra)}</span>'


def counters(counts: dict[str, int], total: int, clickable: bool = True) -> str:
    """Summary cards; a click filters the results table by that outcome (see report.js)."""
    # The space between the number and its label: the spans are blocks on screen, but a screen reader
    # reads the button's text as one string ("236checks" without it).
    items = [f'<li><button type="button" class="counter total" data-filter-outcome="">'
             f'<span class="n">{total}</span> <span class="l">checks</span></button></li>']
    for key, label in (("passed", "passed"), ("failed", "failed"), ("gap", "gaps"), ("info", "info"), ("skipped", "skipped")):
        attr = f' data-filter-outcome="{key}"' if clickable else ""
        items.append(f'<li><button type="button" class="counter o-{key}"{attr}><span class="n">{counts.get(key, 0)}</span> '
                     f'<span class="l">{ICONS[key]} {label}</span></button></li>')
    return '<ul class="counters">' + "".join(items) + "</ul>"


def gap_rows_line(rows: str) -> str:
    """Which compat-gaps.md rows the run shows, at a glance (the counters only say how many checks)."""
    return f'<p class="gap-rows">compat-gaps.md rows shown (not passing): <b>{esc(rows)}</b></p>'


def evidence(result: Result) -> str:
    """The evidence panel of one result: message, JSON path, request, response excerpt, reproduce.
    Its headings are h3: the panel sits under the page's h2 sections (h4 skipped a level)."""
    fallback = "passed; no evidence is kept for a passing check" if result.passed else "no message"
    parts = [f'<p class="msg">{esc(result.message) or f"<span class=muted>{fallback}</span>"}</p>']
    if result.title and result.title != result.id:
        parts.insert(0, f"<h3>{esc(result.title)}</h3>")
    ev: Evidence | None = result.evidence
    if ev is None or ev.is_empty():
        if result.outcome != "passed":
            parts.append('<p class="muted">No evidence recorded.</p>')
        return '<div class="ev">' + "".join(parts) + "</div>"
    if ev.json_path:
        parts.append(f"<h3>JSON path</h3><pre class=path>{esc(ev.json_path)}</pre>")
    request = request_json(ev)
    if request:
        parts.append(f"<h3>Request</h3><pre>{esc(clip(request, _EVIDENCE_CAP))}</pre>")
    if ev.response_excerpt:
        parts.append(f"<h3>Response excerpt</h3><pre>{esc(clip(ev.response_excerpt, _EVIDENCE_CAP))}</pre>")
    if ev.reproduce:
        parts.append('<h3>Reproduce<button type="button" class="copy">copy</button></h3>'
                     f"<pre class=repro>{esc(clip(ev.reproduce, _EVIDENCE_CAP))}</pre>")
    return '<div class="ev">' + "".join(parts) + "</div>"


def search_text(result: Result) -> str:
    """What the text filter matches: id, title, endpoint, message, JSON path (lower case)."""
    path = result.evidence.json_path if result.evidence else ""
    return " ".join((result.id, result.title, result.endpoint, result.message, path, f"gap {result.gap or ''}")).lower()
