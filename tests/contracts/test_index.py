"""index.json covers every in-scope route of reference §1.0, and every schema it names exists.

The route table is parsed from ../shared/reference/ollama-api.md (relative to the repository
root). Without that folder the table tests are skipped, unless CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ollama_conformance import contracts

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "ollama-api.md"
OUT_OF_SCOPE = range(18, 24)  # rows 18-23: ollama.com account and experimental proxies


def reference_text() -> str:
    if not REFERENCE.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI is set but the reference is missing: {REFERENCE}")
        pytest.skip(f"reference not available: {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _route_rows(text: str) -> list[dict[str, Any]]:
    section = text.split("### 1.0", 1)[1].split("\n### ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0].isdigit():
            path = re.sub(r":(\w+)", r"{\1}", cells[2].strip("`"))
            methods = [m.strip() for m in cells[1].split(",")]
            rows.append({"row": int(cells[0]), "methods": methods, "path": path, "streaming": cells[4]})
    return rows


def route_rows() -> list[dict[str, Any]]:
    return _route_rows(reference_text())


def in_scope_routes() -> list[tuple[int, str, str]]:
    """(row, method, path) for every in-scope route; a HEAD next to GET is the GET entry's `head`."""
    out = []
    for row in route_rows():
        if row["row"] in OUT_OF_SCOPE:
            continue
        for method in row["methods"]:
            if method == "HEAD" and "GET" in row["methods"]:
                continue
            out.append((row["row"], method, row["path"]))
    return out


def test_the_route_table_parses_into_31_rows() -> None:
    assert [r["row"] for r in route_rows()] == list(range(1, 32))


def schema_paths(entry: dict[str, Any]) -> list[str]:
    paths = [entry.get("request"), entry.get("request_fields")]
    paths.append((entry.get("response") or {}).get("schema"))
    paths.append((entry.get("stream") or {}).get("chunk"))
    paths.append((entry.get("errors") or {}).get("schema"))
    for variant in entry.get("variants", []):
        paths.extend(variant.get(kind) for kind in ("request", "response", "chunk", "error"))
    return [p for p in paths if isinstance(p, str)]


def schema_exists(path: str) -> bool:
    return resources.files("ollama_conformance.contracts").joinpath("schemas").joinpath(path).is_file()


def test_every_in_scope_route_has_an_index_entry_and_its_schema_files() -> None:
    problems = []
    operations = contracts.index()["operations"]
    for row, method, path in in_scope_routes():
        name = f"{method} {path}"
        if name not in operations:
            problems.append(f"row {row}: {name} has no index entry")
            continue
        problems.extend(
            f"row {row}: {name} names {p}, which does not exist"
            for p in schema_paths(operations[name])
            if not schema_exists(p)
        )
    assert problems == []


def test_head_is_declared_where_the_table_lists_get_and_head() -> None:
    operations = contracts.index()["operations"]
    for row in route_rows():
        if row["row"] not in OUT_OF_SCOPE and "GET" in row["methods"]:
            assert operations[f"GET {row['path']}"]["head"] == ("HEAD" in row["methods"]), row


def test_out_of_scope_routes_are_listed_as_such_and_have_no_entry() -> None:
    operations, listed = contracts.index()["operations"], set(contracts.index()["out_of_scope"])
    for row in route_rows():
        if row["row"] in OUT_OF_SCOPE:
            for method in row["methods"]:
                assert f"{method} {row['path']}" in listed
                assert f"{method} {row['path']}" not in operations


def test_the_index_has_no_route_the_table_lacks() -> None:
    table = {f"{m} {p}" for _, m, p in in_scope_routes()}
    assert set(contracts.operations()) - table == set()


def test_streaming_column_matches_the_stream_entry() -> None:
    operations = contracts.index()["operations"]
    for row, method, path in in_scope_routes():
        stream, text = operations[f"{method} {path}"].get("stream"), row_streaming(row)
        if text.startswith("none"):
            assert stream is None, (row, text)
        else:
            assert stream is not None, (row, text)
            assert stream["framing"] == ("ndjson" if "NDJSON" in text else "sse"), row
            assert stream["default"] == ("**true**" in text), row


def row_streaming(number: int) -> str:
    return next(r["streaming"] for r in route_rows() if r["row"] == number)


def test_every_schema_file_has_the_id_its_path_implies() -> None:
    root = resources.files("ollama_conformance.contracts").joinpath("schemas")
    for folder in root.iterdir():
        for item in folder.iterdir() if folder.is_dir() else []:
            if item.name.endswith(".json"):
                path = f"{folder.name}/{item.name}"
                assert contracts.schema(path).get("$id") == f"https://ollama-conformance.invalid/{path}", path


def test_embed_lists_the_501_of_older_releases() -> None:
    """Recorded 0135-api-embed-501-not-supported (v0.13.5): a model without an embedding head was a 501;
    the mock's older profiles answer it too, so the index lists it."""
    assert 501 in contracts.operation("POST /api/embed")["errors"]["status"]
