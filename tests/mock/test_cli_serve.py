"""`ollama-mock serve` in a subprocess: ready line, port 0, OLLAMA_HOST, SIGTERM/SIGINT, one-line errors."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from ollama_conformance.mock_server import cli
from ollama_conformance.mock_server.settings import from_env, parse_ollama_host

READY = re.compile(r"ollama-mock listening on (http://127\.0\.0\.1:(\d+))\n")


def _start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ollama_conformance.mock_server", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )
    line = process.stdout.readline()  # blocks until the ready line (or EOF if it failed)
    match = READY.fullmatch(line)
    if not match:
        process.kill()
        raise AssertionError(f"no ready line: {line!r} {process.stderr.read()!r}")
    return process, match.group(1)


def _stop(process: subprocess.Popen[str], sig: int) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_one_ready_line_answers_and_stops_cleanly(sig):
    process, url = _start("--port", "0", "--clock", "2026-01-01T00:00:00Z")
    try:
        assert httpx.get(url + "/").text == "Ollama is running"
        assert httpx.get(url + "/api/version").headers["x-ollama-mock-profile"] == "ollama-0.32"
    finally:
        code = _stop(process, sig)
    assert code == 0
    assert process.stdout.read() == ""  # exactly one line on stdout
    assert "Traceback" not in process.stderr.read()


def test_warn_ignored_names_the_field_on_stderr():
    process, url = _start("--port", "0", "--warn-ignored")
    try:
        body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": False, "max_tokens": 3}
        assert httpx.post(url + "/api/chat", json=body).status_code == 200
    finally:
        assert _stop(process, signal.SIGTERM) == 0
    assert "ollama-mock: warning: POST /api/chat: max_tokens is not an Ollama field: ignored" in process.stderr.read()


@pytest.mark.parametrize("fault", ["stall;after=1;seconds=30", "latency;ms=30000"])
def test_stopping_with_a_paced_answer_in_flight_prints_no_traceback(fault):
    import threading

    process, url = _start("--port", "0")
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": "stall" in fault}

    def waiting_client() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(url + "/api/chat", json=body, headers={"X-Ollama-Mock-Fault": fault}, timeout=15)

    client = threading.Thread(target=waiting_client, daemon=True)
    client.start()
    time.sleep(0.5)  # the answer is now waiting on its delay
    try:
        code = _stop(process, signal.SIGTERM)  # uvicorn cancels it after its graceful timeout
    finally:
        client.join(timeout=15)
    assert code == 0
    assert "Traceback" not in process.stderr.read()


def test_ollama_host_is_honoured():
    process, url = _start(env={"OLLAMA_HOST": "127.0.0.1:0"})
    try:
        assert httpx.get(url + "/api/tags").status_code == 200
    finally:
        _stop(process, signal.SIGTERM)


@pytest.mark.parametrize("args,needle", [
    (["serve", "--bogus"], "unrecognized arguments: --bogus (valid options of serve: --cassette, --chunk-per-record, "),
    (["proxy", "--upstream", "http://127.0.0.1:1", "--bogus"], "--bogus (valid options of proxy: --help, --host, "),
    (["serve", "--port", "abc"], "'abc' is not a port number"),
    (["serve", "--fault-rate", "2"], "'2' is not a number from 0 to 1"),
    (["serve", "--clock", "yesterday"], "--clock has value 'yesterday'"),
    (["serve", "--models", "/no/such/file.json"], "--models file '/no/such/file.json'"),
    (["launch"], "invalid choice: 'launch'"),
    ([], "choose a command: serve, record, proxy"),
])
def test_bad_command_lines_are_one_line_and_exit_2(args, needle):
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(args, out, err) == cli.EXIT_USAGE
    assert err.getvalue().count("\n") == 1 and needle in err.getvalue()
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("args,needle", [
    # str.isdigit() takes these: '²' then failed in int(), '٣' was read as port 3
    (["--port", "\u00b2"], "'\u00b2' is not a port number"),
    (["--port", "\u0663"], "'\u0663' is not a port number"),
    # "" (an unset $VAR in a CI script) was read as no clock, no scenario, no cassette: silently
    (["--port", "0", "--clock", ""], "--clock has value ''"),
    (["--port", "0", "--scenario", ""], "--scenario has value '': expected a file"),
    (["--port", "0", "--cassette", ""], "--cassette has value '': expected a folder"),
])
def test_odd_and_empty_values_are_refused_before_anything_listens(args, needle):
    # parsed and built as `serve` does, without serving: a regression fails here, it does not serve on
    err = io.StringIO()
    try:
        parsed = cli.build_parser("serve").parse_args(["serve", *args])
    except cli.UsageError as exc:
        line = f"{exc}\n"
    else:
        built = cli._build(parsed, err)
        if not isinstance(built, int):
            built[2].close()
        assert built == cli.EXIT_USAGE
        line = err.getvalue()
    assert needle in line and line.count("\n") == 1, line


def test_bad_flag_in_a_subprocess_is_one_line():
    done = subprocess.run([sys.executable, "-m", "ollama_conformance.mock_server", "serve", "--nope"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "--nope" in done.stderr


def test_address_in_use_is_one_line_and_exit_3(mock_server):
    port = mock_server.base_url.rsplit(":", 1)[1]
    err = io.StringIO()
    assert cli.run(["serve", "--port", port], io.StringIO(), err) == cli.EXIT_STARTUP
    assert err.getvalue().startswith(f"ollama-mock: cannot listen on 127.0.0.1:{port}") and err.getvalue().count("\n") == 1


@pytest.mark.parametrize("raw,expected", [
    ("", ("127.0.0.1", 11434)),
    ("0.0.0.0", ("0.0.0.0", 11434)),
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("http://example.local", ("example.local", 80)),
    ("https://example.local", ("example.local", 443)),
    ("http://10.0.0.2:9000/path", ("10.0.0.2", 9000)),
    (":12345", ("0.0.0.0", 12345)),
    ("[::1]:11435", ("::1", 11435)),
    ("  'localhost:1234' ", ("localhost", 1234)),
    ("localhost:notaport", ("localhost", 11434)),
])
def test_ollama_host_parsing_matches_ollama(raw, expected):
    assert parse_ollama_host(raw) == expected


@pytest.mark.parametrize("host,why", [
    ("", "'' is no address"),  # Python would bind '' to every interface
    ("\udcff", "not a host name or address"),  # an undecodable byte: was a TypeError traceback
    ("a\x00b", "not a host name or address"),
])
def test_a_host_that_is_no_address_is_one_line_and_exit_3(host, why):
    # bind() is what serve, proxy and record listen with; _build() binds without serving
    with pytest.raises(OSError, match=re.escape(why)):
        cli.bind(host, 0).close()
    args = cli.build_parser("serve").parse_args(["serve", "--host", host, "--port", "0"])
    err = io.StringIO()
    built = cli._build(args, err)
    if not isinstance(built, int):
        built[2].close()
    assert built == cli.EXIT_STARTUP and err.getvalue().count("\n") == 1 and why in err.getvalue(), err.getvalue()


def test_non_ascii_digits_in_ollama_hosts_port_fall_back_as_in_go(capsys):
    # Go's strconv.Atoi takes ASCII digits only; '²' stopped the mock with an int() error
    assert parse_ollama_host("127.0.0.1:\u00b2") == ("127.0.0.1", 11434)
    assert parse_ollama_host("127.0.0.1:\u0663") == ("127.0.0.1", 11434)
    assert from_env({"OLLAMA_HOST": "127.0.0.1:\u00b2"}, port=0).port == 0


@pytest.mark.parametrize("raw,seconds", [
    ("9223372036854775807", -1.0),  # Go: Duration(n) * Second wraps to -1s: negative is forever
    ("99999999999", 7766279630.452243),  # wraps to a positive duration, as in Go
    ("600", 600.0),
])
def test_ollama_keep_alive_in_whole_seconds_wraps_as_go_does(raw, seconds):
    # was: "Python int too large to convert to C int" and no server
    from ollama_conformance.mock_server.app import create_app

    settings = from_env({"OLLAMA_KEEP_ALIVE": raw}, port=0)
    assert settings.keep_alive_default == pytest.approx(seconds)
    create_app(settings)


def test_flags_override_the_environment():
    settings = from_env({"OLLAMA_HOST": "0.0.0.0:1", "OLLAMA_ORIGINS": "https://a.test, https://b.test"}, port=0)
    assert (settings.host, settings.port, settings.origins) == ("0.0.0.0", 0, ("https://a.test", "https://b.test"))


@pytest.mark.parametrize("raw", ['"https://a.test,https://b.test"', "  'https://a.test, https://b.test'  "])
def test_quoted_environment_values_are_read_as_ollamas_envconfig_reads_them(raw):
    # envconfig.Var trims spaces, then quotes, around the whole value (a quoted systemd or shell value)
    settings = from_env({"OLLAMA_ORIGINS": raw, "OLLAMA_KEEP_ALIVE": '"10m"'})
    assert settings.origins == ("https://a.test", "https://b.test") and settings.keep_alive_default == 600


def test_start_up_is_quick():
    started = time.monotonic()
    process, _ = _start("--port", "0")
    elapsed = time.monotonic() - started
    _stop(process, signal.SIGTERM)
    assert elapsed < 5.0


def test_the_start_path_imports_no_heavy_packages():
    code = ("import sys; from ollama_conformance.mock_server import cli; "
            "from ollama_conformance.mock_server.app import create_app; create_app(); "
            "print(sorted(m for m in ('jsonschema', 'yaml', 'httpx', 'referencing', 'hypothesis', 'pytest') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_a_bad_ollama_host_port_falls_back_with_a_warning(capsys):
    # Ollama logs "invalid port, using default" and listens on the default: the mock says so too
    assert from_env({"OLLAMA_HOST": "127.0.0.1:xx"}).port == 11434
    assert from_env({"OLLAMA_HOST": "http://127.0.0.1:99999"}).port == 80
    assert capsys.readouterr().err.splitlines() == [
        "ollama-mock: warning: OLLAMA_HOST has an invalid port 'xx': using the default port 11434",
        "ollama-mock: warning: OLLAMA_HOST has an invalid port '99999': using the default port 80"]
    assert from_env({"OLLAMA_HOST": "127.0.0.1:xx"}, port=0).port == 0  # --port given: nothing to say
    assert from_env({"OLLAMA_HOST": "127.0.0.1:8080"}).port == 8080
    assert capsys.readouterr().err == ""


def test_flags_reach_the_settings():
    args = cli.build_parser("serve").parse_args(["serve", "--port", "0", "--chunk-per-record", "--warn-ignored"])
    built = cli._build(args, io.StringIO())
    assert not isinstance(built, int)
    _, settings, sock = built
    sock.close()
    assert settings.chunk_per_record is True and settings.warn_ignored is True and settings.port == 0


def _ask_version(sock: Any) -> bytes:
    sock.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b'"}' not in data:
        more = sock.recv(4096)
        if not more:
            return data  # the server closed the connection
        data += more
    return data


def test_an_idle_keep_alive_connection_stays_open_as_with_ollama_and_a_stop_closes_it():
    # Ollama's http.Server has no IdleTimeout: a client's pooled connection is still good after a
    # pause (uvicorn's default closes it after 5 s); stopping the server closes it at once
    import socket

    process, url = _start("--port", "0")
    port = int(url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert _ask_version(sock).startswith(b"HTTP/1.1 200")
            time.sleep(5.5)  # past uvicorn's default keep-alive timeout
            assert _ask_version(sock).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            code = _stop(process, signal.SIGTERM)
            assert code == 0 and time.monotonic() - started < 3
            assert sock.recv(4096) == b""  # closed by the stop
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in process.stderr.read()


@pytest.mark.parametrize("upgrade", ["websocket", "h2c"])
def test_an_upgrade_request_is_answered_as_plain_http_as_go_does(upgrade):
    # Go's net/http knows no WebSocket or h2c upgrade: gin answers the route. uvicorn, with the
    # websockets package installed (it is here), answered `Upgrade: websocket` with a 500.
    import socket

    process, url = _start("--port", "0")
    port = int(url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: "
                         + upgrade.encode() + b"\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         b"Sec-WebSocket-Version: 13\r\n\r\n")
            answer = b""
            while b'"}' not in answer:
                more = sock.recv(4096)
                assert more, answer
                answer += more
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"version":"0.32.15"}'), answer
            assert _ask_version(sock).startswith(b"HTTP/1.1 200")  # the connection stays HTTP
    finally:
        code = _stop(process, signal.SIGTERM)
    assert code == 0
    assert process.stderr.read() == ""  # no warning about the upgrade, no handshake error


def test_a_stop_while_a_body_is_still_coming_drops_that_connection_at_once():
    # Go's srvr.Close() drops it; uvicorn waited its graceful timeout, then logged a traceback and sent a 500
    import socket

    process, url = _start("--port", "0")
    host, port = url.removeprefix("http://").rsplit(":", 1)
    client = socket.create_connection((host, int(port)), timeout=10)
    try:
        client.sendall(b'POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"mo')
        time.sleep(0.3)  # the server is reading the body now
        started = time.monotonic()
        assert _stop(process, signal.SIGTERM) == 0
        assert time.monotonic() - started < 2.0  # not the 3 s graceful timeout
        answer = client.recv(4096)
    finally:
        client.close()
    assert b" 500 " not in answer
    err = process.stderr.read()
    assert "Traceback" not in err and "ERROR" not in err, err


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:  # a container or host with IPv6 turned off
        return False
    return True


# CI's machine has ::1: there it always runs (the project's rule: nothing skipped silently in CI)
@pytest.mark.skipif(not _ipv6_loopback() and not os.environ.get("CI"), reason="no IPv6 loopback (::1) on this machine")
def test_proxy_prints_a_usable_url_on_ipv6_loopback_and_stops_cleanly(mock_server):
    # the proxy's ready line wrote `http://::1:PORT`, which no client can parse; it now comes from
    # the same server runner as `serve`'s, which brackets an IPv6 address
    process = subprocess.Popen(
        [sys.executable, "-m", "ollama_conformance.mock_server", "proxy", "--upstream", mock_server.base_url,
         "--host", "::1", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"ollama-mock proxy listening on (http://\[::1\]:\d+) \(upstream (\S+)\)\n", line)
        assert match and match.group(2) == mock_server.base_url, line
        assert httpx.get(match.group(1) + "/api/version").json() == {"version": "0.32.15"}
    finally:
        code = _stop(process, signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in process.stderr.read()
