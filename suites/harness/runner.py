"""`ollama-conformance run`: resolve the target, run the checks in-process with pytest, write reports."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx

from .results import build_report
from .target import CAPABILITIES, TargetConfig, TargetError, open_target, profile_names

PROG = "ollama-conformance run"
MAX_REPEAT = 100  # pass@100 is already far past what a flaky model needs


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (never a usage dump)
        if message.startswith("unrecognized arguments"):
            options = sorted({o for a in self._actions for o in a.option_strings if o.startswith("--")})
            message += f" (valid options: {', '.join(options)})"
        self.exit(2, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Run the conformance suite against an Ollama server (default: the embedded mock).")
    p.add_argument("--base-url", help="server to test, e.g. http://127.0.0.1:11434 (default: start the embedded mock)")
    p.add_argument("--report-dir", help="write report.json, junit.xml, report.md and report.html here")
    for cap in CAPABILITIES:
        p.add_argument(f"--model-{cap}", metavar="NAME", help=f"model for {cap} checks (default: discovered)")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    p.add_argument("--repeat", type=int, default=1, metavar="N", help=f"attempts for model-dependent checks (pass@N, N up to {MAX_REPEAT})")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated (hypothesis) requests (default 0)")
    p.add_argument("--allow-destructive", action="store_true", help="allow lifecycle checks that pull or push")
    p.add_argument("-k", dest="keyword", help="pytest -k expression selecting checks")
    p.add_argument("-m", dest="markexpr", help="pytest -m marker expression")
    p.add_argument("--profile", help="embedded mock profile (only without --base-url)")
    p.add_argument("--gaps-only", action="store_true", help="run only the checks tied to a compat-gaps.md row")
    p.add_argument("--quiet", action="store_true", help="no live progress")
    return p


def config_from(args: argparse.Namespace, parser: argparse.ArgumentParser) -> TargetConfig:
    if args.profile and args.base_url:
        parser.error("--profile applies to the embedded mock only; drop it or drop --base-url")
    if args.profile:
        known = profile_names()
        if known and args.profile not in known:
            parser.error(f"unknown --profile {args.profile!r}; valid: {', '.join(known)}")
    if not 1 <= args.repeat <= MAX_REPEAT:  # each attempt is a generation: a typo must not run for days
        parser.error(f"--repeat must be from 1 to {MAX_REPEAT}, got {args.repeat}")
    if not 0 < args.timeout < math.inf:  # float() takes "nan" and "inf", which no socket does
        parser.error(f"--timeout must be > 0, got {args.timeout:g}")
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        parser.error(f"--base-url {args.base_url!r} must start with http:// or https://")
    if args.base_url:
        problem = _url_problem(args.base_url)
        if problem:
            parser.error(f"--base-url {args.base_url!r} is not a URL: {problem}")
    models = {cap: getattr(args, f"model_{cap}") for cap in CAPABILITIES if getattr(args, f"model_{cap}")}
    for cap, name in models.items():
        if not name.isprintable():  # a shell's undecodable bytes ('\udcff') or a control character
            parser.error(f"--model-{cap} {name!r} is not a model name")
    return TargetConfig(base_url=args.base_url, profile=args.profile, models=models, timeout=args.timeout,
                        repeat=args.repeat, seed=args.seed, allow_destructive=args.allow_destructive,
                        gaps_only=args.gaps_only)


def _report_dir_problem(value: str) -> str | None:
    """`--report-dir` names an existing file, or a folder below one, or nothing (one line, or None)."""
    if not value.strip():  # Path("") is the current directory, whose report.json would be replaced
        return f"--report-dir {value!r}: expected a folder"
    path = Path(value)
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            where = "it" if part == path else repr(str(part))
            return f"--report-dir {value!r} is not a directory: {where} is a file"
    return None


def _url_problem(url: str) -> str | None:
    """Why httpx cannot use `url` (no host, a port out of range, a host it cannot encode), or None."""
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL as exc:
        return str(exc)
    return None if host else "it names no host"


def pytest_args(args: argparse.Namespace) -> list[str]:
    from ollama_conformance.suites import conformance

    suite_dir = str(Path(conformance.__file__).parent)
    out = [suite_dir, "--rootdir", suite_dir, "-c", os.devnull, "--import-mode=importlib", "--assert=plain",
           "-p", "no:cacheprovider", "-p", "no:ollama_mock", "-p", "no:terminal", "-W", "ignore::DeprecationWarning"]
    if args.keyword:
        out += ["-k", args.keyword]
    if args.markexpr:
        out += ["-m", args.markexpr]
    return out


def _pytest_main(argv: list[str], plugin: object) -> int:
    """pytest.main without third-party plugin autoload (schemathesis alone costs seconds to import)."""
    import pytest

    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        return int(pytest.main(argv, plugins=[plugin]))
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def run(config: TargetConfig, args: argparse.Namespace) -> tuple[int, dict[str, Any] | None]:
    """(exit code, report); exit 2 when the target or the selection is unusable."""
    from .plugin import SuitePlugin
    from .progress import Progress

    try:
        with open_target(config) as target:
            plugin = SuitePlugin(target, Progress(enabled=not args.quiet))
            start = time.perf_counter()
            rc = _pytest_main(pytest_args(args), plugin)
            duration = time.perf_counter() - start
    except TargetError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2, None
    except ImportError as exc:
        print(f"{PROG}: the embedded mock is not available ({exc}); pass --base-url", file=sys.stderr)
        return 2, None
    if plugin.errors:
        print(f"{PROG}: {len(plugin.errors)} test(s) without @check: {plugin.errors[0]}", file=sys.stderr)
    if rc in (2, 3, 4) or (rc == 5 and not plugin.results):
        why = {2: "interrupted", 3: "internal error", 4: "bad -k/-m expression", 5: "no check selected"}[int(rc)]
        selection = " ".join(f"{flag} {value!r}" for flag, value in (("-k", args.keyword), ("-m", args.markexpr)) if value)
        print(f"{PROG}: pytest: {why}" + (f" ({selection})" if selection else ""), file=sys.stderr)
        return 2, None
    report = build_report(target.info(), plugin.results, duration)
    failed = report["summary"]["failed"] > 0 or bool(plugin.errors)
    return (1 if failed else 0), report


def write(report: dict[str, Any], out_dir: Path) -> None:
    from ollama_conformance.reports import write_reports

    from ollama_conformance.files import write_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    # backslashreplace: a lone surrogate left anywhere is written as its JSON escape, never a crash
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    write_atomic(out_dir / "report.json", text.encode("utf-8", "backslashreplace"))
    try:
        write_reports(report, out_dir)
    except Exception as exc:  # a renderer bug must not hide the run's result; report.json is written
        print(f"{PROG}: junit/markdown/html not written ({type(exc).__name__}: {exc}); report.json is", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.report_dir is not None:
        problem = _report_dir_problem(args.report_dir)
        if problem:  # said before the run, not after minutes of checks
            print(f"{PROG}: {problem}", file=sys.stderr)
            return 2
        args.report_dir = Path(args.report_dir)
    config = config_from(args, parser)
    code, report = run(config, args)
    if report is None:
        return code
    if args.report_dir:
        try:
            write(report, args.report_dir)
        except OSError as exc:
            print(f"{PROG}: cannot write reports to {str(args.report_dir)!r}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    s = report["summary"]
    where = f"; reports in {args.report_dir}" if args.report_dir else ""
    print_failures(report)
    print(f"{s['total']} checks: {s['passed']} passed, {s['failed']} failed, {s['gaps']} gaps, {s['info']} info, "
          f"{s['skipped']} skipped in {s['duration_s']:.1f}s against {report['target']['base_url']}{where}")
    return code


def print_failures(report: dict[str, Any], limit: int = 20) -> None:
    """One stderr line per failed check (id, endpoint, the first line of its message): a red CI
    job says what to fix even when no report folder was kept."""
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    for result in failed[:limit]:
        message = (result["message"] or "").strip().splitlines()
        print(f"FAILED {result['id']} ({result['endpoint']}): {message[0][:200] if message else 'no message'}",
              file=sys.stderr)
    if len(failed) > limit:
        print(f"... and {len(failed) - limit} more failed checks (--report-dir keeps them all)", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
