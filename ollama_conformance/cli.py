"""The `ollama-conformance` command.

    ollama-conformance validate ENDPOINT KIND FILE [--variant NAME] [--request FILE]
    ollama-conformance endpoints
    ollama-conformance openapi [--output FILE]
    ollama-conformance run ...       (the conformance suite: suites.harness.runner.main)
    ollama-conformance report ...    (report writers: reports.cli.main)

`main()` only calls `sys.exit(run(argv, stdout, stderr))`; `run` returns the exit code and
writes through the given streams, so tests need no subprocess. Exit codes: 0 success (a
valid document, warnings included), 1 violations found, 2 usage error (one line on stderr,
never a traceback). Everything heavy is imported inside the handlers so `--help` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import redirect_stderr, redirect_stdout
from typing import NoReturn, TextIO

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
KINDS = ("request", "response", "chunk", "error", "stream")
# Subcommands owned by other modules: name -> (module, help). Each module has main(argv) -> int.
DELEGATED = {
    "run": (
        "ollama_conformance.suites.harness.runner",
        "run the conformance suite (pytest) against Ollama or the mock",
    ),
    "report": ("ollama_conformance.reports.cli", "write or merge reports from report.json files"),
}


class _ArgumentError(Exception):
    """An argparse usage fault, shown as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of usage + error
        raise _ArgumentError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ollama-conformance",
        description="Contracts and conformance checks for Ollama's HTTP API.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    validate = sub.add_parser(
        "validate", help="validate a JSON document or a raw stream against an endpoint's contract"
    )
    validate.add_argument(
        "endpoint", metavar="ENDPOINT", help='an index entry, e.g. "POST /api/chat" (or just "/api/chat")'
    )
    validate.add_argument("kind", metavar="KIND", choices=KINDS, help=f"one of: {', '.join(KINDS)}")
    validate.add_argument(
        "file",
        metavar="FILE",
        help="the JSON document, or the raw NDJSON/SSE body for KIND stream ('-' = stdin)",
    )
    validate.add_argument(
        "--variant", metavar="NAME", help="validate against a version variant of the index entry"
    )
    validate.add_argument(
        "--request",
        metavar="FILE",
        help="the request body (JSON) that stream rules depend on, e.g. include_usage",
    )
    sub.add_parser("endpoints", help="list the endpoints of contracts/index.json")
    openapi = sub.add_parser("openapi", help="print the OpenAPI 3.1 document built from the contracts")
    openapi.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)  # its own parser handles the arguments
    return parser


def _delegate(name: str, argv: list[str], stderr: TextIO) -> int:
    module_name = DELEGATED[name][0]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # the module is written by another part of the project
        stderr.write(f"ollama-conformance {name}: cannot import {module_name} ({exc})\n")
        return EXIT_USAGE
    if not callable(getattr(module, "main", None)):
        stderr.write(f"ollama-conformance {name}: {module_name} has no main(argv)\n")
        return EXIT_USAGE
    try:
        return int(module.main(argv))
    except SystemExit as exc:  # a delegate whose argparse exits (--help, usage errors)
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)


def run(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI with `argv` (without the program name); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if argv and argv[0] in DELEGATED:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            return _delegate(argv[0], argv[1:], stderr)
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            parser = build_parser()
            _refuse_unknown_flags(parser, argv)
            args = parser.parse_args(argv)
    except _ArgumentError as exc:
        stderr.write(f"{exc}\n")
        return EXIT_USAGE
    except SystemExit as exc:  # argparse's --help, already printed
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    from . import validate_cmd

    return validate_cmd.dispatch(args, stdout, stderr)


def _refuse_unknown_flags(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """An unknown --flag, named first: argparse reports it only after the positionals, so
    `validate --bogus x y z` would otherwise be blamed on 'y'."""
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    command = next((a for a in argv if not a.startswith("-")), None)
    if sub is None or command not in sub.choices:
        return
    known = {o for a in sub.choices[command]._actions for o in a.option_strings}
    for arg in argv[argv.index(command) + 1:]:
        if arg == "--":
            return
        if arg.startswith("--") and arg.split("=", 1)[0] not in known:
            valid = ", ".join(sorted(o for o in known if o.startswith("--")))
            sub.choices[command].error(f"unrecognized arguments: {arg} (valid options: {valid})")


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))


if __name__ == "__main__":
    main()
