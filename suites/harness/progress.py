"""Live progress on stderr: an updating line on a terminal, one line per module otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

from .results import CheckResult


class Progress:
    def __init__(self, total: int = 0, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.total = total
        self.counts = {"passed": 0, "failed": 0, "gap": 0, "info": 0, "skipped": 0}
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._module = ""
        self._module_counts: dict[str, int] = {}
        self._categories: dict[str, None] = {}  # the module's check categories, in order met

    def _line(self) -> str:
        c = self.counts
        return (f"[{self.done}/{self.total}] passed {c['passed']}  failed {c['failed']}  "
                f"gaps {c['gap']}  info {c['info']}  skipped {c['skipped']}")

    def update(self, result: CheckResult, module: str) -> None:
        if module != self._module:
            self._flush_module()
            self._module = module
        self._categories.setdefault(result.spec.category, None)  # the reports group by these
        self.done += 1
        self.counts[result.outcome] += 1
        self._module_counts[result.outcome] = self._module_counts.get(result.outcome, 0) + 1
        if self.enabled and self.tty:
            self.stream.write("\r" + self._line() + f"  {module:<24}")
            self.stream.flush()

    def _flush_module(self) -> None:
        if self.enabled and not self.tty and self._module:
            parts = ", ".join(f"{k} {v}" for k, v in sorted(self._module_counts.items()))
            self.stream.write(f"{self._module} ({', '.join(self._categories)}): {parts}\n")
            self.stream.flush()
        self._module_counts = {}
        self._categories = {}

    def finish(self) -> None:
        self._flush_module()
        if self.enabled:
            self.stream.write(("\r" if self.tty else "") + self._line() + "\n")
            self.stream.flush()
