"""`ollama-mock record --upstream URL --cassette DIR`: the validating proxy, writing cassettes.

Each completed exchange becomes one cassette file (written atomically), with the contract
violations found in it; `ollama-mock serve --cassette DIR` replays them.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .cassette import CassetteError, Writer
from .proxy import ValidatingProxy, check_upstream
from .proxy import add_arguments as _proxy_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _proxy_arguments(parser)
    parser.add_argument("--cassette", required=True, help="directory the cassette files are written to")


def recording_proxy(upstream: str, cassette: str, out: TextIO | None = None) -> ValidatingProxy:
    """A ValidatingProxy that writes every exchange into `cassette`."""
    writer = Writer(cassette)
    return ValidatingProxy(upstream, on_exchange=writer.write, out=out)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    from .serve_plain import serve

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    problem = check_upstream(args.upstream)
    if problem:
        print(problem, file=stderr)
        return 2
    try:
        app = recording_proxy(args.upstream, args.cassette, out=stderr)
    except CassetteError as exc:
        print(exc, file=stderr)
        return 2
    banner = (
        "ollama-mock record listening on {url} (upstream "
        + args.upstream
        + ", cassette "
        + args.cassette
        + ")"
    )
    return serve(app, args.host, args.port, banner, stdout, stderr)
