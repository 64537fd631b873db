"""Markdown building blocks that survive any text: escaped prose, safe fences, tables, <details>."""

from __future__ import annotations

import html
import re

from .text import clean

_TICKS = re.compile("`+")


def prose(text: str) -> str:
    """Text in a paragraph: HTML is escaped (GitHub renders tags) and Markdown markers neutralised."""
    text = html.escape(clean(text), quote=False)
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", text).replace("\n", " ")


def cell(text: str) -> str:
    """Text in a table cell: one line, pipes escaped."""
    return prose(text)


def code(text: str) -> str:
    """Inline code: the fence is longer than any run of backticks inside."""
    text = clean(text).replace("\n", " ")
    longest = max((len(m) for m in _TICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_cell(text: str) -> str:
    """Inline code in a table cell: GFM splits cells on a `|` even inside a code span, so it is written
    `\\|` (which GitHub shows as `|` there); elsewhere that backslash would show, hence two functions."""
    return code(text).replace("|", "\\|")


def block(text: str, lang: str = "") -> str:
    """A fenced code block that no content can close early."""
    text = clean(text)
    longest = max((len(m) for m in _TICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def details(summary: str, body: str) -> str:
    """Collapsed section; blank lines around the body let GitHub render the Markdown inside."""
    return f"<details><summary>{html.escape(summary)}</summary>\n\n{body}\n\n</details>"


def table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    """A pipe table; `align` is one character per column: l, r or c (default l)."""
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    spec = [marks[align[i]] if i < len(align) else ":---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(spec) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
