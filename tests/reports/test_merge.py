"""Merging runs: a column per target, regressions between consecutive columns, fixes, labels."""

from __future__ import annotations

import re
from typing import Any

from ollama_conformance.reports import html_merged, junit, markdown_merged, parse
from ollama_conformance.reports.merge import labels, merge


def _runs(make_report: Any, make_result: Any) -> list[Any]:
    """Three targets: a.ok regresses into column 2; b.bad is fixed in 3; c.skip is skipped (no regression)."""
    def run(profile: str, a: str, b: str, c: str, extra: bool = False) -> Any:
        results = [make_result("a.ok", outcome=a, message=f"a is {a}"),
                   make_result("b.bad", category="stream", outcome=b),
                   make_result("c.skip", category="error", outcome=c)]
        if extra:
            results.append(make_result("d.new", endpoint="POST /v1/chat/completions", category="openai-compat",
                                       severity="gap", outcome="gap", gap=15))
        return parse(make_report(results, profile=profile))
    return [run("ollama-0.12.9", "passed", "failed", "passed"),
            run("ollama-0.32", "failed", "failed", "skipped"),
            run("ollama-0.33", "failed", "passed", "passed", extra=True)]


def test_regressions_are_pass_then_not_pass_in_the_next_column(make_report: Any, make_result: Any) -> None:
    merged = merge(_runs(make_report, make_result))
    rows = {row.id: row for row in merged.rows}
    assert [row.id for row in merged.rows] == ["a.ok", "b.bad", "c.skip", "d.new"]
    assert rows["a.ok"].regressions == [1] and rows["a.ok"].fixes == []
    assert rows["b.bad"].fixes == [2] and rows["b.bad"].regressions == []
    assert rows["c.skip"].regressions == [] and rows["c.skip"].changed  # a skip is not a regression
    assert rows["d.new"].outcomes == [None, None, "gap"] and rows["d.new"].regressions == []
    assert [(row.id, i) for row, i in merged.regressions] == [("a.ok", 1)]
    assert [merged.regressions_into(i) for i in range(3)] == [0, 1, 0]


def test_gap_and_info_after_a_pass_are_regressions_too(make_report: Any, make_result: Any) -> None:
    before = parse(make_report([make_result("x"), make_result("y")]))
    after = parse(make_report([make_result("x", severity="gap", outcome="gap"),
                               make_result("y", severity="info", outcome="info")], profile="other"))
    assert [row.regressions for row in merge([before, after]).rows] == [[1], [1]]


def test_labels_name_profile_or_version_and_disambiguate(make_report: Any, make_result: Any) -> None:
    a = parse(make_report([], profile=None, version="0.32.15"), source="runs/a.json")
    b = parse(make_report([], profile=None, version="0.32.15"), source="runs/b.json")
    c = parse(make_report([], profile="openai-strict", base_url="http://127.0.0.1:9"))
    assert labels([a, b, c]) == ["Ollama 0.32.15 @ http://127.0.0.1:11434 (a.json)",
                                 "Ollama 0.32.15 @ http://127.0.0.1:11434 (b.json)", "openai-strict @ http://127.0.0.1:9"]
    assert labels([a, a]) == ["Ollama 0.32.15 @ http://127.0.0.1:11434 (a.json) (#1)",
                              "Ollama 0.32.15 @ http://127.0.0.1:11434 (a.json) (#2)"]


