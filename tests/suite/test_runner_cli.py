"""The `run` command's usage errors and unreachable-server handling (no server needed)."""

from __future__ import annotations

import socket

import pytest
from ollama_conformance.suites.harness.runner import main


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    assert main(["--base-url", url, "--timeout", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.strip() == f"ollama-conformance run: cannot reach {url}: connection refused"


@pytest.mark.parametrize("argv,needle", [
    (["--base-url", "http://127.0.0.1:1", "--profile", "ollama-0.32"], "--profile applies to the embedded mock only"),
    (["--repeat", "0"], "--repeat must be from 1 to 100, got 0"),
    (["--repeat", "1000000"], "--repeat must be from 1 to 100, got 1000000"),
    (["--timeout", "-1"], "--timeout must be > 0, got -1"),
    (["--base-url", "127.0.0.1:11434"], "--base-url '127.0.0.1:11434' must start with http:// or https://"),
    (["--repeat", "many"], "argument --repeat: invalid int value: 'many'"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag (valid options: --allow-destructive, --base-url, "),
    (["--profile", "nope"], "unknown --profile 'nope'; valid: ollama-0.12.9, ollama-0.32, "),
    # each was a traceback: float() takes nan and inf, httpx refuses these URLs with InvalidURL (no HTTPError)
    (["--timeout", "nan"], "--timeout must be > 0, got nan"),
    (["--timeout", "inf"], "--timeout must be > 0, got inf"),
    (["--base-url", "http://[::1"], "--base-url 'http://[::1' is not a URL: Invalid port: ':1'"),
    (["--base-url", "http://\udcff"], "--base-url 'http://\\udcff' is not a URL: Invalid IDNA hostname"),
    (["--base-url", "http://"], "--base-url 'http://' is not a URL: it names no host"),
    (["--model-chat", "\udcff"], "--model-chat '\\udcff' is not a model name"),
])
def test_usage_errors_exit_2_with_one_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_unknown_model_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model-chat", "no-such-model:1b", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ollama-conformance run: --model-chat 'no-such-model:1b' is not on http://127.0.0.1:")
    assert "installed: " in err and "llama3.2:latest" in err and "\n" not in err


def test_progress_names_each_module_with_the_report_categories_of_its_checks() -> None:
    import io
    from types import SimpleNamespace

    from ollama_conformance.suites.harness.progress import Progress

    stream = io.StringIO()  # not a terminal: one line per module
    progress = Progress(total=3, stream=stream)
    for outcome, category, module in (("passed", "tool-calling", "tools_v1"), ("gap", "openai-compat", "tools_v1"),
                                      ("passed", "stream", "streams")):
        progress.update(SimpleNamespace(outcome=outcome, spec=SimpleNamespace(category=category)), module)
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "tools_v1 (tool-calling, openai-compat): gap 1, passed 1",
        "streams (stream): passed 1",
        "[3/3] passed 2  failed 0  gaps 1  info 0  skipped 0",
    ]


@pytest.mark.parametrize("flag", ["--report-dir", "--report-dir=", "--repo"])
def test_a_report_dir_that_is_a_file_is_one_line_before_any_check_runs(flag: str, tmp_path) -> None:
    import io

    from ollama_conformance.cli import run as cli_run

    taken = tmp_path / "report"
    taken.write_text("not a folder")
    for target, where in ((taken, "it is a file"), (taken / "sub", f"{str(taken)!r} is a file")):
        argv = ["run", f"{flag}{target}"] if flag.endswith("=") else ["run", flag, str(target)]
        out, err = io.StringIO(), io.StringIO()
        assert cli_run(argv, out, err) == 2
        assert err.getvalue() == f"ollama-conformance run: --report-dir {str(target)!r} is not a directory: {where}\n"
        assert out.getvalue() == ""  # refused up front: the suite did not run (it used to, then "File exists")


def test_an_empty_report_dir_is_refused_before_any_check_runs() -> None:
    import io

    from ollama_conformance.cli import run as cli_run

    # `--report-dir "$UNSET"`: Path("") is the current folder, whose report.json the run replaced
    for argv in (["run", "--report-dir", ""], ["run", "--report-dir="]):
        out, err = io.StringIO(), io.StringIO()
        assert cli_run(argv, out, err) == 2
        assert err.getvalue() == "ollama-conformance run: --report-dir '': expected a folder\n" and out.getvalue() == ""
