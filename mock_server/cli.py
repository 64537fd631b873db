"""`ollama-mock`: serve the mock (and dispatch `record` / `proxy` to the CI features).

    ollama-mock serve [--host H] [--port P] [--clock RFC3339] [--models FILE] [--profile NAME] ...

Honours OLLAMA_HOST (as Ollama parses it), OLLAMA_ORIGINS, OLLAMA_KEEP_ALIVE and
OLLAMA_MAX_LOADED_MODELS. Prints one ready line with the URL once it accepts connections;
SIGINT/SIGTERM stop it cleanly (exit 0).
Every user error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import sys
from typing import Any, TextIO

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_STARTUP = 3  # could not listen (address in use, permission)
COMMANDS = ("serve", "record", "proxy")


class UsageError(Exception):
    """A bad command line (argparse's message, kept to one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit; we want one line
        raise UsageError(f"{self.prog}: {message}")


def main() -> None:
    sys.exit(run(sys.argv[1:]))


def run(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(command)
        args = parser.parse_args(argv)
    except UsageError as exc:
        line = str(exc).splitlines()[0]
        if "unrecognized arguments" in line:  # name what the command does take
            line += f" (valid options of {command or 'ollama-mock'}: {', '.join(_long_options(parser, command))})"
        print(line, file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if args.command is None:
        print(f"ollama-mock: choose a command: {', '.join(COMMANDS)} (e.g. ollama-mock serve)", file=err)
        return EXIT_USAGE
    if args.command == "serve":
        return serve(args, out, err)
    module = _optional(args.command)
    if module is None:
        print(f"ollama-mock {args.command}: not available in this build (mock_server.{args.command} is missing)", file=err)
        return EXIT_USAGE
    return int(module.run(args, out, err))


def _long_options(parser: argparse.ArgumentParser, command: str | None) -> list[str]:
    for action in parser._actions:  # the subcommand's own parser, when there is one
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            parser = action.choices[command]
    return sorted({o for a in parser._actions for o in a.option_strings if o.startswith("--")})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="ollama-mock", description="A deterministic fake Ollama server.")
    commands = parser.add_subparsers(dest="command", metavar="{serve,record,proxy}", parser_class=_Parser)
    add_serve_arguments(commands.add_parser("serve", help="serve the mock Ollama API"))
    for name in ("record", "proxy"):
        sub = commands.add_parser(name, help=f"{name} traffic (CI features)")
        module = _optional(name) if name == command else None  # imported only when asked for
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(sub)
    return parser


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--host", help="address to bind (default: OLLAMA_HOST, else 127.0.0.1)")
    add("--port", type=port_number, help="port to bind; 0 picks a free one (default: OLLAMA_HOST's, else 11434)")
    add("--clock", metavar="RFC3339", help="freeze the clock at this instant (deterministic timestamps)")
    add("--models", metavar="FILE", help="JSON catalogue replacing the built-in models")
    from .profiles import names

    add("--profile", default="ollama-0.32",
        help=f"Ollama version profile: {', '.join(names())}, or a profile .json file (default: ollama-0.32)")
    add("--scenario", metavar="FILE", help="YAML/JSON scenario rules")
    add("--seed", type=int, help="seed of the --fault-rate fault sequence (generated text follows each request's options.seed)")
    add("--fault-rate", type=_rate, default=0.0, help="share of requests that get a random fault (0..1)")
    add("--cassette", metavar="DIR", help="replay the exchanges recorded in this cassette folder")
    add("--keep-timing", action="store_true", help="with --cassette: keep the recorded gaps between chunks")
    add("--strict", action="store_true", help="answer an error when no scenario rule matches")
    add("--virtual-time", action="store_true", help="report stream delays without sleeping")
    add("--validate-emitted", action="store_true", help="self-check every emitted body against the contracts")
    add("--chunk-per-record", action="store_true",
        help="send each stream record as its own HTTP chunk, as Ollama flushes them (default: undelayed records together, faster)")
    add("--warn-ignored", action="store_true",
        help="log each request field Ollama would silently ignore (max_tokens on /api/chat, /v1's n, ...)")
    add("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default warning)")


def port_number(text: str) -> int:
    # isascii: str.isdigit() also takes '²' (int() then fails) and '٣' (read as 3)
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 to 65535")
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1")
    return value


def serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build the app, bind, print the ready line, serve until SIGINT/SIGTERM."""
    # Start-up creates tens of thousands of long-lived objects (modules, classes, the route
    # table); the cyclic GC would walk them again and again meanwhile (~4 ms). It is off until
    # the server listens (Server.startup below), which freezes them out of later collections.
    gc.disable()
    try:
        built = _build(args, err)
        if isinstance(built, int):
            return built
        app, settings, sock = built
        return _run_server(app, sock, settings.log_level, out)
    finally:
        gc.enable()


def _build(args: argparse.Namespace, err: TextIO) -> tuple[Any, Any, Any] | int:
    """(app, settings, listening socket), or the exit status after a one-line error."""
    from .settings import SettingsError, from_env

    try:
        for flag in ("scenario", "cassette"):  # "" (an unset $VAR) would silently mean none at all
            if getattr(args, flag) is not None and not getattr(args, flag).strip():
                raise SettingsError(f"--{flag} has value {getattr(args, flag)!r}: expected a "
                                    f"{'file' if flag == 'scenario' else 'folder'}")
        settings = from_env(
            host=args.host, port=args.port, clock=args.clock, models_file=args.models, profile=args.profile,
            scenario=args.scenario, seed=args.seed, fault_rate=args.fault_rate, cassette=args.cassette,
            strict=args.strict or None, virtual_time=args.virtual_time or None,
            validate_emitted=args.validate_emitted or None, log_level=args.log_level,
            warn_ignored=args.warn_ignored or None, chunk_per_record=args.chunk_per_record or None,
        )
        if args.keep_timing:
            if not args.cassette:
                raise SettingsError("--keep-timing keeps a cassette's chunk timing: it needs --cassette DIR")
            settings = dataclasses.replace(settings, extra={**settings.extra, "keep_timing": True})
        from .app import create_app

        app = create_app(settings)
    except Exception as exc:  # bad settings, catalogue, profile or scenario: one line, no traceback
        print(f"ollama-mock: {one_line(exc)}", file=err)
        return EXIT_USAGE
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        print(f"ollama-mock: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=err)
        return EXIT_STARTUP
    return app, settings, sock


def one_line(exc: Exception) -> str:
    """An exception as the one line the mock's tools print for it."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return (text.splitlines() or [type(exc).__name__])[0]


def bind(host: str, port: int) -> Any:
    """A listening TCP socket on host:port (OSError when the address cannot be had)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if not host.strip():  # Python binds '' to every interface: `--host "$UNSET"` must not expose the mock
        raise OSError(f"{host!r} is no address (all interfaces: 0.0.0.0)")
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto set: asyncio then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    except (TypeError, ValueError) as exc:  # a host that cannot be encoded ('\udcff', NUL)
        sock.close()
        raise OSError(f"not a host name or address ({exc})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _run_server(app: Any, sock: Any, log_level: str, out: TextIO) -> int:
    from .serve_plain import run

    def listening() -> None:
        gc.freeze()  # what start-up built lives as long as the process: never collect it
        gc.enable()

    # paced streams and delayed answers end at a stop, not at the graceful timeout; through the loop:
    # a signal handler runs between any two bytecodes, and an asyncio.Event set there can miss a
    # waiter that Event.wait() was just adding (it then sat out its whole timeout)
    return run(app, sock, log_level, "ollama-mock listening on {url}", out,
               on_stop=app.state.mock.waits.stop_threadsafe, on_listen=listening)


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None
