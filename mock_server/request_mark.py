"""What the CI extensions learn about the request being answered, across hooks.

The fault interceptor opens a Mark when a request arrives; the scenario responder (which may
run deeper, even in a worker thread) writes the rule that answered and the fault it asks for;
the transformer and the journal read them. A ContextVar holds the Mark: each request runs in
its own task, so marks never leak between requests, and the Mark object itself is shared
(mutated, never re-set) so a copied context in a thread still reaches it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_CURRENT: ContextVar[Mark | None] = ContextVar("ollama_mock_mark", default=None)


@dataclass
class Mark:
    endpoint: str = ""
    rule: str | None = None
    fault: Any = None  # a faults.Fault chosen for this request, or None
    fault_source: str | None = None  # "header", "rule" or "seed"
    extra: dict[str, Any] = field(default_factory=dict)


def begin(endpoint: str) -> Mark:
    """A fresh Mark for the request now starting."""
    mark = Mark(endpoint=endpoint)
    _CURRENT.set(mark)
    return mark


def current() -> Mark | None:
    return _CURRENT.get()


def ensure(endpoint: str = "") -> Mark:
    """The current Mark, opened here when no interceptor opened one."""
    mark = _CURRENT.get()
    return mark if mark is not None else begin(endpoint)
