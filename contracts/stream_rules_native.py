"""Grammar rules of the native NDJSON streams (reference §2.1-§2.3, §4.2).

Grammars "native-generation" (generate, chat) and "native-progress" (pull, push, create).
A stream ends with its success record (done:true / status "success") or with one
in-band error line {"error": "..."}; nothing may follow either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .loader import metric_keys
from .stream_parse import Parsed, grammar_violation
from .validation import Violation

FINAL_ONLY = ("done_reason", "context", *metric_keys())


def _is_error(data: dict[str, Any]) -> bool:
    return "error" in data


def _is_success(parsed: Parsed, data: dict[str, Any]) -> bool:
    if parsed.grammar == "native-progress":
        return data.get("status") == "success"
    return data.get("done") is True


def _success_name(parsed: Parsed) -> str:
    return 'status "success"' if parsed.grammar == "native-progress" else "done:true"


def terminal(parsed: Parsed) -> Iterable[Violation]:
    objects = parsed.objects
    if not objects:
        return
    last = objects[-1]
    if not (_is_success(parsed, last.data) or _is_error(last.data)):
        yield grammar_violation(
            parsed,
            "terminal",
            last.index,
            f"the stream ends at line {last.index + 1} without a {_success_name(parsed)} record or an error line",
        )


def single_done(parsed: Parsed) -> Iterable[Violation]:
    done = [r for r in parsed.objects if r.data.get("done") is True]
    for extra in done[1:]:
        yield grammar_violation(
            parsed,
            "single-done",
            extra.index,
            f"a second done:true record (first at line {done[0].index + 1})",
        )


def nothing_after_terminal(parsed: Parsed) -> Iterable[Violation]:
    ended: str | None = None
    pulling_first = _pulls_from_first(parsed)
    for record in parsed.objects:
        if ended is not None:
            yield grammar_violation(
                parsed, "nothing-after-terminal", record.index, f"a record after the {ended}"
            )
            continue
        if _is_error(record.data):
            ended = f"error line {record.index + 1}"
        elif _is_success(parsed, record.data):
            if pulling_first:  # the pull's own success: the create lines follow it
                pulling_first = False
                continue
            ended = f"{_success_name(parsed)} record at line {record.index + 1}"


def _pulls_from_first(parsed: Parsed) -> bool:
    """A create whose `from` model was missing: its stream starts with that model's whole pull,
    which PullModel ends with a "success" line of its own (§1.8, §2.3)."""
    request, objects = parsed.request, parsed.objects
    return (parsed.grammar == "native-progress" and isinstance(request, dict) and bool(request.get("from"))
            and bool(objects) and objects[0].data == {"status": "pulling manifest"})


def final_only_fields(parsed: Parsed) -> Iterable[Violation]:
    for record in parsed.objects:
        if record.data.get("done") is True or _is_error(record.data):
            continue
        early = [key for key in FINAL_ONLY if key in record.data]
        if early:
            yield grammar_violation(
                parsed, "final-only-fields", record.index, f"{', '.join(early)} on a done:false record"
            )


def error_not_first(parsed: Parsed) -> Iterable[Violation]:
    objects = parsed.objects
    if objects and _is_error(objects[0].data):
        yield grammar_violation(
            parsed,
            "error-not-first",
            objects[0].index,
            "an error line as the first record (Ollama answers an HTTP error instead)",
        )


RULES = {
    "error-not-first": error_not_first,
    "terminal": terminal,
    "single-done": single_done,
    "nothing-after-terminal": nothing_after_terminal,
    "final-only-fields": final_only_fields,
}
