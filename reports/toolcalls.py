"""The native-vs-/v1 tool-calling table: checks of category tool-calling paired by behaviour.

Pairing rule (also in reports/README.md):
1. A check's side is its endpoint: a path under /api/ is "native", under /v1/ is "/v1".
2. Its behaviour key is the result's optional `behaviour` field when the suite sets one;
   otherwise its id without the API prefix (the first dot segment: native, v1, api, openai),
   without a trailing ".present", and with the two APIs' words for the same thing made equal
   (done-reason = finish-reason). "native.chat.tool-calls.index" and
   "v1.chat.tool-calls.index" share the key "chat.tool-calls.index".
3. A check left alone after that is paired with the one check of the other side that is also
   alone and names the same compat-gaps.md row (e.g. native "arguments-object" and /v1
   "arguments-json-string", both gap 22). Anything still alone gets a row with one side empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Report, Result

_PREFIXES = ("native", "v1", "api", "openai")
_SYNONYMS = {"done-reason": "finish-reason"}


@dataclass(frozen=True)
class Pair:
    behaviour: str
    native: Result | None
    v1: Result | None

    @property
    def verdict(self) -> str:
        """What the side-by-side says: a /v1 gap is told apart from a model that never called."""
        if self.native is None or self.v1 is None:
            return "one side only"
        n, v = self.native.outcome, self.v1.outcome
        if "skipped" in (n, v):
            return "not compared (skipped)"
        if n == "passed" and v == "passed":
            return "same"
        if n == "passed":
            return "/v1 differs"
        if v == "passed":
            return "native differs"
        return "both fail: model or server"


def side(result: Result) -> str | None:
    path = result.endpoint.partition(" ")[2] or result.endpoint
    if path.startswith("/api/"):
        return "native"
    if path.startswith("/v1/"):
        return "v1"
    return None


def behaviour_key(result: Result) -> str:
    if result.behaviour:
        return result.behaviour
    parts = result.id.split(".")
    if len(parts) > 1 and parts[0] in _PREFIXES:
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] == "present":
        parts = parts[:-1]
    return ".".join(_SYNONYMS.get(part, part) for part in parts)


def pairs(report: Report) -> list[Pair]:
    """Rows of the table: paired behaviours first, each group in the order of the report."""
    by_key: dict[str, dict[str, Result]] = {}
    for result in report.results:
        where = side(result)
        if result.category != "tool-calling" or where is None:
            continue
        by_key.setdefault(behaviour_key(result), {}).setdefault(where, result)
    _pair_lone_by_gap(by_key)
    rows = [Pair(key, sides.get("native"), sides.get("v1")) for key, sides in by_key.items()]
    return sorted(rows, key=lambda p: p.native is None or p.v1 is None)  # stable: report order kept


def _pair_lone_by_gap(by_key: dict[str, dict[str, Result]]) -> None:
    lone: dict[tuple[str, int], list[str]] = {}
    for key, sides in by_key.items():
        if len(sides) == 1:
            (where, result), = sides.items()
            if result.gap is not None:
                lone.setdefault((where, result.gap), []).append(key)
    for (where, gap), keys in lone.items():
        if where != "native" or len(keys) != 1:
            continue
        others = lone.get(("v1", gap), [])
        if len(others) == 1:
            native_key, v1_key = keys[0], others[0]
            by_key[native_key]["v1"] = by_key.pop(v1_key)["v1"]
