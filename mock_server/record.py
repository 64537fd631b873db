"""`ollama-mock record --upstream URL --cassette DIR`: the validating proxy, writing cassettes.

Each completed exchange becomes one cassette file (written atomically), with the contract
violations found in it; `ollama-mock serve --cassette DIR` replays them.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from .cassette import Writer
from .proxy import ValidatingProxy, serve_proxy
from .proxy import add_arguments as _proxy_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _proxy_arguments(parser)
    parser.add_argument("--cassette", required=True, help="directory the cassette files are written to")


def recording_proxy(upstream: str, cassette: str, out: TextIO | None = None) -> ValidatingProxy:
    """A ValidatingProxy that writes every exchange into `cassette`."""
    writer = Writer(cassette)
    return ValidatingProxy(upstream, on_exchange=writer.write, out=out)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    banner = (
        "ollama-mock record listening on {url} (upstream "
        + args.upstream
        + ", cassette "
        + args.cassette
        + ")"
    )
    return serve_proxy(
        args, lambda out: recording_proxy(args.upstream, args.cassette, out=out), banner, stdout, stderr
    )
