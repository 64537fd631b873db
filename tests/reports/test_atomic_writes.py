"""Report and cassette files are replaced whole or not at all: a write that fails half-way (a full
disk, a kill) leaves the previous file as it was and no temp file behind."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from ollama_conformance.reports import write_reports
from ollama_conformance.suites.harness import runner

from ollama_conformance import files


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", fsync)


def test_a_failed_write_keeps_the_previous_reports(full_report: dict[str, Any], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    runner.write(full_report, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(before) == ["junit.xml", "report.html", "report.json", "report.md"]
    changed = json.loads(json.dumps(full_report))
    changed["target"]["base_url"] = "http://127.0.0.1:2"
    _disk_full(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        runner.write(changed, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no .tmp left either


def test_the_run_command_says_it_could_not_write_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str],
                                                              full_report: dict[str, Any]) -> None:
    (tmp_path / "report.json").write_text('{"previous": true}\n')
    monkeypatch.setattr(runner, "run", lambda config, args: (0, full_report))
    _disk_full(monkeypatch)
    assert runner.main(["--report-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write reports" in err[0] and "No space left" in err[0]
    assert (tmp_path / "report.json").read_text() == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_written_files_get_the_umask_mode_not_a_private_temp_mode(full_report: dict[str, Any], tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = write_reports(full_report, tmp_path)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o644}


def test_an_interrupt_while_writing_removes_the_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")

    def interrupted(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"] and target.read_bytes() == b"old"


def test_a_symlink_is_written_through_not_replaced(tmp_path: Path) -> None:
    # a report path that links elsewhere (a web root, a CI artifact folder) keeps its link
    target = tmp_path / "published.md"
    target.write_bytes(b"old")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    files.write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.md", "report.md"]


def test_a_path_that_is_no_regular_file_is_written_to_not_renamed_over(tmp_path: Path) -> None:
    # `report --md /dev/stdout` or `--html /dev/null`: renaming a temp file over the device (which
    # root may do) replaced it with a file and wrote nothing where asked; a FIFO stands in for both
    fifo = tmp_path / "report.md"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that opening to write does not block
    try:
        files.write_atomic(fifo, b"new")
        assert os.read(reader, 100) == b"new"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    # a report made private (chmod 600: its evidence holds the prompts sent) stays private, as
    # writing it in place kept it before
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    files.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
