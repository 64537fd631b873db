"""The endpoint x category matrix of one run: per cell the worst outcome and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import CATEGORIES, OUTCOMES, SEVERITY_ORDER, Report

# Native routes first, then the OpenAI/Anthropic compatibility layers, then anything else.
_API_ORDER = ("/api/", "/v1/", "/")


@dataclass
class Cell:
    counts: dict[str, int] = field(default_factory=lambda: {name: 0 for name in OUTCOMES})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def worst(self) -> str | None:
        """failed > gap > info > passed > skipped; None for an empty cell."""
        for outcome in SEVERITY_ORDER:
            if self.counts[outcome]:
                return outcome
        return None


@dataclass
class Matrix:
    endpoints: list[str]
    categories: list[str]
    cells: dict[tuple[str, str], Cell]

    def cell(self, endpoint: str, category: str) -> Cell:
        return self.cells.get((endpoint, category)) or Cell()

    def to_json(self) -> dict[str, object]:
        """The data the page script draws the matrix from."""
        return {
            "endpoints": self.endpoints,
            "categories": self.categories,
            "cells": [
                {"endpoint": ep, "category": cat, "worst": cell.worst,
                 "counts": {k: v for k, v in cell.counts.items() if v}}
                for (ep, cat), cell in sorted(self.cells.items())
            ],
        }


def endpoint_key(endpoint: str) -> tuple[int, str, str]:
    method, _, path = endpoint.partition(" ")
    if not path:
        method, path = "", endpoint
    rank = next((i for i, prefix in enumerate(_API_ORDER) if path.startswith(prefix)), len(_API_ORDER))
    return rank, path, method


def build(report: Report) -> Matrix:
    cells: dict[tuple[str, str], Cell] = {}
    for result in report.results:
        cell = cells.setdefault((result.endpoint, result.category), Cell())
        cell.counts[result.outcome] += 1
    endpoints = sorted({ep for ep, _ in cells}, key=endpoint_key)
    used = {cat for _, cat in cells}
    return Matrix(endpoints=endpoints, categories=[c for c in CATEGORIES if c in used], cells=cells)