def test_merged_markdown_has_a_column_per_target_and_marks_regressions(make_report: Any, make_result: Any) -> None:
    text = markdown_merged.render(merge(_runs(make_report, make_result)))
    assert text.startswith("# Ollama conformance: 3 targets compared")
    assert "| 2 | ollama-0.32 @ http://127.0.0.1:11434 | 0.32.15 | 0 | 2 | 0 | 0 | 1 | **▼ 1** |" in text
    assert "## ▼ Regressions (1)" in text and "| `a.ok` | POST /api/chat | #1: ✓ passed | #2: ✗ failed | a is failed |" in text
    # the wide table's headers are short; the targets table above has the labels with their base URL
    assert "| check | endpoint | 1. ollama-0.12.9 | 2. ollama-0.32 | 3. ollama-0.33 |" in text
    assert "| `a.ok` | POST /api/chat | ✓ passed | **✗ failed ▼ regressed** | ✗ failed |" in text
    assert "| `b.bad` | POST /api/chat | ✗ failed | ✗ failed | ✓ passed ▲ fixed |" in text
    assert "| `d.new` | POST /v1/chat/completions | — not run | — not run | ◆ gap |" in text


def test_merged_html_marks_regressions_and_filters_on_them(make_report: Any, make_result: Any) -> None:
    page = html_merged.render(merge(_runs(make_report, make_result)))
    row = page[page.index('<tr class="check" data-id="a.ok"'):]
    row = row[:row.index("</tr>")]
    assert 'data-regressed="1"' in row and 'data-changed="1"' in row and 'data-outcomes="passed failed"' in row
    assert row.count('<td class="col') == 3 and '<td class="col regressed">' in row and "▼ regressed" in row
    assert page.index('data-id="a.ok"') < page.index('data-id="d.new"')  # regressions sort first
    assert 'data-outcomes="gap none"' in page  # d.new is absent from two columns
    assert '<section id="regressions"><h2>Regressions (1)</h2>' in page and "▲ fixed" in page


def test_merged_junit_names_suites_by_target(make_report: Any, make_result: Any) -> None:
    import xml.etree.ElementTree as ET

    merged = merge(_runs(make_report, make_result))
    root = ET.fromstring(junit.render_many([(c.label, c.report) for c in merged.columns]))
    names = [s.get("name") for s in root.iter("testsuite")]
    assert names[0] == "ollama-0.12.9 @ http://127.0.0.1:11434: contract" and len(names) == 10
    assert root.get("tests") == "10"


def test_a_repeated_id_in_one_run_is_kept(make_report: Any, make_result: Any) -> None:
    run = parse(make_report([make_result("x"), make_result("x", outcome="failed")]))
    merged = merge([run, run])
    assert [row.id for row in merged.rows] == ["x", "x #2"]
    assert merged.rows[1].outcomes == ["failed", "failed"]


def test_each_target_names_its_compat_gaps_rows(make_report: Any, make_result: Any) -> None:
    # before: the targets table said how many gaps each version has, not which compat-gaps.md rows,
    # which is what comparing Ollama versions (or mock profiles) is about
    merged = merge(_runs(make_report, make_result))
    text = markdown_merged.render(merged)
    assert "| regressions | compat-gaps rows shown |" in text
    assert "| 3 | ollama-0.33 @ http://127.0.0.1:11434 | 0.32.15 | 2 | 1 | 1 | 0 | 0 | 0 | 15 |" in text
    assert "| 1 | ollama-0.12.9 @ http://127.0.0.1:11434 | 0.32.15 | 2 | 1 | 0 | 0 | 0 | — | none |" in text
    page = html_merged.render(merged)
    targets = page[page.index('<section id="targets">'):page.index('<section id="regressions">')]
    assert "<th>compat-gaps rows shown</th>" in targets and '<td class="rows">15</td>' in targets


def test_the_wide_table_heads_its_columns_without_base_urls(make_report: Any, make_result: Any) -> None:
    # before: each column head was '#1 <profile> @ http://127.0.0.1:<port>': with six mock runs (a
    # random port each) the table no longer fit a 1280px screen
    page = html_merged.render(merge(_runs(make_report, make_result)))
    results = page[page.index('<section id="results">'):]
    assert '<th class="col" title="ollama-0.32 @ http://127.0.0.1:11434">#2 ollama-0.32</th>' in results
    head = re.sub(r' title="[^"]*"', "", results[:results.index("</thead>")])
    assert "@ http" not in head and "#1 ollama-0.12.9</th>" in head
