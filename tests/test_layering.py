"""The import rules of ARCHITECTURE.md, checked on every module's imports (AST, not runtime)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = "ollama_conformance"


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT).with_suffix("").parts
    here = [PKG, *rel[:-1]] if rel[0] != PKG else list(rel[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.add(mod)
            names.update(f"{mod}.{alias.name}" for alias in node.names)
    return names


def _violations(folder: str, forbidden: tuple[str, ...], allow: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    found = []
    for path in _modules(folder):
        rel = str(path.relative_to(ROOT))
        allowed = (allow or {}).get(rel, ())
        for name in _imports(path):
            for bad in forbidden:
                if (name == bad or name.startswith(bad + ".")) and not any(
                    name == ok or name.startswith(ok + ".") for ok in allowed
                ):
                    found.append(f"{rel} imports {name}")
    return sorted(set(found))


def test_contracts_import_nothing_of_the_project_but_themselves() -> None:
    forbidden = (f"{PKG}.mock_server", f"{PKG}.suites", f"{PKG}.reports", "starlette", "uvicorn", "pytest", "hypothesis")
    assert _violations("contracts", forbidden) == []


def test_mock_server_never_imports_the_suite_reports_or_test_tools() -> None:
    forbidden = (f"{PKG}.suites", f"{PKG}.reports", "hypothesis", "pytest", "_pytest")
    allow = {"mock_server/pytest_plugin.py": ("pytest", "_pytest")}
    assert _violations("mock_server", forbidden, allow) == []


def test_conformance_checks_never_import_the_mock() -> None:
    assert _violations("suites/conformance", (f"{PKG}.mock_server",)) == []


def test_only_the_target_module_of_the_harness_imports_the_mock() -> None:
    allow = {"suites/harness/target.py": (f"{PKG}.mock_server.testing", f"{PKG}.mock_server")}
    assert _violations("suites/harness", (f"{PKG}.mock_server",), allow) == []


def test_reports_use_only_the_standard_library() -> None:
    forbidden = (f"{PKG}.suites", f"{PKG}.mock_server", f"{PKG}.contracts", "jsonschema", "starlette", "httpx", "pytest")
    assert _violations("reports", forbidden) == []


@pytest.mark.parametrize("folder", ["contracts", "mock_server", "suites", "reports", "ollama_conformance"])
def test_no_module_imports_the_design_folders_as_top_level_names(folder: str) -> None:
    forbidden = ("contracts", "mock_server", "suites", "reports")
    assert _violations(folder, forbidden) == []


def test_the_shared_file_writer_uses_only_the_standard_library() -> None:
    import sys

    path = ROOT / "ollama_conformance" / "files.py"
    outside = sorted(n for n in _imports(path) if n.split(".")[0] not in sys.stdlib_module_names
                     and n != "__future__" and not n.startswith("__future__."))
    assert outside == []
