"""The wheel holds every package folder and data file, under one distinct import name."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

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


def test_design_folders_are_not_importable_as_top_level_names(tmp_path: Path) -> None:
    # A fresh interpreter outside the checkout sees what a user's program sees (`python -m pytest`
    # puts the checkout itself on sys.path, so this cannot be asked in-process).
    code = (
        "import importlib.util as u, sys; "
        "print([n for n in ('contracts', 'mock_server', 'suites', 'reports') if u.find_spec(n)]); "
        "import ollama_conformance.contracts, ollama_conformance.suites, ollama_conformance.reports"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_contract_documents_are_reachable_through_the_package() -> None:
    from importlib import resources

    from ollama_conformance import contracts

    assert resources.files(contracts).joinpath("index.json").is_file()
    assert len(contracts.operations()) >= 25


def _declared_versions() -> dict[str, SpecifierSet]:
    """pyproject's requirements that carry a version ("test extra: " before the test extra's)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {}
    for prefix, lines in (("", project["dependencies"]), ("test extra: ", project["optional-dependencies"]["test"])):
        for line in lines:
            req = Requirement(line)
            if req.specifier:
                declared[prefix + req.name + "".join(f"[{e}]" for e in sorted(req.extras))] = req.specifier
    return declared


def _readme_floor_table() -> dict[str, str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("#### Lowest versions", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| ([^|`]+?) \| `([^`]+)` \|", section, re.M))


def test_readme_lists_the_floors_pyproject_declares() -> None:
    declared, table = _declared_versions(), _readme_floor_table()
    assert set(table) == set(declared)
    assert {name: SpecifierSet(spec) for name, spec in table.items()} == declared
    assert all(any(s.operator == ">=" for s in spec) for spec in declared.values())  # each names its floor
