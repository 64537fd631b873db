"""`ollama-conformance report A.json [B.json ...] [--html OUT] [--md OUT] [--junit OUT]`.

One file renders that run; several are merged into one matrix with a column per target, in
the order given, with regressions between consecutive columns marked. Without an output
option the Markdown goes to stdout. Exit codes: 0 written, 1 regressions found and
--fail-on-regression given, 2 usage error or unusable input (one line on stderr naming the
file and the problem, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import NoReturn, TextIO

from ollama_conformance.files import write_atomic

from . import html, html_merged, junit, markdown, markdown_merged
from .merge import Merged, merge
from .model import Report, ReportError, load

PROG = "ollama-conformance report"
EXIT_OK, EXIT_REGRESSION, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """An argparse complaint, turned into one line and exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Render report.json files; several are merged into one matrix "
                "(a column per target, regressions between consecutive columns marked).")
    p.add_argument("files", nargs="+", type=Path, metavar="REPORT.json", help="report.json files, oldest first")
    p.add_argument("--html", type=Path, metavar="OUT", help="write the self-contained HTML report here")
    p.add_argument("--md", type=Path, metavar="OUT", help="write the Markdown report here (default: stdout)")
    p.add_argument("--junit", type=Path, metavar="OUT", help="write JUnit XML here")
    p.add_argument("--md-limit", type=int, default=markdown.LIMIT, metavar="N",
                   help=f"maximum Markdown length in characters (default {markdown.LIMIT})")
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 when a merged report shows a regression")
    return p


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        with redirect_stdout(stdout):  # --help prints through the given stream
            args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    except _UsageError as exc:
        stderr.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if args.md_limit < 1000:
        stderr.write(f"{PROG}: error: --md-limit must be >= 1000, got {args.md_limit}\n")
        return EXIT_USAGE
    clash = _clash(args)
    if clash:  # `--md report.json` would replace the run it renders
        stderr.write(f"{PROG}: error: {clash}\n")
        return EXIT_USAGE
    try:
        reports = [load(path) for path in args.files]
        merged = merge(reports) if len(reports) > 1 else None
        outputs = _render(reports[0], merged, args)
        for path, text in outputs.items():
            _write(path, text)
    except ReportError as exc:
        stderr.write(f"{PROG}: {exc}\n")
        return EXIT_USAGE
    if None in outputs:
        stdout.write(outputs[None])
    written = [str(p) for p in outputs if p is not None]
    if written:
        stdout.write(f"{PROG}: wrote {', '.join(written)}{_describe(reports, merged)}\n")
    if args.fail_on_regression and merged is not None and merged.regressions:
        return EXIT_REGRESSION
    return EXIT_OK


def _clash(args: argparse.Namespace) -> str | None:
    """An output that is one of the input files or another output (one line), or None."""
    seen: dict[Path, str] = {_real(p): "input" for p in args.files}
    for flag in ("html", "md", "junit"):
        path = getattr(args, flag)
        if path is None:
            continue
        real = _real(path)
        other = seen.get(real)
        if other is not None:
            what = "one of the report files read" if other == "input" else f"the --{other} output too"
            return f"--{flag} {str(path)!r} is {what}: choose another file"
        seen[real] = flag
    return None


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compared as written
        return path.absolute()


def _render(first: Report, merged: Merged | None, args: argparse.Namespace) -> dict[Path | None, str]:
    """Output path (None = stdout) -> text; the single-run renderers when there is one report."""
    outputs: dict[Path | None, str] = {}
    if args.html:
        outputs[args.html] = html.render(first) if merged is None else html_merged.render(merged)
    if args.junit:
        outputs[args.junit] = junit.render(first) if merged is None else junit.render_many(
            [(c.label, c.report) for c in merged.columns])
    if args.md or not (args.html or args.junit):
        outputs[args.md] = (markdown.render(first, args.md_limit) if merged is None
                            else markdown_merged.render(merged, args.md_limit))
    return outputs


def _write(path: Path | None, text: str) -> None:
    if path is None:
        return
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _describe(reports: list[Report], merged: Merged | None) -> str:
    if merged is None:
        return f" ({len(reports[0].results)} checks)"
    count = len(merged.regressions)
    return f" ({len(reports)} targets, {count} regression{'' if count == 1 else 's'})"
