"""How a check declares itself (`@check(...)`) and what it needs from the target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from .results import CheckSpec

F = TypeVar("F", bound=Callable[..., Any])
MARK = "conformance_check"


def check(id: str, endpoint: str, category: str, severity: str = "failure", gap: int | None = None,
          title: str = "", behaviour: str | None = None) -> Callable[[F], F]:
    """Declare a conformance check; the spec is validated now, so a typo fails at import.

    `behaviour` pairs the native and the /v1 check of one tool-calling behaviour in the report.
    """
    spec = CheckSpec(id=id, endpoint=endpoint, category=category, severity=severity, gap=gap, title=title,
                     behaviour=behaviour)
    return getattr(pytest.mark, MARK)(spec)  # type: ignore[no-any-return]


def spec_of(item: pytest.Item) -> CheckSpec | None:
    """The check's spec; a parametrized check gets the case in its id, the title is its docstring."""
    mark = item.get_closest_marker(MARK)
    if mark is None:
        return None
    base: CheckSpec = mark.args[0]
    doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip().splitlines()
    title = base.title or (doc[0] if doc else "")
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return replace(base, title=title)
    return replace(base, id=f"{base.id}[{callspec.id}]", endpoint=_endpoint(base.endpoint, callspec.params),
                   title=f"{title} ({callspec.id})" if title else "")


def _endpoint(declared: str, params: dict[str, Any]) -> str:
    """A parametrized check may take its endpoint from a param (a case object or `endpoint`)."""
    for name, value in params.items():
        if name == "endpoint" and isinstance(value, str):
            return value
        if isinstance(getattr(value, "endpoint", None), str):
            return str(value.endpoint)
    return declared
