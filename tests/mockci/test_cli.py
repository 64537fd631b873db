"""The CI features from the command line, as a project in any language would start them."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

PY = [sys.executable, "-m", "ollama_conformance.mock_server"]


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([*PY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if not match:
        proc.kill()
        raise AssertionError(f"no ready line: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return proc, match.group(1)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    return err


def test_bad_scenario_file_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "scenario.yaml"
    bad.write_text("- match: {message: hi}\n  respnse: {content: x}\n")
    done = subprocess.run(
        [*PY, "serve", "--port", "0", "--scenario", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"ollama-mock: {bad}:2: unknown key 'respnse' "
        "(valid keys: name, match, respond, sequence, after_sequence)\n"
    )


def test_unknown_profile_is_one_line() -> None:
    done = subprocess.run(
        [*PY, "serve", "--port", "0", "--profile", "ollama-0.1"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "valid profiles:" in done.stderr


def test_more_bad_files_and_flags_are_one_line_naming_the_value(tmp_path: Path) -> None:
    empty, bad_key, no_value = (tmp_path / name for name in ("empty.yaml", "key.yaml", "value.yaml"))
    empty.write_text("")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"\xff- match: {}\n")
    bad_key.write_text("- match: {message: x}\n  respond: {error: {key: nosuch}}\n")
    no_value.write_text("- match: {message: x}\n  respond: {error: {key: model_not_found}}\n")
    cases = [
        (["--scenario", str(empty)], f"ollama-mock: {empty}: a scenario is a list of rules or a mapping with "
                                     "'rules' (got an empty file)"),
        (["--scenario", str(bad_key)], f"ollama-mock: {bad_key}:2: unknown error key 'nosuch' (valid keys: "),
        (["--scenario", str(no_value)], f"ollama-mock: {no_value}:2: error key 'model_not_found' needs a value "
                                        "for 'model' in 'values'"),
        (["--profile", "nosuch.json"], "ollama-mock: profile file 'nosuch.json' does not exist (built-in profiles: "),
        (["--keep-timing"], "ollama-mock: --keep-timing keeps a cassette's chunk timing: it needs --cassette DIR"),
        (["--scenario", str(latin)], f"ollama-mock: {latin}: not UTF-8 text (byte 0 is 0xff)"),
        (["--clock", "9999-12-31T23:59:59Z"], "ollama-mock: --clock has value '9999-12-31T23:59:59Z': the year must be"),
    ]
    for args, start in cases:
        done = subprocess.run([*PY, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stderr.startswith(start), done.stderr
    assert "model_not_found" in subprocess.run([*PY, "serve", "--port", "0", "--scenario", str(bad_key)],
                                               capture_output=True, text=True, timeout=30).stderr


def test_serve_with_scenario_warns_about_overlaps_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "- name: a\n  match: {message: hi}\n  respond: {content: one}\n"
        "- name: b\n  match: {message: hi there}\n  respond: {content: two}\n"
    )
    proc, url = _start("serve", "--port", "0", "--scenario", str(path), "--profile", "ollama-0.5.11")
    try:
        r = httpx.post(
            url + "/api/chat",
            json={
                "model": "llama3.2",
                "stream": False,
                "messages": [{"role": "user", "content": "hi there"}],
            },
        )
        assert r.json()["message"]["content"] == "one"
        assert httpx.get(url + "/api/version").json() == {"version": "0.5.11"}
    finally:
        err = _stop(proc)
    assert "ollama-mock: warning:" in err and "rule 'b' can never match: rule 'a'" in err


def test_record_command_proxies_and_writes_a_cassette(make_mock, tmp_path: Path) -> None:
    upstream = make_mock()
    proc, url = _start(
        "record", "--upstream", upstream.base_url, "--cassette", str(tmp_path / "tape"), "--port", "0"
    )
    try:
        r = httpx.post(url + "/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False})
        assert r.status_code == 200 and r.json()["done"] is True
    finally:
        _stop(proc)
    assert [p.name for p in (tmp_path / "tape").iterdir()] == ["0000-post-api-generate.json"]


def test_sigterm_ends_stalled_streams_and_delayed_answers_quietly() -> None:
    import json
    import socket

    process = subprocess.Popen([*PY, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = (process.stdout.readline() if process.stdout else "").strip().rsplit(" ", 1)[-1]
    host, port = url.removeprefix("http://").split(":")
    clients = []
    for fault, stream in (("stall;after=1;seconds=60", True), ("latency;ms=60000", False)):
        body = json.dumps({"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": stream}).encode()
        client = socket.create_connection((host, int(port)), timeout=10)
        client.sendall(b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ollama-Mock-Fault: " + fault.encode()
                       + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        clients.append(client)
    clients[0].recv(1)  # the stream has begun: it now waits in its stall
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)  # well before the stalls would end
    delayed = clients[1].recv(64)
    for client in clients:
        client.close()
    assert delayed.startswith(b"HTTP/1.1 200")  # answered at the stop, never uvicorn's bare 500
    # no "graceful shutdown exceeded", no "returned without completing response": the waits ended
    assert process.returncode == 0 and err == ""
