"""What the CI extensions learn about the request being answered, across hooks.

The fault interceptor opens a Mark when a request arrives; the scenario responder (which may
run deeper, even in a worker thread) writes the rule that answered and the fault it asks for;
the transformer and the journal read them. A ContextVar holds the Mark: each request runs in
its own task, so marks never leak between requests, and the Mark object itself is shared
(mutated, never re-set) so a copied context in a thread still reaches it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_CURRENT: ContextVar[Mark | None] = ContextVar("ollama_mock_mark", default=None)


class Mark:
    """The request's facts, as the hooks learn them (slots: one is made per request)."""

    __slots__ = ("endpoint", "rule", "fault", "fault_source", "ext")

    def __init__(self, endpoint: str = "") -> None:
        self.endpoint = endpoint
        self.rule: str | None = None
        self.fault: Any = None  # a faults.Fault chosen for this request, or None
        self.fault_source: str | None = None  # "header", "rule" or "seed"
        self.ext: Any = None  # the Extensions of the mock answering (server-side error reports)


def begin(endpoint: str) -> Mark:
    """A fresh Mark for the request now starting."""
    mark = Mark(endpoint)
    _CURRENT.set(mark)
    return mark


def current() -> Mark | None:
    return _CURRENT.get()


def ensure(endpoint: str = "") -> Mark:
    """The current Mark, opened here when no interceptor opened one."""
    mark = _CURRENT.get()
    return mark if mark is not None else begin(endpoint)
