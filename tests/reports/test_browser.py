"""report.html in headless Chromium: the script builds the matrix and filters, `#open=<id>` opens
a row's evidence, `#outcome=...` filters, and the screenshot is a real, non-blank 1400x1000 page.

Skips only when CI is unset and Chromium is missing; with CI=true a missing Chromium fails.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from ollama_conformance.reports import render_html

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1400, 1000


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail("CI is set but chromium is not installed (apt-get install chromium)")
    pytest.skip("chromium not installed (CI unset): apt-get install chromium to run the browser test")


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def _page(tmp_path: Path, report: dict[str, Any]) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


def test_the_script_builds_matrix_and_filters_and_opens_evidence(full_report: dict[str, Any], tmp_path: Path) -> None:
    url = _page(tmp_path, full_report).as_uri() + "#open=v1.chat.tool-calls.content-null"
    dom = _run(tmp_path, "--dump-dom", url).stdout
    assert 'data-ready="1"' in dom, "the page script did not finish"
    assert "<script>alert" not in dom and "</textarea>" not in dom  # the evidence stayed text in the browser
    assert "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;/textarea&gt;" in dom
    matrix = dom[dom.index('<table class="grid matrix" id="matrix-table">'):]
    matrix = matrix[:matrix.index("</table>")]
    assert matrix.count("<button") == 7 and 'aria-label="POST /api/chat, contract: worst failed; 1 failed · 1 passed"' in matrix
    assert re.search(r'<select id="filter-outcome" name="outcome"><option value="">any</option>'
                     r'<option value="failed">failed \(5\)</option>', dom)
    for name in ("severity", "category", "endpoint"):
        assert f'id="filter-{name}"' in dom
    row = re.search(r'<tr class="check" data-id="v1\.chat\.tool-calls\.content-null"[^>]*>', dom)
    assert row is not None and 'aria-expanded="true"' in row.group(0)
    opened = dom[row.end():]
    evidence = opened[opened.index('<tr class="evidence"'):]
    assert evidence[:evidence.index(">")].count("hidden") == 0  # the evidence row is shown
    assert "$.choices[0].message.content" in evidence[:evidence.index("</tr>")]
    assert dom.count('<tr class="evidence"') - 1 == len(re.findall(r'<tr class="evidence" id="ev-\d+" hidden', dom))


def test_a_hash_filter_hides_the_other_rows(full_report: dict[str, Any], tmp_path: Path) -> None:
    dom = _run(tmp_path, "--dump-dom", _page(tmp_path, full_report).as_uri() + "#outcome=gap").stdout
    rows = re.findall(r'<tr class="check" data-id="([^"]+)"[^>]*?( hidden="")?>', dom)
    shown = [rid for rid, hidden in rows if not hidden]
    assert len(rows) == 14 and shown == ["v1.chat.tool-calls.content-null"]
    assert "showing 1 of 14 checks" in dom


def test_the_screenshot_is_the_right_size_and_not_blank(full_report: dict[str, Any], tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = _run(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", _page(tmp_path, full_report).as_uri())
    assert shot.exists(), proc.stderr[-500:]
    width, height, colours = _png_summary(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(colours) > 50, f"only {len(colours)} distinct colours: a blank page?"
    # The page's own palette is there: the dark header and the failed / passed tints.
    assert {(0x24, 0x29, 0x2F), (0xFF, 0xEB, 0xE9), (0xDA, 0xFB, 0xE1)} <= colours


def _png_summary(data: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """(width, height, distinct RGB colours) of an 8-bit RGB/RGBA PNG, decoded with zlib + struct."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, bytearray(), 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    colours: set[tuple[int, int, int]] = set()
    prev = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        row = _unfilter(line[0], bytearray(line[1:]), prev, channels)
        if y % 4 == 0:  # every 4th row is plenty to tell a page from a blank
            colours.update(zip(row[0::channels], row[1::channels], row[2::channels], strict=True))
        prev = row
    return width, height, colours


def _unfilter(kind: int, row: bytearray, prev: bytearray, bpp: int) -> bytearray:
    if kind == 0:
        return row
    if kind == 2:
        return bytearray((a + b) & 0xFF for a, b in zip(row, prev, strict=True))
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up, corner = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if kind == 1:
            pred = left
        elif kind == 3:
            pred = (left + up) >> 1
        else:  # Paeth
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
        row[i] = (row[i] + pred) & 0xFF
    return row


