"""A byte template for the text records of a native stream (the bulk of every stream).

Each text record of a chat or generate stream has one fixed shape; only its `created_at` and
its text differ. `TextRun` keeps the stamps and pieces and writes those lines by string
concatenation (`wire.template_lines`) instead of building and walking a dict per record; the
records before and after the run (thinking, tool calls, the final record) go through the general
encoder. The Stream's items are a `LazyItems` list: the Chunk objects are built only if someone
other than `wire` looks at them (a /v1 layer, a fault). `wire` uses the template only while the
Stream still holds the very list it was made for, so a transformer that rebuilds the items falls
back to the general path; the bytes are the same either way (tests/mock/test_speed_equivalence.py).
"""

from __future__ import annotations

from typing import Any

from ..clock import Stamps
from ..outcome import Stream, StreamItem, stream_of, undelayed
from ..wire import dumps, encode_items, template_lines

_MIDDLE = {"chat": '","message":{"role":"assistant","content":', "generate": '","response":'}
_TAIL = {"chat": '},"done":false}\n', "generate": ',"done":false}\n'}


class TextRun:
    """Records `before`, then one text record per piece (stamped `stamps`), then `after`."""

    __slots__ = ("items", "kind", "model", "stamps", "first", "pieces", "before", "after")

    def __init__(self, kind: str, model: str, stamps: Stamps, pieces: list[str],
                 before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
        self.items: list[StreamItem] = []  # the Stream's own list, set by `stream`
        self.kind, self.model, self.stamps, self.pieces = kind, model, stamps, pieces
        self.before, self.after, self.first = before, after, len(before)  # text record i is step first + i

    def bodies(self) -> list[dict[str, Any]]:
        """All record bodies, as the general renderer builds them."""
        model, texts, stamps = self.model, self.pieces, self.stamps.many(self.first, len(self.pieces))
        if self.kind == "chat":
            run = [{"model": model, "created_at": stamp, "message": {"role": "assistant", "content": piece}, "done": False}
                   for stamp, piece in zip(stamps, texts, strict=True)]
        else:
            run = [{"model": model, "created_at": stamp, "response": piece, "done": False}
                   for stamp, piece in zip(stamps, texts, strict=True)]
        return [*self.before, *run, *self.after]

    def encode(self) -> bytes:
        """The NDJSON bytes of all records, as `wire` writes them in the general path."""
        head = '{"model":' + dumps(self.model).decode("utf-8") + ',"created_at":"'
        segments = self.stamps.segments(self.first, len(self.pieces))
        run = template_lines(segments, head, _MIDDLE[self.kind], self.pieces, _TAIL[self.kind])
        return _lines(self.before) + run + _lines(self.after)


def _lines(bodies: list[dict[str, Any]]) -> bytes:
    # one record (the final one) is the usual case: its line, as encode_items writes it
    if len(bodies) == 1:
        return dumps(bodies[0]) + b"\n"
    return encode_items(undelayed(bodies), "ndjson") if bodies else b""


class LazyItems(list):  # type: ignore[type-arg]
    """A list of the run's Chunks, filled on first use: every way of reading or changing it
    (Python or C, e.g. list(x), x[1:], len(x), x == y, iteration) goes through a method below."""

    __slots__ = ("_run",)

    def __init__(self, run: TextRun) -> None:
        super().__init__()
        self._run: TextRun | None = run

    def _fill(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            list.extend(self, undelayed(run.bodies()))


def _filled(name: str) -> Any:
    method = getattr(list, name)

    def call(self: LazyItems, *args: Any, **kwargs: Any) -> Any:
        if self._run is not None:
            self._fill()
        return method(self, *args, **kwargs)

    call.__name__ = name
    return call


for _name in ("__len__", "__iter__", "__getitem__", "__contains__", "__reversed__", "__eq__", "__ne__", "__lt__",
              "__le__", "__gt__", "__ge__", "__add__", "__mul__", "__rmul__", "__iadd__", "__imul__", "__setitem__",
              "__delitem__", "__repr__", "__reduce_ex__", "__sizeof__", "append", "extend", "insert", "pop",
              "remove", "clear", "sort", "reverse", "index", "count", "copy"):
    setattr(LazyItems, _name, _filled(_name))
LazyItems.__hash__ = None  # type: ignore[assignment]


def _radd(self: LazyItems, other: Any) -> Any:
    if self._run is not None:
        self._fill()
    return other + list(self) if isinstance(other, list) else NotImplemented


LazyItems.__radd__ = _radd  # type: ignore[attr-defined]


def stream(run: TextRun, headers: dict[str, str]) -> Stream:
    """An undelayed native Stream of the run's records, with the run as its template."""
    items = LazyItems(run)
    run.items = items
    return stream_of(items, headers, template=run)


def eager(run: TextRun, headers: dict[str, str]) -> Stream:
    """The same Stream the general way: Chunks built now, no template."""
    return Stream(undelayed(run.bodies()), headers=headers)
