"""The ollama-conformance CLI: validate, endpoints, openapi, and the run/report dispatch."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from ollama_conformance import cli, contracts

CHAT_REQUEST = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}
CHAT_STREAM = (
    '{"model":"m","created_at":"2026-08-21T17:02:11.5Z","message":{"role":"assistant","content":"Hi"},"done":false}\n'
    '{"model":"m","created_at":"2026-08-21T17:02:12.1Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}\n'
)


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def test_a_valid_request_exits_0(tmp_path: Path) -> None:
    code, out, err = call("validate", "POST /api/chat", "request", write(tmp_path, "r.json", CHAT_REQUEST))
    assert (code, err) == (0, "")
    assert "valid request of POST /api/chat" in out


def test_warnings_are_printed_and_the_exit_code_stays_0(tmp_path: Path) -> None:
    request = {**CHAT_REQUEST, "options": {"mirostat": 1}}
    code, out, _ = call("validate", "POST /api/chat", "request", write(tmp_path, "r.json", request))
    assert code == 0
    assert "warning: options.mirostat is ignored by Ollama >= 0.7.0" in out


def test_violations_exit_1_with_instance_path_schema_path_and_message(tmp_path: Path) -> None:
    code, out, _ = call("validate", "POST /api/chat", "request", write(tmp_path, "r.json", {"messages": "x"}))
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("$.messages  properties/messages/type  ") for line in lines), out
    assert any(line.startswith("$  required  'model' is a required property") for line in lines), out
    assert lines[-1].endswith("violations of the POST /api/chat request contract")


def test_the_endpoint_may_be_given_by_path_alone(tmp_path: Path) -> None:
    code, out, _ = call("validate", "/api/chat", "error", write(tmp_path, "e.json", {"error": "boom"}))
    assert code == 0 and "POST /api/chat" in out


def test_a_stream_file_is_validated_with_its_grammar(tmp_path: Path) -> None:
    assert call("validate", "POST /api/chat", "stream", write(tmp_path, "s.ndjson", CHAT_STREAM))[0] == 0
    code, out, _ = call(
        "validate",
        "POST /api/chat",
        "stream",
        write(tmp_path, "s.ndjson", CHAT_STREAM.splitlines()[0] + "\n"),
    )
    assert code == 1 and "streams.json#/grammars/native-generation/rules/terminal" in out


def test_a_stream_request_enables_the_usage_rules(tmp_path: Path) -> None:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "system_fingerprint": "fp_ollama",
    }
    frames = [
        {
            **chunk,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}],
        },
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    raw = "".join(f"data: {json.dumps(f)}\n\n" for f in frames) + "data: [DONE]\n\n"
    stream = write(tmp_path, "s.sse", raw)
    assert call("validate", "POST /v1/chat/completions", "stream", stream)[0] == 0
    request = write(
        tmp_path,
        "req.json",
        {"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}},
    )
    code, out, _ = call("validate", "POST /v1/chat/completions", "stream", stream, "--request", request)
    assert code == 1 and "include_usage" in out


def test_an_unknown_endpoint_exits_2_listing_the_known_ones(tmp_path: Path) -> None:
    code, out, err = call("validate", "POST /api/nope", "request", write(tmp_path, "r.json", {}))
    assert (code, out) == (2, "")
    assert "unknown endpoint 'POST /api/nope'" in err and "POST /api/chat" in err
    assert len(err.splitlines()) == 1


def test_an_unknown_kind_exits_2_naming_the_choices(tmp_path: Path) -> None:
    code, _, err = call("validate", "POST /api/chat", "body", write(tmp_path, "r.json", {}))
    assert code == 2 and "invalid choice: 'body'" in err and "request" in err
    assert len(err.splitlines()) == 1


def test_an_unknown_flag_is_named_before_any_positional(tmp_path: Path) -> None:
    code, _, err = call("validate", "--bogus", "x", "y", "z")  # argparse alone would blame 'y'
    assert code == 2 and err == ("ollama-conformance validate: unrecognized arguments: --bogus (valid options: "
                                 "--help, --request, --variant) (see ollama-conformance validate --help)\n")
    document = write(tmp_path, "r.json", CHAT_REQUEST)
    assert call("validate", "POST /api/chat", "request", document, "--request=" + document)[0] == 0  # --opt=value


def test_a_missing_command_or_argument_is_one_line() -> None:
    for argv in ([], ["validate", "POST /api/chat"], ["nope"]):
        code, _, err = call(*argv)
        assert code == 2 and len(err.splitlines()) == 1 and err.startswith("ollama-conformance"), argv


def test_a_non_json_file_is_named_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "model": "m",\n  oops\n}')
    code, _, err = call("validate", "POST /api/chat", "request", path)
    assert code == 2
    assert (
        err.strip()
        == f"ollama-conformance validate: {path} is not JSON: Expecting property name enclosed in double quotes at line 3 column 3"
    )


@pytest.mark.parametrize(("text", "problem"), [
    # were tracebacks: json's RecursionError and int()'s digit limit are no JSONDecodeError
    ("[" * 100_000 + "]" * 100_000, "cannot read: values nested too deeply"),
    ('{"model": ' + "9" * 5000 + "}", "cannot read: Exceeds the limit (4300 digits)"),
])
def test_a_document_json_cannot_read_is_one_line(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, "odd.json", text)
    for argv in (("request", path), ("stream", write(tmp_path, "s.ndjson", ""), "--request", path)):
        code, out, err = call("validate", "POST /api/chat", *argv)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert err.startswith(f"ollama-conformance validate: {path}: {problem}")


def test_a_stream_record_nested_too_deeply_is_a_violation_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for endpoint, name, body in (("POST /api/chat", "s.ndjson", deep + "\n"),
                                 ("POST /v1/chat/completions", "s.sse", f"data: {deep}\n\n")):
        code, out, err = call("validate", endpoint, "stream", write(tmp_path, name, body))
        assert code == 1 and err == "" and "is nested too deeply to read" in out.splitlines()[0]


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.json")
    code, _, err = call("validate", "POST /api/chat", "request", missing)
    assert code == 2 and missing in err and "Traceback" not in err


def test_a_kind_without_schema_and_an_unknown_variant_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", {})
    code, _, err = call("validate", "POST /api/copy", "response", path)
    assert code == 2 and "no response schema" in err
    code, _, err = call("validate", "POST /api/chat", "response", path, "--variant", "nope")
    assert code == 2 and "known variants" in err


def test_endpoints_lists_the_index() -> None:
    code, out, _ = call("endpoints")
    assert code == 0
    assert [line.split()[0] + " " + line.split()[1] for line in out.splitlines()] == contracts.operations()


def test_openapi_prints_or_writes_the_document(tmp_path: Path) -> None:
    code, out, _ = call("openapi")
    assert code == 0 and json.loads(out)["openapi"] == "3.1.0"
    target = tmp_path / "openapi.json"
    assert call("openapi", "--output", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["paths"]
    code, _, err = call("openapi", "--output", str(tmp_path / "no" / "dir" / "x.json"))
    assert code == 2 and "cannot write" in err


def test_openapi_output_that_cannot_be_written_whole_leaves_the_previous_file(tmp_path: Path) -> None:
    # a full disk (here: a file size limit) while writing: the previous document stays, not half a new one
    target = tmp_path / "openapi.json"
    target.write_text('{"previous": true}\n', encoding="utf-8")
    limit = "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))"
    code = f"{limit}; from ollama_conformance.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "openapi", "--output", str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "cannot write" in done.stderr, done.stderr
    assert target.read_text(encoding="utf-8") == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["openapi.json"]


def test_run_and_report_are_dispatched_with_their_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 3

    fake = types.ModuleType("fake")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ollama_conformance.reports.cli", fake)
    assert call("report", "--format", "html")[0] == 3
    assert seen == [["--format", "html"]]


def test_a_missing_delegate_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ollama_conformance.suites.harness.runner", None)  # import fails
    code, _, err = call("run", "--base-url", "http://127.0.0.1:1")
    assert code == 2 and len(err.splitlines()) == 1 and "ollama_conformance.suites.harness.runner" in err


def test_help_is_fast_and_imports_no_jsonschema() -> None:
    code = (
        "import sys, io; from ollama_conformance import cli; "
        "rc = cli.run(['--help'], io.StringIO(), io.StringIO()); "
        "rc2 = cli.run(['validate', '--help'], io.StringIO(), io.StringIO()); "
        "print(rc, rc2, 'jsonschema' in sys.modules, 'pytest' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["0", "0", "False", "False"]


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ollama_conformance", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "validate" in out.stdout


def test_a_binary_stream_gives_violation_lines_that_are_bounded_and_escaped(tmp_path: Path) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(b"\x1b[2J\x07" + bytes(range(128, 256)) * 4)  # control bytes, then undecodable ones
    code, out, err = call("validate", "POST /v1/messages", "stream", str(path))
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert len(lines) == out.count("\n") and any("sse-fields" in line for line in lines)
    for line in lines:
        assert len(line) < 400 and line.isprintable() and "\ufffd" not in line, line
    assert "more characters)" in out and "\\ufffd" in out  # cut, and the undecodable bytes shown escaped