def test_the_merged_page_filters_on_regressions(full_report: dict[str, Any], tmp_path: Path) -> None:
    import copy

    from ollama_conformance.reports import html_merged, parse
    from ollama_conformance.reports.merge import merge

    newer = copy.deepcopy(full_report)
    newer["target"]["profile"] = "ollama-0.33"
    newer["results"][0]["outcome"] = "failed"  # contract.chat.response regresses
    page = tmp_path / "merged.html"
    page.write_text(html_merged.render(merge([parse(full_report), parse(newer)])), encoding="utf-8")
    dom = _run(tmp_path, "--dump-dom", page.as_uri() + "#regressed=1").stdout
    assert 'data-ready="1"' in dom and 'id="filter-regressed"' in dom and 'id="filter-changed"' in dom
    rows = re.findall(r'<tr class="check" data-id="([^"]+)"[^>]*?( hidden="")?>', dom)
    assert len(rows) == 14 and [rid for rid, hidden in rows if not hidden] == ["contract.chat.response"]
    assert '<table class="grid matrix"' not in dom  # the merged page has its check x target table instead


CLICKS = """<script>
(function () {
  document.querySelector('tr.check[data-id="error.chat.missing-model"]').click();
  document.querySelector('#matrix-table button[data-endpoint="POST /api/pull"][data-category="lifecycle"]').click();
  document.body.setAttribute("data-clicked", "1");
})();
</script>
</body>"""


def test_clicks_open_evidence_and_a_matrix_cell_filters(full_report: dict[str, Any], tmp_path: Path) -> None:
    page = _page(tmp_path, full_report)
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", CLICKS), encoding="utf-8")  # drive the page
    dom = _run(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'data-clicked="1"' in dom, "the click script did not run"
    row = re.search(r'<tr class="check" data-id="error\.chat\.missing-model"[^>]*>', dom)
    assert row is not None and 'aria-expanded="true"' in row.group(0)
    rows = re.findall(r'<tr class="check" data-id="([^"]+)"[^>]*?( hidden="")?>', dom)
    assert [rid for rid, hidden in rows if not hidden] == ["lifecycle.pull.unknown"]  # the cell's filter
    assert re.search(r'<select id="filter-endpoint"[^>]*>', dom) and "showing 1 of 14 checks" in dom


MEASURE = """<script>
(function () {
  var msg = document.querySelector('tr.check[data-id="contract.chat.role"] td.msg').getBoundingClientRect();
  var root = document.documentElement;
  document.body.setAttribute("data-measured", [root.clientWidth, root.scrollWidth, Math.round(msg.left),
    Math.round(msg.right)].join(","));
})();
</script>
</body>"""


def _measure(tmp_path: Path, report: dict[str, Any], width: int) -> tuple[int, int, int, int]:
    """(viewport width, page width, message cell's left and right) of contract.chat.role's row."""
    page = _page(tmp_path, report)
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE), encoding="utf-8")
    dom = _run(tmp_path, f"--window-size={width},900", "--dump-dom", page.as_uri()).stdout
    found = re.search(r'data-measured="(\d+),(\d+),(-?\d+),(-?\d+)"', dom)
    assert found is not None, "the measuring script did not run"
    viewport, page_width, left, right = (int(found.group(i)) for i in range(1, 5))
    return viewport, page_width, left, right


def test_on_a_phone_the_message_is_on_screen_and_the_page_does_not_scroll_sideways(
        full_report: dict[str, Any], tmp_path: Path) -> None:
    # before: at 375px the results table's six columns made the page ~1150px wide and put the
    # message, the column a reader needs, 800px to the right of the screen. Headless Chromium's
    # narrowest window is 500px, under the 800px breakpoint like a phone or 200% zoom.
    viewport, page_width, left, right = _measure(tmp_path, full_report, 500)
    assert viewport <= 500 and page_width <= viewport and 0 <= left < right <= viewport


def test_one_long_token_in_a_message_does_not_widen_the_page(full_report: dict[str, Any], tmp_path: Path) -> None:
    # before: a 1,500-character message without a space made the table (and page) ~16,000px wide
    full_report["results"][1]["message"] = "got " + "A" * 1500
    viewport, page_width, _, right = _measure(tmp_path, full_report, 1400)
    assert page_width <= viewport and right <= viewport


def test_with_scripts_blocked_the_evidence_is_still_shown(full_report: dict[str, Any], tmp_path: Path) -> None:
    # before: evidence rows were `hidden` in the HTML, so a viewer that blocks inline scripts (or a
    # reader without JavaScript) could never see a request or a reproduce command
    page = _page(tmp_path, full_report)
    page.write_text(page.read_text(encoding="utf-8").replace("script-src 'unsafe-inline'", "script-src 'none'"),
                    encoding="utf-8")
    shot = tmp_path / "blocked.png"
    proc = _run(tmp_path, f"--screenshot={shot}", "--window-size=1400,2600", page.as_uri())
    assert shot.exists(), proc.stderr[-500:]
    _, _, colours = _png_summary(shot.read_bytes())
    assert (0xFB, 0xFC, 0xFD) in colours  # the evidence rows' background: they are on the page
    assert (0xFF, 0xEB, 0xE9) in colours  # and the matrix / counters are drawn without the script
