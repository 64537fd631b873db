"""report.html: self-contained, escaped, every check present; matrix data and tool-calling pairs."""

from __future__ import annotations

import json
import re
from typing import Any

from ollama_conformance.reports import parse, render_html, toolcalls
from ollama_conformance.reports.matrix import build

EXTERNAL = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""",
                      re.IGNORECASE)


def _data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_the_page_is_self_contained(full_report: dict[str, Any]) -> None:
    page = render_html(full_report)
    assert EXTERNAL.search(page) is None
    assert "<link" not in page.lower() and "<iframe" not in page.lower() and "<img" not in page.lower()
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'" in page
    assert page.count("<style>") == 1 and page.count("<script") == 2  # the data block and the inline script


def test_every_check_id_is_in_the_results_table(full_report: dict[str, Any]) -> None:
    page = render_html(full_report)
    for result in full_report["results"]:
        assert f'data-id="{result["id"]}"' in page
    assert page.count('<tr class="check"') == len(full_report["results"])
    assert page.count('<tr class="evidence"') == len(full_report["results"])


def test_evidence_is_escaped_everywhere(full_report: dict[str, Any], make_result: Any) -> None:
    full_report["results"].append(make_result('x.<b id="inj">', endpoint="POST /api/<chat>", outcome="failed",
                                              message="</script><script>alert(1)</script>"))
    page = render_html(full_report)
    assert "alert(1)" not in page.replace("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "")
    assert '<script>alert("x")' not in page and "</textarea>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;/textarea&gt;" in page
    assert 'data-id="x.&lt;b id=&quot;inj&quot;&gt;"' in page and '<b id="inj">' not in page
    data = _data(page)  # the JSON block survives and still holds the raw endpoint
    assert "POST /api/<chat>" in data["matrix"]["endpoints"]
    assert "\x1b" not in page


def test_the_matrix_data_has_the_worst_outcome_and_counts_per_cell(full_report: dict[str, Any]) -> None:
    data = _data(render_html(full_report))["matrix"]
    assert data["categories"] == ["contract", "stream", "error", "tool-calling", "openai-compat", "lifecycle"]
    assert data["endpoints"] == ["POST /api/chat", "POST /api/pull", "POST /v1/chat/completions"]
    cells = {(c["endpoint"], c["category"]): c for c in data["cells"]}
    assert cells[("POST /api/chat", "contract")] == {"endpoint": "POST /api/chat", "category": "contract",
                                                     "worst": "failed", "counts": {"passed": 1, "failed": 1}}
    assert cells[("POST /v1/chat/completions", "openai-compat")]["worst"] == "gap"
    assert cells[("POST /api/pull", "lifecycle")]["worst"] == "skipped"


def test_a_skip_never_hides_a_pass_and_a_gap_beats_info(make_report: Any, make_result: Any) -> None:
    report = parse(make_report([make_result("a"), make_result("b", outcome="skipped"),
                                make_result("c", category="stream", severity="info", outcome="info"),
                                make_result("d", category="stream", severity="gap", outcome="gap")]))
    matrix = build(report)
    assert matrix.cell("POST /api/chat", "contract").worst == "passed"
    assert matrix.cell("POST /api/chat", "stream").worst == "gap"
    assert matrix.cell("POST /api/chat", "error").worst is None


def test_the_tool_calling_table_pairs_native_and_v1(full_report: dict[str, Any]) -> None:
    rows = {p.behaviour: p for p in toolcalls.pairs(parse(full_report))}
    index = rows["chat.tool-calls.index"]
    assert (index.native and index.native.id, index.v1 and index.v1.id) == (
        "native.chat.tool-calls.index", "v1.chat.tool-calls.index")
    assert index.verdict == "/v1 differs"
    arguments = rows["chat.tool-calls.arguments-object"]  # paired by their shared compat-gaps row 22
    assert arguments.v1 is not None and arguments.v1.id == "v1.chat.tool-calls.arguments-json-string"
    assert arguments.verdict == "same"
    assert rows["chat.tool-calls.finish-reason"].verdict == "both fail: model or server"  # done-reason = finish-reason
    assert rows["chat.stream.done-marker-tools"].verdict == "one side only"
    assert list(rows)[-1] == "chat.stream.done-marker-tools"  # paired rows first
    page = render_html(full_report)
    section = page[page.index('<section id="tools">'):page.index('<section id="results">')]
    assert '<a class="mono" href="#open=v1.chat.tool-calls.index">' in section and "/v1 differs" in section
    table = section[:section.index("</table>")]
    assert "v1.chat.tool-calls.content-null" not in table  # category openai-compat is not in the table


def test_behaviour_field_wins_and_an_ambiguous_gap_does_not_pair(make_report: Any, make_result: Any) -> None:
    v1 = "POST /v1/chat/completions"
    doc = make_report([
        make_result("native.chat.calls-a", category="tool-calling", gap=3),
        make_result("v1.chat.calls-b", endpoint=v1, category="tool-calling", gap=3),
        make_result("v1.chat.calls-c", endpoint=v1, category="tool-calling", gap=3),
        make_result("native.x", category="tool-calling"),
        make_result("v1.y", endpoint=v1, category="tool-calling"),
    ])
    doc["results"][3]["behaviour"] = doc["results"][4]["behaviour"] = "history"
    rows = {p.behaviour: p for p in toolcalls.pairs(parse(doc))}
    assert rows["history"].native is not None and rows["history"].v1 is not None
    assert rows["chat.calls-a"].v1 is None  # two /v1 candidates for gap 3: no guess
    assert len(rows) == 4


def test_a_run_without_tool_checks_says_so(make_report: Any, make_result: Any) -> None:
    page = render_html(make_report([make_result("a")]))
    assert "No tool-calling checks in this run." in page


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_outcome_colours_meet_wcag_aa_contrast() -> None:
    from ollama_conformance.reports.htmlkit import template

    css = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", template("report.css")))
    for outcome in ("passed", "failed", "gap", "info", "skipped"):
        fg, bg = _luminance(css[f"{outcome}-fg"]), _luminance(css[f"{outcome}-bg"])
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 4.5, f"{outcome}: contrast {ratio:.2f} < 4.5"
    muted = (_luminance("#ffffff") + 0.05) / (_luminance(css["muted"]) + 0.05)
    assert muted >= 4.5


def test_the_matrix_is_written_in_the_page_not_drawn_by_the_script(full_report: dict[str, Any]) -> None:
    # before: report.js drew the matrix, so without JavaScript (or where a CI viewer blocks inline
    # scripts) the page's at-a-glance view was one "drawn by the page script" note
    page = render_html(full_report)
    html_only = page[:page.index('<script type="application/json"')]
    matrix = html_only[html_only.index('<table class="grid matrix" id="matrix-table">'):]
    matrix = matrix[:matrix.index("</table>")]
    assert matrix.count("<button") == 7 and "<noscript>" not in page
    assert '<th scope="row" class="ep">POST /api/chat</th>' in matrix
    assert ('aria-label="POST /api/chat, contract: worst failed; 1 failed · 1 passed"' in matrix
            and '<span class="w">✗ 1 failed</span><span>+ 1 passed</span>' in matrix)
    assert '<td class="cell empty muted"></td>' in matrix


def test_evidence_rows_are_left_open_for_readers_without_javascript(full_report: dict[str, Any]) -> None:
    # before: every evidence row was `hidden` in the HTML and only the script could open one
    page = render_html(full_report)
    assert page.count('<tr class="evidence"') == 14 and re.search(r'<tr class="evidence"[^>]*hidden', page) is None


def test_the_header_names_the_compat_gaps_rows_shown(full_report: dict[str, Any], make_report: Any,
                                                     make_result: Any) -> None:
    # before: the counters said "1 gap" and nothing said which compat-gaps.md rows the run shows
    header = render_html(full_report).split("</header>")[0]
    assert "compat-gaps.md rows shown (not passing): <b>7, 9, 15</b>" in header  # failed 7, info 9, gap 15
    assert "rows shown (not passing): <b>none</b>" in render_html(make_report([make_result("a", gap=4)]))


def test_heading_and_counter_texts_are_separate_words(full_report: dict[str, Any]) -> None:
    # before: a screen reader read "Endpoints × categoriesworst outcome per cell" and "14checks"
    page = render_html(full_report)
    assert "<h2>Endpoints × categories <span" in page and "<h2>Results <span" in page
    assert '<span class="n">14</span> <span class="l">checks</span>' in page


def _verdicts(page: str) -> dict[str, str]:
    section = page[page.index('<section id="tools">'):page.index("</table>", page.index('<section id="tools">'))]
    rows = re.findall(r'<tr><td class="mono">([^<]+)</td>.*?<td class="verdict ?([a-z]*)">([^<]+)</td></tr>', section)
    return {behaviour: f"{cls}:{verdict}" for behaviour, cls, verdict in rows}


def test_the_verdict_colour_follows_the_outcomes_in_the_row(full_report: dict[str, Any], make_result: Any) -> None:
    # before: a /v1-only failure ("one side only", or "not compared" next to a skip) was neutral black,
    # and a native side that is only info made "native differs" red on a clean run
    v1 = "POST /v1/chat/completions"
    full_report["results"] += [
        make_result("v1.chat.tool-calls.length-wins", endpoint=v1, category="tool-calling", outcome="failed", gap=6),
        make_result("native.chat.history-shape", category="tool-calling", severity="info", outcome="info"),
        make_result("v1.chat.history-shape", endpoint=v1, category="tool-calling"),
        make_result("native.chat.call-index", category="tool-calling", outcome="failed"),
        make_result("v1.chat.call-index", endpoint=v1, category="tool-calling", outcome="skipped"),
    ]
    verdicts = _verdicts(render_html(full_report))
    assert verdicts["chat.tool-calls.length-wins"] == "bad:one side only"
    assert verdicts["chat.call-index"] == "bad:not compared (skipped)"
    assert verdicts["chat.history-shape"] == ":native differs"
    assert verdicts["chat.stream.done-marker-tools"] == ":one side only"  # passed: nothing to flag
    assert verdicts["chat.tool-calls.index"] == "bad:/v1 differs"
    assert verdicts["chat.tool-calls.arguments-object"] == "ok:same"


def test_v1_tool_findings_of_other_categories_are_listed_under_the_table(full_report: dict[str, Any],
                                                                         make_result: Any) -> None:
    # before: tool_choice ignored, content "" with calls, ... (category openai-compat) were not in the
    # tool-calling section at all, which read "same" all the way down on current Ollama
    v1 = "POST /v1/chat/completions"
    full_report["results"] += [
        make_result("v1.chat.tool-choice.none", endpoint=v1, category="openai-compat", severity="gap", outcome="gap",
                    gap=19, message="tool_choice 'none' but the answer calls a tool"),
        make_result("v1.chat.tool-choice.required", endpoint=v1, category="openai-compat", severity="gap"),  # passed
        make_result("v1.chat.param.n", endpoint=v1, category="openai-compat", severity="gap", outcome="gap", gap=33),
    ]
    page = render_html(full_report)
    section = page[page.index('<section id="tools">'):page.index('<section id="results">')]
    also = section[section.index('<p class="also">'):]
    assert "(3 tool-calling findings of other categories)" in also
    assert '<a class="mono" href="#open=v1.chat.tool-choice.none">' in also and "compat-gaps #19" in also
    assert "tool_choice &#x27;none&#x27; but the answer calls a tool" in also
    assert "v1.chat.tool-calls.content-null" in also and "v1.chat.stream.tool-calls.fragmented" in also
    assert "tool-choice.required" not in also and "param.n" not in also  # passed; not about tools
    assert also.index("content-null") < also.index("fragmented")  # worst first: the gaps before the info


def test_the_narrow_layout_also_applies_on_paper() -> None:
    # before: printed on A4/Letter the results table was cut at the right: the message column was lost
    from ollama_conformance.reports.htmlkit import template

    css = template("report.css")
    narrow = css[css.index("@media (max-width: 800px), print {"):]
    narrow = narrow[:narrow.index("\n}\n")]
    assert "table.single tr.check { display: flex;" in narrow and "table.single > thead { display: none; }" in narrow
    printed = css[css.index("@media print {"):]
    assert ".filters, .ev .copy, h2 .hint { display: none; }" in printed and ".ev pre { max-height: none;" in printed


def test_evidence_headings_follow_the_section_headings(full_report: dict[str, Any]) -> None:
    # before: the evidence panels used h4 under the page's h2 sections (a skipped heading level)
    page = render_html(full_report)
    assert "<h4>" not in page and "<h3>JSON path</h3>" in page and "<h3>Reproduce<button" in page
