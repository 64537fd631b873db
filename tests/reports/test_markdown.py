"""report.md: title, summary table, failures then gaps with reproduce blocks, escaping, truncation."""

from __future__ import annotations

import re
from typing import Any

from ollama_conformance.reports import render_markdown

NASTY = '<script>alert("x")</script> & </textarea>'


def test_title_and_summary_table(full_report: dict[str, Any]) -> None:
    text = render_markdown(full_report)
    assert text.startswith("# Ollama conformance: ollama-0.32 @ http://127.0.0.1:11434 (Ollama 0.32.15)\n")
    assert "| ✓ passed | ✗ failed | ◆ gaps | ℹ info | – skipped | total |" in text
    assert "| 6 | 5 | 1 | 1 | 1 | 14 |" in text
    assert "| tool-calling | 4 | 3 | · | · | · |" in text  # per category


def test_failures_come_before_gaps_with_path_and_reproduce(full_report: dict[str, Any]) -> None:
    text = render_markdown(full_report)
    failures, gaps = text.index("## Failures (5)"), text.index("## Gaps (1)")
    assert failures < gaps
    entry = text[text.index("### ✗ `error.chat.missing-model`"):]
    assert entry.index("**POST /api/chat** · error · severity failure") < entry.index("JSON path: `$`")
    assert "Reproduce:\n\n```bash\ncurl -sS -X POST -d '{\"model\":\"llama3.2\"" in entry
    gap = text[gaps:]
    assert "### ◆ `v1.chat.tool-calls.content-null`" in gap and "compat-gaps #15" in gap
    assert "<details><summary>Info (1)</summary>" in text and "<details><summary>Skipped (1)</summary>" in text


def test_long_evidence_is_collapsed_and_short_evidence_inline(full_report: dict[str, Any], make_result: Any,
                                                            make_evidence: Any, make_report: Any) -> None:
    long_body = {"model": "m", "messages": [{"role": "user", "content": "x" * 600}]}
    doc = make_report([make_result("a.long", outcome="failed", evidence=make_evidence(body=long_body)),
                       make_result("b.short", outcome="failed", evidence={"response_excerpt": "null", "json_path": "$.x"})])
    text = render_markdown(doc)
    long_entry = text[text.index("`a.long`"):text.index("`b.short`")]
    assert "<details><summary>Evidence: request and response excerpt</summary>" in long_entry
    short_entry = text[text.index("`b.short`"):]
    assert "<details>" not in short_entry and "Response excerpt:\n\n```\nnull\n```" in short_entry


def _outside_code_blocks(text: str) -> str:
    """The lines of `text` that are not inside a fenced code block (fence = run of >= 3 backticks)."""
    out, fence = [], ""
    for line in text.splitlines():
        if fence:
            if line == fence:
                fence = ""
        elif line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        else:
            out.append(line)
    return "\n".join(out)


def test_server_text_cannot_break_the_comment(full_report: dict[str, Any], make_result: Any, make_report: Any) -> None:
    full_report["results"].append(make_result("x.html-in-message", outcome="failed", message=NASTY + " | a_b *c*"))
    text = render_markdown(make_report(full_report["results"]))
    prose = _outside_code_blocks(text)
    assert "<script>" not in prose and "</textarea>" not in prose and "&lt;script&gt;" in prose
    assert "expected assistant &lt;per §2&gt;" in prose
    assert "\\| a\\_b \\*c\\*" in prose  # table and emphasis markers neutralised
    # The excerpt holds ``` so its fence is longer: the block opens with four backticks and holds it whole.
    assert "````\n<script>alert(\"x\")</script> & </textarea> ' \" `` ``` \ufffd[31m\n````" in text
    assert "\x1b" not in text


def test_a_huge_run_is_truncated_under_the_limit_with_a_note(make_result: Any, make_evidence: Any,
                                                           make_report: Any) -> None:
    results = [make_result(f"gap.{i:03}", severity="gap", outcome="gap", gap=i % 40 + 1, message="m " * 40,
                           evidence=make_evidence(excerpt="y" * 900)) for i in range(300)]
    text = render_markdown(make_report(results))
    assert len(text) <= 65_000
    assert "> **Truncated:**" in text and "report.html and report.json have everything" in text
    shown = text.count("### ◆ ")
    assert 10 < shown < 300 and f"{300 - shown} more entries" in text
    small = render_markdown(make_report(results), limit=5_000)
    assert len(small) <= 5_000 and "**Truncated:**" in small


def test_a_clean_run_has_no_failure_section(make_result: Any, make_report: Any) -> None:
    text = render_markdown(make_report([make_result("a"), make_result("b", category="stream")]))
    assert "## Failures" not in text and "## Gaps" not in text and "Truncated" not in text
    assert "| 2 | 0 | 0 | 0 | 0 | 2 |" in text


def test_one_huge_entry_does_not_hide_the_others(make_result: Any, make_report: Any) -> None:
    # before: the first entry that did not fit ended the comment, so one 70,000-character message hid
    # every later failure; and a head too long with nothing left out went over the limit
    results = [make_result("failed.huge", outcome="failed", message="x" * 70_000)]
    results += [make_result(f"failed.{i}", outcome="failed", message=f"small {i}") for i in range(5)]
    text = render_markdown(make_report(results), limit=2_500)
    assert len(text) <= 2_500 and all(f"failed.{i}" in text for i in range(5)) and "## Failures (6)" in text
    assert "failed.huge" not in text and "1 more entries" in text
    long_version = render_markdown(make_report([make_result("a")], version="9" * 70_000), limit=5_000)
    assert len(long_version) <= 5_000 and "| 1 | 0 | 0 | 0 | 0 | 1 |" in long_version


def _cells(line: str) -> int:
    """Cells of a GFM table row: split on the pipes that are not escaped (GFM splits inside code too)."""
    return len(re.split(r"(?<!\\)\|", line.strip()[1:-1]))


def test_a_pipe_in_a_check_id_does_not_break_a_table(make_result: Any, make_report: Any) -> None:
    # before: `a|b` in a table cell was written as is, and GitHub split the row into one cell too many
    text = render_markdown(make_report([make_result("case[a|b]", outcome="skipped", message="x | y"),
                                        make_result("info[c|d]", severity="info", outcome="info")]))
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 2 and all(_cells(row) == 3 for row in rows)
    assert "| `case[a\\|b]` | POST /api/chat | x \\| y |" in text


def test_the_compat_gaps_rows_shown_are_named_under_the_summary(full_report: dict[str, Any]) -> None:
    # before: the summary only counted gaps; which compat-gaps.md rows a run shows had to be collected
    text = render_markdown(full_report)
    assert "| 6 | 5 | 1 | 1 | 1 | 14 |\n\ncompat-gaps.md rows shown (not passing): **7, 9, 15**\n" in text
