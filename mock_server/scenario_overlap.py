"""How two scenario rules overlap: the warnings printed when a scenario is loaded.

An earlier rule that matches every request a later one matches makes the later one dead
("can never match"); two rules that share some requests make the first win silently ("can both
match"). A more general rule after a specific one is the usual catch-all and is not reported.
"""

from __future__ import annotations

from typing import Any

from .scenario_match import Matcher
from .scenario_rules import Rule


def overlap_warnings(rules: list[Rule]) -> list[str]:
    """Messages for rule pairs that can match the same request (see `relation`)."""
    out: list[str] = []
    for i, b in enumerate(rules):
        out += overlaps_with_earlier(rules[:i], b)
    return out


def overlaps_with_earlier(earlier: list[Rule], b: Rule) -> list[str]:
    """Messages for the rules before `b` that can match a request `b` matches."""
    out = []
    for a in earlier:
        if a.after_sequence == "fall_through":
            continue  # an earlier rule that runs out on purpose hands over to later ones
        rel = relation(a.matcher, b.matcher)
        if rel == "shadows":
            out.append(
                f"{b.source}: rule {b.name!r} can never match: rule {a.name!r} ({a.source}) "
                f"matches every request it matches and comes first"
            )
        elif rel == "partial":
            out.append(
                f"{a.source}: rules {a.name!r} and {b.name!r} ({b.source}) can both match the "
                f"same request; {a.name!r} wins (first match)"
            )
    return out


def relation(a: Matcher, b: Matcher) -> str:
    """How the requests of earlier rule `a` relate to later rule `b`'s.

    "disjoint", "shadows" (every request b matches, a matches first), "fallback" (b is more
    general: the intended catch-all), or "partial". Two different substrings are treated as
    disjoint (a message containing both is not what scenario authors mean), as are two
    different regexes; a regex and a substring overlap when the regex finds the substring.
    """
    rels = [
        _sets(a.endpoints, b.endpoints),
        _sets(a.models, b.models),
        _text(a, b),
        _bools(a.tools, b.tools),
        _bools(a.tool_results, b.tool_results),
        _sets(a.turns, b.turns),
        _headers(a.headers, b.headers),
    ]
    if "disjoint" in rels:
        return "disjoint"
    if all(r in ("equal", "wider") for r in rels):
        return "shadows"
    if all(r in ("equal", "narrower") for r in rels):
        return "fallback"
    return "partial"


def _sets(a: frozenset[Any] | None, b: frozenset[Any] | None) -> str:
    if a is None and b is None:
        return "equal"
    if a is None:
        return "wider"
    if b is None:
        return "narrower"
    if a == b:
        return "equal"
    if not a & b:
        return "disjoint"
    return "wider" if a > b else "narrower" if a < b else "partial"


def _bools(a: bool | None, b: bool | None) -> str:
    return _sets(None if a is None else frozenset([a]), None if b is None else frozenset([b]))


def _headers(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> str:
    # Header constraints are conjunctive: more pairs = fewer requests; one name, two values = disjoint.
    da, db = dict(a), dict(b)
    if any(name in db and db[name] != value for name, value in da.items()):
        return "disjoint"
    sa, sb = set(a), set(b)
    if sa == sb:
        return "equal"
    return "wider" if sa < sb else "narrower" if sb < sa else "partial"


def _text(a: Matcher, b: Matcher) -> str:
    ka, kb = (
        (a.message, a.regex.pattern if a.regex else None),
        (b.message, b.regex.pattern if b.regex else None),
    )
    if ka == kb:
        return "equal"
    if ka == (None, None):
        return "wider"
    if kb == (None, None):
        return "narrower"
    if a.regex is None and b.regex is None:
        assert a.message is not None and b.message is not None
        if a.message in b.message:
            return "wider"
        return "narrower" if b.message in a.message else "disjoint"
    for rx, text in ((a.regex, b.message), (b.regex, a.message)):
        if rx is not None and text is not None and rx.search(text):
            return "partial"
    return "disjoint"
