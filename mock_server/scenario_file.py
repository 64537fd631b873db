"""Reading scenario files (YAML or JSON) with the line of every value, for one-line errors.

`read(path)` returns the parsed document and a map from a value's path (a tuple of keys and
indexes) to its 1-based line, so that a validation error can say "scenario.yaml:12: ...".
YAML is parsed with pyyaml, imported here only (the mock's start path never imports it
unless a YAML scenario file is given). JSON files are parsed by `json` (exact JSON semantics);
their lines come from one pass over the text (`_json_lines`, the lines the YAML composer gives
for them, without pyyaml's 30 ms import).
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's own string scanner (C)
from json.scanner import NUMBER_RE
from pathlib import Path
from typing import Any

Lines = dict[tuple[Any, ...], int]


class ScenarioError(ValueError):
    """A scenario file or rule that cannot be used (message: one line, with file and line)."""


def read(path: str | Path) -> tuple[Any, Lines]:
    """The document in `path` and the line of each of its values."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x})") from None
    try:
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError as exc:  # a JSONDecodeError, or an integer of more than 4300 digits
                line = getattr(exc, "lineno", 0)
                raise ScenarioError(f"{path}:{line}: invalid JSON: {getattr(exc, 'msg', exc)}") from None
            return data, _json_lines(text)
        return _read_yaml(path, text)
    except _Duplicate as exc:  # json.loads and pyyaml keep the last of two equal keys: the first was dropped unseen
        line, key, first = exc.args
        raise ScenarioError(f"{path}:{line}: duplicate key {key!r} (first at line {first})") from None
    except RecursionError:  # json and pyyaml recurse once per level of nesting
        raise ScenarioError(f"{path}: values nested too deeply to read (no scenario needs more than a few levels)") from None


def _read_yaml(path: Path, text: str) -> tuple[Any, Lines]:
    import yaml  # lazily: only scenario files need it

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines = _lines(path, node)  # before construction, which merges `<<` keys into the mappings
        data = loader.construct_document(node) if node is not None else None
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ScenarioError(f"{path}:{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    except ValueError as exc:  # a constructor's: an integer of more than 4300 digits, a date such as 2024-13-01
        raise ScenarioError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
    return data, lines


def _lines(path: Path, node: Any) -> Lines:
    """The line of each value of a composed YAML document (_Duplicate for a key given twice)."""
    lines: Lines = {}
    if node is not None:
        try:
            _walk(node, (), lines)
        except RecursionError:  # an anchor that holds itself (- &a [*a]): no document a rule can be
            raise ScenarioError(f"{path}:{node.start_mark.line + 1}: invalid YAML: a value that contains itself "
                                "(a recursive anchor)") from None
    return lines


def _json_lines(text: str) -> Lines:
    """The line of each value (and key) of a JSON text that json.loads accepted."""
    breaks = [found.start() for found in re.finditer("\n", text)]
    lines: Lines = {}

    def skip(at: int) -> int:
        return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # [ \t\n\r]* always matches

    def value(at: int, path: tuple[Any, ...]) -> int:
        """Record the value starting at `at` (and what it holds); the index after it."""
        at = skip(at)
        lines[path] = bisect.bisect_left(breaks, at) + 1
        char = text[at]
        if char == '"':
            return int(scanstring(text, at + 1)[1])
        if char in "[{":
            close, index = ("]", 0) if char == "[" else ("}", None)
            keys: dict[str, int] = {}  # this object's keys: their lines
            at = skip(at + 1)
            while text[at] != close:
                if index is None:  # a key, then ':' and its value
                    key, end = scanstring(text, at + 1)
                    line = lines[(*path, key, "<key>")] = bisect.bisect_left(breaks, at) + 1
                    if key in keys:
                        raise _Duplicate(line, key, keys[key])
                    keys[key] = line
                    at = skip(value(skip(end) + 1, (*path, key)))
                else:
                    at = skip(value(at, (*path, index)))
                    index += 1
                if text[at] == ",":
                    at = skip(at + 1)
            return at + 1
        number = NUMBER_RE.match(text, at)
        if number is not None:
            return number.end()
        for word in ("true", "false", "null", "NaN", "Infinity", "-Infinity"):
            if text.startswith(word, at):
                return at + len(word)
        raise ValueError(f"not JSON at {at}")  # json.loads accepted the text: cannot happen

    try:
        value(0, ())
    except (ValueError, IndexError):  # line numbers are a nicety; the document parsed already
        return {}
    return lines


_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


class _Duplicate(Exception):
    """A mapping key given twice (line, key, line of the first)."""


def _walk(node: Any, path: tuple[Any, ...], lines: Lines, done: dict[int, bool] | None = None) -> None:
    import yaml

    done = {} if done is None else done
    lines[path] = node.start_mark.line + 1
    if id(node) in done:  # an alias: its values' lines are the anchor's, walked once (nested aliases
        if not done[id(node)]:  # would otherwise cost exponential time and memory: "billion laughs")
            raise RecursionError  # an anchor inside itself
        return
    done[id(node)] = False
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, Any], int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key != "<<":  # "<<": merge keys may repeat
                if (key_node.tag, key) in first:  # pyyaml keeps the last silently: a second `match:`
                    raise _Duplicate(line, key, first[(key_node.tag, key)])  # would drop the first unseen
                first[(key_node.tag, key)] = line
            lines[path + (key, "<key>")] = line
            _walk(value_node, (*path, key), lines, done)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, done)
    done[id(node)] = True


def line_of(lines: Lines, path: tuple[Any, ...], *, key: bool = False) -> int:
    """The line of `path` (of its key when `key`), else of its nearest parent; 0 if unknown."""
    if key and path + ("<key>",) in lines:
        return lines[path + ("<key>",)]
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 0)
