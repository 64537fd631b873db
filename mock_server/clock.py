"""Time for the mock: a real or fixed clock, and Go-style RFC 3339 formatting.

Ollama writes `created_at` in UTC with "Z" and up to 9 fractional digits (trailing zeros
trimmed), and `modified_at` / `expires_at` in the server's local zone with a numeric offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone


class ClockError(ValueError):
    """A --clock value that is not an RFC 3339 instant."""


class Clock:
    """`now()` in UTC; frozen at `fixed` when given (then every timestamp is reproducible)."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self.fixed = fixed

    @classmethod
    def from_setting(cls, value: str | None) -> Clock:
        return cls(parse_rfc3339(value) if value is not None else None)  # "" (an unset $VAR) is no time

    def now(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    def local_zone(self) -> timezone | None:
        """The zone `modified_at` / `expires_at` are written in: UTC under a fixed clock, else None,
        the server's local zone with the offset in force at each instant (Go's time.Local: an
        August time is written in summer time even in November)."""
        return UTC if self.fixed is not None else None


def parse_rfc3339(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        raise ClockError(f"--clock has value {value!r}: not an RFC 3339 time such as 2026-01-02T03:04:05Z") from None
    if parsed.tzinfo is None:
        raise ClockError(f"--clock has value {value!r}: add a zone, e.g. Z or +02:00")
    if parsed.year > _LAST_YEAR:  # expires_at of a keep_alive "forever" is ~292 years on: it must fit
        raise ClockError(f"--clock has value {value!r}: the year must be {_LAST_YEAR} or earlier "
                         "(a model kept loaded forever expires 292 years later)")
    return parsed.astimezone(UTC)


_LAST_YEAR = 9999 - 300


def _trim_fraction(text: str) -> str:
    # Python < 3.11 accepts only 3 or 6 fractional digits; Go allows up to 9.
    if "." not in text:
        return text
    head, _, tail = text.partition(".")
    count = len(tail) - len(tail.lstrip("0123456789"))
    digits, zone = tail[:count], tail[count:]
    return f"{head}.{(digits + '000000')[:6]}{zone}"


def format_local(moment: datetime, zone: timezone | None) -> str:
    """Go's time.RFC3339Nano in `zone`: "2025-05-10T08:06:48.639712-07:00" ("Z" for UTC)."""
    text = _format(moment.astimezone(zone))
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _format(moment: datetime) -> str:
    base = f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")  # glibc's %Y writes year 1 as "1"
    frac = f"{moment.microsecond:06d}".rstrip("0")
    offset = moment.strftime("%z") or "+0000"
    return f"{base}{'.' + frac if frac else ''}{offset[:3]}:{offset[3:]}"


DIGITS = [f"{i:03d}" for i in range(1000)]
TRIMMED = [digits.rstrip("0") for digits in DIGITS]  # "120" -> "12", "000" -> ""


class Stamps:
    """`created_at` of the records of one response: one clock reading, advanced `tick_us` per step.

    Ollama stamps each record when it writes it; the mock reads the clock once per request and
    spaces the records by the request's per-token time in whole milliseconds (metrics.tick_us),
    which keeps them non-decreasing (and equal to a fixed --clock plus the same offsets). Each stamp is what `created_at(now + step *
    tick)` prints, but the date and time of day are formatted once per second of stream time.
    """

    __slots__ = ("_start", "_micro", "_tick", "_second", "_prefix", "_base")

    def __init__(self, now: datetime, tick_us: int) -> None:
        moment = now if now.tzinfo is UTC else now.astimezone(UTC)
        self._start = moment  # the whole second is taken from here, the fraction from _micro
        self._micro = moment.microsecond
        self._tick = tick_us
        self._second = -1  # seconds after _start's second that _prefix is for
        self._prefix = ""
        self._base = _utc_second(moment)  # _start's second, as the key of _PREFIXES

    def at(self, step: int) -> str:
        """RFC 3339 in UTC with Z, trailing zeros of the fraction trimmed (Go's RFC3339Nano)."""
        return self._stamp(self._micro + step * self._tick)

    def many(self, first: int, count: int) -> list[str]:
        """The stamps of steps first .. first + count - 1 (the hot loop of every stream): one
        list comprehension per whole second of stream time, the date formatted once for it."""
        out: list[str] = []
        for head, micros in self.segments(first, count):
            dot = head + "."  # the fraction from two 3-digit tables: no formatting per stamp
            out += [dot + DIGITS[m // 1000] + TRIMMED[m % 1000] + "Z" if m % 1000
                    else (dot + TRIMMED[m // 1000] + "Z" if m else head + "Z") for m in micros]
        return out

    def segments(self, first: int, count: int) -> list[tuple[str, Sequence[int]]]:
        """Steps first .. first + count - 1 by whole second: (date and time of day, the
        microseconds into that second of each step). Stamp = head + fraction(micro) + "Z"."""
        tick = self._tick
        micro = self._micro + first * tick
        if count <= 0:
            return []
        if tick == 0:
            second = micro // 1_000_000
            return [(self._prefix_at(second), [micro - second * 1_000_000] * count)]
        out: list[tuple[str, Sequence[int]]] = []
        stop = micro + count * tick
        while micro < stop:
            second = micro // 1_000_000
            head = self._prefix if second == self._second else self._prefix_at(second)
            base = second * 1_000_000
            end = min(stop, base + 1_000_000)
            out.append((head, range(micro - base, end - base, tick)))
            micro += -(-(end - micro) // tick) * tick  # the first step at or after `end`
        return out

    def _stamp(self, micro: int) -> str:
        second, micro = divmod(micro, 1_000_000)
        head = self._prefix_at(second)
        if micro % 1000:
            return head + "." + DIGITS[micro // 1000] + TRIMMED[micro % 1000] + "Z"
        return head + "." + TRIMMED[micro // 1000] + "Z" if micro else head + "Z"

    def _prefix_at(self, second: int) -> str:
        if second != self._second:
            self._second = second
            self._prefix = _PREFIXES.get(self._base + second) or _prefix(self._start, second)
        return self._prefix


def stamp_after(now: datetime, micros: int) -> str:
    """`Stamps(now, tick).at(step)` for micros = step * tick: one record's created_at, without
    the object (a stream:false answer has one)."""
    moment = now if now.tzinfo is UTC else now.astimezone(UTC)
    second, micro = divmod(moment.microsecond + micros, 1_000_000)
    head = _prefix(moment, second)
    if micro % 1000:
        return head + "." + DIGITS[micro // 1000] + TRIMMED[micro % 1000] + "Z"
    return head + "." + TRIMMED[micro // 1000] + "Z" if micro else head + "Z"


def _prefix(start: datetime, second: int) -> str:
    """"YYYY-MM-DDTHH:MM:SS" of the UTC second `second` seconds after `start`'s."""
    key = _utc_second(start) + second
    text = _PREFIXES.get(key)
    if text is None:  # formatting a datetime costs ~10x the lookup; requests share their second
        moment = start.replace(microsecond=0) + timedelta(seconds=second) if second else start
        text = moment.replace(microsecond=0, tzinfo=None).isoformat()  # "YYYY-MM-DDTHH:MM:SS"
        if len(_PREFIXES) >= 4096:
            _PREFIXES.clear()
        _PREFIXES[key] = text
    return text


def _utc_second(moment: datetime) -> int:
    """The UTC second `moment` is in, counted from 0001-01-01 (a key that needs no tuple)."""
    return moment.toordinal() * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second


# the UTC second (_utc_second) -> "YYYY-MM-DDTHH:MM:SS"
_PREFIXES: dict[int, str] = {}
