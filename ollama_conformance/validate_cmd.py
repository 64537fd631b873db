"""The `validate`, `endpoints` and `openapi` subcommands of ollama-conformance (see cli.py).

`validate ENDPOINT KIND FILE` prints every violation as
    <instance path>  <schema path>  <message>
and exits 1, or prints "FILE: valid ..." (plus any ignored-field warnings of a request)
and exits 0. Usage faults (unknown endpoint, kind without a schema, unreadable or
non-JSON file) are one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE


class UsageError(Exception):
    """A fault in what the user asked for; its text is the one line shown."""


def dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    handlers = {"validate": validate, "endpoints": endpoints, "openapi": openapi}
    try:
        return handlers[args.command](args, stdout)
    except UsageError as exc:
        stderr.write(f"ollama-conformance {args.command}: {exc}\n")
        return EXIT_USAGE


def resolve_endpoint(text: str) -> str:
    """ "POST /api/chat", "post /api/chat" or "/api/chat" (when one method has that path)."""
    from .contracts import operations

    known = operations()
    parts = text.split()
    if len(parts) == 2 and f"{parts[0].upper()} {parts[1]}" in known:
        return f"{parts[0].upper()} {parts[1]}"
    by_path = [name for name in known if name.split(" ", 1)[1] == text.strip()]
    if len(by_path) == 1:
        return by_path[0]
    hint = f" (methods: {', '.join(n.split()[0] for n in by_path)})" if by_path else ""
    raise UsageError(f"unknown endpoint {text!r}{hint}; known endpoints: {', '.join(known)}")


def read_text(path: str) -> str:
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def read_bytes(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_json(path: str) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise UsageError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # [[[[... deeper than json reads
        raise UsageError(f"{path}: cannot read: values nested too deeply") from None


def validate(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import contracts

    endpoint = resolve_endpoint(args.endpoint)
    request = read_json(args.request) if args.request else None
    try:
        if args.kind == "stream":
            found = contracts.validate_stream(
                endpoint, read_bytes(args.file), request=request, variant=args.variant
            )
        else:
            instance = read_json(args.file)
            request = instance if args.kind == "request" else request
            found = contracts.validate(endpoint, args.kind, instance, variant=args.variant)
    except contracts.ContractError as exc:
        raise UsageError(str(exc)) from None
    if found:
        for v in found:
            stdout.write(f"{_safe(v.instance_path)}  {v.schema_path or '-'}  {_safe(v.message)}\n")
        stdout.write(
            f"{args.file}: {len(found)} violation{'s' if len(found) != 1 else ''} of the {endpoint} {args.kind} contract\n"
        )
        return EXIT_INVALID
    variant = f" (variant {args.variant})" if args.variant else ""
    stdout.write(f"{args.file}: valid {args.kind} of {endpoint}{variant}\n")
    if request is not None:  # the request itself, or the --request of a stream
        for warning in contracts.ignored_fields(endpoint, request):
            stdout.write(f"warning: {warning.message}\n")
    return EXIT_OK


def _safe(text: str, limit: int = 200) -> str:
    """`text` as one bounded line a terminal shows as it is: a message quotes the input (a stream's
    frame, a key), which may be binary. Control characters and U+FFFD (an undecodable byte) are
    escaped, and the line is cut at `limit` characters."""
    out: list[str] = []
    length = 0
    for i, ch in enumerate(text):
        shown = ch if ch.isprintable() and ch != "\ufffd" else ascii(ch)[1:-1]
        if length + len(shown) > limit:
            return "".join(out) + f"... ({len(text) - i} more characters)"
        out.append(shown)
        length += len(shown)
    return "".join(out)


def endpoints(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import contracts

    for name, entry in contracts.index()["operations"].items():
        stream = entry.get("stream") or {}
        grammar = stream.get("grammar", "-")
        variants = ",".join(v.get("name", "?") for v in entry.get("variants", [])) or "-"
        stdout.write(f"{name:<34} {entry.get('api', '-'):<9} stream={grammar:<19} variants={variants}\n")
    return EXIT_OK


def openapi(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import contracts

    text = json.dumps(contracts.openapi(), indent=2, ensure_ascii=False) + "\n"
    if not args.output:
        stdout.write(text)
        return EXIT_OK
    from .files import write_atomic

    try:  # whole or not at all: a full disk leaves the previous document, not half a new one
        write_atomic(Path(args.output), text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    stdout.write(f"wrote {args.output}\n")
    return EXIT_OK
