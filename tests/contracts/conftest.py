"""Contract-test fixtures: `schema_shim`, the validation shim the schema tests share (schema_shim.py).

Tests run with --import-mode=importlib (no package, no sys.path entry), so the module is loaded
here from its file, once.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"contract_tests_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def schema_shim() -> ModuleType:
    # loaded on first use, not at conftest import: hypothesis warns about work done during collection
    return _load("schema_shim")
