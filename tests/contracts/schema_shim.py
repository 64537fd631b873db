"""The contract tests' own validation shim, shared through the `schema_shim` fixture (conftest.py).

A referencing Registry of every schema file and Draft-07 validators built on it, independent of
`contracts.validate` (the library under test), plus the schema walk and the generation checks
the schema tests share.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from ollama_conformance import contracts

ROOT = Path(str(resources.files("ollama_conformance.contracts")))


@lru_cache(maxsize=1)
def registry() -> Registry:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "schemas").glob("*/*.json")]
    return Registry().with_resources(
        (d["$id"], Resource.from_contents(d, default_specification=DRAFT7)) for d in docs
    )


@cache
def validator(path: str) -> Draft7Validator:
    return Draft7Validator(contracts.schema(path), registry=registry())


def walk(node: Any) -> list[dict[str, Any]]:
    """Every sub-schema object of a document."""
    if isinstance(node, list):
        return [s for item in node for s in walk(item)]
    if not isinstance(node, dict):
        return []
    return [node] + [s for value in node.values() for s in walk(value)]


def check_generated(
    errors: Callable[[str, Any], list[str]],
    path: str,
    strategy: st.SearchStrategy[Any],
    examples: int,
    **more: Any,
) -> None:
    """Every instance `strategy` draws passes the schema at `path` (`more`: further hypothesis settings)."""

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **more,
    )
    @given(strategy)
    def check(instance: Any) -> None:
        assert errors(path, instance) == []

    check()


def require_hypothesis_jsonschema() -> None:
    """Fail with the fix when hypothesis-jsonschema cannot generate with the installed hypothesis."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from_schema({"type": "object", "properties": {"a": {"type": "string"}}}).example()
    except AttributeError as exc:  # 0.23.1 calls cu.many(...).more(), gone from hypothesis 6.170
        pytest.fail(f"hypothesis-jsonschema is broken with this hypothesis (pin it in pyproject.toml): {exc}")
