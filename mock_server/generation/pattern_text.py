"""Strings that match a JSON Schema `pattern`, for structured outputs and tool arguments.

Pydantic writes `pattern` for constrained strings (`constr(pattern=...)`, `Field(pattern=...)`);
Ollama turns a schema into a grammar and honours it, so the mock's output must match as well.
The pattern is parsed by Python's own regex parser and walked with the request's Random:
literals, classes, `.`, alternation, groups and repeats (capped a few past their minimum, or\nstretched to reach a minLength).
Lookarounds and anchors add nothing; the result is checked with `re.search` (JSON Schema
patterns are unanchored), and None means "no match found": the caller falls back.
"""

from __future__ import annotations

import random
import re
import string
from functools import lru_cache
from typing import Any

try:  # Python 3.11+: the parser behind `re`
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_CATEGORIES = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_DIGIT: string.ascii_letters + " _-",
    _c.CATEGORY_NOT_WORD: " -.,:",
    _c.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_MAX_REPEAT = 256  # a repeat needing more (a{2000000000}) is not attempted: no match, the caller falls back
_MAX_TEXT = 4096  # nor a match longer than this
_PRINTABLE = string.ascii_letters + string.digits + " -_.,:"
_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_EXTRA_REPEATS = 3  # how far past its minimum an open repeat (*, +, {n,}) goes
_TRIES = 8
_TRIES_FITTING = 32  # with length limits too: open repeats grow or shrink between tries


def matching(pattern: str, r: random.Random, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A string `re.search(pattern, ...)` accepts, drawn with `r`; None when none was found.
    Open repeats stretch or shrink to land within min_length..max_length when they can; a match
    that cannot is still returned (Ollama's grammar follows the pattern and ignores the lengths)."""
    read = _read(pattern)
    if read is None:
        return None
    parsed, compiled = read
    first, extra = None, _EXTRA_REPEATS
    for _ in range(_TRIES if not min_length and max_length is None else _TRIES_FITTING):
        groups: dict[int, str] = {}
        try:
            candidate = _walk(parsed, r, groups, extra)
        except (RecursionError, ValueError, IndexError):
            return first
        if len(candidate) <= _MAX_TEXT and compiled.search(candidate):
            if len(candidate) < min_length:
                extra = min(extra * 2 + 1, _MAX_REPEAT)
            elif max_length is not None and len(candidate) > max_length:
                extra //= 2
            else:
                return candidate
            first = first or candidate
    return first


@lru_cache(maxsize=256)  # a schema's pattern comes with every request that sends the schema; _walk only reads the tree
def _read(pattern: str) -> tuple[Any, re.Pattern[str]] | None:
    """The pattern's parse tree and compiled form; None when Python cannot read it."""
    try:
        return _p.parse(pattern), re.compile(pattern)
    except (re.error, RecursionError, ValueError):
        return None


@lru_cache(maxsize=256)
def backtracks_linearly(pattern: str) -> bool:
    """Whether `re.search(pattern, text)` is safe on a short text: no repeat holds another repeat
    or an alternation, the shapes ((a+)*, (a|ab)*) whose backtracking grows exponentially, and
    at most three repeats of variable count (each multiplies the work: .*.*.*.*x)."""
    read = _read(pattern)
    return read is not None and _flat(read[0], inside_repeat=False) and _variable_repeats(read[0]) <= 3


def _variable_repeats(items: Any) -> int:
    count = 0
    for op, arg in items:
        if op in _REPEATS:
            count += (arg[1] > arg[0]) + _variable_repeats(arg[2])
        elif op is _c.SUBPATTERN:
            count += _variable_repeats(arg[-1])
        elif op is _c.BRANCH:
            count += sum(_variable_repeats(branch) for branch in arg[1])
    return count


def _flat(items: Any, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            if inside_repeat or not _flat(body, inside_repeat=high > 1):
                return False
        elif op is _c.BRANCH:
            if inside_repeat or not all(_flat(branch, inside_repeat) for branch in arg[1]):
                return False
        elif op is _c.SUBPATTERN:
            if not _flat(arg[-1], inside_repeat):
                return False
        elif _ATOMIC is not None and op is _ATOMIC:
            if not _flat(arg, inside_repeat):
                return False
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if not _flat(arg[1], inside_repeat):
                return False
    return True


def _walk(items: Any, r: random.Random, groups: dict[int, str], extra: int = _EXTRA_REPEATS) -> str:
    out = "".join(_one(op, arg, r, groups, extra) for op, arg in items)
    if len(out) > _MAX_TEXT:  # nested repeats multiply: stop before they fill the memory
        raise ValueError("too long a match")
    return out


def _one(op: Any, arg: Any, r: random.Random, groups: dict[int, str], extra: int) -> str:
    if op is _c.LITERAL:
        return chr(arg)
    if op is _c.NOT_LITERAL:
        return r.choice([ch for ch in _PRINTABLE if ord(ch) != arg])
    if op is _c.ANY:
        return r.choice(_PRINTABLE)
    if op is _c.IN:
        return _from_class(arg, r)
    if op is _c.BRANCH:
        return _walk(r.choice(arg[1]), r, groups, extra)
    if op is _c.SUBPATTERN:
        group, body = arg[0], arg[-1]
        out = _walk(body, r, groups, extra)
        if group is not None:
            groups[group] = out
        return out
    if op in _REPEATS:
        low, high, body = arg
        if low > _MAX_REPEAT:
            raise ValueError("too many repeats")
        high = min(high, low + extra)  # short strings: open and wide repeats alike
        return "".join(_walk(body, r, groups, extra) for _ in range(r.randint(low, max(low, high))))
    if op is _c.GROUPREF:
        return groups.get(arg, "")
    if _ATOMIC is not None and op is _ATOMIC:
        return _walk(arg, r, groups, extra)
    return ""  # AT (anchors), ASSERT, ASSERT_NOT, ...: nothing to write


def _from_class(items: list[tuple[Any, Any]], r: random.Random) -> str:
    """One character of a [...] class (or \\d, \\w, \\s on their own)."""
    allowed: list[str] = []
    negate = False
    for op, arg in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            allowed.append(chr(arg))
        elif op is _c.RANGE:
            low, high = arg
            allowed.extend(chr(code) for code in range(low, min(high, low + 255) + 1))
        elif op is _c.CATEGORY:
            allowed.extend(_CATEGORIES.get(arg, ""))
    if negate:
        refused = set(allowed)
        allowed = [ch for ch in _PRINTABLE if ch not in refused]
    if not allowed:
        raise ValueError("an empty character class")
    return r.choice(allowed)
