"""Go's durations as Ollama reads them: time.ParseDuration (its exact messages) and api.Duration's
keep_alive, which takes a number of seconds or a duration string (reference §0.4, §0.6)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_DURATION_S = (2**63 - 1) / 1e9  # Go's time.Duration: int64 nanoseconds


def keep_alive_seconds(value: Any) -> float | None:
    """A keep_alive as Go's api.Duration holds it, in seconds: None when absent or a bool (the
    server's default), -1.0 for "forever" (negative values), else whole nanoseconds (Go
    truncates: 1e-10 s is 0, an unload). ValueError (Go's message) for a bad duration string.

    A number past int64 nanoseconds also counts as forever: Go's float-to-int conversion of it
    depends on the CPU (amd64 gives a negative, arm64 the maximum), and no answer is a 500."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an integer too large for a float
            return -1.0
    else:
        seconds = parse_go_duration(str(value))
    if seconds < 0 or seconds > MAX_DURATION_S:
        return -1.0
    return int(seconds * 1e9) / 1e9


@lru_cache(maxsize=256)
def parse_go_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds; ValueError with Go's exact message."""
    quoted = _time_quote(text)
    rest = text[1:] if text[:1] in ("+", "-") else text
    sign = -1.0 if text[:1] == "-" else 1.0
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        whole, rest = _take(rest, "0123456789")
        frac = ""
        if rest[:1] == ".":
            frac, rest = _take(rest[1:], "0123456789")
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {quoted}")
        count = next((i for i, ch in enumerate(rest) if ch in ".0123456789"), len(rest))
        unit, rest = rest[:count], rest[count:]
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise ValueError(f"time: unknown unit {_time_quote(unit)} in duration {quoted}")
        total += float(f"{whole or 0}.{frac or 0}") * _UNITS[unit]
    if total > MAX_DURATION_S:  # Go's int64 nanoseconds overflow
        raise ValueError(f"time: invalid duration {quoted}")
    return sign * total


def _time_quote(text: str) -> str:
    """Go's time.quote (not strconv's): every byte of a non-ASCII or control character as \\xNN."""
    out = ['"']
    for ch in text:
        if ch >= "\x80" or ch < " ":
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8"))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


def _take(text: str, chars: str) -> tuple[str, str]:
    count = len(text) - len(text.lstrip(chars))
    return text[:count], text[count:]
