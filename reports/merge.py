"""Several runs merged into one matrix: a row per check id, a column per target, in the given order.

A regression is a check that passed in column i and failed, or became a gap or info, in column
i + 1. A check that is skipped or absent in column i + 1 is not a regression (nothing was
observed), and shows as such. The opposite move (not passing -> passed) is marked "fixed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .model import NOT_PASSING, Report, Result

_WORST_FIRST = ("failed", "gap", "info", "skipped", "passed")
NO_REGRESSIONS = "None: no check that passed in one column fails in the next."


@dataclass(frozen=True)
class Column:
    label: str
    report: Report


@dataclass
class Row:
    id: str
    cells: list[Result | None]
    regressions: list[int] = field(default_factory=list)  # column indexes that regressed vs the previous one
    fixes: list[int] = field(default_factory=list)

    @property
    def latest(self) -> Result:
        """The newest result of this check (the rightmost column that has it)."""
        return next(r for r in reversed(self.cells) if r is not None)

    @property
    def outcomes(self) -> list[str | None]:
        return [None if r is None else r.outcome for r in self.cells]

    @property
    def changed(self) -> bool:
        return len(set(self.outcomes)) > 1

    def sort_key(self) -> tuple[int, int, int, str]:
        """Regressions first, then checks that changed, then the newest outcome worst first."""
        return (0 if self.regressions else 1, 0 if self.changed else 1, _WORST_FIRST.index(self.latest.outcome), self.id)


class Regression(NamedTuple):
    row: Row
    column: int
    before: Result
    after: Result


@dataclass
class Merged:
    columns: list[Column]
    rows: list[Row]

    @property
    def regressions(self) -> list[tuple[Row, int]]:
        return [(row, i) for row in self.rows for i in row.regressions]

    def regression_pairs(self) -> list[Regression]:
        """Each regression with the two results it compares (columns `column - 1` and `column`)."""
        pairs = []
        for row, i in self.regressions:
            before, after = row.cells[i - 1], row.cells[i]
            assert before is not None and after is not None  # a regression compares two results
            pairs.append(Regression(row, i, before, after))
        return pairs

    def regressions_into(self, column: int) -> int:
        return sum(column in row.regressions for row in self.rows)


def labels(reports: list[Report]) -> list[str]:
    """Column labels: the target label; a repeated one gets the file name (or #n) appended."""
    base = [r.target.label for r in reports]
    out = []
    for i, (label, report) in enumerate(zip(base, reports, strict=True)):
        if base.count(label) > 1:
            label += f" ({Path(report.source).name})" if report.source else f" (#{i + 1})"
        out.append(label)
    if len(set(out)) < len(out):  # the same file twice
        out = [f"{label} (#{i + 1})" for i, label in enumerate(out)]
    return out


def merge(reports: list[Report]) -> Merged:
    columns = [Column(label, report) for label, report in zip(labels(reports), reports, strict=True)]
    index = [_by_id(report) for report in reports]
    order: dict[str, None] = {}
    for by_id in index:
        order.update(dict.fromkeys(by_id))
    rows = [_row(check_id, [by_id.get(check_id) for by_id in index]) for check_id in order]
    return Merged(columns=columns, rows=rows)


def _by_id(report: Report) -> dict[str, Result]:
    """Results by id; a repeated id in one run becomes 'id #2' so no result is lost."""
    out: dict[str, Result] = {}
    for result in report.results:
        key, n = result.id, 1
        while key in out:
            n += 1
            key = f"{result.id} #{n}"
        out[key] = result
    return out


def _row(check_id: str, cells: list[Result | None]) -> Row:
    row = Row(id=check_id, cells=cells)
    for i in range(1, len(cells)):
        before, after = cells[i - 1], cells[i]
        if before is None or after is None:
            continue
        if before.outcome == "passed" and after.outcome in NOT_PASSING:
            row.regressions.append(i)
        elif before.outcome in NOT_PASSING and after.outcome == "passed":
            row.fixes.append(i)
    return row
