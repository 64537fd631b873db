"""Tool calling out of the box: which tool to call, with which arguments, and the answer after.

The model calls the tool the user's message names (else the first one), fills the arguments
from the parameter schema (required properties, enums, defaults, types, nesting) and, for
string fields, from what the user wrote ("weather in Paris" -> location "Paris"; a place written in
lower case at the end, "the weather in tokyo?", -> "Tokyo", as docs/api.md's examples write it). After tool
results it answers in text that quotes them.
"""

from __future__ import annotations

import re
import string
from typing import Any

from ..reply import ToolCallPlan
from . import structured, text

_PLACE_KEYS = ("city", "location", "place", "country", "town", "region", "destination", "where", "address")
_TEXT_KEYS = ("query", "search", "question", "prompt", "topic", "text", "input", "message", "q", "term")
_ALNUM = string.ascii_lowercase + string.digits


def functions(tools: list[Any]) -> list[dict[str, Any]]:
    """The function definitions of `tools`, with or without the {"type","function"} wrapper."""
    out = []
    for tool in tools:
        if isinstance(tool, dict):
            fn = structured.mapping(tool.get("function")) or tool
            if isinstance(fn.get("name"), str):
                out.append(fn)
    return out


def choose(fns: list[dict[str, Any]], user_text: str) -> dict[str, Any]:
    """The tool the user names (by name, or by its words: "get weather"), else the first."""
    low = user_text.lower()
    named = [fn for fn in fns if _names(fn["name"].lower(), low)]
    if named:  # "search_web" beats "search" when the user says search_web
        return max(named, key=lambda fn: len(fn["name"]))
    for fn in fns:
        words = [
            w for w in re.split(r"[_\W]+", _split_camel(fn["name"]).lower()) if len(w) > 3 and w != "get"
        ]
        if words and all(w in low for w in words):
            return fn
    return fns[0]


def _names(name: str, text: str) -> bool:
    """Whether `text` says the tool's name as a whole word ("add" is not said in "address")."""
    return any(
        re.search(rf"(?<![\w-]){re.escape(spelled)}(?![\w-])", text)
        for spelled in {name, name.replace("_", " ")} if spelled
    )


def plan_calls(fn: dict[str, Any], seed: bytes, user_text: str) -> list[ToolCallPlan]:
    """One call, or one per place when the user names several ("in Paris and in London")."""
    props = structured.mapping(structured.mapping(fn.get("parameters")).get("properties"))
    places = _proper_nouns(user_text)[:4]
    if len(places) < 2 or not any(k in name.lower() for name in props for k in _PLACE_KEYS):
        return [plan_call(fn, seed, user_text)]
    return [plan_call(fn, seed + bytes([i]), user_text, place) for i, place in enumerate(places)]


def plan_call(fn: dict[str, Any], seed: bytes, user_text: str, place: str | None = None) -> ToolCallPlan:
    """A call to `fn` with arguments synthesised from its parameter schema."""
    params = {**structured.mapping(fn.get("parameters")), "type": "object"}
    hint = hinter(user_text, place)
    args = structured.generate(params, seed + fn["name"].encode(), hint, all_properties=False)
    if not args and structured.mapping(params.get("properties")):
        first = next(iter(params["properties"]))
        args = structured.generate({**params, "required": [first]}, seed, hint, False)
    return ToolCallPlan(name=fn["name"], arguments=args if isinstance(args, dict) else {})


def call_id(seed: bytes, index: int) -> str:
    """ "call_" + 8 lowercase alphanumerics, fixed by the request and the call's position."""
    number, chars = text.numbers(seed, f"call-id-{index}", 1)[0], []
    for _ in range(8):  # 36 ** 8 < 2 ** 64: eight base-36 digits of one draw
        number, digit = divmod(number, 36)
        chars.append(_ALNUM[digit])
    return "call_" + "".join(chars)


def answer_from_results(messages: list[dict[str, Any]], seed: bytes) -> str:
    """A text answer that quotes the tool results at the end of the conversation."""
    results = trailing_results(messages)
    quoted = "; ".join(f"{name} returned {content}" for name, content in results)
    closing = text.paragraph(seed, " ".join(c for _, c in results), "tool-answer", (8, 18))
    return f"Based on the tool results: {quoted}. {closing}"


def trailing_results(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tool name, content) of the tool messages after the last non-tool message."""
    tail: list[dict[str, Any]] = []
    for msg in reversed(messages):
        if msg.get("role") != "tool":
            break
        tail.insert(0, msg)
    return [(_tool_name(msg, messages), str(msg.get("content") or "")) for msg in tail]


def _tool_name(msg: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    for key in ("tool_name", "name"):
        if isinstance(msg.get(key), str) and msg[key]:
            return str(msg[key])
    wanted = msg.get("tool_call_id")
    for earlier in messages:
        for call in earlier.get("tool_calls") or []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and (wanted is None or call.get("id") == wanted):
                return str(fn.get("name") or "the tool")
    return "the tool"


def hinter(user_text: str, place: str | None = None) -> structured.Hint:
    places = [place] if place else _proper_nouns(user_text)
    written = None if places else _place_written_lowercase(user_text)
    if written:
        places = [written]  # for a place field only: "the weather in tokyo?" -> city "Tokyo"
    quoted = re.findall(r"[\"'`“‘]([^\"'`”’]{1,80})[\"'`”’]", user_text)
    topics = text.topic_words(user_text, 4)

    def hint(name: str, schema: dict) -> Any:
        key = name.lower()
        if any(k in key for k in _PLACE_KEYS) and places:
            return places[0]
        if quoted:
            return quoted[0]
        if any(k == key or key.endswith("_" + k) or key.startswith(k) for k in _TEXT_KEYS) and topics:
            return " ".join(topics)
        if places and "name" in key and places[0] != written:
            return places[0]
        return None

    return hint


def _proper_nouns(sentence: str) -> list[str]:
    """Runs of capitalised words that do not start the sentence: "San Francisco", "Paris"."""
    found = []
    text = sentence.strip()
    for match in re.finditer(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*)", text):
        if match.start() > 0 and match.group(1).lower() not in ("i", "what", "the"):
            if not _INTRODUCED.search(text[: match.start()]):  # "I am Bob": a person, not a place
                found.append(match.group(1))
    return found


_TIME_WORDS = {"today", "tonight", "tomorrow", "now", "currently", "right", "please", "yesterday"}


def _place_written_lowercase(sentence: str) -> str | None:
    """The words after a closing "in"/"at", when the user wrote the place in lower case:
    "what is the weather in tokyo?" -> "Tokyo", "in new york right now" -> "New York"."""
    tail = sentence.strip()[-60:]  # a place of three words at the end fits: the search stays short on long texts
    match = re.match(r".*\b(?:in|at)\s+([a-z][a-z' -]*?)[\s?.!]*$", tail, re.DOTALL)  # the last "in"
    if not match:
        return None
    words = match.group(1).split()
    while words and words[-1] in _TIME_WORDS:
        words.pop()
    if not words or len(words) > 3 or any(w in ("the", "a", "an", "my", "this", "that", "it") for w in words):
        return None
    return " ".join(w.capitalize() for w in words)


_INTRODUCED = re.compile(r"\b(?:i am|i'm|my name is|call me)\s+$", re.IGNORECASE)  # not "a town called X"


def _split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
