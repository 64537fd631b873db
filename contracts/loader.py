"""Reads the contract files (the one place that opens them), parsed once and cached."""

from __future__ import annotations

import json
import string
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

ID_BASE = "https://ollama-conformance.invalid/"
# The contract files sit next to this module (the package is always installed as files, never
# zipped). A plain path, not importlib.resources: that one costs ~3 ms of imports (zipfile,
# readers) on the mock's start path.
_ROOT = Path(__file__).parent


def _read_json(relative: str) -> Any:
    return json.loads((_ROOT / relative).read_text(encoding="utf-8"))


@cache
def index() -> dict[str, Any]:
    """contracts/index.json, parsed, with the version variants of variants/*.json merged in."""
    data = dict(_read_json("index.json"))
    folder = _ROOT / "variants"
    if folder.is_dir():
        for item in sorted(folder.iterdir(), key=lambda f: f.name):
            if item.name.endswith(".json"):
                for endpoint, variants in json.loads(item.read_text(encoding="utf-8")).items():
                    if not endpoint.startswith("$"):
                        data["operations"][endpoint]["variants"].extend(variants)
    return data


def operations() -> list[str]:
    return list(index()["operations"])


def operation(endpoint: str) -> dict[str, Any]:
    """The index entry of `endpoint` ("POST /api/chat"); KeyError names the known ones."""
    ops = index()["operations"]
    if endpoint not in ops:
        raise KeyError(f"unknown endpoint {endpoint!r}; known endpoints: {', '.join(ops)}")
    return dict(ops[endpoint])


@cache
def routes_added() -> dict[str, str]:
    """Route path -> the release that added it ("/v1/messages" -> "0.14.0"), for the routes whose
    operation has a `since` (reference §5): releases before it answer them 404 page not found."""
    added = {}
    for endpoint, entry in index()["operations"].items():
        if entry.get("since"):
            added[endpoint.split(" ", 1)[1]] = entry["since"]
    return added


@cache
def release(version: str) -> tuple[int, ...]:
    """A version's numbers: "0.12.9" -> (0, 12, 9); "v0.33.0-rc2" -> (0, 33, 0) (a suffix or a part
    that is no number ends them)."""
    numbers = []
    for part in version.lstrip("v").split("."):
        digits = part[: len(part) - len(part.lstrip("0123456789"))]
        if not digits:
            break
        numbers.append(int(digits))
        if digits != part:
            break
    return tuple(numbers)


def predates(version: str, path: str) -> bool:
    """Whether Ollama `version` came out before the route `path` was added (routes_added); a
    development build (0.0.0) or a version without numbers has every route."""
    since = routes_added().get(path)
    ours = release(version)
    return since is not None and ours not in ((0, 0, 0), ()) and ours < release(since)


@cache
def schema(path: str) -> dict[str, Any]:
    """A schema document by its path under schemas/ ("native/chat.response.json")."""
    return dict(_read_json("schemas/" + path))


@cache
def errors_catalog() -> dict[str, Any]:
    return dict(_read_json("errors.json"))


def message_status(key: str) -> int:
    return int(errors_catalog()["messages"][key]["status"])


def message(key: str, **values: Any) -> str:
    """The text of error `key` with its placeholders filled ({x} as is, {x:q} Go-quoted)."""
    return _GoFormatter().format(errors_catalog()["messages"][key]["text"], **values)


def go_quote(value: Any) -> str:
    """Go's %q of a string (strconv.Quote): printable runes kept, the C escapes for \\a \\b \\f
    \\n \\r \\t \\v, \\xNN for other control bytes, \\uNNNN / \\UNNNNNNNN for other unprintable runes."""
    out = ['"']
    for ch in str(value):
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif code < 0x80:
            out.append(ch if 0x20 <= code < 0x7F else f"\\x{code:02x}")
        elif _go_printable(ch):
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_printable(ch: str) -> bool:
    # Go's unicode.IsPrint: letters, marks, numbers, punctuation and symbols (spaces other than
    # U+0020, format and control characters, unassigned code points and surrogates are not)
    return unicodedata.category(ch)[0] in "LMNPS"


class _GoFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "q":
            return go_quote(value)
        return super().format_field(value, format_spec)


@cache
def key_order(path: str) -> tuple[str, ...]:
    """The property order of a response object schema: Ollama's (Go struct) key order."""
    return tuple(schema(path).get("properties", {}))


@cache
def metric_keys() -> tuple[str, ...]:
    """The six metrics of a final generation record (total_duration ... eval_duration), in
    Ollama's key order: the chat response's properties typed as a metric duration or count."""
    metric = ("/metric_duration", "/metric_count")
    properties = schema("native/chat.response.json")["properties"]
    return tuple(key for key, prop in properties.items() if str(prop.get("$ref", "")).endswith(metric))
