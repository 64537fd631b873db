"""pytest glue: fixtures for checks, one CheckResult per check, progress, evidence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .client import Client, Exchange
from .expect import CheckFailed, excerpt_of
from .marks import MARK, spec_of
from .progress import Progress
from .results import CATEGORIES, SEVERITIES, CheckResult, CheckSpec, Evidence, outcome_for
from .target import Target


class SuitePlugin:
    """Registered by the runner with the resolved target; collects results in `results`."""

    def __init__(self, target: Target, progress: Progress | None = None) -> None:
        self._target = target
        self.progress = progress or Progress(enabled=False)
        self.results: list[CheckResult] = []
        self.client = Client(target.base_url, target.config.timeout, server_version=target.server_version)
        self.errors: list[str] = []  # collection problems (a check without @check)

    # -- configuration ------------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", f"{MARK}(spec): a conformance check (use harness.marks.check)")
        for name in selection_markers():
            config.addinivalue_line("markers", f"{name}: conformance checks selectable with -m")

    @pytest.hookimpl(tryfirst=True)  # before -m deselects: the markers below must exist by then
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            spec = spec_of(item)
            if spec is not None:
                for name in markers_of(spec):
                    item.add_marker(name)
            if spec is None:
                self.errors.append(f"{item.nodeid}: not declared with @check")
                drop.append(item)
            elif self._target.config.gaps_only and spec.gap is None:
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.total = len(session.items)  # after -k / -m deselection

    def pytest_sessionfinish(self) -> None:
        self.client.close()
        self.progress.finish()

    # -- fixtures ----------------------------------------------------------------------
    @pytest.fixture(scope="session")
    def target(self) -> Target:
        return self._target

    @pytest.fixture
    def api(self) -> Iterator[Client]:
        self.client.exchanges = []
        yield self.client

    # -- results -----------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
        outcome: Any = yield
        report: pytest.TestReport = outcome.get_result()
        spec = spec_of(item)
        if spec is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            result = self._result(spec, report, call)
            self.results.append(result)
            self.progress.update(result, Path(str(item.path)).stem.removeprefix("test_"))

    def _result(self, spec: CheckSpec, report: pytest.TestReport, call: pytest.CallInfo[Any]) -> CheckResult:
        duration = float(report.duration)
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            return CheckResult(spec, "skipped", str(reason).removeprefix("Skipped: "), duration)
        if report.passed:
            return CheckResult(spec, "passed", "", duration)
        exc = call.excinfo.value if call.excinfo is not None else None
        return self._not_passed(spec, exc, duration)

    def _not_passed(self, spec: CheckSpec, exc: BaseException | None, duration: float) -> CheckResult:
        exchanges = self.client.exchanges
        if isinstance(exc, CheckFailed):
            ex = exc.exchange or (exchanges[-1] if exchanges else None)
            message = exc.message
            evidence = _evidence(ex, exc.excerpt, exc.json_path)
            outcome = outcome_for(spec, passed=False)
        else:
            # A crash is never reported as a gap: it is a failure of the server or of the check.
            ex = exchanges[-1] if exchanges else None
            message = f"check error: {type(exc).__name__}: {exc}" if exc else "check error"
            evidence = _evidence(ex, None, "$")
            outcome = "failed"
        notes = getattr(exc, "__notes__", None) or []
        shrunk = [n for n in notes if n.startswith(("Falsifying example", "Failing test case"))]
        if shrunk and ex is not None:  # hypothesis replays the minimal example last: that is the exchange
            shown = ex.body if ex.body is not None else (ex.raw_body or b"").decode("utf-8", "replace")
            message += " | shrunk example: " + json.dumps(shown, ensure_ascii=False)[:400]
        return CheckResult(spec, outcome, " ".join(message.split()), duration, evidence)


def markers_of(spec: CheckSpec) -> list[str]:
    """-m names of a check: its category (tool_calling), severity, and gap / gapN when tied to a row."""
    names = [spec.category.replace("-", "_"), spec.severity]
    if spec.gap is not None:
        names += ["gap_row", f"gap{spec.gap}"]
    return names


def selection_markers() -> list[str]:
    return [c.replace("-", "_") for c in CATEGORIES] + list(SEVERITIES) + ["gap_row"] + [f"gap{n}" for n in range(1, 40)]


def _evidence(ex: Exchange | None, excerpt: Any, json_path: str) -> Evidence:
    if ex is None:
        return Evidence(response_excerpt=excerpt_of(excerpt) if excerpt is not None else "", json_path=json_path)
    shown = excerpt if excerpt is not None else ex.text
    return Evidence(request=ex.request_json(), response_excerpt=excerpt_of(shown), json_path=json_path,
                    reproduce=ex.curl())
