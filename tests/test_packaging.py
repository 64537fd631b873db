"""The wheel holds every package folder and data file, under one distinct import name."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOUNTS = {"ollama_conformance": "ollama_conformance", "contracts": "contracts", "mock_server": "mock_server", "suites": "suites", "reports": "reports"}


def _listed_packages() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text.split("packages = [", 1)[1].split("]", 1)[0]
    return set(re.findall(r'"([^"]+)"', block))


def _package_folders() -> set[str]:
    names = set()
    for folder, mount in MOUNTS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            names.add(".".join(["ollama_conformance"] + ([mount] if mount != "ollama_conformance" else []) + list(rel)))
    return names


def test_every_package_folder_is_listed_in_pyproject() -> None:
    assert _package_folders() - _listed_packages() == set()


def test_every_listed_package_exists() -> None:
    assert _listed_packages() - _package_folders() == set()


def test_design_folders_are_not_importable_as_top_level_names() -> None:
    import importlib.util
    import sys

    saved = list(sys.path)
    try:
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
        for name in ("contracts", "mock_server", "suites", "reports"):
            assert importlib.util.find_spec(name) is None, name
    finally:
        sys.path[:] = saved


def test_contract_documents_are_reachable_through_the_package() -> None:
    from importlib import resources

    from ollama_conformance import contracts

    assert resources.files(contracts).joinpath("index.json").is_file()
    assert len(contracts.operations()) >= 25
